"""Leakage-free rolling-origin backtests of one forecaster (`backtest`) or several on the same origins (`compare`).

At a cutoff the model sees nothing after it: it is fitted on data cut there, forecasts from history cut there
(missing values filled again from that history alone), and only the covariates the fitted model declares known
in advance (``known_covariates_``) are read beyond it, as ``X_future`` for the forecast span, as they would be live.
"""

from __future__ import annotations

import numbers
import pickle
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._progress import outer_progress
from .._schema import POINT, is_forecast_column
from .._validation import check_int, check_positive_int
from ..data import Panel, to_panel
from ..forecasters.base import BaseForecaster
from ..forecasters.tags import get_forecaster_tags
from ..frequency import season_length_for
from .result import BacktestResult
from .splits import RollingOrigin

__all__ = ["backtest", "compare", "Comparison"]

_LEADERBOARD = ["MASE", "RMSSE", "sMAPE", "WAPE", "MAE", "RMSE", "bias"]


# --------------------------------------------------------------------------- the plan: same for every model


@dataclass(frozen=True)
class _Plan:
    horizon: int
    gap: int
    step: int
    refit: int  # refit every `refit` folds; 0 = fit once, before the first fold
    cutoffs: np.ndarray  # [n_series, n_folds] observations available at each origin
    begins: np.ndarray  # [n_series, n_folds] first training position (0 for expanding windows)
    season_length: int
    stamps: pd.DatetimeIndex = field(repr=False)  # aligned with panel.values

    @property
    def n_folds(self) -> int:
        return self.cutoffs.shape[1]

    def blocks(self) -> list[list[int]]:
        """Folds grouped by the fit they use: each block fits at its first fold and predicts at all of them."""
        size = self.n_folds if self.refit == 0 else self.refit
        return [list(range(k, min(k + size, self.n_folds))) for k in range(0, self.n_folds, size)]


def _check_forecaster(forecaster, what: str = "forecaster") -> None:
    if isinstance(forecaster, type) and issubclass(forecaster, BaseForecaster):
        raise TypeError(f"{what} is the class {forecaster.__name__}; pass an instance, e.g. {forecaster.__name__}()")
    if not isinstance(forecaster, BaseForecaster):
        raise TypeError(f"{what} must be a tsrnn forecaster (a tsrnn.forecasters.base.BaseForecaster such as "
                        f"NaiveForecaster() or RNNForecaster()), got {type(forecaster).__module__}."
                        f"{type(forecaster).__qualname__}")


def _check_refit(refit) -> int:
    if refit is True:
        return 1
    if refit is False:
        return 0
    if isinstance(refit, numbers.Integral) and refit >= 1:
        return int(refit)
    raise ValueError(f"refit must be True (every fold), False (fit once) or a positive int k (every k-th fold), "
                     f"got {refit!r}")


def _make_plan(panel: Panel, forecasters, *, horizon, folds, step, refit, window, train_size, initial, gap,
               season_length) -> _Plan:
    horizon = check_positive_int(horizon, "horizon")
    folds = check_positive_int(folds, "folds", allow_none=True)
    step = check_positive_int(step, "step", allow_none=True) or horizon
    gap = check_int(gap, "gap", low=0)
    refit = _check_refit(refit)
    if initial is None and window == "expanding":
        # The smallest training part every model can be fitted on (an RNN needs window + horizon).
        initial = max([horizon] + [f.min_train_length for f in forecasters])
    cv = RollingOrigin(horizon, folds=None, step=step, initial=initial, window=window, train_size=train_size,
                       gap=gap)
    one_fold = cv.min_length()  # validates window / train_size / initial
    min_cutoff = one_fold - gap - horizon

    lengths = panel.lengths
    by_length: dict[int, np.ndarray] = {}
    for n in np.unique(lengths):
        try:
            by_length[int(n)] = cv.cutoffs(int(n))
        except ValueError:
            by_length[int(n)] = np.zeros(0, dtype=np.int64)
    fits = np.array([len(by_length[int(n)]) for n in lengths])
    n_folds = folds if folds is not None else int(fits.min())
    short = np.flatnonzero(fits < max(n_folds, 1))
    if len(short):
        worst = short[np.argmin(fits[short])]
        uid, n, fit = panel.ids[worst], int(lengths[worst]), int(fits[worst])
        wanted = max(n_folds, 1)
        needed = one_fold + (wanted - 1) * step
        others = f" ({len(short)} series are too short)" if len(short) > 1 else ""
        raise ValueError(
            f"{wanted} fold(s) of horizon {horizon} (step {step}, gap {gap}, smallest cutoff {min_cutoff}) need "
            f"series of at least {needed} observations, but series {uid!r} has {n}: only {fit} fold(s) fit "
            f"there{others}. Ask for folds <= {int(fits.min())}, lower horizon, step or initial, or drop the "
            f"short series")
    cutoffs = np.stack([by_length[int(n)][-n_folds:] for n in lengths]).astype(np.int64)
    begins = np.zeros_like(cutoffs) if window == "expanding" else cutoffs - int(train_size)
    if season_length is None:
        season_length = season_length_for(panel.freq)
    season_length = check_positive_int(season_length, "season_length")
    return _Plan(horizon, int(gap), step, refit, cutoffs, begins, season_length, panel.timestamps())


