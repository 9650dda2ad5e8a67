"""Intermittent demand: Croston's method and its two best-known corrections, the baselines for series that are
mostly zeros (item-level sales, spare parts, rare events), where the naive family forecasts a zero or a spike.

- Croston (1972): exponential smoothing of the non-zero demand sizes ``z`` and, separately, of the intervals
  ``p`` between them (in periods); the forecast is the demand rate ``z / p``, flat over the horizon.
- SBA (Syntetos & Boylan, 2005): Croston's rate times ``1 - alpha / 2``, which removes most of its known upward
  bias.
- TSB (Teunter, Syntetos & Babai, 2011): smooths the sizes and the probability ``d`` that a period has demand,
  updated every period (so a series that stops selling sees its forecast decay); the forecast is ``d * z``.

Each smoothing starts at its first value (the first size, the first interval, the first period's 0 or 1), as
statsforecast's ``CrostonClassic``, ``CrostonSBA`` and ``TSB`` do: the forecasts agree with theirs to rounding
(benchmarks/RESULTS.md, "Intermittent-demand baselines").

The smoothing weights are fixed, not fitted (0.1 by default, the weight statsforecast's ``CrostonClassic`` and
``CrostonSBA`` use). Values other than zero count as demand; the methods are meant for non-negative
series. No intervals: wrap the model in `ConformalIntervals` for calibrated ones.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._schema import POINT
from .._validation import check_choice
from ..data import Panel
from ..errors import InvalidParameterError
from .base import BaseForecaster
from .tags import ForecasterTags

__all__ = ["CrostonForecaster", "croston_rates"]

METHODS = ("classic", "sba", "tsb")


def croston_rates(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, method: str = "classic",
                  alpha: float = 0.1, beta: float = 0.1) -> np.ndarray:
    """The demand rate each method forecasts from the histories ``values[starts[k]:ends[k]]``, ``[n]``.

    All histories advance together, one period per step (a loop over the longest history's length, vectorised
    over histories), so a backtest's many origins cost one pass. A history with no demand forecasts zero.
    ``alpha`` smooths the demand sizes; ``beta`` the intervals (Croston, SBA: ``alpha`` is used for both, as in
    Croston's method) or the probability of demand (TSB).

    Example
    -------
    >>> y = np.array([0, 0, 3, 0, 0, 0, 6, 0.0])
    >>> # sizes 3 then 6 (smoothed: 3.3), intervals 3 then 4 (smoothed: 3.1)
    >>> croston_rates(y, np.array([0]), np.array([8])).round(4).tolist()
    [1.0645]
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    lengths = ends - starts
    n = len(starts)
    size = np.zeros(n)  # smoothed demand size
    gap = np.zeros(n)  # Croston / SBA: smoothed interval between demands; TSB: smoothed probability of demand
    seen = np.zeros(n, dtype=bool)  # a demand has occurred
    since = np.zeros(n)  # periods since the last demand (counting the current one)
    for t in range(int(lengths.max()) if n else 0):
        active = t < lengths
        y = np.where(active, values[np.minimum(starts + t, len(values) - 1)].astype(np.float64), 0.0)
        demand = active & (y != 0)
        first = demand & ~seen
        again = demand & seen
        since = since + active
        size = np.where(first, y, np.where(again, size + alpha * (y - size), size))
        if method == "tsb":  # the probability starts at the first period's 0 or 1 (as statsforecast's TSB)
            gap = np.where(active, demand if t == 0 else gap + beta * (demand - gap), gap)
        else:
            gap = np.where(first, since, np.where(again, gap + alpha * (since - gap), gap))
            since = np.where(demand, 0.0, since)
        seen |= demand
    if method == "tsb":
        return np.where(seen, gap * size, 0.0)
    rate = np.where(seen, size / np.where(seen, gap, 1.0), 0.0)
    return rate * (1 - alpha / 2) if method == "sba" else rate


class CrostonForecaster(BaseForecaster):
    """Croston's method for intermittent demand, or its SBA or TSB correction (see the module's notes).

    Parameters
    ----------
    method : {"classic", "sba", "tsb"}
        "classic": the smoothed size over the smoothed interval; "sba": that times ``1 - alpha / 2``
        (Syntetos-Boylan); "tsb": the smoothed probability of demand times the smoothed size
        (Teunter-Syntetos-Babai), which decays when demand stops.
    alpha : float
        Smoothing weight of the demand sizes (and, for "classic" and "sba", of the intervals), in (0, 1].
    beta : float, optional
        "tsb" only: smoothing weight of the probability of demand, in (0, 1]; None uses ``alpha``.

    Example
    -------
    >>> import pandas as pd
    >>> y = pd.Series([0, 0, 3, 0, 0, 0, 6, 0.0], index=pd.date_range("2024-01-01", periods=8, freq="W"), name="i")
    >>> CrostonForecaster().fit(y).predict(2)["y_pred"].round(4).tolist()
    [1.0645, 1.0645]
    """

    def __init__(self, method: str = "classic", alpha: float = 0.1, beta: float | None = None):
        self.method = method
        self.alpha = alpha
        self.beta = beta

    def _tags(self) -> ForecasterTags:
        return ForecasterTags(intervals=False, batch_origins=True)

    def _smoothing(self) -> tuple[str, float, float]:
        method = check_choice(self.method, "method", METHODS)
        weights = []
        for name, value in (("alpha", self.alpha), ("beta", self.alpha if self.beta is None else self.beta)):
            if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value)
                    or not 0 < value <= 1):
                raise InvalidParameterError(f"{name} must be a smoothing weight in (0, 1], got {value!r}")
            weights.append(float(value))
        if self.beta is not None and method != "tsb":
            raise InvalidParameterError(f"beta= is the probability weight of method='tsb'; method={method!r} "
                                        "smooths sizes and intervals with alpha")
        return method, weights[0], weights[1]

    def _fit(self, panel: Panel) -> None:
        self._smoothing()  # every parameter checked before anything is stored
        self.n_series_ = panel.n_series

    def _predict(self, panel: Panel, horizon: int, future, levels) -> dict[str, np.ndarray]:
        return self._predict_at(panel, np.arange(panel.n_series), panel.lengths, horizon, future, levels)

    def _predict_at(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int, future,
                    levels=None) -> dict[str, np.ndarray]:
        method, alpha, beta = self._smoothing()
        starts = panel.offsets[np.asarray(series)]
        rates = croston_rates(panel.values, starts, starts + np.asarray(cutoffs), method, alpha, beta)
        return {POINT: np.repeat(rates[:, None], horizon, axis=1)}

    @classmethod
    def get_test_params(cls) -> list[dict]:
        return [{}, {"method": "tsb", "alpha": 0.2, "beta": 0.05}]
