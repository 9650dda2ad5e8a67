"""The fold loop behind `backtest`, `compare` and `tune`: fit on cut panels, forecast with ``forecast_at``, write arrays.

Nothing in the loop is a DataFrame: forecasts land in ``[series, folds, horizon]`` arrays, scores of a fold are
computed from arrays (for the tuner's pruning hook), and `BacktestResult` builds its frames once, when asked.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._parallel import joblib_plan, streaming_results
from ..data import Panel
from ..forecasters.base import BaseForecaster
from .splits import OriginPlan

__all__ = ["FoldArrays", "blocks", "run_folds", "observed_at", "seasonal_scales", "stamps_at"]


@dataclass
class FoldArrays:
    """What running the folds produced, as arrays.

    ``preds`` maps each forecast column to ``[n_series, n_folds, horizon]`` float64 (NaN where a fold failed);
    ``fit_time``, ``predict_time`` (seconds) and ``refit`` have one entry per fold; ``errors[k]`` is None or
    ``(stage, exception)`` for fold ``k``.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.data import to_panel
    >>> from tsrnn.evaluation.splits import RollingOrigin
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> panel = to_panel(pd.Series([1.0, 2.0, 4.0, 3.0, 5.0], index=pd.date_range("2024-01-01", periods=5), name="s"))
    >>> arrays = run_folds(NaiveForecaster(), panel, RollingOrigin(1, folds=2).plan(panel.lengths), refit=0)
    >>> arrays.preds["y_pred"].tolist(), arrays.refit.tolist(), arrays.errors
    ([[[4.0], [3.0]]], [True, False], [None, None])
    """

    preds: dict[str, np.ndarray]
    fit_time: np.ndarray
    predict_time: np.ndarray
    refit: np.ndarray
    errors: list = field(default_factory=list)


def _picklable(err: BaseException) -> BaseException:
    """The exception itself when it survives pickling (joblib workers send it back), else a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")


def blocks(n_folds: int, refit: int) -> list[list[int]]:
    """Folds grouped by the fit they share: ``refit=0`` one block, ``refit=k`` blocks of ``k`` folds.

    Example
    -------
    >>> blocks(5, 2), blocks(3, 0)
    ([[0, 1], [2, 3], [4]], [[0, 1, 2]])
    """
    size = n_folds if refit == 0 else refit
    return [list(range(k, min(k + size, n_folds))) for k in range(0, n_folds, size)]


def _rows(panel: Panel, lengths: np.ndarray) -> np.ndarray:
    """Rows of the first ``lengths[i]`` positions of every series of ``panel``."""
    return np.concatenate([np.arange(panel.offsets[i], panel.offsets[i] + lengths[i]) for i in range(panel.n_series)])


def _fold_panel(panel: Panel, begin: np.ndarray, cutoff: np.ndarray, span: int, needs_future: bool) -> Panel:
    """The data a forecast at ``cutoff`` may use, for a panel with filled-in values.

    Values filled in are filled again from ``[begin, cutoff)`` alone. When the model reads known covariates
    ahead, the rows after the cutoff are kept for them (those of the forecast span filled from nothing later than
    its end) while the target there is NaN: a forecast that read it would be NaN, never quietly informed.
    """
    history = panel.slice(begin, cutoff)
    if not needs_future:
        return history
    whole = panel.slice(begin, panel.lengths)
    ahead = panel.slice(begin, np.minimum(cutoff + span, panel.lengths))
    values = np.full(len(whole.values), np.nan, dtype=np.float32)
    covariates = whole.covariates.copy()
    covariates[_rows(whole, ahead.lengths)] = ahead.covariates
    head = _rows(whole, history.lengths)
    values[head] = history.values
    covariates[head] = history.covariates
    return Panel(whole.ids, values, whole.offsets, whole.starts, whole.freq, covariates, whole.covariate_names)


