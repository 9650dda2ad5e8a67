"""Conformal prediction intervals for any forecaster: `ConformalIntervals` wraps a model and calibrates its
intervals on the model's own rolling-origin errors over the end of the training data, per horizon step.
"""

from __future__ import annotations

import math

import numpy as np

from .._schema import POINT, interval_column
from .._validation import check_bool, check_positive_int
from ..data import Panel
from ..errors import DataError, InvalidParameterError
from .base import BaseForecaster
from .tags import ForecasterTags, get_forecaster_tags

__all__ = ["ConformalIntervals", "conformal_quantile", "history_scale"]


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The split-conformal quantile of absolute ``scores`` for a ``level`` % interval (NaN scores ignored).

    With ``n`` scores it is the ``ceil((n + 1) * level / 100)``-th smallest: under exchangeability a new score
    is at most that value with probability at least ``level`` %. Raises ``ValueError`` when ``n`` is too
    small for the level (the quantile would be infinite).

    Example
    -------
    >>> conformal_quantile(np.arange(1.0, 20.0), 80)  # n = 19: ceil(20 * 0.8) = 16th smallest
    16.0
    """
    scores = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    scores = scores[~np.isnan(scores)]
    n = len(scores)
    rank = math.ceil(round((n + 1) * level / 100.0, 9))
    if rank > n:
        need = math.ceil(level / (100.0 - level)) if level < 100 else n + 1
        raise ValueError(f"a {level:g}% conformal interval needs at least {need} calibration errors per horizon "
                         f"step, there are {n}; raise n_windows= (or forecast more series together)")
    return float(scores[rank - 1])


def history_scale(values: np.ndarray, observed: np.ndarray | None = None) -> float:
    """The scale that makes errors comparable across series: the mean absolute one-step change of the
    observed history (the naive forecast's in-sample MAE); the mean absolute value when the history never
    moves, and 1 when that is 0 too.

    Example
    -------
    >>> history_scale(np.array([1.0, 3.0, 2.0]))  # (2 + 1) / 2
    1.5
    """
    y = np.asarray(values, dtype=np.float64)
    if observed is not None:
        y = np.where(observed, y, np.nan)
    diff = np.abs(np.diff(y))
    diff = diff[~np.isnan(diff)]
    scale = float(diff.mean()) if len(diff) else 0.0
    if not scale > 0:
        level = np.abs(y[~np.isnan(y)])
        scale = float(level.mean()) if len(level) else 0.0
    return scale if scale > 0 else 1.0


class ConformalIntervals(BaseForecaster):
    """Prediction intervals for any forecaster from its own out-of-sample errors (split conformal prediction).

    ``fit`` trains the wrapped ``forecaster`` on all the data and, on the training data alone, measures how
    wrong it is out of sample: at ``n_windows`` origins at the end of every series (``step`` apart, the
    last one ``horizon`` steps before the end) a calibration copy forecasts ``horizon`` steps from the
    history before the origin, and each absolute error ``|y - y_pred|`` is kept, per horizon step.
    ``predict(level=[80, 95])`` then returns the wrapped model's point forecast ``y_pred`` with
    ``y_pred -/+ q_h``, where ``q_h`` is the conformal quantile (`conformal_quantile`) of step ``h``'s errors.
    The intervals are symmetric, widen with the step as the errors do, and never cross (a higher level takes
    a higher quantile of the same errors); around a model that floors its forecasts at zero (`RNNForecaster`'s
    ``nonnegative``) the bounds are floored where its forecasts are.

    ``normalize=True`` (default) divides each error by the series' scale before pooling the series
    (`history_scale`: the mean absolute one-step change of the history before the origin) and multiplies
    back at forecast time, so series of very different sizes share one calibration; with one series it
    changes little. ``refit=False`` (default) fits the calibration copy once, at the first calibration
    origin, and forecasts every later origin from its history without refitting (two fits in all, and one
    batched call for the RNN); ``refit=True`` refits it at every origin, as statsforecast does (``n_windows
    + 1`` fits). Either way no calibration forecast sees the value it is scored on.

    This is the one way to get intervals from a model that has none (the RNN without a quantile loss); the
    classical models (ARIMA, ETS, the naive family) keep their analytic intervals unless wrapped. With
    ``n`` errors per step (``n_windows`` times the number of series) the highest level available is
    ``100 * n / (n + 1)`` (19 errors: 95 %). The guarantee is the conformal one: coverage at least the level
    when the errors of the calibration origins and of the future are exchangeable; on drifting data it is
    approximate, so check it in a backtest (``coverage_80`` in ``backtest(...).metrics()``).

    Parameters
    ----------
    forecaster : BaseForecaster
        The model whose point forecasts get intervals (any tsrnn forecaster; never fitted itself).
    horizon : int or None
        The longest horizon calibrated; defaults to the forecaster's own ``horizon`` (the RNN's).
    n_windows : int
        Calibration origins per series (default 20).
    step : int
        Steps between calibration origins (default 1: overlapping windows, the most errors from short series).
    refit : bool
        Refit the calibration copy at every origin (default False: once, at the first).
    normalize : bool
        Scale errors by each series' history before pooling the series (default True).

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn import NaiveForecaster
    >>> y = pd.Series([float(v % 7) for v in range(60)], index=pd.date_range("2024-01-01", periods=60), name="s")
    >>> model = ConformalIntervals(NaiveForecaster(), horizon=2, n_windows=19).fit(y)
    >>> list(model.predict(level=[80, 95]).columns)
    ['unique_id', 'ds', 'y_pred', 'y_pred_lo_80', 'y_pred_hi_80', 'y_pred_lo_95', 'y_pred_hi_95']
    """

    def __init__(self, forecaster=None, horizon: int | None = None, n_windows: int = 20, step: int = 1,
                 refit: bool = False, normalize: bool = True):
        self.forecaster = forecaster
        self.horizon = horizon
        self.n_windows = n_windows
        self.step = step
        self.refit = refit
        self.normalize = normalize

    # -- parameters ---------------------------------------------------------------------------------------
    def _conformal_inner(self) -> BaseForecaster:
        if self.forecaster is None:
            raise InvalidParameterError("ConformalIntervals needs forecaster=, e.g. "
                                        "ConformalIntervals(RNNForecaster(horizon=12))")
        if isinstance(self.forecaster, type) or not isinstance(self.forecaster, BaseForecaster):
            what = self.forecaster.__name__ if isinstance(self.forecaster, type) else type(self.forecaster).__name__
            raise InvalidParameterError(f"forecaster must be a tsrnn forecaster instance, got {what}")
        if isinstance(self.forecaster, ConformalIntervals):
            raise InvalidParameterError("forecaster is already a ConformalIntervals; wrap the model once")
        return self.forecaster

    def _conformal_settings(self) -> tuple[int, int, int]:
        inner = self._conformal_inner()
        horizon = self.horizon if self.horizon is not None else inner.default_horizon
        if horizon is None:
            raise InvalidParameterError(f"ConformalIntervals needs horizon= (the longest horizon to calibrate): "
                                        f"{type(inner).__name__} has no horizon of its own")
        horizon = check_positive_int(horizon, "horizon")
        inner_horizon = inner.default_horizon
        if inner_horizon is not None and self.horizon is not None and horizon > inner_horizon:
            raise InvalidParameterError(f"horizon={horizon} is longer than the {inner_horizon} steps "
                                        f"{type(inner).__name__} forecasts")
        n_windows = check_positive_int(self.n_windows, "n_windows")
        step = check_positive_int(self.step, "step")
        check_bool(self.refit, "refit")
        check_bool(self.normalize, "normalize")
        return horizon, n_windows, step

    # -- declared capabilities -----------------------------------------------------------------------------
    def _tags(self) -> ForecasterTags:
        if not isinstance(self.forecaster, BaseForecaster):
            return ForecasterTags(intervals=True)
        inner = get_forecaster_tags(self.forecaster)
        return ForecasterTags(intervals=True, known_covariates=inner.known_covariates,
                              batch_origins=inner.batch_origins, needs_torch=inner.needs_torch)

    def _min_length(self) -> int:
        horizon, n_windows, step = self._conformal_settings()
        return self._conformal_inner().min_train_length + horizon + (n_windows - 1) * step

    def _min_length_reason(self) -> str:
        horizon, n_windows, step = self._conformal_settings()
        return (f"the forecaster's minimum {self._conformal_inner().min_train_length} + horizon={horizon} + "
                f"(n_windows={n_windows} - 1) * step={step} for calibration")

    def _min_history(self) -> int:
        return self._conformal_inner().min_history

    def _default_horizon(self) -> int | None:
        if self.horizon is not None:
            return self.horizon
        return self._conformal_inner().default_horizon

    def _future_span(self, horizon: int) -> int:
        return self.model_._future_span(horizon) if hasattr(self, "model_") else self._conformal_inner()._future_span(horizon)

    @property
    def known_covariates_(self) -> tuple[str, ...]:
        """The known covariates of the wrapped, fitted model."""
        return self.model_.known_covariates_ if hasattr(self, "model_") else super().known_covariates_

    def _check_levels_supported(self, levels: list[float]) -> None:
        if hasattr(self, "calibration_errors_"):
            n = int(np.min(np.sum(~np.isnan(self.calibration_errors_), axis=1)))
            for lv in levels:
                if math.ceil(round((n + 1) * lv / 100.0, 9)) > n:
                    raise ValueError(f"level={lv:g} needs more calibration errors than the {n} per horizon step "
                                     f"this model kept; raise n_windows= or ask for a lower level")

    @classmethod
    def get_test_params(cls) -> list[dict]:
        from .naive import NaiveForecaster, SeasonalNaiveForecaster

        return [{"forecaster": NaiveForecaster(), "horizon": 4, "n_windows": 5},
                {"forecaster": SeasonalNaiveForecaster(season_length=12), "horizon": 4, "n_windows": 4,
                 "step": 2, "refit": True, "normalize": False}]

    # -- fit: the model on everything, the calibration errors from the end of the training data -----------
    def _fit(self, panel: Panel) -> None:
        from sklearn.base import clone  # fitting; forecasting imports no scikit-learn

        horizon, n_windows, step = self._conformal_settings()
        inner = self._conformal_inner()
        lengths = panel.lengths
        back = horizon + (n_windows - 1) * step
        short = np.flatnonzero(lengths - back < inner.min_train_length)
        if len(short):
            i = int(short[0])
            raise DataError(f"series {panel.ids[i]!r} has {int(lengths[i])} observations; calibrating "
                            f"{n_windows} windows of horizon {horizon} (step {step}) for "
                            f"{type(inner).__name__} needs {inner.min_train_length + back}. Lower n_windows= or "
                            "step=, or drop the short series")
        # cutoffs[i, w]: observations before calibration origin w of series i (the last ends `horizon` early).
        cutoffs = lengths[:, None] - horizon - step * np.arange(n_windows - 1, -1, -1)[None, :]
        preds = self._conformal_forecasts(panel, cutoffs, horizon)  # [n_series, n_windows, horizon]
        observed = ~panel.target_missing
        values = panel.values.astype(np.float64)
        rows = panel.offsets[:-1, None, None] + cutoffs[:, :, None] + np.arange(horizon)  # [n, W, H]
        actual = np.where(observed[rows], values[rows], np.nan)
        errors = np.abs(actual - preds)
        if self.normalize:
            errors = errors / self._conformal_scales(panel, cutoffs)[:, :, None]
        # [horizon, n_series * n_windows]: the pooled errors of each horizon step
        self.calibration_errors_ = np.ascontiguousarray(errors.transpose(2, 0, 1).reshape(horizon, -1))
        if np.all(np.isnan(self.calibration_errors_)):
            raise DataError("every calibration forecast or actual is missing: no error to calibrate on")
        self.calibration_horizon_ = horizon
        self.model_ = clone(inner).fit(panel)

    def _conformal_forecasts(self, panel: Panel, cutoffs: np.ndarray, horizon: int) -> np.ndarray:
        from sklearn.base import clone  # fitting; forecasting imports no scikit-learn

        inner = self._conformal_inner()
        n, n_windows = cutoffs.shape
        out = np.full((n, n_windows, horizon), np.nan)
        if self.refit:
            for w in range(n_windows):
                model = clone(inner).fit(panel.slice(0, cutoffs[:, w]))
                out[:, w] = self._conformal_point(model, panel, np.arange(n), cutoffs[:, w], horizon)
            return out
        model = clone(inner).fit(panel.slice(0, cutoffs[:, 0]))
        if panel.missing is None:
            series = np.repeat(np.arange(n), n_windows)
            out[:] = self._conformal_point(model, panel, series, cutoffs.ravel(), horizon).reshape(n, n_windows, horizon)
        else:  # filled-in values are filled again from each origin's own past
            for w in range(n_windows):
                out[:, w] = self._conformal_point(model, panel, np.arange(n), cutoffs[:, w], horizon)
        return out

    @staticmethod
    def _conformal_point(model, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int) -> np.ndarray:
        """``model``'s point forecasts from the first ``cutoffs[k]`` observations of series ``series[k]``."""
        if panel.missing is not None and panel.missing.any():
            cut = panel.select(series).slice(0, cutoffs)
            span = model._future_span(horizon)
            names = model.known_covariates_
            future = None
            if names:
                cols = [panel.covariate_names.index(c) for c in names]
                rows = (panel.offsets[series] + cutoffs)[:, None] + np.arange(span)
                future = panel.covariates[rows][:, :, cols].astype(np.float32)
            return np.asarray(model._predict(cut, horizon, future, None)[POINT], dtype=np.float64)
        return np.asarray(model.forecast_at(panel, series, cutoffs, horizon)[POINT], dtype=np.float64)

    def _conformal_scales(self, panel: Panel, cutoffs: np.ndarray) -> np.ndarray:
        """``[n_series, k]``: `history_scale` of each series' first ``cutoffs[i, j]`` observations."""
        observed = ~panel.target_missing
        out = np.ones(cutoffs.shape)
        for i in range(panel.n_series):
            y, seen = panel.series(i), observed[panel.offsets[i] : panel.offsets[i + 1]]
            for j, c in enumerate(cutoffs[i]):
                out[i, j] = history_scale(y[:c], seen[:c])
        return out

    # -- predict: the wrapped model's point forecast with calibrated bounds --------------------------------
    def _conformal_bounds(self, point: np.ndarray, scale: np.ndarray, horizon: int, levels) -> dict[str, np.ndarray]:
        out = {POINT: point}
        if not levels:
            return out
        if horizon > self.calibration_horizon_:
            raise ValueError(f"the intervals were calibrated for {self.calibration_horizon_} steps; horizon={horizon} "
                             f"is longer: fit ConformalIntervals with horizon={horizon}")
        for lv in sorted(levels):
            q = np.array([conformal_quantile(self.calibration_errors_[h], lv) for h in range(horizon)])
            half = scale[:, None] * q[None, :]  # [n, horizon]
            out[interval_column("lo", lv)] = point - half
            out[interval_column("hi", lv)] = point + half
        return out

    def _predict(self, panel: Panel, horizon: int, future, levels) -> dict[str, np.ndarray]:
        point = np.asarray(self.model_._predict(panel, horizon, future, None)[POINT], dtype=np.float64)
        scale = self._conformal_scales(panel, panel.lengths[:, None])[:, 0] if self.normalize else np.ones(panel.n_series)
        rows = np.arange(panel.n_series)
        return self._floored(self._conformal_bounds(point, scale, horizon, levels), panel, rows, panel.lengths)

    def _predict_at(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int, future,
                    levels=None) -> dict[str, np.ndarray]:
        point = np.asarray(self.model_._predict_at(panel, series, cutoffs, horizon, future, None)[POINT],
                           dtype=np.float64)
        if self.normalize:
            observed = ~panel.target_missing
            scale = np.array([history_scale(panel.series(s)[:c], observed[panel.offsets[s] : panel.offsets[s] + c])
                              for s, c in zip(series, cutoffs, strict=True)])
        else:
            scale = np.ones(len(series))
        return self._floored(self._conformal_bounds(point, scale, horizon, levels), panel, series, cutoffs)

    def _floored(self, out: dict[str, np.ndarray], panel: Panel, series, ends) -> dict[str, np.ndarray]:
        """The bounds floored at zero where the wrapped model floors its forecasts (`RNNForecaster`'s
        ``nonnegative``): its point forecast already is, and for an outcome that cannot be negative a bound below
        zero only widens the interval, so coverage stays as calibrated."""
        return self.model_._floored(out, panel, series, ends)

    # -- persistence (tsrnn.forecasters.io writes and reads the folder) ----------------------------------------
    _INNER = "inner"  # the wrapped fitted model's arrays are saved as "inner_<name>", its weights as "inner.<name>"

    def _saved_state(self) -> tuple[dict, dict, dict | None]:
        """The calibration errors, and the wrapped fitted model's own saved state under the prefix ``inner``
        (its class and parameters replace the ``forecaster`` object among the parameters)."""
        from .. import registry
        from .io import _plain

        inner = self.model_
        name = type(inner).__name__
        if not registry.is_registered(type(inner)):
            raise ValueError(f"the wrapped {name} ({type(inner).__module__}) cannot be saved: a saved model rebuilds "
                             "the forecasters of tsrnn's registry only")
        extra, arrays, weights = inner._saved_state()
        inner_params = extra.pop("params") if "params" in extra else _plain(inner.get_params(),
                                                                               f"the parameters of {name}")
        params = _plain({**self.get_params(deep=False), "forecaster": None}, "the parameters of ConformalIntervals")
        params["forecaster"] = {"class": name, "params": inner_params}
        config = {"params": params, self._INNER: extra, "calibration_horizon_": int(self.calibration_horizon_),
                  "refit_on_load": False}
        out = {"calibration_errors": np.asarray(self.calibration_errors_, dtype=np.float64)}
        out.update({f"{self._INNER}_{key}": value for key, value in arrays.items()})
        state = None if weights is None else {f"{self._INNER}.{key}": value for key, value in weights.items()}
        return config, out, state

    def _restore_state(self, config: dict, arrays: dict, panel: Panel, data_kwargs: dict) -> None:
        from .. import registry
        from .._estimator import clone  # not scikit-learn's: loading and forecasting import no scikit-learn
        from .io import _CONFIG, STATE_DICT, _array, _entry, _instantiate, _need

        spec = self.forecaster  # as saved: {"class": ..., "params": ...}
        _need(isinstance(spec, dict) and set(spec) == {"class", "params"} and isinstance(spec["class"], str)
              and isinstance(spec["params"], dict), f"forecaster must describe a class and its parameters, got {spec!r}")
        try:
            cls = registry.load_class(spec["class"])
        except KeyError:
            _need(False, f"the wrapped forecaster {spec['class']!r} is not one tsrnn loads")
        _need(cls is not ConformalIntervals, "the wrapped forecaster is itself a ConformalIntervals")
        self.set_params(forecaster=_instantiate(cls, spec))
        inner_config = {**_entry(config, self._INNER, dict, _CONFIG), "params": spec["params"]}
        prefix = f"{self._INNER}_"
        inner_arrays = {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}
        weights = arrays.get(STATE_DICT)
        if weights is not None:
            _need(isinstance(weights, dict), "state_dict is not a dictionary of tensors")
            inner_arrays[STATE_DICT] = {key[len(self._INNER) + 1:]: value for key, value in weights.items()
                                        if key.startswith(f"{self._INNER}.")}
        model = clone(self.forecaster)
        model._restore_state(inner_config, inner_arrays, panel, data_kwargs)
        # The template becomes an unfitted copy of the restored model: its parameters are objects again (a
        # RegressionForecaster's estimator is rebuilt by its restore), so the loaded wrapper can be refitted.
        self.forecaster = clone(model)
        horizon = _entry(config, "calibration_horizon_", int, _CONFIG)
        errors = _array(arrays, "calibration_errors", np.float64, 2)
        expected = (horizon, panel.n_series * check_positive_int(self.n_windows, "n_windows"))
        _need(horizon >= 1 and errors.shape == expected,
              f"calibration_errors has shape {errors.shape}, expected {expected} (horizon, series x n_windows)")
        _need(not bool(np.any(errors < 0) or np.any(np.isinf(errors))),
              "calibration_errors holds negative or infinite errors (missing ones are NaN)")
        self.calibration_errors_, self.calibration_horizon_ = errors, horizon
        self.model_ = model
        self.panel_, self.freq_, self.data_kwargs_ = panel, panel.freq, data_kwargs