# --------------------------------------------------------------------------- running one forecaster


@dataclass
class _Outcome:
    preds: dict | None = None  # column -> [n_series, horizon]
    fit_time: float = 0.0
    predict_time: float = 0.0
    refit: bool = False
    error: tuple | None = None  # (stage, exception)


def _picklable(err: BaseException) -> BaseException:
    """The exception itself when it survives pickling (joblib workers send it back), else a RuntimeError."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")


def _known_covariates(model, panel: Panel) -> list[str]:
    """The covariates the fitted ``model`` reads for the forecast span (its ``known_covariates_``)."""
    return [name for name in model.known_covariates_ if name in panel.covariate_names]


def _future_frame(panel: Panel, plan: _Plan, k: int, names: list[str]) -> pd.DataFrame | None:
    """``X_future`` at fold ``k``: the named covariates of the ``gap + horizon`` rows after each cutoff."""
    if not names:
        return None
    span = plan.gap + plan.horizon
    rows = (panel.offsets[:-1] + plan.cutoffs[:, k])[:, None] + np.arange(span)  # [n_series, span]
    frame = pd.DataFrame({"unique_id": np.repeat(panel.ids, span), "ds": plan.stamps[rows.ravel()]})
    source, source_rows = panel, rows
    if panel.missing is not None:  # filled values come from nothing later than the end of the span
        source = panel.slice(plan.begins[:, k], plan.cutoffs[:, k] + span)
        source_rows = (source.offsets[:-1] + plan.cutoffs[:, k] - plan.begins[:, k])[:, None] + np.arange(span)
    for name in names:
        column = source.covariate_names.index(name)
        frame[name] = source.covariates[source_rows.ravel(), column].astype(np.float64)
    return frame


def _unpack(frame: pd.DataFrame, history: Panel, plan: _Plan, model) -> dict[str, np.ndarray]:
    """Turn a predict() frame into ``column -> [n_series, horizon]``, dropping the ``gap`` steps."""
    n, span = history.n_series, plan.gap + plan.horizon
    if len(frame) != n * span:
        raise RuntimeError(f"{type(model).__name__}.predict returned {len(frame)} rows; {n} series x "
                           f"{span} steps were asked")
    order = frame["unique_id"].to_numpy()
    if not np.array_equal(order.reshape(n, span)[:, 0], history.ids):
        position = history.id_position()
        frame = frame.iloc[np.argsort([position[uid] for uid in order], kind="stable")]
    columns = [c for c in frame.columns if is_forecast_column(c)]
    return {c: frame[c].to_numpy(dtype=np.float64).reshape(n, span)[:, plan.gap :] for c in columns}


def _run_block(forecaster, panel: Panel, plan: _Plan, block: list[int], level, model=None):
    """Fit at the block's first fold (unless ``model`` is already fitted), then forecast at each fold of it."""
    outcomes = {}
    first = block[0]
    fit_time = 0.0
    if model is None:
        model = _clone(forecaster)
        start = time.perf_counter()
        try:  # the slice too: filling a training part that has no observed value fails this fold only
            model.fit(panel.slice(plan.begins[:, first], plan.cutoffs[:, first]))
        except Exception as err:
            fit_time = time.perf_counter() - start
            error = ("fit", _picklable(err))
            return {k: _Outcome(fit_time=fit_time if k == first else 0.0, refit=k == first, error=error)
                    for k in block}
        fit_time = time.perf_counter() - start
    for k in block:
        outcome = _Outcome(fit_time=fit_time if k == first else 0.0, refit=k == first and fit_time > 0)
        start = time.perf_counter()
        try:
            history = panel.slice(plan.begins[:, k], plan.cutoffs[:, k])
            frame = model.predict(horizon=plan.gap + plan.horizon, df=history,
                                  X_future=_future_frame(panel, plan, k, _known_covariates(model, panel)),
                                  level=level)
            outcome.preds = _unpack(frame, history, plan, model)
        except Exception as err:
            outcome.error = ("predict", _picklable(err))
        outcome.predict_time = time.perf_counter() - start
        outcomes[k] = outcome
    return outcomes