def _forecast(model: BaseForecaster, panel: Panel, plan: OriginPlan, folds: list[int], level) -> dict:
    """Forecast folds ``folds`` with the fitted ``model``: ``{k: {column: [n_series, horizon]}}``.

    Without filled-in values and with an expanding window every fold is one set of (series, cutoff) pairs of
    the same panel: one ``forecast_at`` call forecasts them all. Otherwise each fold gets its own cut panel.
    """
    n, span = panel.n_series, plan.gap + plan.horizon
    rows = np.arange(n)
    if panel.missing is None and not plan.train_starts[:, folds].any():
        series = np.tile(rows, len(folds))
        cutoffs = plan.cutoffs[:, folds].T.ravel()  # fold-major: pair j * n + i is series i at fold folds[j]
        out = model.forecast_at(panel, series, cutoffs, horizon=span, level=level)
        # One conversion per column; each fold gets a view of it.
        shaped = {c: np.asarray(v, dtype=np.float64).reshape(len(folds), n, span)[:, :, plan.gap:]
                  for c, v in out.items()}
        return {k: {c: v[j] for c, v in shaped.items()} for j, k in enumerate(folds)}
    needs_future = bool(model.known_covariates_)
    done = {}
    for k in folds:
        begin, cutoff = plan.train_starts[:, k], plan.cutoffs[:, k]
        if panel.missing is None:
            cut = panel.slice(begin, panel.lengths)  # a sliding window: the model sees nothing before begin
        else:
            cut = _fold_panel(panel, begin, cutoff, span, needs_future)
        out = model.forecast_at(cut, rows, cutoff - begin, horizon=span, level=level)
        done[k] = {c: np.asarray(v, dtype=np.float64)[:, plan.gap:] for c, v in out.items()}
    return done


def _run_block(make_model: Callable[[int], BaseForecaster], panel: Panel, plan: OriginPlan, block: list[int],
               level, raise_errors: bool) -> dict[int, tuple]:
    """Fit at the block's first fold, forecast every fold of it: ``{k: (preds, fit_time, predict_time, refit,
    error)}``. A failure is recorded for the folds it touches (all of them for a fit) unless ``raise_errors``."""
    first = block[0]
    model = make_model(first)
    start = time.perf_counter()
    try:  # the slice too: filling a training part that has no observed value fails this block only
        model.fit(panel.slice(plan.train_starts[:, first], plan.cutoffs[:, first]))
    except Exception as err:
        if raise_errors:
            raise
        fit_time = time.perf_counter() - start
        return {k: (None, fit_time if k == first else 0.0, 0.0, k == first, ("fit", _picklable(err))) for k in block}
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    try:
        preds = _forecast(model, panel, plan, block, level)
        errors = {}
    except Exception as err:
        if raise_errors:
            raise
        if len(block) == 1:
            preds, errors = {}, {first: ("predict", _picklable(err))}
        else:
            # Which folds failed? Each alone through the same call; a batch that fails while every fold
            # succeeds alone is a bug of the batched path, raised as such.
            preds, errors = {}, {}
            for k in block:
                try:
                    preds.update(_forecast(model, panel, plan, [k], level))
                except Exception as one:
                    errors[k] = ("predict", _picklable(one))
            if not errors:
                raise RuntimeError(f"{type(model).__name__}.forecast_at failed on {len(block)} folds at once but "
                                   "on none of them alone") from err
    per_fold = (time.perf_counter() - start) / len(block)
    return {k: (preds.get(k), fit_time if k == first else 0.0, per_fold, k == first, errors.get(k)) for k in block}


