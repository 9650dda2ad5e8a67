"""Trading evaluation of a price backtest that a trader would accept: a strategy on every horizon step or on
the cumulative h-step forecast, transaction costs, turnover, hit rate with its binomial p-value, and Sharpe
ratios with their standard errors (Lo 2002), warning when there are too few trades to say anything.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import metrics as M
from .._schema import POINT
from ..frequency import periods_per_year

__all__ = ["trading_periods", "trading_summary", "STRATEGIES", "MIN_TRADES"]

STRATEGIES = ("first", "every_step", "cumulative")
MIN_TRADES = 30
"""Fewer trades than this draw a warning: a hit rate or Sharpe ratio from a handful of trades means little."""


def _check(strategy: str, cost_bps) -> float:
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(map(repr, STRATEGIES))}, got {strategy!r}")
    if isinstance(cost_bps, bool) or not isinstance(cost_bps, int | float | np.integer | np.floating) \
            or not np.isfinite(cost_bps) or cost_bps < 0:
        raise ValueError(f"cost_bps must be a non-negative number of basis points (10 = 0.1 %), got {cost_bps!r}")
    return float(cost_bps)


def trading_periods(result, strategy: str = "first", cost_bps: float = 0.0) -> pd.DataFrame:
    """The holding periods of a directional strategy on a backtest's forecasts, one row per period.

    Strategies (every position is +1 long, -1 short or 0 flat, decided at the cutoff from its forecast):

    - ``"first"``: at each cutoff, the sign of the first step's forecast minus the last price, held one step;
    - ``"every_step"``: for each horizon step ``j``, the sign of the forecast move over that step
      (``y_pred[j] - y_pred[j - 1]``, with ``y_pred[0]`` the last price), held from step ``j - 1`` to ``j``:
      with ``step == horizon`` the periods of consecutive folds follow each other without a gap;
    - ``"cumulative"``: the sign of the last step's forecast minus the last price, held the whole horizon.

    Columns: ``unique_id, fold, cutoff, start, end`` (timestamps), ``position, entry, exit`` (prices),
    ``gross_return = position * (exit / entry - 1)``, ``turnover`` (the change of position this period
    causes: opening, flipping (2), or closing; a position is closed when the next period does not start
    where it ended, and at the end), ``cost = turnover * cost_bps / 10000``, ``net_return = gross_return -
    cost``, ``buy_and_hold_return = exit / entry - 1`` and ``hit`` (the position had the sign of the move;
    False when flat). Periods whose exit price is missing are dropped. Prices must be positive.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn import backtest, DriftForecaster
    >>> y = pd.Series([10.0, 11.0, 12.0, 11.0, 13.0], index=pd.date_range("2024-01-03", periods=5, freq="B"),
    ...               name="px")
    >>> res = backtest(DriftForecaster(), y, horizon=1, folds=2, progress=False, season_length=1)
    >>> trading_periods(res, cost_bps=10)[["position", "gross_return", "turnover", "net_return"]].round(4)
       position  gross_return  turnover  net_return
    0       1.0       -0.0833       1.0     -0.0843
    1       1.0        0.1818       1.0      0.1808
    """
    cost_bps = _check(strategy, cost_bps)
    f = result.forecasts.merge(result.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"],
                               how="left")
    f = f.sort_values(["unique_id", "fold", "horizon_step"], kind="stable")
    if strategy == "first":
        f = f[f["horizon_step"] == 1].assign(entry=lambda d: d["last_value"], start=lambda d: d["cutoff"],
                                             ref=lambda d: d["last_value"])
    elif strategy == "cumulative":
        last = f.groupby(["unique_id", "fold"], sort=False)["horizon_step"].transform("max")
        f = f[f["horizon_step"] == last].assign(entry=lambda d: d["last_value"], start=lambda d: d["cutoff"],
                                                ref=lambda d: d["last_value"])
    else:
        keys = [f["unique_id"], f["fold"]]
        prev_y = f.groupby(keys, sort=False)["y"].shift(1)
        prev_pred = f.groupby(keys, sort=False)[POINT].shift(1)
        prev_ds = f.groupby(keys, sort=False)["ds"].shift(1)
        first = f["horizon_step"] == f.groupby(keys, sort=False)["horizon_step"].transform("min")
        f = f.assign(entry=np.where(first, f["last_value"], prev_y), ref=np.where(first, f["last_value"], prev_pred),
                     start=prev_ds.where(~first, f["cutoff"]))
    f = f[f["y"].notna() & f["entry"].notna()].reset_index(drop=True)
    out = pd.DataFrame({"unique_id": f["unique_id"].to_numpy(), "fold": f["fold"].to_numpy(),
                        "cutoff": f["cutoff"].to_numpy(), "start": pd.to_datetime(f["start"]).to_numpy(),
                        "end": f["ds"].to_numpy(), "position": np.sign(f[POINT].to_numpy(dtype=np.float64)
                                                                       - f["ref"].to_numpy(dtype=np.float64)),
                        "entry": f["entry"].to_numpy(dtype=np.float64), "exit": f["y"].to_numpy(dtype=np.float64)})
    if (out["entry"] <= 0).any() or (out["exit"] <= 0).any():
        bad = out.loc[(out["entry"] <= 0) | (out["exit"] <= 0), "unique_id"].iloc[0]
        raise ValueError(f"series {bad!r}: trading statistics need positive prices")
    out = out.sort_values(["unique_id", "start", "fold"], kind="stable").reset_index(drop=True)
    move = out["exit"] / out["entry"] - 1.0
    out["gross_return"] = out["position"] * move
    turnover = np.zeros(len(out))
    for _, idx in out.groupby("unique_id", sort=False).indices.items():
        pos = out["position"].to_numpy()[idx]
        start, end = out["start"].to_numpy()[idx], out["end"].to_numpy()[idx]
        prev = np.concatenate([[0.0], pos[:-1]])
        joined = np.concatenate([[False], start[1:] == end[:-1]])
        # contiguous: trade the difference; after a gap the previous position was closed, so open afresh
        t = np.where(joined, np.abs(pos - prev), np.abs(pos))
        closes = np.concatenate([~joined[1:], [True]])  # closing at the end of a run of periods
        turnover[idx] = t + np.where(closes, np.abs(pos), 0.0)
    out["turnover"] = turnover
    out["cost"] = turnover * cost_bps / 1e4
    out["net_return"] = out["gross_return"] - out["cost"]
    out["buy_and_hold_return"] = move
    out["hit"] = (out["position"] != 0) & (out["position"] == np.sign(move))
    return out


def trading_summary(result, strategy: str = "first", cost_bps: float = 0.0, risk_free: float = 0.0,
                    min_trades: int = MIN_TRADES, warn: bool = True) -> pd.DataFrame:
    """Trading statistics per series and for the equal-weight portfolio of all series (row ``"all"``).

    Built on `trading_periods`. Columns: ``n_periods``, ``n_trades`` (periods with a position),
    ``hit_rate`` (hits / trades) and ``hit_rate_p`` (`tsrnn.metrics.hit_rate_pvalue`: the chance a coin does
    as well), ``turnover`` (summed), ``cost`` (summed, fraction of capital), ``return`` and
    ``buy_and_hold_return`` (compounded net returns), ``sharpe`` and ``sharpe_se`` (annualised net Sharpe
    ratio and its Lo (2002) standard error, `tsrnn.metrics.sharpe_ratio_se`), ``buy_and_hold_sharpe``,
    ``max_drawdown`` and ``few_trades`` (fewer than ``min_trades`` trades: the figures are anecdotes; a
    ``RuntimeWarning`` says so when ``warn``). The portfolio row averages the series' returns of each
    period end. Annualisation: ``periods_per_year(freq) / step`` folds a year, times the periods per fold
    (1, or the horizon for ``"every_step"``).

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn import backtest, DriftForecaster
    >>> y = pd.Series([10.0, 11.0, 12.0, 11.0, 13.0], index=pd.date_range("2024-01-03", periods=5, freq="B"),
    ...               name="px")
    >>> res = backtest(DriftForecaster(), y, horizon=1, folds=2, progress=False, season_length=1)
    >>> trading_summary(res, warn=False).loc["px", ["n_trades", "hit_rate", "hit_rate_p", "few_trades"]]
    n_trades          2
    hit_rate        0.5
    hit_rate_p     0.75
    few_trades     True
    Name: px, dtype: object
    """
    periods = trading_periods(result, strategy, cost_bps)
    per_fold = result.horizon if strategy == "every_step" else 1
    ppy = max(1, int(round(periods_per_year(result.freq) * per_fold / max(1, result.step))))
    rows = {uid: _stats(g["net_return"].to_numpy(), g["buy_and_hold_return"].to_numpy(), g, ppy, risk_free)
            for uid, g in periods.groupby("unique_id", sort=False)}
    if len(rows) > 1:
        by_end = periods.groupby("end", sort=True)
        rows["all"] = _stats(by_end["net_return"].mean().to_numpy(), by_end["buy_and_hold_return"].mean().to_numpy(),
                             periods, ppy, risk_free)
    table = pd.DataFrame.from_dict(rows, orient="index")
    if len(table) == 0:
        return table
    table["few_trades"] = table["n_trades"] < int(min_trades)
    if warn and table["few_trades"].any():
        few = table.index[table["few_trades"]].tolist()
        warnings.warn(f"{result.name}: fewer than {min_trades} trades for {few[:5]}{' ...' if len(few) > 5 else ''}"
                      f" (as few as {int(table['n_trades'].min())}); hit rates and Sharpe ratios from so few trades "
                      "say little: add folds (smaller step) or series", RuntimeWarning, stacklevel=2)
    return table


def _stats(net: np.ndarray, hold: np.ndarray, g: pd.DataFrame, ppy: int, risk_free: float) -> dict:
    trades = int((g["position"] != 0).sum())
    hits = int(g["hit"].sum())
    return {
        "n_periods": len(g), "n_trades": trades,
        "hit_rate": hits / trades if trades else np.nan,
        "hit_rate_p": M.hit_rate_pvalue(hits, trades),
        "turnover": float(g["turnover"].sum()), "cost": float(g["cost"].sum()),
        "return": M.cumulative_return(net) if len(net) else np.nan,
        "buy_and_hold_return": M.cumulative_return(hold) if len(hold) else np.nan,
        "sharpe": M.sharpe_ratio(net, ppy, risk_free) if len(net) else np.nan,
        "sharpe_se": M.sharpe_ratio_se(net, ppy, risk_free) if len(net) else np.nan,
        "buy_and_hold_sharpe": M.sharpe_ratio(hold, ppy, risk_free) if len(hold) else np.nan,
        "max_drawdown": M.max_drawdown(net) if len(net) else np.nan,
    }