def _clone(forecaster):
    from sklearn.base import clone

    return clone(forecaster)


def _run_fast(forecaster, panel: Panel, plan: _Plan, level, bar) -> dict[int, _Outcome]:
    """``refit=False`` with ``forecast_at``: one fit, then every (series, fold) forecast in one batched call.

    A panel with filled-in values goes fold by fold instead: each fold's history must be filled from itself.
    """
    model = _clone(forecaster)
    first = 0
    start = time.perf_counter()
    try:
        model.fit(panel.slice(plan.begins[:, first], plan.cutoffs[:, first]))
    except Exception as err:
        error = ("fit", err)
        fit_time = time.perf_counter() - start
        _advance(bar, plan.n_folds)
        return {k: _Outcome(fit_time=fit_time if k == first else 0.0, refit=k == first, error=error)
                for k in range(plan.n_folds)}
    fit_time = time.perf_counter() - start
    n, n_folds = panel.n_series, plan.n_folds
    start = time.perf_counter()
    out = None  # filled-in values: one call on the whole panel would read values filled from after a cutoff
    if panel.missing is None:
        try:
            out = model.forecast_at(panel, np.tile(np.arange(n), n_folds), plan.cutoffs.T.ravel(),
                                    plan.gap + plan.horizon, level=level)
        except Exception:  # the batched path does not cover this case (e.g. covariates beyond the series' end)
            out = None
    if out is None:
        # Forecast fold by fold with the model already fitted, so failures are recorded per fold.
        outcomes = _run_block(forecaster, panel, plan, list(range(n_folds)), level, model=model)
        outcomes[first].fit_time, outcomes[first].refit = fit_time, True
        _advance(bar, n_folds)
        return outcomes
    per_fold = (time.perf_counter() - start) / n_folds
    outcomes = {}
    for k in range(n_folds):
        preds = {c: np.asarray(v, dtype=np.float64).reshape(n_folds, n, -1)[k][:, plan.gap :] for c, v in out.items()}
        outcomes[k] = _Outcome(preds, fit_time if k == first else 0.0, per_fold, k == first)
    _advance(bar, n_folds)
    return outcomes


def _progress_bar(enabled: bool, total: int, desc: str):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm comes with lightning; without it there is simply no bar
        return None
    return tqdm(total=total, desc=desc, unit="fold", leave=False)


def _advance(bar, n: int) -> None:
    if bar is not None:
        bar.update(n)


def _run(forecaster, panel: Panel, plan: _Plan, *, level, n_jobs, progress, name) -> BacktestResult:
    bar = _progress_bar(progress, plan.n_folds, name)
    with outer_progress():  # one bar over folds; the fits inside stay quiet
        return _run_folds(forecaster, panel, plan, level=level, n_jobs=n_jobs, bar=bar, name=name)


def _run_folds(forecaster, panel: Panel, plan: _Plan, *, level, n_jobs, bar, name) -> BacktestResult:
    try:
        if plan.refit == 0 and get_forecaster_tags(forecaster).batch_origins:
            outcomes = _run_fast(forecaster, panel, plan, level, bar)
        else:
            blocks = plan.blocks()
            outcomes = {}
            if n_jobs == 1 or len(blocks) == 1:
                for block in blocks:
                    outcomes.update(_run_block(forecaster, panel, plan, block, level))
                    _advance(bar, len(block))
            else:
                from joblib import Parallel, delayed

                jobs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                    delayed(_run_block)(forecaster, panel, plan, block, level) for block in blocks)
                for done in jobs:
                    outcomes.update(done)
                    _advance(bar, len(done))
    finally:
        if bar is not None:
            bar.close()
    return _assemble(panel, plan, outcomes, name)