def run_folds(forecaster: BaseForecaster, panel: Panel, plan: OriginPlan, *, refit: int, level=None,
              n_jobs: int | None = 1, on_fold: Callable[[int, dict], None] | None = None,
              score: Callable[[int, dict], dict] | None = None, raise_errors: bool = False,
              make_model: Callable[[int], BaseForecaster] | None = None, advance: Callable[[int], None] | None = None,
              backend: str | None = None) -> FoldArrays:
    """Run every fold of ``plan``: a clone of ``forecaster`` fitted every ``refit`` folds (0: once), forecasts by
    ``forecast_at`` written into ``[n_series, n_folds, horizon]`` arrays.

    ``on_fold(k, scores)`` is called after fold ``k`` (folds in order, in this process) with ``score(k,
    preds)``; what it raises (e.g. ``optuna.TrialPruned``) stops the run. ``raise_errors`` raises a fold's
    failure at once instead of recording it. ``make_model(k)`` builds the unfitted model fitted at fold ``k``
    (default: a clone of ``forecaster``). ``n_jobs`` and ``backend`` run blocks in joblib workers
    (`tsrnn._parallel.joblib_plan`) when there is no hook. See `FoldArrays` for an example.
    """
    make_model = make_model or (lambda k: clone(forecaster))
    n_folds = plan.n_folds
    groups = blocks(n_folds, refit)
    outcomes: dict[int, tuple] = {}
    jobs_plan = None if on_fold is not None else joblib_plan(n_jobs, backend, len(groups))
    if jobs_plan is not None:
        from joblib import Parallel, delayed

        workers, where = jobs_plan
        with where:
            jobs = Parallel(n_jobs=workers, return_as=streaming_results())(
                delayed(_run_block)(make_model, panel, plan, block, level, raise_errors) for block in groups)
            for done in jobs:
                outcomes.update(done)
                if advance is not None:
                    advance(len(done))
    else:
        for block in groups:
            done = _run_block(make_model, panel, plan, block, level, raise_errors)
            outcomes.update(done)
            if on_fold is not None:
                for k in block:
                    if done[k][0] is not None:
                        on_fold(k, score(k, done[k][0]) if score is not None else {})
            if advance is not None:
                advance(len(block))
    n, h = panel.n_series, plan.horizon
    have: dict[str, list[int]] = {}  # column -> the folds that have it, in order
    for k in range(n_folds):
        for column in outcomes[k][0] or {}:
            have.setdefault(column, []).append(k)
    preds: dict[str, np.ndarray] = {}
    for column, ks in have.items():
        preds[column] = np.full((n, n_folds, h), np.nan)
        preds[column][:, ks, :] = np.stack([outcomes[k][0][column] for k in ks], axis=1)
    return FoldArrays(preds,
                      np.array([outcomes[k][1] for k in range(n_folds)], dtype=np.float64),
                      np.array([outcomes[k][2] for k in range(n_folds)], dtype=np.float64),
                      np.array([outcomes[k][3] for k in range(n_folds)], dtype=bool),
                      [outcomes[k][4] for k in range(n_folds)])


# --------------------------------------------------------------------------- what the scores need, from arrays


def observed_at(panel: Panel, rows: np.ndarray) -> np.ndarray:
    """The target at panel rows ``rows`` (any shape) as observed: float64, NaN where it had been filled in.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.data import to_panel
    >>> s = pd.Series([1.0, None, 3.0], index=pd.date_range("2024-01-01", periods=3), name="s")
    >>> observed_at(to_panel(s, fill_missing="interpolate"), np.array([[0, 1, 2]])).tolist()
    [[1.0, nan, 3.0]]
    """
    values = panel.values[rows].astype(np.float64)
    if panel.missing is not None:
        values[panel.missing[rows, 0]] = np.nan
    return values


_CHUNK_VALUES = 1 << 18  # values per block of equal-length series in `seasonal_scales`: a few MiB of temporaries


