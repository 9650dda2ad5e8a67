"""scikit-learn's estimator protocol (``get_params``, ``set_params``, the changed-parameter repr, fitted checks)
for tsrnn's forecasters, without importing scikit-learn: loading and forecasting stay free of its import (~0.7 s).

scikit-learn works with these estimators by duck typing, as with sktime's: ``sklearn.base.clone`` rebuilds one
from ``get_params``, and ``sklearn.utils.get_tags`` reads its ``__sklearn_tags__`` (which imports scikit-learn
only when asked).
"""

from __future__ import annotations

import copy
import inspect

from .errors import NotFittedError

__all__ = ["Estimator", "check_is_fitted", "clone", "BEFORE_ADDED"]

# What a parameter added after version 0.1 did before it existed, where that is not its new default. A tuning
# study scored before weight averaging became the default was scored without it (`tsrnn.tuning` fills these
# into an older study's record), and a model saved before ``nonnegative`` existed forecast without the floor
# (loading fills these into its saved parameters, so it forecasts as it did); one trained before
# ``linear_init`` existed started its linear path at the random walk; ``symmetric`` was False before it existed,
# and the recurrent network read the whole window (``recurrent_window=None``).
BEFORE_ADDED = {"weight_averaging": 0.0, "nonnegative": False, "linear_init": "naive", "symmetric": False,
                "recurrent_window": None}


class Estimator:
    """Parameters are the keyword arguments of ``__init__``, stored unchanged under the same names (DESIGN.md's
    estimator contract); everything here reads them from there.

    Example
    -------
    >>> class Smoother(Estimator):
    ...     def __init__(self, alpha=0.5, inner=None):
    ...         self.alpha = alpha
    ...         self.inner = inner
    >>> model = Smoother(inner=Smoother(alpha=0.1))
    >>> model.get_params()["inner__alpha"], model.set_params(inner__alpha=0.2).inner.alpha
    (0.1, 0.2)
    >>> model
    Smoother(inner=Smoother(alpha=0.2))
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The names of ``__init__``'s parameters, sorted (scikit-learn's order)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must take explicit keyword arguments, not *args or "
                                "**kwargs (DESIGN.md, house rule 1)")
            if p.name != "self":
                names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict:
        """The parameters, by name; with ``deep``, also those of parameters that are estimators themselves, as
        ``name__param``."""
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{key}", v) for key, v in value.get_params(deep=True).items())
            out[name] = value
        return out

    def set_params(self, **params) -> Estimator:
        """Set parameters by name (``name__param`` reaches into a parameter that is an estimator); returns self.
        An unknown name is a ``ValueError`` listing the valid ones."""
        if not params:
            return self
        valid = self._get_param_names()
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, nest, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {self}. Valid parameters are: {valid!r}.")
            if nest:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        """``Class(param=value, ...)`` with the parameters that differ from their defaults, in signature order."""
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = []
        for name in defaults:
            if name == "self" or not hasattr(self, name):
                continue
            value = getattr(self, name)
            default = defaults[name]
            if value is default or (repr(value) == repr(default) and type(value) is type(default)):
                continue
            changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        """scikit-learn's default tags for an estimator (imports scikit-learn: only its own tools ask)."""
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False))


def check_is_fitted(estimator) -> None:
    """Raise `tsrnn.errors.NotFittedError` unless ``estimator`` is fitted: its ``__sklearn_is_fitted__()`` says
    so, or (without one) it has an attribute ending in ``_`` (scikit-learn's convention for fitted state).

    Example
    -------
    >>> from tsrnn import NaiveForecaster
    >>> try:
    ...     check_is_fitted(NaiveForecaster())
    ... except NotFittedError as err:
    ...     print(err)
    This NaiveForecaster instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.
    """
    if hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = estimator.__sklearn_is_fitted__()
    else:
        fitted = any(name.endswith("_") and not name.startswith("__") for name in vars(estimator))
    if not fitted:
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
                             "appropriate arguments before using this estimator.")


def clone(estimator):
    """A new, unfitted estimator of the same class with the same parameters, as ``sklearn.base.clone`` makes one,
    without importing scikit-learn (loading a `ConformalIntervals` rebuilds its wrapped forecaster with it).
    Parameters that are estimators themselves (anything with ``get_params``), also inside lists and tuples (a
    pipeline's steps), are cloned the same way; the others are deep-copied, so the copy shares no mutable state
    with the original.

    Example
    -------
    >>> from tsrnn import ConformalIntervals, NaiveForecaster
    >>> model = ConformalIntervals(NaiveForecaster(), n_windows=7)
    >>> copy_ = clone(model)
    >>> copy_.n_windows, type(copy_.forecaster).__name__, copy_.forecaster is model.forecaster
    (7, 'NaiveForecaster', False)
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> import numpy as np
    >>> pipe = make_pipeline(StandardScaler()).fit(np.ones((3, 1)))
    >>> hasattr(clone(pipe).steps[0][1], "mean_")  # the steps are new and unfitted, as scikit-learn's clone makes them
    False
    """
    if isinstance(estimator, list | tuple | set | frozenset):
        return type(estimator)(clone(item) for item in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return copy.deepcopy(estimator)
    return type(estimator)(**{name: clone(value) for name, value in estimator.get_params(deep=False).items()})
