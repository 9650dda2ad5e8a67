"""Tests of skill, not only scores: the Diebold-Mariano test (Harvey small-sample correction) of a model's
backtest errors against a baseline's on the same origins, and the leaderboard columns built from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._schema import POINT

__all__ = ["diebold_mariano", "dm_columns", "SIGNIFICANCE"]

SIGNIFICANCE = 0.05
"""The level below which a p-value counts as significant in tables and reports."""

_ALTERNATIVES = ("less", "greater", "two-sided")


def _t_cdf(x: float, df: int) -> float:
    from scipy.special import stdtr  # scipy comes with statsmodels

    return float(stdtr(df, x))


def diebold_mariano(loss, loss_baseline, horizon: int = 1, alternative: str = "less") -> tuple[float, float]:
    """Diebold-Mariano test of equal accuracy with the Harvey, Leybourne and Newbold (1997) correction.

    ``loss`` and ``loss_baseline`` are the losses of two forecasts of the same targets, in time order (NaN
    pairs are dropped). With ``d = loss - loss_baseline`` (``n`` values), the long-run variance of its mean
    uses the autocovariances up to lag ``horizon - 1`` (``horizon``-step forecasts from consecutive origins
    overlap): ``V = (g0 + 2 * sum_{k<h} gk) / n`` (falling back to ``g0 / n`` when that is not positive),
    ``DM = mean(d) / sqrt(V)``, corrected to ``DM * sqrt((n + 1 - 2h + h(h - 1) / n) / n)`` and compared with
    Student's t with ``n - 1`` degrees of freedom. ``alternative="less"`` (default) tests whether the first
    forecast has the smaller loss, ``"greater"`` the larger, ``"two-sided"`` either. Returns ``(statistic,
    p_value)``; NaN when fewer than two pairs remain or the losses never differ.

    Example
    -------
    >>> stat, p = diebold_mariano([1.0, 2.0, 1.0, 2.0, 1.0], [2.0, 2.5, 2.0, 3.0, 1.5])
    >>> round(stat, 3), round(p, 4)  # d = -1, -0.5, -1, -1, -0.5: mean -0.8, g0 = 0.06
    (-6.532, 0.0014)
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(_ALTERNATIVES)}, got {alternative!r}")
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a positive int, got {horizon!r}")
    a = np.asarray(loss, dtype=np.float64).ravel()
    b = np.asarray(loss_baseline, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"loss and loss_baseline must have the same length, got {a.size} and {b.size}")
    d = (a - b)[~(np.isnan(a) | np.isnan(b))]
    n, h = len(d), int(horizon)
    if n < 2:
        return float("nan"), float("nan")
    centred = d - d.mean()
    gamma = [float(np.dot(centred[k:], centred[: n - k]) / n) for k in range(min(h, n))]
    variance = (gamma[0] + 2.0 * sum(gamma[1:])) / n
    if not variance > 0:
        variance = gamma[0] / n
    if not variance > 0:  # the loss differential is constant
        if d.mean() == 0:
            return float("nan"), float("nan")
        stat = math.copysign(math.inf, d.mean())
    else:
        stat = float(d.mean() / math.sqrt(variance))
        factor = (n + 1 - 2 * h + h * (h - 1) / n) / n
        stat *= math.sqrt(factor) if factor > 0 else 1.0
    lower = _t_cdf(stat, n - 1) if math.isfinite(stat) else (1.0 if stat > 0 else 0.0)
    if alternative == "less":
        p = lower
    elif alternative == "greater":
        p = 1.0 - lower
    else:
        p = min(1.0, 2.0 * min(lower, 1.0 - lower))
    return stat, float(p)