def _assemble(panel: Panel, plan: _Plan, outcomes: dict[int, _Outcome], name: str) -> BacktestResult:
    n, n_folds, h = panel.n_series, plan.n_folds, plan.horizon
    starts = panel.offsets[:-1]
    cut_stamps = plan.stamps[(starts[:, None] + plan.cutoffs - 1).ravel()].to_numpy().reshape(n, n_folds)

    # Errors first: a backtest where every fold failed has nothing else to say.
    errors = []
    for k in range(n_folds):
        error = outcomes[k].error
        if error is not None:
            stage, err = error
            common = cut_stamps[:, k][0] if (cut_stamps[:, k] == cut_stamps[0, k]).all() else pd.NaT
            errors.append({"fold": k, "cutoff": common, "unique_id": "all", "stage": stage,
                           "error_type": type(err).__name__, "message": str(err), "_exc": err})
    if len(errors) == n_folds:
        err = errors[0]["_exc"]
        note = (f"tsrnn.backtest: {name} failed at every one of the {n_folds} folds; this is the error of fold 0 "
                f"({errors[0]['stage']})")
        if hasattr(err, "add_note"):
            err.add_note(note)
        raise err
    error_frame = pd.DataFrame(
        [{k: v for k, v in e.items() if k != "_exc"} for e in errors],
        columns=["fold", "cutoff", "unique_id", "stage", "error_type", "message"])
    if errors:
        first = errors[0]
        warnings.warn(f"{name}: {len(errors)} of {n_folds} folds failed and have no forecasts (first, fold "
                      f"{first['fold']}: {first['error_type']}: {first['message']}); see result.errors",
                      RuntimeWarning, stacklevel=4)

    # Forecasts: series-major, then fold, then horizon step.
    done = [k for k in range(n_folds) if outcomes[k].preds is not None]
    pos = (starts[:, None, None] + plan.cutoffs[:, done, None] + plan.gap + np.arange(h)).reshape(-1)  # [n*K*h]
    shape = (n, len(done), h)
    # Actuals that were missing (and filled for the models) are not scored: y is NaN there, flagged y_missing.
    observed = _observed(panel)
    forecasts = pd.DataFrame({
        "unique_id": np.repeat(panel.ids, len(done) * h),
        "fold": np.broadcast_to(np.asarray(done, dtype=np.int64)[None, :, None], shape).ravel(),
        "cutoff": np.broadcast_to(cut_stamps[:, done, None], shape).ravel(),
        "ds": plan.stamps[pos],
        "horizon_step": np.broadcast_to(np.arange(1, h + 1), shape).ravel(),
        "y": observed[pos],
    })
    if panel.target_missing.any():
        forecasts["y_missing"] = panel.target_missing[pos]
    columns = list(dict.fromkeys(c for k in done for c in outcomes[k].preds))
    columns.sort(key=lambda c: c != POINT)
    for col in columns:
        block = np.full(shape, np.nan)
        for j, k in enumerate(done):
            if col in outcomes[k].preds:
                block[:, j, :] = outcomes[k].preds[col]
        forecasts[col] = block.ravel()
    if len(forecasts) == 0:
        raise ValueError(f"the backtest of {name} produced no forecasts")

    timings = pd.DataFrame({
        "fold": np.arange(n_folds),
        "refit": [outcomes[k].refit for k in range(n_folds)],
        "fit_time_s": [outcomes[k].fit_time for k in range(n_folds)],
        "predict_time_s": [outcomes[k].predict_time for k in range(n_folds)],
        "failed": [outcomes[k].error is not None for k in range(n_folds)],
    })
    origins = _origins(panel, plan, cut_stamps)
    actuals = pd.DataFrame({"unique_id": np.repeat(panel.ids, panel.lengths), "ds": plan.stamps, "y": observed})
    return BacktestResult(forecasts, origins, actuals, timings, error_frame, horizon=h, step=plan.step,
                          gap=plan.gap, season_length=plan.season_length, freq=panel.freq, name=name,
                          refit=_refit_label(plan.refit))


