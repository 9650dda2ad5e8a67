"""Exception types users catch.

Every error tsrnn raises about user input subclasses ValueError; training failures subclass RuntimeError.
"""

from __future__ import annotations

__all__ = ["DataError", "InvalidParameterError", "NotFittedError", "TrainingDivergedError",
           "IncompatibleModelError", "OutputExistsError"]


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


class NotFittedError(ValueError, AttributeError):
    """A forecaster used before ``fit`` (``predict``, ``save``, the fitted attributes).

    A ValueError and an AttributeError, as scikit-learn's ``NotFittedError`` is; tsrnn's own class, so that
    loading and forecasting never import scikit-learn (``except sklearn.exceptions.NotFittedError`` does not
    catch it: catch this class, or ValueError).

    Example
    -------
    >>> from tsrnn import NaiveForecaster
    >>> try:
    ...     NaiveForecaster().predict(horizon=2)
    ... except NotFittedError as err:
    ...     print(type(err).__name__, isinstance(err, ValueError))
    NotFittedError True
    """


class InvalidParameterError(ValueError, TypeError):
    """A forecaster parameter of the wrong type or outside its range; the message names the parameter.

    Raised by ``fit`` before any work is done. A ValueError (and, as in scikit-learn, a TypeError).

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn import RNNForecaster
    >>> y = pd.Series(range(30), index=pd.date_range("2024-01-01", periods=30, freq="D"), dtype=float)
    >>> try:
    ...     RNNForecaster(learning_rate=float("inf")).fit(y)
    ... except InvalidParameterError as err:
    ...     print(err)
    learning_rate must be a finite number > 0, got inf
    """


class TrainingDivergedError(RuntimeError):
    """Training diverged: a NaN or infinite loss, non-finite weights, or final weights that forecast the training
    windows far worse than a zero output of the network would; the estimator keeps no half-fitted state.

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


class OutputExistsError(FileExistsError, ValueError):
    """Saving would replace or delete something at the target path that tsrnn may not touch.

    An existing tsrnn model folder is replaced only with ``overwrite=True`` (CLI ``--force``); any other
    file or non-empty folder is never replaced. A ValueError (the CLI exits with code 2) and a FileExistsError.

    Example
    -------
    >>> issubclass(OutputExistsError, FileExistsError) and issubclass(OutputExistsError, ValueError)
    True
    """
