"""The naive family: the floor every model is compared with.

Point forecasts and Gaussian intervals follow Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed.), section 5.5, with sigma the residual standard deviation of the one-step fits.
"""

from __future__ import annotations

import numpy as np

from .._schema import POINT
from ..data import Panel
from ..frequency import season_length_for
from .base import BaseForecaster, check_positive_int, normal_interval
from .tags import ForecasterTags

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster", "DriftForecaster", "MeanForecaster"]


def _rms(residuals: np.ndarray, n_params: int) -> float:
    """Residual standard deviation with ``n_params`` estimated parameters (nan when undefined)."""
    dof = len(residuals) - n_params
    return float(np.sqrt(np.sum(residuals.astype(np.float64) ** 2) / dof)) if dof > 0 else np.nan


class _NaiveBase(BaseForecaster):
    def _tags(self) -> ForecasterTags:
        return ForecasterTags(intervals=True, batch_origins=True)

    def _fit(self, panel: Panel) -> None:
        self.n_series_ = panel.n_series

    def _predict(self, panel, horizon, future, levels):
        mean = np.empty((panel.n_series, horizon))
        sigma = np.empty((panel.n_series, horizon))
        steps = np.arange(1, horizon + 1, dtype=np.float64)
        for i in range(panel.n_series):
            mean[i], sigma[i] = self._one(panel.series(i).astype(np.float64), steps, panel)
        out = {POINT: mean}
        if levels:
            out.update(normal_interval(mean, sigma, levels))
        return out

    def _predict_at(self, panel, series, cutoffs, horizon, future, levels=None):
        if levels:  # the intervals need each history's residuals: one history at a time
            return super()._predict_at(panel, series, cutoffs, horizon, future, levels)
        # The point forecasts read a few values before each cutoff: gathered for every pair at once.
        too_short = cutoffs < self._min_history()
        if np.any(too_short):
            k = int(np.flatnonzero(too_short)[0])
            raise ValueError(f"cutoff {cutoffs[k]} of series {panel.ids[series[k]]!r} leaves fewer than the "
                             f"{self._min_history()} observations {type(self).__name__} forecasts from")
        start, end = panel.offsets[series], panel.offsets[series] + cutoffs  # [n] rows of each history
        steps = np.arange(1, horizon + 1)  # [horizon]
        # The float32 panel itself: each _points casts only the few values it gathers (no copy of the panel).
        return {POINT: self._points(panel.values, start, end, steps)}


class NaiveForecaster(_NaiveBase):
    """Random walk: every future value equals the last observed one.

    Intervals: ``sigma * sqrt(h)`` with sigma from the one-step changes.

    Example
    -------
    >>> import pandas as pd
    >>> y = pd.Series([3.0, 5.0, 4.0], index=pd.date_range("2024-01-01", periods=3, freq="B"), name="x")
    >>> NaiveForecaster().fit(y).predict(2)["y_pred"].tolist()
    [4.0, 4.0]
    """

    def __init__(self):
        pass

    def _one(self, y, steps, panel):
        sigma = _rms(np.diff(y), 0)
        return np.full(len(steps), y[-1]), sigma * np.sqrt(steps)

    def _points(self, values, start, end, steps):
        return np.repeat(values[end - 1].astype(np.float64)[:, None], len(steps), axis=1)  # [n, horizon]


class SeasonalNaiveForecaster(_NaiveBase):
    """Each future value equals the value one season earlier: ``y[T + h] = y[T + h - m * (floor((h - 1) / m) + 1)]``.

    ``season_length=None`` uses the frequency's usual period (12 monthly, 4 quarterly, 5 business-daily,
    7 daily, 52 weekly). Intervals: ``sigma * sqrt(floor((h - 1) / m) + 1)``.

    Example
    -------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.date_range("2024-01-01", periods=4, freq="QS"), name="q")
    >>> SeasonalNaiveForecaster(season_length=2).fit(y).predict(3)["y_pred"].tolist()
    [3.0, 4.0, 3.0]
    """

    def __init__(self, season_length: int | None = None):
        self.season_length = season_length

    def _min_length(self) -> int:
        if hasattr(self, "season_length_"):  # fitted: new history passed to predict needs a full season
            return self.season_length_
        return check_positive_int(self.season_length, "season_length", allow_none=True) or 1

    def _fit(self, panel):
        m = self.season_length
        self.season_length_ = check_positive_int(m, "season_length") if m is not None else season_length_for(panel.freq)
        short = np.flatnonzero(panel.lengths < self.season_length_)
        if len(short):
            i = short[0]
            raise ValueError(f"series {panel.ids[i]!r} has {panel.lengths[i]} observations but "
                             f"season_length={self.season_length_} needs at least that many")
        super()._fit(panel)

    def _one(self, y, steps, panel):
        m = self.season_length_
        if len(y) < m:
            raise ValueError(f"a series of the history has {len(y)} observations; season_length={m} needs {m}")
        last_season = y[-m:]
        k = (steps.astype(int) - 1) // m
        sigma = _rms(y[m:] - y[:-m], 0)
        return last_season[(steps.astype(int) - 1) % m], sigma * np.sqrt(k + 1)

    def _points(self, values, start, end, steps):
        m = self.season_length_
        out = np.empty((len(end), len(steps)))  # [n, horizon]: the last season, repeated
        for j, h in enumerate(steps):  # step by step: no [n, horizon] index array for many origins
            out[:, j] = values[end - m + (h - 1) % m]
        return out

    @classmethod
    def get_test_params(cls) -> list[dict]:
        return [{}, {"season_length": 4}]


class DriftForecaster(_NaiveBase):
    """Random walk with drift: the line through the first and last observations, extended.

    ``y[T + h] = y[T] + h * (y[T] - y[1]) / (T - 1)``; intervals ``sigma * sqrt(h * (1 + h / (T - 1)))``.

    Example
    -------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="d")
    >>> DriftForecaster().fit(y).predict(2)["y_pred"].tolist()
    [5.5, 7.0]
    """

    def __init__(self):
        pass

    def _min_length(self) -> int:
        return 2

    def _one(self, y, steps, panel):
        slope = (y[-1] - y[0]) / (len(y) - 1)
        resid = np.diff(y) - slope
        sigma = _rms(resid, 1)
        return y[-1] + steps * slope, sigma * np.sqrt(steps * (1 + steps / (len(y) - 1)))

    def _points(self, values, start, end, steps):
        last = values[end - 1].astype(np.float64)
        slope = (last - values[start].astype(np.float64)) / (end - start - 1)
        return last[:, None] + steps * slope[:, None]  # [n, horizon]


class MeanForecaster(_NaiveBase):
    """Every future value equals the mean of the history; intervals ``sigma * sqrt(1 + 1 / T)``.

    Example
    -------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0, 6.0], index=pd.date_range("2024-01-01", periods=3, freq="MS"), name="m")
    >>> MeanForecaster().fit(y).predict(1)["y_pred"].tolist()
    [3.0]
    """

    def __init__(self):
        pass

    def _one(self, y, steps, panel):
        sigma = _rms(y - y.mean(), 1)
        return np.full(len(steps), y.mean()), np.full(len(steps), sigma * np.sqrt(1 + 1 / len(y)))

    def _points(self, values, start, end, steps):
        # np.mean per history, not prefix sums: the same rounding as predict, so both paths agree exactly.
        means = np.array([values[a:b].astype(np.float64).mean() for a, b in zip(start, end, strict=True)])
        return np.repeat(means[:, None], len(steps), axis=1)  # [n, horizon]