def _observed(panel: Panel) -> np.ndarray:
    """The target as observed: float64, NaN where the value was missing and has been filled in."""
    values = panel.values.astype(np.float64)
    values[panel.target_missing] = np.nan
    return values


def _refit_label(refit: int):
    return False if refit == 0 else (True if refit == 1 else refit)


def _origins(panel: Panel, plan: _Plan, cut_stamps: np.ndarray) -> pd.DataFrame:
    """Per (series, fold): the training part's seasonal scales (MASE/RMSSE denominators) and the last value.

    ``scale_mae = mean(|y[t] - y[t - m]|)`` and ``scale_mse = mean((y[t] - y[t - m])^2)`` over the training
    positions ``t`` in ``[begin + m, cutoff)`` (the formulas of `tsrnn.metrics.mase` / ``rmsse``), from prefix
    sums so that hundreds of origins cost one pass over each series. Only observed values count: a difference
    that involves a filled-in value is left out (it would depend on the fill, and an interpolation on the
    future). ``last_value`` is the last observed value before the cutoff.
    """
    m = plan.season_length
    n, n_folds = plan.cutoffs.shape
    scale_mae = np.full((n, n_folds), np.nan)
    scale_mse = np.full((n, n_folds), np.nan)
    last_value = np.full((n, n_folds), np.nan)
    observed = _observed(panel)
    for i in range(n):
        y = observed[panel.offsets[i] : panel.offsets[i + 1]]
        diff = y[m:] - y[:-m]  # diff[t - m] = y[t] - y[t - m]
        valid = ~np.isnan(diff)
        diff = np.where(valid, diff, 0.0)
        count_sum = np.concatenate([[0], np.cumsum(valid)])
        abs_sum = np.concatenate([[0.0], np.cumsum(np.abs(diff))])
        sq_sum = np.concatenate([[0.0], np.cumsum(diff**2)])
        b, c = plan.begins[i], plan.cutoffs[i]
        ok = c - b - m > 0
        lo, hi = b[ok], (c - m)[ok]
        count = (count_sum[hi] - count_sum[lo]).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale_mae[i, ok] = np.where(count > 0, (abs_sum[hi] - abs_sum[lo]) / count, np.nan)
            scale_mse[i, ok] = np.where(count > 0, (sq_sum[hi] - sq_sum[lo]) / count, np.nan)
        seen = np.where(~np.isnan(y), np.arange(len(y)), -1)
        np.maximum.accumulate(seen, out=seen)
        last = seen[c - 1]
        last_value[i] = np.where(last >= 0, y[np.maximum(last, 0)], np.nan)
    if np.isnan(scale_mae).any():
        i, k = np.argwhere(np.isnan(scale_mae))[0]
        n_train = plan.cutoffs[i, k] - plan.begins[i, k]
        why = (f"the training part is shorter than season_length + 1 = {m + 1}" if n_train <= m else
               f"the training part has no two observed values season_length = {m} apart")
        warnings.warn(f"MASE and RMSSE are undefined (NaN) where {why}: series {panel.ids[i]!r} has {n_train} "
                      f"training values at fold {k}. Pass a smaller season_length= or a larger initial=",
                      RuntimeWarning, stacklevel=5)
    starts = panel.offsets[:-1][:, None]
    return pd.DataFrame({
        "unique_id": np.repeat(panel.ids, n_folds),
        "fold": np.tile(np.arange(n_folds), n),
        "cutoff": cut_stamps.ravel(),
        "train_start": plan.stamps[(starts + plan.begins).ravel()],
        "n_train": (plan.cutoffs - plan.begins).ravel(),
        "scale_mae": scale_mae.ravel(),
        "scale_mse": scale_mse.ravel(),
        "last_value": last_value.ravel(),
    })


# --------------------------------------------------------------------------- public API


