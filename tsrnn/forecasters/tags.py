"""What a forecaster can do, declared instead of guessed: the `ForecasterTags` every forecaster reports, read with
`get_forecaster_tags` (and through scikit-learn's ``__sklearn_tags__`` by its own tools).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

__all__ = ["ForecasterTags", "SklearnForecasterTags", "get_forecaster_tags"]  # noqa: F822 - SklearnForecasterTags is
# built on first access (module __getattr__), so scikit-learn loads only then


@dataclass(frozen=True)
class ForecasterTags:
    """The capabilities of one forecaster (with its current parameters).

    Attributes
    ----------
    intervals : bool
        ``predict(level=...)`` returns ``y_pred_lo_L`` / ``y_pred_hi_L`` columns (`BaseForecaster.check_level`
        says for which levels).
    quantiles : bool
        Forecasts carry quantile columns ``y_pred_qXX``.
    known_covariates : bool
        The model may read covariates known in advance: its fitted ``known_covariates_`` then need future
        values (``X_future``).
    batch_origins : bool
        ``forecast_at`` forecasts many (series, cutoff) pairs faster than one ``predict`` per cutoff.
    needs_torch : bool
        Fitting or loading imports torch.
    validation_loss : bool
        Training reports a ``val_loss`` that callbacks added with ``with_training_callbacks`` can monitor
        (the tuner's pruning).
    horizon_param : str or None
        The constructor parameter that fixes the horizon the model is trained for (the command line's
        ``--horizon`` sets it); None when any horizon can be asked of ``predict``.
    execution_params : tuple of str
        Parameters that change how the model computes, not what (progress display, parallel jobs, devices):
        a tuning study ignores them when it checks that its trials are scored alike.

    Example
    -------
    >>> from tsrnn import NaiveForecaster
    >>> get_forecaster_tags(NaiveForecaster()).intervals
    True
    """

    intervals: bool = False
    quantiles: bool = False
    known_covariates: bool = False
    batch_origins: bool = False
    needs_torch: bool = False
    validation_loss: bool = False
    horizon_param: str | None = None
    execution_params: tuple[str, ...] = ()


@functools.cache
def _sklearn_forecaster_tags() -> type:
    """scikit-learn's `Tags` with the forecaster's own field: what ``BaseForecaster.__sklearn_tags__`` returns.
    Built on first use, so that reading tsrnn's own tags never imports scikit-learn."""
    from sklearn.utils import Tags

    @dataclass
    class SklearnForecasterTags(Tags):
        """scikit-learn's `Tags` with the forecaster's own: what ``BaseForecaster.__sklearn_tags__`` returns."""

        forecaster_tags: ForecasterTags = field(default_factory=ForecasterTags)

    SklearnForecasterTags.__module__ = __name__
    SklearnForecasterTags.__qualname__ = "SklearnForecasterTags"  # pickle finds it through the module's __getattr__
    return SklearnForecasterTags


def __getattr__(name: str):
    if name == "SklearnForecasterTags":  # the class above, built when first asked for
        return _sklearn_forecaster_tags()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_forecaster_tags(forecaster) -> ForecasterTags:
    """The `ForecasterTags` of ``forecaster`` (an instance): what a tsrnn forecaster declares, else what its
    ``__sklearn_tags__`` carry; default tags for an estimator that declares none.

    Example
    -------
    >>> from tsrnn import ARIMAForecaster
    >>> get_forecaster_tags(ARIMAForecaster(exog=["promo"])).known_covariates
    True
    """
    declared = getattr(forecaster, "_declared_tags", None)
    if callable(declared):
        return declared()
    from sklearn.utils import get_tags

    return getattr(get_tags(forecaster), "forecaster_tags", ForecasterTags())
