"""Exception types users catch.

Every error tsrnn raises about user input subclasses ValueError; training failures subclass RuntimeError.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError

__all__ = ["DataError", "NotFittedError", "TrainingDivergedError", "IncompatibleModelError"]


class DataError(ValueError):
    """Input data that breaks the data contract (missing column, bad values, irregular timestamps...).

    Example
    -------
    >>> try:
    ...     raise DataError("column 'y' is missing")
    ... except ValueError as err:
    ...     print(err)
    column 'y' is missing
    """


class TrainingDivergedError(RuntimeError):
    """Training produced a NaN or infinite loss; the estimator keeps no half-fitted state.

    Example
    -------
    >>> isinstance(TrainingDivergedError("loss is nan at step 3"), RuntimeError)
    True
    """


class IncompatibleModelError(ValueError):
    """A saved model folder is from an incompatible version, incomplete or tampered with.

    Example
    -------
    >>> issubclass(IncompatibleModelError, ValueError)
    True
    """
