"""`BacktestResult`: the forecasts of a backtest with what is needed to score them honestly.

It holds every fold's forecasts next to the actuals, each (series, fold)'s training-part scale for MASE/RMSSE
and the price at each origin, and turns them into metric tables, trading statistics, plots and reports.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .. import metrics as M
from .._schema import POINT, interval_column, interval_columns, parse_column
from ..frequency import is_business_daily, periods_per_year

__all__ = ["BacktestResult", "fold_scores", "interval_columns", "periods_per_year"]

_BY = {"series": "unique_id", "fold": "fold", "horizon_step": "horizon_step"}

class BacktestResult:
    """The outcome of `tsrnn.evaluation.backtest`: forecasts at every cutoff and the means to score them.

    `backtest` hands over arrays; ``forecasts``, ``origins`` and ``actuals`` are built from them on first read
    (the long ``forecasts`` frame has a row per series, fold and step: nothing builds it until it is needed).

    Attributes
    ----------
    forecasts : DataFrame
        Long: ``unique_id, fold, cutoff, ds, horizon_step, y, y_pred`` plus interval/quantile columns.
        ``cutoff`` is the timestamp of the last observation the forecast could use; ``horizon_step`` counts
        from 1 at the first evaluated step (after any ``gap``). Folds that failed have no rows. When the
        data had missing target values (``fill_missing=``), ``y`` is NaN where the actual was missing and a
        boolean ``y_missing`` column flags those rows: they are forecast but never scored.
    origins : DataFrame
        One row per (series, fold): ``unique_id, fold, cutoff, train_start, n_train, scale_mae, scale_mse,
        last_value``. ``scale_mae`` (``scale_mse``) is the mean absolute (squared) seasonal difference of
        the training part of that fold alone (observed values only), the denominator of MASE (RMSSE);
        ``last_value`` is the last observed value at or before the cutoff.
    actuals : DataFrame
        The observed target, ``unique_id, ds, y`` (for plots); NaN where a value was missing.
    timings : DataFrame
        One row per fold: ``fold, refit, fit_time_s, predict_time_s, failed``. With the batched fast path
        (``refit=False`` on an RNN) the one prediction call's time is split evenly over the folds.
    errors : DataFrame
        One row per failure: ``fold, cutoff, unique_id`` (``"all"`` when a whole fold failed), ``stage``
        (fit or predict), ``error_type, message``.
    horizon, step, gap, season_length, freq, name, refit : the settings that produced it.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.evaluation import backtest
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 4.0, 3.0, 5.0, 6.0], index=pd.date_range("2024-01-01", periods=6, freq="D"),
    ...               name="s")
    >>> res = backtest(NaiveForecaster(), y, horizon=1, folds=2, progress=False, season_length=1)
    >>> res.forecasts[["cutoff", "y", "y_pred"]]
          cutoff    y  y_pred
    0 2024-01-04  5.0     3.0
    1 2024-01-05  6.0     5.0
    >>> res.metrics()[["MAE", "MASE"]].round(4)  # MASE: |5-3| / (1+2+1)/3 = 1.5 ; |6-5| / (1+2+1+2)/4 = 0.6667
         MAE    MASE
    all  1.5  1.0833
    """

    def __init__(
        self,
        forecasts: pd.DataFrame,
        origins: pd.DataFrame,
        actuals: pd.DataFrame,
        timings: pd.DataFrame,
        errors: pd.DataFrame,
        *,
        horizon: int,
        step: int,
        gap: int,
        season_length: int,
        freq,
        name: str,
        refit,
    ):
        # Each of the three big frames may be given as a function that builds it: `backtest` passes those, so
        # a run that is only scored (the tuner) or only partly read never materialises every row.
        self._forecasts = forecasts
        self._origins = origins
        self._actuals = actuals
        self.timings = timings
        self.errors = errors
        self.horizon = horizon
        self.step = step
        self.gap = gap
        self.season_length = season_length
        self.freq = freq
        self.name = name
        self.refit = refit

    @property
    def forecasts(self) -> pd.DataFrame:
        if not isinstance(self._forecasts, pd.DataFrame):
            self._forecasts = self._forecasts()
        return self._forecasts

    @forecasts.setter
    def forecasts(self, frame: pd.DataFrame) -> None:
        self._forecasts = frame

    @property
    def origins(self) -> pd.DataFrame:
        if not isinstance(self._origins, pd.DataFrame):
            self._origins = self._origins()
        return self._origins

    @origins.setter
    def origins(self, frame: pd.DataFrame) -> None:
        self._origins = frame

    @property
    def actuals(self) -> pd.DataFrame:
        if not isinstance(self._actuals, pd.DataFrame):
            self._actuals = self._actuals()
        return self._actuals

    @actuals.setter
    def actuals(self, frame: pd.DataFrame) -> None:
        self._actuals = frame

    def __repr__(self) -> str:
        n_series = self.origins["unique_id"].nunique()
        n_folds = len(self.timings)
        return (f"BacktestResult({self.name}: {n_series} series x {n_folds} folds, horizon={self.horizon}, "
                f"{len(self.errors)} error(s))")

    # -- scoring -----------------------------------------------------------------------------------------
    def metrics(self, by: str | None = None) -> pd.DataFrame:
        """Accuracy table: one row overall (``by=None``, index ``"all"``), per ``"series"``, ``"fold"`` or
        ``"horizon_step"``.

        Columns: ``MAE, RMSE, sMAPE, WAPE, MASE, RMSSE, bias``, then ``coverage_L, width_L`` for each
        interval level L, and ``n`` (forecasts scored). MAE, RMSE, sMAPE (percent), WAPE and bias pool
        every forecast of the group (`tsrnn.metrics` formulas). MASE and RMSSE are computed per (series,
        fold) with that fold's own training-part scale (``origins.scale_mae`` / ``scale_mse``, seasonal
        differences at ``season_length``) and averaged over the (series, fold) pairs in the group, as in
        the M4/M5 competitions; a pair whose training part is shorter than ``season_length + 1`` gives NaN.
        Missing actuals (NaN ``y``, see ``forecasts``) are left out of every metric and of ``n``; a group
        with no observed actual has NaN metrics and ``n = 0``.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import NaiveForecaster
        >>> y = pd.Series([1.0, 3.0, 2.0, 4.0, 6.0, 5.0], index=pd.date_range("2024-01-01", periods=6),
        ...               name="s")
        >>> res = backtest(NaiveForecaster(), y, horizon=2, folds=2, progress=False, season_length=1)
        >>> res.metrics(by="horizon_step")[["MAE", "n"]]  # step 1: |2-3|, |6-4| ; step 2: |4-3|, |5-4|
                      MAE  n
        horizon_step
        1             1.5  2
        2             1.0  2
        """
        if by is not None and by not in _BY:
            raise ValueError(f"by must be None, 'series', 'fold' or 'horizon_step', got {by!r}")
        frame = self.forecasts
        if len(frame) == 0:
            raise ValueError("the backtest has no forecasts to score (every fold failed)")
        frame = frame.merge(self.origins[["unique_id", "fold", "scale_mae", "scale_mse"]], on=["unique_id", "fold"],
                            how="left")
        key = _BY[by] if by is not None else None
        if key is None:
            frame = frame.assign(_group="all")
            key = "_group"
        intervals = interval_columns(frame.columns)

        groups = frame.groupby(key, sort=True).size().index  # every group, in pandas' order
        frame = frame[frame["y"].notna()]  # a missing actual has nothing to score against

        # MASE / RMSSE: each (series, fold) pair against its own training scale, then the mean over pairs.
        err = frame["y"].to_numpy(dtype=np.float64) - frame[POINT].to_numpy(dtype=np.float64)
        pair_keys = list(dict.fromkeys([key, "unique_id", "fold"]))
        parts = frame[[*pair_keys, "scale_mae", "scale_mse"]].assign(_abs=np.abs(err), _sq=err**2)
        pairs = parts.groupby(pair_keys, sort=False).agg(
            _abs=("_abs", "mean"), _sq=("_sq", "mean"), scale_mae=("scale_mae", "first"),
            scale_mse=("scale_mse", "first"))
        pairs["MASE"] = _divide(pairs["_abs"].to_numpy(), pairs["scale_mae"].to_numpy())
        pairs["RMSSE"] = np.sqrt(_divide(pairs["_sq"].to_numpy(), pairs["scale_mse"].to_numpy()))
        scaled = pairs.groupby(level=0, sort=True)[["MASE", "RMSSE"]].mean(numeric_only=True)
        scaled_nan = pairs[["MASE", "RMSSE"]].isna().groupby(level=0).any()
        scaled = scaled.mask(scaled_nan)  # an undefined pair makes the group undefined, as in tsrnn.metrics

        rows = {}
        by_group = dict(list(frame.groupby(key, sort=True)))
        for group in groups:
            g = by_group.get(group)
            if g is None:  # every actual of the group was missing
                row = {name: np.nan for name in ("MAE", "RMSE", "sMAPE", "WAPE", "MASE", "RMSSE", "bias")}
                for level, _, _ in intervals:
                    row[f"coverage_{level}"] = row[f"width_{level}"] = np.nan
                row["n"] = 0
                rows[group] = row
                continue
            y, p = g["y"].to_numpy(dtype=np.float64), g[POINT].to_numpy(dtype=np.float64)
            row = {"MAE": M.mae(y, p), "RMSE": M.rmse(y, p), "sMAPE": M.smape(y, p), "WAPE": M.wape(y, p),
                   # .at, not .loc: a series id may be a tuple (several id columns), which .loc reads as two keys
                   "MASE": float(scaled.at[group, "MASE"]), "RMSSE": float(scaled.at[group, "RMSSE"]),
                   "bias": M.bias(y, p)}
            for level, lo, hi in intervals:
                low, high = g[lo].to_numpy(dtype=np.float64), g[hi].to_numpy(dtype=np.float64)
                row[f"coverage_{level}"] = M.coverage(y, low, high)
                row[f"width_{level}"] = M.interval_width(low, high)
            row["n"] = len(g)
            rows[group] = row
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = None if by is None else _BY[by]
        return table

    def summary(self) -> pd.DataFrame:
        """One row, indexed by the model name: the overall metrics, summed fit and predict wall time (seconds),
        and the numbers of series, folds and errors. `compare` stacks these into its leaderboard.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import NaiveForecaster
        >>> y = pd.Series(range(1, 9), index=pd.date_range("2024-01-01", periods=8), name="s", dtype=float)
        >>> row = backtest(NaiveForecaster(), y, horizon=2, folds=2, progress=False, season_length=1).summary()
        >>> row[["MAE", "MASE", "n_folds", "n_errors"]]
                         MAE  MASE  n_folds  n_errors
        NaiveForecaster  1.5   1.5        2         0
        """
        if len(self.forecasts):
            row = self.metrics().iloc[0].to_dict()
        else:
            row = {}
        row.pop("n", None)
        row.update(fit_time_s=float(self.timings["fit_time_s"].sum()),
                   predict_time_s=float(self.timings["predict_time_s"].sum()),
                   n_series=int(self.origins["unique_id"].nunique()), n_folds=int(len(self.timings)),
                   n_errors=int(len(self.errors)))
        return pd.DataFrame([row], index=pd.Index([self.name]))

    # -- trading view --------------------------------------------------------------------------------------
    def trades(self) -> pd.DataFrame:
        """One trade per (series, fold) from the first evaluated step of each forecast.

        At each cutoff the strategy goes long when the forecast of the first step is above the last
        observed value (``last_value``), short when below, flat when equal, and closes at the actual of
        that step: ``strategy_return = sign(y_pred - last_value) * (y / last_value - 1)``;
        ``buy_and_hold_return = y / last_value - 1`` over the same period (`tsrnn.metrics.strategy_returns`).
        Only the first step is traded, so trades never overlap: with ``step`` equal to ``horizon`` (the
        default) the periods between trades are simply not invested. A fold whose first actual is missing
        has no trade (there is no price to close it at). Prices must be positive.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import DriftForecaster
        >>> y = pd.Series([10.0, 11.0, 12.0, 11.0, 13.0], index=pd.date_range("2024-01-03", periods=5, freq="B"),
        ...               name="px")
        >>> backtest(DriftForecaster(), y, horizon=1, folds=2, progress=False, season_length=1).trades()[
        ...     ["last_value", "y", "y_pred", "strategy_return"]].round(4)  # drift: 12 + (12 - 10) / 2 ; long 11/12 - 1, long 13/11 - 1
           last_value     y   y_pred  strategy_return
        0        12.0  11.0  13.0000          -0.0833
        1        11.0  13.0  11.3333           0.1818
        """
        first = self.forecasts[(self.forecasts["horizon_step"] == 1) & self.forecasts["y"].notna()]
        first = first.merge(self.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"], how="left")
        first = first.sort_values(["unique_id", "cutoff"], kind="stable").reset_index(drop=True)
        out = first[["unique_id", "fold", "cutoff", "ds", "last_value", "y", POINT]].copy()
        strat, hold = np.empty(len(out)), np.empty(len(out))
        for uid, idx in out.groupby("unique_id", sort=False).indices.items():
            g = out.iloc[idx]
            try:
                strat[idx] = M.strategy_returns(g["y"], g[POINT], g["last_value"])
                hold[idx] = M.buy_and_hold_returns(g["y"], g["last_value"])
            except ValueError as err:
                raise ValueError(f"series {uid!r}: trading statistics need positive prices ({err})") from None
        out["strategy_return"] = strat
        out["buy_and_hold_return"] = hold
        return out

    def finance(self, risk_free: float = 0.0) -> pd.DataFrame:
        """Trading statistics per series of the strategy in `trades` against buy-and-hold.

        Columns: ``n_trades, directional_accuracy, strategy_return, buy_and_hold_return`` (compounded over
        the trades), ``strategy_sharpe, buy_and_hold_sharpe`` (annualised with ``periods_per_year(freq) /
        step`` trades a year) and ``strategy_max_drawdown, buy_and_hold_max_drawdown`` (negative
        fractions). No transaction costs. Use it on price series only.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import DriftForecaster
        >>> y = pd.Series([10.0, 11.0, 12.0, 11.0, 13.0], index=pd.date_range("2024-01-03", periods=5, freq="B"),
        ...               name="px")
        >>> fin = backtest(DriftForecaster(), y, horizon=1, folds=2, progress=False, season_length=1).finance()
        >>> fin[["n_trades", "directional_accuracy", "strategy_return"]].round(4)  # 11/12 * 13/11 - 1
            n_trades  directional_accuracy  strategy_return
        px         2                   0.5           0.0833
        """
        trades = self.trades()
        ppy = max(1, int(round(periods_per_year(self.freq) / max(1, self.step))))
        rows = {}
        for uid, g in trades.groupby("unique_id", sort=False):
            s, b = g["strategy_return"].to_numpy(), g["buy_and_hold_return"].to_numpy()
            rows[uid] = {
                "n_trades": len(g),
                "directional_accuracy": M.directional_accuracy(g["y"], g[POINT], g["last_value"]),
                "strategy_return": M.cumulative_return(s),
                "buy_and_hold_return": M.cumulative_return(b),
                "strategy_sharpe": M.sharpe_ratio(s, ppy, risk_free),
                "buy_and_hold_sharpe": M.sharpe_ratio(b, ppy, risk_free),
                "strategy_max_drawdown": M.max_drawdown(s),
                "buy_and_hold_max_drawdown": M.max_drawdown(b),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def is_price_like(self) -> bool:
        """True for business-day series with positive values (stock prices): reports then add trading views.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import NaiveForecaster
        >>> y = pd.Series([5.0, 6.0, 7.0, 8.0, 7.5, 8.5], index=pd.date_range("2024-01-03", periods=6, freq="B"),
        ...               name="p")
        >>> backtest(NaiveForecaster(), y, horizon=1, folds=1, progress=False, season_length=1).is_price_like()
        True
        """
        return is_business_daily(self.freq) and bool((self.actuals["y"].dropna() > 0).all())

    # -- pictures ----------------------------------------------------------------------------------------
    def plot_frame(self) -> pd.DataFrame:
        """The forecasts with quantile pairs also exposed as ``y_pred_lo_L``/``y_pred_hi_L`` (what plots shade).

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import NaiveForecaster
        >>> y = pd.Series([5.0, 6.0, 7.0, 8.0], index=pd.date_range("2024-01-01", periods=4), name="p")
        >>> res = backtest(NaiveForecaster(), y, horizon=1, folds=1, progress=False, season_length=1)
        >>> list(res.plot_frame().columns)
        ['unique_id', 'fold', 'cutoff', 'ds', 'horizon_step', 'y', 'y_pred']
        """
        frame = self.forecasts
        quantile_pairs = [(lv, lo, hi) for lv, lo, hi in interval_columns(frame.columns)
                          if parse_column(lo)[0] == "quantile"]
        extra = {interval_column("lo", float(lv)): frame[lo] for lv, lo, hi in quantile_pairs}
        extra.update({interval_column("hi", float(lv)): frame[hi] for lv, lo, hi in quantile_pairs})
        return frame.assign(**extra) if extra else frame

    def _context(self) -> int:
        return max(4 * self.horizon, len(self.timings) * self.step + self.horizon)

    def plot(self, series=None, ax=None, max_series: int = 4):
        """Actuals against the forecast of every cutoff, one panel per series (matplotlib); returns the Figure.

        ``series`` is one id or a list of ids (default: the first ``max_series``); the actuals shown start
        a little before the first cutoff. With ``ax``, the first series is drawn on it.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import NaiveForecaster
        >>> y = pd.Series(range(10), index=pd.date_range("2024-01-01", periods=10), name="s", dtype=float)
        >>> fig = backtest(NaiveForecaster(), y, horizon=2, folds=2, progress=False, season_length=1).plot()
        >>> [a.get_title() for a in fig.axes]
        ['s']
        """
        from ..plotting import plot_forecasts

        if series is not None and not isinstance(series, list | tuple | np.ndarray | pd.Index):
            series = [series]
        return plot_forecasts(self.actuals, {self.name: self.plot_frame()}, series=series, max_series=max_series,
                              context=self._context(), ax=ax)

    def report(self, path: str | os.PathLike, title: str | None = None, sections=None, max_series: int = 4,
               finance: bool | None = None):
        """Write one self-contained HTML report (tables, plots, trading view for prices); returns its path.

        ``sections`` adds ``(title, content)`` pairs at the end (content: an HTML fragment, a DataFrame or a
        matplotlib Figure); ``finance=None`` adds the trading view when `is_price_like`.

        Example
        -------
        >>> import pandas as pd, tempfile
        >>> from tsrnn.evaluation import backtest
        >>> from tsrnn.forecasters.naive import NaiveForecaster
        >>> y = pd.Series(range(10), index=pd.date_range("2024-01-01", periods=10), name="s", dtype=float)
        >>> res = backtest(NaiveForecaster(), y, horizon=2, folds=2, progress=False, season_length=1)
        >>> path = res.report(tempfile.mkdtemp() + "/report.html")
        >>> path.read_text().startswith("<!DOCTYPE html>")
        True
        """
        from .report import backtest_sections, write_report

        body = backtest_sections({self.name: self}, max_series=max_series, finance=finance)
        return write_report(path, title if title is not None else f"Backtest: {self.name}",
                            body + list(sections or []))


def fold_scores(y: np.ndarray, y_pred: np.ndarray, scale_mae: np.ndarray, scale_mse: np.ndarray) -> dict[str, float]:
    """The metrics of one fold from arrays, exactly as ``BacktestResult.metrics(by="fold")`` computes them.

    ``y`` and ``y_pred`` are ``[n_series, horizon]`` (NaN in ``y``: a missing actual, not scored); ``scale_mae``
    and ``scale_mse`` are ``[n_series]`` (the fold's training scales). MAE, RMSE, sMAPE, WAPE and bias pool the
    scored forecasts; MASE and RMSSE average each series' scaled error (NaN when one is undefined). The
    backtest engine calls it after every fold for the tuner's pruning hook, without building a frame.

    Example
    -------
    >>> s = fold_scores(np.array([[5.0, 7.0], [2.0, np.nan]]), np.array([[4.0, 4.0], [1.0, 1.0]]),
    ...                 np.array([2.0, 0.5]), np.array([4.0, 1.0]))
    >>> s["MAE"], s["MASE"], s["n"]  # (1 + 3 + 1) / 3 ; mean(2 / 2, 1 / 0.5)
    (1.6666666666666667, 1.5, 3)
    """
    y = np.asarray(y, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    seen = ~np.isnan(y)
    if not seen.any():
        return {**{name: np.nan for name in ("MAE", "RMSE", "sMAPE", "WAPE", "MASE", "RMSSE", "bias")}, "n": 0}
    err = np.where(seen, y - y_pred, 0.0)
    count = seen.sum(axis=1)
    pairs = count > 0  # a series whose actuals are all missing has no pair in this fold
    mean_abs = np.abs(err).sum(axis=1)[pairs] / count[pairs]
    mean_sq = (err**2).sum(axis=1)[pairs] / count[pairs]
    mase = _divide(mean_abs, np.asarray(scale_mae, dtype=np.float64)[pairs])
    rmsse = np.sqrt(_divide(mean_sq, np.asarray(scale_mse, dtype=np.float64)[pairs]))
    yy, pp = y[seen], y_pred[seen]
    return {"MAE": M.mae(yy, pp), "RMSE": M.rmse(yy, pp), "sMAPE": M.smape(yy, pp), "WAPE": M.wape(yy, pp),
            "MASE": float(np.nan if np.isnan(mase).any() else mase.mean()),
            "RMSSE": float(np.nan if np.isnan(rmsse).any() else rmsse.mean()),
            "bias": M.bias(yy, pp), "n": int(seen.sum())}


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator with x/0 = inf and 0/0 = nan (the rule of `tsrnn.metrics`), no warnings."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.full(numerator.shape, np.nan)
    ok = denominator != 0
    np.divide(numerator, denominator, out=out, where=ok)
    zero = ~ok & ~np.isnan(denominator)
    out[zero & (numerator > 0)] = np.inf
    return out
