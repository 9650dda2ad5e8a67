"""Scores of a backtest's prediction intervals beyond coverage and width: MSIS per level and the scaled pinball
loss of every bound, computed from a `BacktestResult` for leaderboards.
"""

from __future__ import annotations

import numpy as np

from .. import metrics as M
from .._schema import interval_columns, level_quantiles, parse_column

__all__ = ["interval_scores"]


def interval_scores(result) -> dict[str, float]:
    """``MSIS_L`` for each interval level ``L`` of the backtest and ``pinball``, or ``{}`` without intervals.

    ``MSIS_L`` is the M4 interval score: per (series, fold), `tsrnn.metrics.interval_score` of its forecasts
    divided by that fold's MASE denominator (``origins.scale_mae``), averaged over the pairs like MASE.
    ``pinball`` is the pinball loss of every interval bound and quantile column (a bound of the ``L`` %
    interval is the ``(100 - L) / 200`` or ``(100 + L) / 200`` quantile), scaled the same way and averaged
    over bounds and pairs. Missing actuals are left out.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn import backtest, NaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 4.0, 3.0, 5.0, 6.0], index=pd.date_range("2024-01-01", periods=6), name="s")
    >>> res = backtest(NaiveForecaster(), y, horizon=1, folds=2, level=80, progress=False, season_length=1)
    >>> sorted(interval_scores(res))
    ['MSIS_80', 'pinball']
    """
    frame = result.forecasts
    pairs = interval_columns(frame.columns)
    quantiles = [(c, parse_column(c)[1] / 100.0) for c in frame.columns if (parse_column(c) or ("",))[0] == "quantile"]
    if (not pairs and not quantiles) or len(frame) == 0:
        return {}
    frame = frame[frame["y"].notna()].merge(result.origins[["unique_id", "fold", "scale_mae"]],
                                            on=["unique_id", "fold"], how="left")
    if len(frame) == 0:
        return {}
    y = frame["y"].to_numpy(dtype=np.float64)
    scale = frame["scale_mae"].to_numpy(dtype=np.float64)
    pair = frame.groupby(["unique_id", "fold"], sort=False).ngroup().to_numpy()
    out = {}
    for level, lo, hi in pairs:
        low, high = frame[lo].to_numpy(dtype=np.float64), frame[hi].to_numpy(dtype=np.float64)
        M.interval_score(y[:1], low[:1], high[:1], float(level))  # validates the level
        M.interval_width(low, high)  # refuses crossed bounds, naming where
        a = 1.0 - float(level) / 100.0
        row = high - low + (2.0 / a) * (np.maximum(low - y, 0.0) + np.maximum(y - high, 0.0))
        out[f"MSIS_{level}"] = _mean_over_pairs(row, scale, pair)
    bounds = []
    for level, lo, hi in pairs:
        if parse_column(lo)[0] == "lo":  # quantile pairs are scored below, as quantiles
            q_lo, q_hi = level_quantiles(float(level))
            bounds += [(lo, q_lo), (hi, q_hi)]
    bounds += quantiles
    if bounds:
        scores = []
        for column, q in bounds:
            diff = y - frame[column].to_numpy(dtype=np.float64)
            scores.append(_mean_over_pairs(np.maximum(q * diff, (q - 1.0) * diff), scale, pair))
        out["pinball"] = float(np.mean(scores))
    return out


def _mean_over_pairs(row: np.ndarray, scale: np.ndarray, pair: np.ndarray) -> float:
    """The mean over (series, fold) pairs of each pair's mean row value divided by its scale (NaN where the
    scale is not positive, which makes the result NaN, as for MASE)."""
    n = int(pair.max()) + 1
    sums = np.bincount(pair, weights=row, minlength=n)
    counts = np.bincount(pair, minlength=n)
    scales = np.zeros(n)
    scales[pair] = scale
    with np.errstate(divide="ignore", invalid="ignore"):
        per_pair = np.where(scales > 0, sums / counts / scales, np.nan)
    return float(np.mean(per_pair))