def _fold_losses(result, loss: str) -> pd.Series:
    """Per fold: the mean scaled loss over every scored (series, step) of that fold (index: fold)."""
    f = result.forecasts[result.forecasts["y"].notna()]
    f = f.merge(result.origins[["unique_id", "fold", "scale_mae", "scale_mse"]], on=["unique_id", "fold"],
                how="left")
    err = f["y"].to_numpy(dtype=np.float64) - f[POINT].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss == "absolute":
            values = np.abs(err) / f["scale_mae"].to_numpy(dtype=np.float64)
        else:
            values = err**2 / f["scale_mse"].to_numpy(dtype=np.float64)
    values = np.where(np.isfinite(values), values, np.nan)
    return pd.Series(values, index=f.index).groupby(f["fold"].to_numpy()).mean()


def dm_columns(results: Mapping, baseline: str, loss: str = "absolute") -> pd.DataFrame:
    """``DM`` and ``DM_p`` per model: the Diebold-Mariano test of each backtest against ``results[baseline]``.

    The loss of a fold is the mean over its series and horizon steps of the absolute error scaled by the
    fold's MASE denominator (``loss="absolute"``, the loss MASE averages) or the squared error scaled by
    RMSSE's (``"squared"``), so every series weighs alike; the folds are the time order of the test and
    origins closer than the horizon overlap (lag ``ceil(horizon / step) - 1``). ``DM_p`` is one-sided: the
    probability of a differential this favourable if the model were no more accurate than the baseline;
    below `SIGNIFICANCE` the model beats the baseline significantly. The baseline's own row is NaN.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn import compare, DriftForecaster, NaiveForecaster
    >>> y = pd.Series([float(v) for v in range(40)], index=pd.date_range("2024-01-01", periods=40), name="s")
    >>> y = y + pd.Series(np.random.default_rng(0).normal(0, 0.5, 40), index=y.index)  # a trend with noise
    >>> cmp = compare({"naive": NaiveForecaster(), "drift": DriftForecaster()}, y, horizon=2, folds=8,
    ...               progress=False, season_length=1)
    >>> cmp.baseline, bool(cmp.leaderboard.loc["drift", "DM_p"] < 0.05)  # drift beats the random walk here
    ('naive', True)
    """
    if loss not in ("absolute", "squared"):
        raise ValueError(f"loss must be 'absolute' or 'squared', got {loss!r}")
    if baseline not in results:
        raise ValueError(f"baseline {baseline!r} is not one of the compared models: {list(results)}")
    base = results[baseline]
    base_loss = _fold_losses(base, loss) if len(base.forecasts) else pd.Series(dtype=np.float64)
    lag = math.ceil(base.horizon / max(1, base.step))
    rows = {}
    for name, result in results.items():
        if name == baseline or len(result.forecasts) == 0:
            rows[name] = {"DM": np.nan, "DM_p": np.nan}
            continue
        own = _fold_losses(result, loss)
        both = pd.concat([own.rename("m"), base_loss.rename("b")], axis=1).sort_index()
        stat, p = diebold_mariano(both["m"].to_numpy(), both["b"].to_numpy(), horizon=lag)
        rows[name] = {"DM": stat, "DM_p": p}
    return pd.DataFrame.from_dict(rows, orient="index")


def pick_baseline(forecasters: Mapping, baseline=None) -> str | None:
    """The name of the model the others are tested against in `compare`: ``baseline`` when given (it must be
    one of the names), else the first seasonal naive or naive (random walk) forecaster, else None (no test).

    Example
    -------
    >>> from tsrnn import DriftForecaster, NaiveForecaster
    >>> pick_baseline({"drift": DriftForecaster(), "rw": NaiveForecaster()})
    'rw'
    """
    from ..forecasters.naive import NaiveForecaster, SeasonalNaiveForecaster

    names = [str(n) for n in forecasters]
    if baseline is not None:
        if str(baseline) not in names:
            raise ValueError(f"baseline={baseline!r} is not one of the compared models {names}")
        return str(baseline)
    for kind in (SeasonalNaiveForecaster, NaiveForecaster):
        for name, model in forecasters.items():
            if type(model) is kind:
                return str(name)
    return None