def backtest(
    forecaster: BaseForecaster,
    df,
    horizon: int,
    folds: int | None = 3,
    step: int | None = None,
    refit: bool | int = True,
    window: str = "expanding",
    train_size: int | None = None,
    initial: int | None = None,
    gap: int = 0,
    level=None,
    n_jobs: int | None = 1,
    progress: bool = True,
    season_length: int | None = None,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    fill_missing: str | None = None,
) -> BacktestResult:
    """Rolling-origin backtest: forecast ``horizon`` steps from ``folds`` cutoffs of every series and keep score.

    Origins come from `RollingOrigin` for each series, anchored at its end: the last fold's test window
    ends with the series, earlier cutoffs go back by ``step`` (default ``horizon``). ``initial`` (smallest
    cutoff) defaults, for expanding windows, to the larger of ``horizon`` and the shortest series the
    forecaster can be fitted on (``window + horizon`` for an RNN); ``window="sliding"`` trains on the last
    ``train_size`` observations. ``gap`` observations between the cutoff and the test window are forecast
    but not scored. ``folds=None`` takes as many folds as fit the shortest series.

    Refitting: ``refit=True`` fits a clone of ``forecaster`` on the data before every cutoff (in parallel
    over ``n_jobs`` joblib workers); ``refit=k`` fits at every k-th fold and in between forecasts from the
    history available at each cutoff (``predict(df=history)``); ``refit=False`` fits once, before the first
    cutoff, and forecasts every fold from its history; a forecaster tagged ``batch_origins`` (the RNN, the
    naive family) then forecasts every fold of every series in one ``forecast_at`` call. The caller's forecaster is never fitted.

    Nothing after a cutoff reaches the model: the fit data and the history end at the cutoff, and only the
    covariates the fitted model declares known in advance (``known_covariates_``: an RNN's
    ``future_covariates``, ARIMA's ``exog``) are passed beyond it, as ``X_future`` for the forecast span.
    With ``fill_missing``, each fold's training data and history are filled from the values before its
    cutoff only (see `tsrnn.data.Panel.slice`), and actuals that were missing are not scored: they are NaN
    in ``result.forecasts["y"]``, flagged in its ``y_missing`` column.

    A fold whose fit or forecast raises is recorded in ``result.errors`` (with a warning) and the other
    folds go on; when every fold fails the first error is raised. ``level`` asks for prediction intervals;
    ``season_length`` (default from the frequency, `tsrnn.data.season_length_for`) sets the MASE/RMSSE
    scale. The data keywords are those of `tsrnn.data.to_panel`.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 3.0, 5.0, 4.0, 6.0, 8.0, 7.0], index=pd.date_range("2024-01-01", periods=8),
    ...               name="s")
    >>> res = backtest(NaiveForecaster(), y, horizon=2, folds=3, progress=False, season_length=1)
    >>> res.forecasts[["fold", "cutoff", "ds", "y", "y_pred"]]  # cutoffs after 2, 4 and 6 observations
       fold     cutoff         ds    y  y_pred
    0     0 2024-01-02 2024-01-03  3.0     2.0
    1     0 2024-01-02 2024-01-04  5.0     2.0
    2     1 2024-01-04 2024-01-05  4.0     5.0
    3     1 2024-01-04 2024-01-06  6.0     5.0
    4     2 2024-01-06 2024-01-07  8.0     6.0
    5     2 2024-01-06 2024-01-08  7.0     6.0
    """
    _check_forecaster(forecaster)
    levels = forecaster.check_level(level)  # before any work: the model says whether it can
    panel = to_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                     fill_missing=fill_missing)
    plan = _make_plan(panel, [forecaster], horizon=horizon, folds=folds, step=step, refit=refit, window=window,
                      train_size=train_size, initial=initial, gap=gap, season_length=season_length)
    return _run(forecaster, panel, plan, level=levels, n_jobs=n_jobs, progress=progress,
                name=type(forecaster).__name__)