def seasonal_scales(panel: Panel, plan: OriginPlan, season_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (series, fold): ``scale_mae, scale_mse, last_value``, each ``[n_series, n_folds]``.

    ``scale_mae = mean(|y[t] - y[t - m]|)`` and ``scale_mse = mean((y[t] - y[t - m])^2)`` over the training
    positions ``t`` in ``[train_start + m, cutoff)`` (the formulas of `tsrnn.metrics.mase` / ``rmsse``), from
    prefix sums so that hundreds of origins cost one pass over each series. Only observed values count: a
    difference that involves a filled-in value is left out (it would depend on the fill, and an interpolation
    on the future). ``last_value`` is the last observed value before the cutoff. NaN where undefined. Series of
    one length are done together, a block of rows at a time (each row's prefix sums are its own, as for one
    series alone), so that neither a Python loop over series nor a float64 copy of the panel is needed.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.data import to_panel
    >>> from tsrnn.evaluation.splits import RollingOrigin
    >>> panel = to_panel(pd.Series([1.0, 3.0, 2.0, 6.0, 5.0], index=pd.date_range("2024-01-01", periods=5), name="s"))
    >>> mae, mse, last = seasonal_scales(panel, RollingOrigin(1, folds=1).plan(panel.lengths), 1)
    >>> float(mae[0, 0]), float(mse[0, 0]), float(last[0, 0])  # |3-1|, |2-3|, |6-2| over the first 4 values
    (2.3333333333333335, 7.0, 6.0)
    """
    m = season_length
    n, n_folds = plan.cutoffs.shape
    scale_mae = np.full((n, n_folds), np.nan)
    scale_mse = np.full((n, n_folds), np.nan)
    last_value = np.full((n, n_folds), np.nan)
    lengths = panel.lengths
    for length in np.unique(lengths):
        group = np.flatnonzero(lengths == length)
        per_block = max(1, _CHUNK_VALUES // max(int(length), 1))
        for first in range(0, len(group), per_block):
            rows = group[first:first + per_block]
            y = observed_at(panel, panel.offsets[rows][:, None] + np.arange(length))  # [g, length]
            diff = y[:, m:] - y[:, :max(int(length) - m, 0)]  # diff[:, t - m] = y[:, t] - y[:, t - m]
            valid = ~np.isnan(diff)
            diff = np.where(valid, diff, 0.0)
            zero = np.zeros((len(rows), 1))
            count_sum = np.concatenate([zero, np.cumsum(valid, axis=1)], axis=1)
            abs_sum = np.concatenate([zero, np.cumsum(np.abs(diff), axis=1)], axis=1)
            sq_sum = np.concatenate([zero, np.cumsum(diff**2, axis=1)], axis=1)
            b, c = plan.train_starts[rows], plan.cutoffs[rows]  # [g, n_folds]
            ok = c - b - m > 0
            lo, hi = np.where(ok, b, 0), np.where(ok, c - m, 0)
            r = np.arange(len(rows))[:, None]
            count = count_sum[r, hi] - count_sum[r, lo]
            with np.errstate(invalid="ignore", divide="ignore"):
                scale_mae[rows] = np.where(ok & (count > 0), (abs_sum[r, hi] - abs_sum[r, lo]) / count, np.nan)
                scale_mse[rows] = np.where(ok & (count > 0), (sq_sum[r, hi] - sq_sum[r, lo]) / count, np.nan)
            seen = np.where(~np.isnan(y), np.arange(length), -1)
            np.maximum.accumulate(seen, axis=1, out=seen)
            last = seen[r, c - 1]
            last_value[rows] = np.where(last >= 0, y[r, np.maximum(last, 0)], np.nan)
    return scale_mae, scale_mse, last_value


def stamps_at(panel: Panel, series: np.ndarray, positions: np.ndarray) -> pd.DatetimeIndex:
    """Timestamps of positions ``positions`` of series ``series`` (equal-shape arrays, flattened), read from one
    shared grid so that no timestamp of the whole panel is built.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.data import to_panel
    >>> panel = to_panel(pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-31", periods=3, freq="ME"), name="s"))
    >>> stamps_at(panel, np.array([0, 0]), np.array([0, 2])).strftime("%Y-%m-%d").tolist()
    ['2024-01-31', '2024-03-31']
    """
    series, positions = np.asarray(series).ravel(), np.asarray(positions).ravel()
    if len(series) == 0:
        return pd.DatetimeIndex([], tz=panel.starts.tz)
    grid = pd.date_range(panel.starts.min(), panel.starts.max() + (int(panel.lengths.max()) - 1) * panel.freq,
                         freq=panel.freq)
    first = grid.get_indexer(panel.starts)
    if np.any(first < 0):  # series on different phases of the grid (daily at 00:00 and at 12:00)
        return pd.DatetimeIndex([panel.starts[s] + int(p) * panel.freq for s, p in zip(series, positions,
                                                                                        strict=True)])
    return grid[first[series] + positions]
