"""The estimator contract every tsrnn forecaster follows.

`BaseForecaster` does the shared path once (validate -> `_fit` -> `_predict` -> long frame); subclasses
write only the small underscore methods.
"""

from __future__ import annotations

import numbers
from statistics import NormalDist

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..data import Panel, check_positive_int, to_panel
from ..errors import DataError, InvalidParameterError

__all__ = ["BaseForecaster", "check_positive_int", "check_levels", "normal_interval"]


def check_levels(level) -> list[float]:
    """Validate interval levels given in percent, e.g. ``[80, 95]``.

    Example
    -------
    >>> check_levels(95)
    [95.0]
    """
    if isinstance(level, numbers.Real | np.bool_):  # a bool is then refused as a level below
        levels = [level]
    elif isinstance(level, list | tuple | np.ndarray | pd.Index | pd.Series) and np.ndim(level) == 1:
        levels = list(level)
    else:  # a string would otherwise be read character by character
        raise InvalidParameterError(f"level must be a percentage or a list of them, e.g. [80, 95], got {level!r}")
    for lv in levels:
        if isinstance(lv, bool | np.bool_) or not isinstance(lv, numbers.Real) or not 0 < lv < 100:
            raise InvalidParameterError(f"interval levels are percentages strictly between 0 and 100, got {lv!r}")
    out = [float(lv) for lv in levels]
    if len(set(out)) != len(out):
        raise InvalidParameterError(f"level lists {sorted({v for v in out if out.count(v) > 1})} more than once")
    return out


def normal_interval(mean: np.ndarray, sigma: np.ndarray, levels: list[float]) -> dict[str, np.ndarray]:
    """Gaussian prediction intervals ``mean -/+ z * sigma`` as ``y_pred_lo_L`` / ``y_pred_hi_L`` columns.

    Example
    -------
    >>> out = normal_interval(np.array([[10.0]]), np.array([[1.0]]), [95])
    >>> round(float(out["y_pred_hi_95"][0, 0]), 2)
    11.96
    """
    out = {}
    for lv in levels:
        z = NormalDist().inv_cdf(0.5 + lv / 200.0)
        tag = f"{lv:g}"
        out[f"y_pred_lo_{tag}"] = mean - z * sigma
        out[f"y_pred_hi_{tag}"] = mean + z * sigma
    return out


class BaseForecaster(BaseEstimator):
    """Shared fit/predict path of every forecaster (the template method).

    Subclasses implement ``_fit(panel)``, which sets attributes ending in ``_``, and
    ``_predict(panel, horizon, X_future, levels)``, which returns ``{"y_pred": [n_series, horizon], ...}``
    for the series of ``panel`` (the training panel or fresh history passed as ``df``). ``_min_length()``
    says how long a series must be.

    Example
    -------
    >>> from tsrnn import NaiveForecaster
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="s")
    >>> NaiveForecaster().fit(y).predict(horizon=2)
      unique_id         ds  y_pred
    0         s 2024-01-04     3.0
    1         s 2024-01-05     3.0
    """

    _supports_intervals = False

    # -- what subclasses provide ----------------------------------------------------------------------
    def _fit(self, panel: Panel) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict(self, panel: Panel, horizon: int, X_future, levels: list[float] | None) -> dict[str, np.ndarray]:
        raise NotImplementedError  # pragma: no cover - abstract

    def _min_length(self) -> int:
        return 1

    def _min_length_reason(self) -> str:
        """Why a series must be that long, for the error message (e.g. "window=24 + horizon=12")."""
        return ""

    def _min_history(self) -> int:
        """The shortest history ``predict(df=...)`` accepts; a model with a lookback window may need less
        than it needs to fit (an RNN forecasts from ``window`` points but trains on ``window + horizon``)."""
        return self._min_length()

    def _default_horizon(self) -> int | None:
        return getattr(self, "horizon", None)

    @property
    def known_covariates_(self) -> tuple[str, ...]:
        """The covariate columns the fitted model reads for the forecast horizon: ``predict`` needs their
        future values in ``X_future``, and backtests pass exactly these beyond a cutoff. None by default.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn import NaiveForecaster
        >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="s")
        >>> NaiveForecaster().fit(y).known_covariates_
        ()
        """
        check_is_fitted(self)
        return ()

    # -- the shared path -------------------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "panel_")

    def _clear_fitted(self) -> None:
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)

    def fit(
        self,
        df,
        *,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
        freq: str | None = None,
        fill_missing: str | None = None,
    ):
        """Validate ``df`` through the data contract (`tsrnn.data.to_panel`), learn, and return ``self``.

        ``df`` is a long frame, a wide frame, a Series or a `Panel`; the column names and the
        missing-value policy are passed on to `to_panel`. The caller's frame is not modified.
        """
        self._clear_fitted()
        data_kwargs = dict(id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                           fill_missing=fill_missing)
        panel = to_panel(df, min_length=self._min_length(), why=self._min_length_reason(), **data_kwargs)
        try:
            self._fit(panel)
        except BaseException:
            self._clear_fitted()
            raise
        self.panel_ = panel
        self.freq_ = panel.freq
        self.data_kwargs_ = data_kwargs
        return self

    def predict(self, horizon: int | None = None, df=None, X_future=None, level=None) -> pd.DataFrame:
        """Forecast ``horizon`` steps after the end of each series.

        Returns a long frame ``unique_id, ds, y_pred`` (plus ``y_pred_lo_80``-style interval columns when
        ``level`` is given, or quantile columns for quantile models) with real future timestamps.
        ``df`` forecasts from fresh history instead of the training data; ``X_future`` holds future
        covariates for the horizon. Raises ``NotFittedError`` before ``fit``.
        """
        check_is_fitted(self)
        if horizon is None:
            horizon = self._default_horizon()
            if horizon is None:
                raise ValueError(f"{type(self).__name__}.predict needs horizon= (a positive integer)")
        horizon = check_positive_int(horizon, "horizon")
        levels = None
        if level is not None:
            if not self._supports_intervals:
                raise ValueError(f"{type(self).__name__} does not produce prediction intervals; drop level=")
            levels = check_levels(level)
        panel = self._history(df)
        out = self._predict(panel, horizon, X_future, levels)
        return self._format(panel, horizon, out)

    def _history(self, df) -> Panel:
        if df is None:
            return self.panel_
        kwargs = {k: v for k, v in self.data_kwargs_.items() if k != "freq"}
        panel = to_panel(df, min_length=self._min_history(), freq=self.freq_, **kwargs)
        if panel.freq != self.freq_:
            raise DataError(f"df has frequency {panel.freq.freqstr!r} but the model was fitted on "
                            f"{self.freq_.freqstr!r} data")
        return panel

    @staticmethod
    def _format(panel: Panel, horizon: int, out: dict[str, np.ndarray]) -> pd.DataFrame:
        frame = pd.DataFrame(
            {"unique_id": np.repeat(panel.ids, horizon), "ds": panel.future_timestamps(horizon)}
        )
        for name, arr in out.items():
            arr = np.asarray(arr, dtype=np.float64)
            if arr.shape != (panel.n_series, horizon):  # a bug in a subclass, not a user error
                raise AssertionError(f"{name} has shape {arr.shape}, expected {(panel.n_series, horizon)}")
            frame[name] = arr.ravel()
        return frame