@dataclass
class Comparison:
    """Backtests of several forecasters on the same origins, as returned by `compare`.

    ``leaderboard`` has one row per forecaster (MASE, RMSSE, sMAPE, WAPE, MAE, RMSE, bias, interval
    coverage and width when there are intervals, summed fit and predict seconds, number of errors), best
    MASE first; ``results`` maps each name to its `BacktestResult`.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.forecasters.naive import MeanForecaster, NaiveForecaster
    >>> y = pd.Series(range(1, 13), index=pd.date_range("2024-01-01", periods=12), name="s", dtype=float)
    >>> cmp = compare({"mean": MeanForecaster(), "naive": NaiveForecaster()}, y, horizon=2, progress=False,
    ...               season_length=1)
    >>> list(cmp.leaderboard.index), list(cmp.results)
    (['naive', 'mean'], ['mean', 'naive'])
    """

    leaderboard: pd.DataFrame
    results: dict[str, BacktestResult]

    def report(self, path, title: str = "Forecaster comparison", sections=None, max_series: int = 4,
               finance: bool | None = None):
        """Write one self-contained HTML report of all the forecasters; returns its path.

        ``sections`` appends ``(title, content)`` pairs (HTML fragment, DataFrame or Figure); ``finance=None``
        adds trading statistics and equity curves when the data look like prices.

        Example
        -------
        >>> import pandas as pd, tempfile
        >>> from tsrnn.forecasters.naive import MeanForecaster, NaiveForecaster
        >>> y = pd.Series(range(1, 13), index=pd.date_range("2024-01-01", periods=12), name="s", dtype=float)
        >>> cmp = compare({"mean": MeanForecaster(), "naive": NaiveForecaster()}, y, horizon=2, progress=False,
        ...               season_length=1)
        >>> "Leaderboard" in cmp.report(tempfile.mkdtemp() + "/cmp.html").read_text()
        True
        """
        from .report import backtest_sections, write_report

        body = backtest_sections(self.results, leaderboard=self.leaderboard, max_series=max_series, finance=finance)
        return write_report(path, title, body + list(sections or []))


def _leaderboard(results: Mapping[str, BacktestResult]) -> pd.DataFrame:
    table = pd.concat([r.summary().set_axis([name]) for name, r in results.items()])
    interval = [c for c in table.columns if c.startswith(("coverage_", "width_"))]
    columns = [c for c in _LEADERBOARD if c in table.columns] + interval + ["fit_time_s", "predict_time_s", "n_errors"]
    table = table[columns].sort_values("MASE", kind="stable", na_position="last")
    table.index.name = "model"
    return table


def compare(
    forecasters: Mapping[str, BaseForecaster],
    df,
    horizon: int,
    folds: int | None = 3,
    step: int | None = None,
    refit: bool | int = True,
    window: str = "expanding",
    train_size: int | None = None,
    initial: int | None = None,
    gap: int = 0,
    level=None,
    n_jobs: int | None = 1,
    progress: bool = True,
    season_length: int | None = None,
    report=None,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    fill_missing: str | None = None,
) -> Comparison:
    """Backtest several forecasters on exactly the same origins and rank them; see `backtest` for the arguments.

    ``forecasters`` maps display names to forecasters. The origins are computed once, with ``initial``
    large enough for every forecaster. ``level`` goes to the forecasters that produce intervals only.
    ``report`` (a path) also writes the combined HTML report there. Returns a `Comparison`.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.forecasters.naive import DriftForecaster, NaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], index=pd.date_range("2024-01-01", periods=8),
    ...               name="s")
    >>> cmp = compare({"naive": NaiveForecaster(), "drift": DriftForecaster()}, y, horizon=2, progress=False,
    ...               season_length=1)
    >>> cmp.leaderboard[["MASE", "MAE", "n_errors"]]
           MASE  MAE  n_errors
    model
    drift   0.0  0.0         0
    naive   1.5  1.5         0
    """
    if not isinstance(forecasters, Mapping):
        raise TypeError(f"forecasters must be a dict of name -> forecaster, got {type(forecasters).__name__}")
    if not forecasters:
        raise ValueError("forecasters is empty: pass at least one, e.g. {'naive': NaiveForecaster()}")
    levels = {}
    for name, forecaster in forecasters.items():
        _check_forecaster(forecaster, f"forecasters[{name!r}]")
        # Models without intervals are compared on their point forecasts; the others must give these levels.
        levels[name] = forecaster.check_level(level) if get_forecaster_tags(forecaster).intervals else None
    panel = to_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                     fill_missing=fill_missing)
    plan = _make_plan(panel, list(forecasters.values()), horizon=horizon, folds=folds, step=step, refit=refit,
                      window=window, train_size=train_size, initial=initial, gap=gap, season_length=season_length)
    results = {}
    for name, forecaster in forecasters.items():
        try:
            results[str(name)] = _run(forecaster, panel, plan, level=levels[name], n_jobs=n_jobs,
                                      progress=progress, name=str(name))
        except Exception as err:
            if hasattr(err, "add_note"):
                err.add_note(f"tsrnn.compare: raised while backtesting {name!r}")
            raise
    comparison = Comparison(_leaderboard(results), results)
    if report is not None:
        comparison.report(report)
    return comparison
