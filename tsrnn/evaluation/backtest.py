"""Leakage-free rolling-origin backtests of one forecaster (`backtest`) or several on the same origins (`compare`).

At a cutoff the model sees nothing after it: it is fitted on data cut there, forecasts from history cut there
(missing values filled again from that history alone), and only the covariates the fitted model declares known
in advance (``known_covariates_``) are read beyond it, as ``X_future`` for the forecast span, as they would be live.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._parallel import check_backend
from .._progress import outer_progress
from .._schema import POINT
from .._validation import check_int, check_positive_int
from ..data import Panel, to_panel
from ..forecasters.base import BaseForecaster
from ..forecasters.tags import get_forecaster_tags
from ..frequency import season_length_for
from .engine import FoldArrays, observed_at, run_folds, seasonal_scales, stamps_at
from .report import covariate_events, describe_params
from .result import BacktestResult, fold_scores
from .significance import pick_baseline
from .splits import OriginPlan, RollingOrigin

__all__ = ["backtest", "compare", "Comparison", "make_cv"]

_LEADERBOARD = ["MASE", "RMSSE", "sMAPE", "WAPE", "MAE", "RMSE", "bias"]


# --------------------------------------------------------------------------- the plan: same for every model


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


def make_cv(cv=None, *, horizon=None, folds=3, step=None, window="expanding", train_size=None, initial=None,
            gap=0) -> RollingOrigin:
    """The `RollingOrigin` a backtest runs on: ``cv`` itself, or one built from the shorthand keywords.

    With ``cv`` given, the keywords must be left at their defaults (``horizon`` may repeat ``cv.horizon``):
    one way to say where the origins are. Used by `backtest`, `compare`, `tsrnn.tuning.tune` and the CLI.

    Example
    -------
    >>> make_cv(horizon=2, folds=4, gap=1)
    RollingOrigin(horizon=2, folds=4, step=None, initial=None, window='expanding', train_size=None, gap=1)
    >>> make_cv(RollingOrigin(3, folds=2), horizon=3).folds
    2
    """
    if cv is None:
        if horizon is None:
            raise ValueError("give horizon= (the number of steps to forecast at each origin) or cv=RollingOrigin(...)")
        horizon = check_positive_int(horizon, "horizon")
        folds = check_positive_int(folds, "folds", allow_none=True)
        step = check_positive_int(step, "step", allow_none=True)
        gap = check_int(gap, "gap", low=0)
        cv = RollingOrigin(horizon, folds=folds, step=step, initial=initial, window=window, train_size=train_size,
                           gap=gap)
        cv.min_length()  # validates window / train_size / initial now
        return cv
    if not isinstance(cv, RollingOrigin):
        raise TypeError(f"cv must be a tsrnn.RollingOrigin, e.g. RollingOrigin(horizon=12, folds=3), got "
                        f"{type(cv).__name__}")
    given = {"horizon": horizon is not None and horizon != cv.horizon, "folds": folds not in (3, cv.folds),
             "step": step is not None, "window": window not in ("expanding", None), "train_size": train_size is not None,
             "initial": initial is not None, "gap": gap != 0}
    clash = [name for name, yes in given.items() if yes]
    if clash:
        raise ValueError(f"cv={cv!r} already sets the origins; drop {', '.join(f'{n}=' for n in clash)} or set it "
                         "in the RollingOrigin")
    cv.min_length()
    return cv


def _plan(cv: RollingOrigin, panel: Panel, forecasters) -> OriginPlan:
    # The smallest training part every model can be fitted on (an RNN needs window + horizon) floors the cutoffs.
    return cv.plan(panel.lengths, min_train_length=max(f.min_train_length for f in forecasters), ids=panel.ids)


def _season_length(season_length, panel: Panel) -> int:
    if season_length is None:
        season_length = season_length_for(panel.freq)
    return check_positive_int(season_length, "season_length")


# --------------------------------------------------------------------------- running one forecaster


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


def _run(forecaster, panel: Panel, plan: OriginPlan, *, refit: int, level, n_jobs, progress, name,
         season_length: int, backend=None, on_fold=None, raise_errors: bool = False, make_model=None,
         scales=None) -> BacktestResult:
    """Run the folds on the engine and wrap the arrays in a `BacktestResult` (frames built when read)."""
    if scales is None:
        scales = seasonal_scales(panel, plan, season_length)
    score = actual = None
    if on_fold is not None:
        actual = _actuals(panel, plan)

        def score(k, preds):
            return fold_scores(actual[:, k], preds[POINT], scales[0][:, k], scales[1][:, k])

    bar = _progress_bar(progress, plan.n_folds, name)
    try:
        with outer_progress():  # one bar over folds; the fits inside stay quiet
            arrays = run_folds(forecaster, panel, plan, refit=refit, level=level, n_jobs=n_jobs, on_fold=on_fold,
                               score=score, raise_errors=raise_errors, make_model=make_model,
                               advance=lambda n: _advance(bar, n), backend=backend)
    finally:
        if bar is not None:
            bar.close()
    return _result(panel, plan, arrays, actual, scales, name=name, refit=refit, season_length=season_length)


def _actuals(panel: Panel, plan: OriginPlan) -> np.ndarray:
    """``[n_series, n_folds, horizon]`` actuals of the scored steps; missing ones are NaN (never scored)."""
    return observed_at(panel, panel.offsets[:-1, None, None] + plan.test_positions())


def _refit_label(refit: int):
    return False if refit == 0 else (True if refit == 1 else refit)


def _result(panel: Panel, plan: OriginPlan, arrays: FoldArrays, actual: np.ndarray | None, scales, *, name: str,
            refit: int, season_length: int) -> BacktestResult:
    n, n_folds, h = panel.n_series, plan.n_folds, plan.horizon
    series = np.repeat(np.arange(n), n_folds)
    cut_stamps = stamps_at(panel, series, plan.cutoffs.ravel() - 1)  # [n * n_folds], series-major

    # Errors first: a backtest where every fold failed has nothing else to say.
    errors = []
    for k, error in enumerate(arrays.errors):
        if error is not None:
            stage, err = error
            at_k = cut_stamps[k::n_folds]
            common = at_k[0] if (at_k == at_k[0]).all() else pd.NaT
            errors.append({"fold": k, "cutoff": common, "unique_id": "all", "stage": stage,
                           "error_type": type(err).__name__, "message": str(err), "_exc": err})
    if len(errors) == n_folds:
        err = errors[0]["_exc"]
        err.add_note(f"tsrnn.backtest: {name} failed at every one of the {n_folds} folds; this is the error of "
                     f"fold 0 ({errors[0]['stage']})")
        raise err
    error_frame = pd.DataFrame([{k: v for k, v in e.items() if k != "_exc"} for e in errors],
                               columns=["fold", "cutoff", "unique_id", "stage", "error_type", "message"])
    if errors:
        first = errors[0]
        warnings.warn(f"{name}: {len(errors)} of {n_folds} folds failed and have no forecasts (first, fold "
                      f"{first['fold']}: {first['error_type']}: {first['message']}); see result.errors",
                      RuntimeWarning, stacklevel=4)
    scale_mae, scale_mse, last_value = scales
    if np.isnan(scale_mae).any():
        i, k = np.argwhere(np.isnan(scale_mae))[0]
        m = season_length
        n_train = plan.cutoffs[i, k] - plan.train_starts[i, k]
        why = (f"the training part is shorter than season_length + 1 = {m + 1}" if n_train <= m else
               f"the training part has no two observed values season_length = {m} apart")
        warnings.warn(f"MASE and RMSSE are undefined (NaN) where {why}: series {panel.ids[i]!r} has {n_train} "
                      f"training values at fold {k}. Pass a smaller season_length= or a larger initial=",
                      RuntimeWarning, stacklevel=4)

    done = np.array([k for k in range(n_folds) if arrays.errors[k] is None], dtype=np.int64)

    def forecasts() -> pd.DataFrame:
        # Series-major, then fold, then horizon step.
        shape = (n, len(done), h)
        pair = (np.arange(n)[:, None] * n_folds + done[None, :])[:, :, None]  # [n, folds done, 1] into cut_stamps
        positions = plan.cutoffs[:, done, None] + plan.gap + np.arange(h)
        frame = pd.DataFrame({
            "unique_id": np.repeat(panel.ids, len(done) * h),
            "fold": np.broadcast_to(done[None, :, None], shape).ravel(),
            "cutoff": cut_stamps[np.broadcast_to(pair, shape).ravel()],
            "ds": stamps_at(panel, np.broadcast_to(np.arange(n)[:, None, None], shape), positions),
            "horizon_step": np.broadcast_to(np.arange(1, h + 1), shape).ravel(),
            "y": (actual if actual is not None else _actuals(panel, plan))[:, done].ravel(),
        })
        if panel.missing is not None and panel.missing[:, 0].any():
            rows = panel.offsets[:-1, None, None] + positions
            frame["y_missing"] = panel.missing[rows.ravel(), 0]
        columns = sorted(arrays.preds, key=lambda c: c != POINT)
        for col in columns:
            frame[col] = arrays.preds[col][:, done].ravel()
        return frame

    def origins() -> pd.DataFrame:
        return pd.DataFrame({
            "unique_id": np.repeat(panel.ids, n_folds),
            "fold": np.tile(np.arange(n_folds), n),
            "cutoff": cut_stamps,
            "train_start": stamps_at(panel, series, plan.train_starts.ravel()),
            "n_train": (plan.cutoffs - plan.train_starts).ravel(),
            "scale_mae": scale_mae.ravel(),
            "scale_mse": scale_mse.ravel(),
            "last_value": last_value.ravel(),
        })

    def actuals() -> pd.DataFrame:
        return pd.DataFrame({"unique_id": np.repeat(panel.ids, panel.lengths), "ds": panel.timestamps(),
                             "y": observed_at(panel, np.arange(len(panel.values)))})

    timings = pd.DataFrame({"fold": np.arange(n_folds), "refit": arrays.refit, "fit_time_s": arrays.fit_time,
                            "predict_time_s": arrays.predict_time,
                            "failed": [e is not None for e in arrays.errors]})
    return BacktestResult(forecasts, origins, actuals, timings, error_frame, horizon=h, step=plan.step,
                          gap=plan.gap, season_length=season_length, freq=panel.freq, name=name,
                          refit=_refit_label(refit))


# --------------------------------------------------------------------------- public API


def backtest(
    forecaster: BaseForecaster,
    df,
    horizon: int | None = None,
    folds: int | None = 3,
    step: int | None = None,
    refit: bool | int = True,
    window: str | None = None,
    train_size: int | None = None,
    initial: int | None = None,
    gap: int = 0,
    level=None,
    n_jobs: int | None = 1,
    progress: bool = True,
    season_length: int | None = None,
    *,
    cv: RollingOrigin | None = None,
    backend: str | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    fill_missing: str | None = None,
) -> BacktestResult:
    """Rolling-origin backtest: forecast ``horizon`` steps from ``folds`` cutoffs of every series and keep score.

    Origins come from ``cv``, a `RollingOrigin` (its `RollingOrigin.plan` is the one place cutoffs are
    computed); ``horizon, folds, step, window, train_size, initial, gap`` are a shorthand that builds one
    (give either). Each series is anchored at its end: the last fold's test window ends with the series,
    earlier cutoffs go back by ``step`` (default ``horizon``). ``initial`` (smallest cutoff) defaults, for
    expanding windows, to the larger of ``horizon`` and the shortest series the forecaster can be fitted on
    (``window + horizon`` for an RNN); ``train_size`` trains on the last ``train_size`` observations only (a
    sliding window). ``gap`` observations between the cutoff and the test window are forecast but not scored.
    ``folds=None`` takes as many folds as fit the shortest series.

    Refitting: ``refit=True`` fits a clone of ``forecaster`` on the data before every cutoff (in parallel
    over ``n_jobs`` joblib workers, or on the cluster ``backend`` names: ``"dask"``, ``"ray"``, or a local joblib
    backend, see `tsrnn._parallel.map_jobs`; for many series, give ARIMA/ETS their own ``n_jobs``/``backend``
    instead, as their fits are per series: ``docs/scaling.md``); ``refit=k`` fits at every k-th fold and in between forecasts from the
    history available at each cutoff; ``refit=False`` fits once, before the first cutoff, and forecasts every
    fold from its history. Every forecast goes through the model's ``forecast_at`` (the engine,
    `tsrnn.evaluation.engine`): all the folds that share a fit in one call on the panel's arrays, so the naive
    family (vectorised), ARIMA (a Kalman filter with the fitted parameters, once per series) and the RNN (batched)
    are fast without refitting. A panel with filled-in values or a sliding window goes fold by fold, each fold
    on its own cut panel. The caller's forecaster is never fitted.

    Nothing after a cutoff reaches the model: the fit data and the history end at the cutoff, and only the
    covariates the fitted model declares known in advance (``known_covariates_``: an RNN's
    ``future_covariates``, ARIMA's ``exog``) are passed beyond it, as ``X_future`` for the forecast span.
    With ``fill_missing``, each fold's training data and history are filled from the values before its
    cutoff only (see `tsrnn.data.Panel.slice`), and actuals that were missing are not scored: they are NaN
    in ``result.forecasts["y"]``, flagged in its ``y_missing`` column.

    A fold whose fit or forecast raises is recorded in ``result.errors`` (with a warning) and the other
    folds go on (a call over several folds that fails is retried fold by fold only to find which failed; if
    none fails alone, that is a bug and is raised); when every fold fails the first error is raised. ``level`` asks for prediction intervals;
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
    backend = check_backend(backend)
    cv = make_cv(cv, horizon=horizon, folds=folds, step=step, window=window, train_size=train_size, initial=initial,
                 gap=gap)
    refit = _check_refit(refit)
    panel = to_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                     fill_missing=fill_missing)
    plan = _plan(cv, panel, [forecaster])
    return _run(forecaster, panel, plan, refit=refit, level=levels, n_jobs=n_jobs, progress=progress,
                name=type(forecaster).__name__, season_length=_season_length(season_length, panel), backend=backend)


@dataclass
class Comparison:
    """Backtests of several forecasters on the same origins, as returned by `compare`.

    ``leaderboard`` has one row per forecaster (MASE, RMSSE, sMAPE, WAPE, MAE, RMSE, bias, interval
    coverage and width when there are intervals, summed fit and predict seconds, number of errors), best
    MASE first; ``results`` maps each name to its `BacktestResult`. ``baseline`` names the model the ``DM`` /
    ``DM_p`` columns test the others against (None: no test), ``params`` holds each model's parameters (as
    reprs) and ``events`` the days each 0/1 covariate of the data is 1; reports show all three.

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
    baseline: str | None = None  # the model the DM column tests the others against
    params: dict = field(default_factory=dict)  # model name -> {parameter: repr}, recorded in reports
    events: pd.DataFrame | None = None  # the days each 0/1 covariate is 1 (promotions...), shaded in reports

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

        body = backtest_sections(self.results, leaderboard=self.leaderboard, max_series=max_series, finance=finance,
                                 baseline=self.baseline, params=self.params, events=self.events)
        return write_report(path, title, body + list(sections or []))


def _leaderboard(results: Mapping[str, BacktestResult], baseline: str | None = None) -> pd.DataFrame:
    from .probabilistic import interval_scores
    from .significance import dm_columns

    table = pd.concat([r.summary().set_axis([name]) for name, r in results.items()])
    scores = pd.DataFrame.from_dict({name: interval_scores(r) for name, r in results.items()}, orient="index")
    table = table.join(scores) if len(scores.columns) else table
    if baseline is not None:
        table = table.join(dm_columns(results, baseline))
    interval = [c for c in table.columns if c.startswith(("coverage_", "width_", "MSIS_", "pinball"))]
    skill = [c for c in ("DM", "DM_p") if c in table.columns]  # beside the scores they qualify
    columns = ([c for c in _LEADERBOARD if c in table.columns] + skill + interval
               + ["fit_time_s", "predict_time_s", "n_errors"])
    table = table[columns].sort_values("MASE", kind="stable", na_position="last")
    table.index.name = "model"
    return table


def compare(
    forecasters: Mapping[str, BaseForecaster],
    df,
    horizon: int | None = None,
    folds: int | None = 3,
    step: int | None = None,
    refit: bool | int = True,
    window: str | None = None,
    train_size: int | None = None,
    initial: int | None = None,
    gap: int = 0,
    level=None,
    n_jobs: int | None = 1,
    progress: bool = True,
    season_length: int | None = None,
    report=None,
    *,
    cv: RollingOrigin | None = None,
    backend: str | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    fill_missing: str | None = None,
    baseline: str | None = None,
) -> Comparison:
    """Backtest several forecasters on exactly the same origins and rank them; see `backtest` for the arguments.

    ``forecasters`` maps display names to forecasters. The origins are computed once, with ``initial``
    large enough for every forecaster. ``level`` goes to the forecasters that produce intervals only (wrap a
    model in `tsrnn.ConformalIntervals` to give it intervals); with intervals the leaderboard adds
    ``coverage_L``, ``width_L``, ``MSIS_L`` and ``pinball`` (`tsrnn.evaluation.probabilistic`). ``baseline``
    names the model the others are tested against (default: the first seasonal naive or naive forecaster):
    ``DM`` and ``DM_p`` are the Diebold-Mariano statistic and its one-sided p-value that the model is more
    accurate (`tsrnn.evaluation.significance.dm_columns`).
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
    backend = check_backend(backend)
    pick_baseline(forecasters, baseline)  # an unknown name fails before any fit
    levels = {}
    for name, forecaster in forecasters.items():
        _check_forecaster(forecaster, f"forecasters[{name!r}]")
        # Models without intervals are compared on their point forecasts; the others must give these levels.
        levels[name] = forecaster.check_level(level) if get_forecaster_tags(forecaster).intervals else None
    cv = make_cv(cv, horizon=horizon, folds=folds, step=step, window=window, train_size=train_size, initial=initial,
                 gap=gap)
    refit = _check_refit(refit)
    panel = to_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                     fill_missing=fill_missing)
    # One plan, one set of actuals and training scales, then one loop over the models.
    plan = _plan(cv, panel, list(forecasters.values()))
    m = _season_length(season_length, panel)
    scales = seasonal_scales(panel, plan, m)
    results = {}
    for name, forecaster in forecasters.items():
        try:
            results[str(name)] = _run(forecaster, panel, plan, refit=refit, level=levels[name], n_jobs=n_jobs,
                                      progress=progress, name=str(name), season_length=m, backend=backend,
                                      scales=scales)
        except Exception as err:
            if hasattr(err, "add_note"):
                err.add_note(f"tsrnn.compare: raised while backtesting {name!r}")
            raise
    baseline = pick_baseline(forecasters, baseline)
    comparison = Comparison(_leaderboard(results, baseline), results, baseline,
                            {str(name): describe_params(f) for name, f in forecasters.items()}, covariate_events(panel))
    if report is not None:
        comparison.report(report)
    return comparison
