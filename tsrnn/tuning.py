"""Hyperparameter tuning with Optuna: search spaces, an objective scored by leakage-free backtests, pruning.

`tune` searches a forecaster's parameters on the rolling-origin folds of `tsrnn.evaluation.backtest`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import numbers
import os
import threading
import time
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState
from sklearn.base import clone

from ._estimator import BEFORE_ADDED
from ._validation import check_int
from .data import Panel, to_panel
from .evaluation.backtest import _check_refit, make_cv
from .evaluation.engine import observed_at, run_folds, seasonal_scales
from .evaluation.result import fold_scores
from .evaluation.splits import OriginPlan, RollingOrigin
from .forecasters.base import BaseForecaster
from .forecasters.tags import get_forecaster_tags
from .frequency import season_length_for
from .registry import space_for

__all__ = [
    "tune",
    "TuningResult",
    "PruningCallback",  # noqa: F822 - built on first access (module __getattr__), so torch loads only then
    "make_objective",
    "dict_space",
    "default_space",
    "rnn_space",
    "linear_space",
    "regression_space",
    "arima_space",
    "ets_space",
    "seasonal_naive_space",
    "croston_space",
]

_METRICS = {"mae": "MAE", "rmse": "RMSE", "smape": "sMAPE", "wape": "WAPE", "mase": "MASE", "rmsse": "RMSSE",
            "bias": "bias"}
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
# Trial system attributes of the heartbeat scheme (see `_Runner`): the worker's clock (``time.time()``) at its
# last sign of life, and the mark of a trial failed because its worker stopped giving any.
_HEARTBEAT = "tsrnn:heartbeat"
_LOST = "tsrnn:lost"
_STALE_AFTER = 4  # heartbeat intervals without a heartbeat after which a running trial's worker is taken for dead
_MAX_RETRIES = 2  # a trial whose worker died is re-run at most this many times (a trial that kills its worker...)
# With prune_on="val_loss", fold k's optimiser step s is intermediate step k * _FOLD_STRIDE + s, so that
# every fold's validation losses get their own steps and a step means the same thing in every trial.
_FOLD_STRIDE = 1_000_000


# --------------------------------------------------------------------------- search spaces


def rnn_space(trial, season_length: int = 1, max_window: int | None = None, recursive: bool = True,
              positive: bool = False, symmetric: bool = True) -> dict:
    """The default search space of `RNNForecaster`: cell, size, depth, window, dropout, learning rate, scaler,
    strategy, the linear skip path, the window statistics (with the window scaler), the loss and the target
    transform.

    ``window`` runs over multiples of the season length (of 4 when the season is shorter), from one
    season up to ``max(4 seasons, 32 steps)``, capped at ``max_window``; ``dropout`` (between stacked
    layers) is searched only for two or more layers. ``recursive=False`` leaves out the recursive
    strategy (it cannot use past covariates). ``target_transform`` tries None, "diff" and, for
    ``positive`` data, "log"; the seasonal differences are left out (they cost a season of every series).
    With a season (``season_length > 1``) ``deseasonalize`` tries "both", None and "auto", and ``linear_init``
    (with the linear path) "auto" and "naive". ``symmetric``
    (the mirror-symmetric network) is tried both ways unless ``symmetric=False`` here (the data or the
    forecaster has covariates, calendar features or lopsided quantiles, which it cannot take). The training
    length (``max_steps``, ``batch_size``), ``weight_averaging`` and ``n_models`` are not searched: they stay as
    set on the forecaster.

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> trial = FixedTrial({"cell": "gru", "hidden_size": 16, "num_layers": 1, "window": 24,
    ...                     "learning_rate": 0.01, "scaler": "window", "window_stats": False, "strategy": "direct",
    ...                     "linear_skip": True, "loss": "mae", "target_transform": None, "deseasonalize": "auto",
    ...                     "linear_init": "auto", "symmetric": True})
    >>> rnn_space(trial, season_length=12)
    {'cell': 'gru', 'hidden_size': 16, 'num_layers': 1, 'dropout': 0.0, 'window': 24, 'learning_rate': 0.01, 'scaler': 'window', 'window_stats': False, 'strategy': 'direct', 'linear_skip': True, 'loss': 'mae', 'target_transform': None, 'deseasonalize': 'auto', 'linear_init': 'auto', 'symmetric': True}
    """
    params = {"cell": trial.suggest_categorical("cell", ["lstm", "gru", "rnn"]),
              "hidden_size": trial.suggest_int("hidden_size", 8, 128, log=True),
              "num_layers": trial.suggest_int("num_layers", 1, 3)}
    params["dropout"] = trial.suggest_float("dropout", 0.0, 0.5) if params["num_layers"] > 1 else 0.0
    params["window"] = _window(trial, season_length, max_window)
    params["learning_rate"] = trial.suggest_float("learning_rate", 1e-4, 3e-2, log=True)
    params["scaler"] = trial.suggest_categorical("scaler", ["window", "standard", "robust"])
    if params["scaler"] == "window":  # the other scalers keep the level in the inputs: nothing to add back
        params["window_stats"] = trial.suggest_categorical("window_stats", [False, True])
    strategies = ["direct", "recursive", "seq2seq"] if recursive else ["direct", "seq2seq"]
    params["strategy"] = trial.suggest_categorical("strategy", strategies)
    params["linear_skip"] = trial.suggest_categorical("linear_skip", [True, False])
    params["loss"] = trial.suggest_categorical("loss", ["mae", "mse", "mase"])
    transforms = [None, "diff", "log"] if positive else [None, "diff"]
    params["target_transform"] = trial.suggest_categorical("target_transform", transforms)
    if season_length > 1:
        params["deseasonalize"] = trial.suggest_categorical("deseasonalize", ["both", None, "auto"])
        if params["linear_skip"]:
            params["linear_init"] = trial.suggest_categorical("linear_init", ["auto", "naive"])
    if symmetric:
        params["symmetric"] = trial.suggest_categorical("symmetric", [False, True])
    return params


def arima_space(trial, season_length: int = 1) -> dict:
    """The default search space of `ARIMAForecaster`: the bounds and criterion of its automatic order search,
    and (for seasonal data) whether to model the season at all.

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> arima_space(FixedTrial({"information_criterion": "bic", "max_p": 2, "max_q": 3, "season_length": 1}),
    ...             season_length=12)
    {'information_criterion': 'bic', 'max_p': 2, 'max_q': 3, 'season_length': 1}
    """
    params = {"information_criterion": trial.suggest_categorical("information_criterion", ["aicc", "aic", "bic"]),
              "max_p": trial.suggest_int("max_p", 1, 5),
              "max_q": trial.suggest_int("max_q", 1, 5)}
    if season_length > 1:
        params["season_length"] = trial.suggest_categorical("season_length", [1, season_length])
        if params["season_length"] > 1:
            params["max_P"] = trial.suggest_int("max_P", 0, 2)
            params["max_Q"] = trial.suggest_int("max_Q", 0, 2)
    return params


def ets_space(trial, season_length: int = 1, positive: bool = True) -> dict:
    """The default search space of `ETSForecaster`: error, trend (damped or not) and seasonal components.

    Multiplicative components are offered only for positive data (``positive``); the seasonal component
    only when ``season_length > 1``.

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> ets_space(FixedTrial({"error": "add", "trend": "none", "seasonal": "mul"}), season_length=12)
    {'error': 'add', 'trend': 'none', 'damped_trend': False, 'seasonal': 'mul'}
    """
    kinds = ["add", "mul"] if positive else ["add"]
    params = {"error": trial.suggest_categorical("error", kinds),
              "trend": trial.suggest_categorical("trend", ["none", "add"])}
    params["damped_trend"] = (trial.suggest_categorical("damped_trend", [False, True])
                              if params["trend"] != "none" else False)
    params["seasonal"] = trial.suggest_categorical("seasonal", ["none", *kinds]) if season_length > 1 else "none"
    return params


def linear_space(trial, season_length: int = 1, max_window: int | None = None, positive: bool = False,
                 symmetric: bool = True) -> dict:
    """The default search space of `LinearForecaster`: window, learning rate, scaler, loss, target transform,
    deseasonalisation, where the linear path starts (with a season) and mirror symmetry (the windows, transforms and ``symmetric`` rule of `rnn_space`; there
    is no network to size).

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> linear_space(FixedTrial({"window": 24, "learning_rate": 0.01, "scaler": "window", "loss": "mae",
    ...                          "target_transform": None, "deseasonalize": None, "linear_init": "naive",
    ...                          "symmetric": False}), season_length=12)
    {'window': 24, 'learning_rate': 0.01, 'scaler': 'window', 'loss': 'mae', 'target_transform': None, 'deseasonalize': None, 'linear_init': 'naive', 'symmetric': False}
    """
    params = {"window": _window(trial, season_length, max_window),
              "learning_rate": trial.suggest_float("learning_rate", 1e-4, 3e-2, log=True),
              "scaler": trial.suggest_categorical("scaler", ["window", "standard", "robust"]),
              "loss": trial.suggest_categorical("loss", ["mae", "mse", "mase"])}
    transforms = [None, "diff", "log"] if positive else [None, "diff"]
    params["target_transform"] = trial.suggest_categorical("target_transform", transforms)
    if season_length > 1:
        params["deseasonalize"] = trial.suggest_categorical("deseasonalize", ["both", None, "auto"])
        params["linear_init"] = trial.suggest_categorical("linear_init", ["auto", "naive"])
    if symmetric:
        params["symmetric"] = trial.suggest_categorical("symmetric", [False, True])
    return params


def regression_space(trial, season_length: int = 1, max_window: int | None = None) -> dict:
    """The default search space of `RegressionForecaster`: the window (as in `rnn_space`) and whether windows
    are normalised; the estimator (and its own parameters) stay as the user gave them.

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> regression_space(FixedTrial({"window": 24, "scaler": "window"}), season_length=12)
    {'window': 24, 'scaler': 'window'}
    """
    return {"window": _window(trial, season_length, max_window),
            "scaler": trial.suggest_categorical("scaler", ["window", None])}


def _window(trial, season_length: int, max_window: int | None) -> int:
    """Multiples of the season (of 4 below it) from one season to ``max(4 seasons, 32)``, capped at ``max_window``."""
    base = season_length if season_length >= 4 else 4
    top = base * max(4, -(-32 // base))
    if max_window is not None:
        top = min(top, max_window // base * base)
    if top >= base:
        return trial.suggest_int("window", base, top, step=base)
    return trial.suggest_int("window", min(2, max_window), max(2, max_window))  # too short for a whole season


def seasonal_naive_space(trial, season_length: int = 12) -> dict:
    """The default search space of `SeasonalNaiveForecaster`: the data's season or none (plain naive).

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> seasonal_naive_space(FixedTrial({"season_length": 7}), season_length=7)
    {'season_length': 7}
    """
    return {"season_length": trial.suggest_categorical("season_length", [1, season_length])}


def croston_space(trial) -> dict:
    """The default search space of `CrostonForecaster`: the method and its smoothing weights (0.05 to 0.5, on a log
    scale; TSB's probability weight too), the search statsforecast's ``CrostonOptimized`` makes for Croston's
    weight, by backtest instead of in-sample fit.

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> croston_space(FixedTrial({"method": "tsb", "alpha": 0.2, "beta": 0.05}))
    {'method': 'tsb', 'alpha': 0.2, 'beta': 0.05}
    """
    params = {"method": trial.suggest_categorical("method", ["classic", "sba", "tsb"]),
              "alpha": trial.suggest_float("alpha", 0.05, 0.5, log=True)}
    params["beta"] = trial.suggest_float("beta", 0.05, 0.5, log=True) if params["method"] == "tsb" else None
    return params


def default_space(forecaster: BaseForecaster, df, horizon: int, folds: int = 3, step: int | None = None,
                  gap: int = 0, season_length: int | None = None) -> Callable:
    """The default search space for ``forecaster`` on this data, as a plain function ``trial -> dict``.

    The spaces are `rnn_space`, `linear_space`, `arima_space`, `ets_space`, `seasonal_naive_space` and
    `croston_space` (which one: the forecaster's entry in `tsrnn.registry`), bound to what the data says: the season length of its frequency (`tsrnn.data.season_length_for`, or ``season_length``),
    the longest RNN window that leaves training windows at the first backtest fold, whether the values are
    positive, whether there are past covariates. Forecasters without hyperparameters (naive, drift, mean)
    have no space: pass ``space=`` to `tune` instead.

    Example
    -------
    >>> import optuna, tsrnn
    >>> from tsrnn import RNNForecaster
    >>> space = default_space(RNNForecaster(), tsrnn.load_dataset("shampoo"), horizon=3)
    >>> space(optuna.trial.FixedTrial({"cell": "lstm", "hidden_size": 8, "num_layers": 1, "window": 12,
    ...                                "learning_rate": 0.003, "scaler": "window", "window_stats": False,
    ...                                "strategy": "direct", "linear_skip": True, "loss": "mae", "target_transform": "log",
    ...                                "deseasonalize": None, "linear_init": "auto", "symmetric": False}))["window"]
    12
    """
    panel = df if isinstance(df, Panel) else to_panel(df)
    m = season_length if season_length is not None else season_length_for(panel.freq)
    plan = RollingOrigin(horizon, folds=folds, step=step, initial=1, gap=gap).plan(panel.lengths, ids=panel.ids)
    first_cutoff = int(plan.cutoffs[:, 0].min())
    context = {
        "season_length": int(m),
        # Leave at least half as many training windows as the window is long at the first fold.
        "max_window": max(1, 2 * (first_cutoff - horizon + 1) // 3),
        "positive": bool(np.all(panel.values > 0)),
        "covariates": tuple(panel.covariate_names),
    }
    found = space_for(forecaster, context)  # the forecaster's entry in tsrnn.registry
    if found is None:
        raise ValueError(f"{type(forecaster).__name__} has no default search space (it has no hyperparameters to "
                         "tune on this data); pass space=, e.g. {'season_length': [1, 12]}")
    name, kwargs = found
    return functools.partial(globals()[name], **kwargs)


def _distribution(name: str, spec) -> optuna.distributions.BaseDistribution:
    if isinstance(spec, optuna.distributions.BaseDistribution):
        return spec
    if isinstance(spec, list):
        return optuna.distributions.CategoricalDistribution(spec)
    if isinstance(spec, tuple) and spec and spec[0] in ("int", "float", "categorical"):
        kind, *args = spec
        options = args.pop() if args and isinstance(args[-1], Mapping) else {}
        try:
            if kind == "categorical":
                (choices,) = args
                return optuna.distributions.CategoricalDistribution(list(choices))
            low, high = args
            cls = optuna.distributions.IntDistribution if kind == "int" else optuna.distributions.FloatDistribution
            return cls(low, high, **options)
        except (TypeError, ValueError) as err:
            raise ValueError(f"space[{name!r}] = {spec!r} is not a valid {kind} range: {err}") from None
    raise ValueError(f"space[{name!r}] = {spec!r} is not a search range; write a list of choices "
                     f"(['lstm', 'gru']), ('int', low, high[, {{'log': True, 'step': 1}}]), "
                     f"('float', low, high[, {{'log': True}}]) or an optuna distribution")


def dict_space(spec: Mapping) -> Callable:
    """Turn a dict of ranges into a search space function ``trial -> dict``.

    Each value is a list of choices, ``("int", low, high[, options])``, ``("float", low, high[, options])``
    (options: ``{"log": True}``, ``{"step": 2}``), ``("categorical", choices)`` or an optuna distribution.
    The parameter names are the forecaster's. Ranges are checked here, when the dict is read.

    Example
    -------
    >>> from optuna.trial import FixedTrial
    >>> space = dict_space({"hidden_size": ("int", 16, 256, {"log": True}), "cell": ["lstm", "gru"]})
    >>> space(FixedTrial({"hidden_size": 32, "cell": "gru"}))
    {'hidden_size': 32, 'cell': 'gru'}
    """
    if not isinstance(spec, Mapping):
        raise TypeError(f"a search space dict maps parameter names to ranges, got {type(spec).__name__}")
    distributions = {str(name): _distribution(str(name), value) for name, value in spec.items()}

    def space(trial) -> dict:
        params = {}
        for name, dist in distributions.items():
            if isinstance(dist, optuna.distributions.IntDistribution):
                params[name] = trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
            elif isinstance(dist, optuna.distributions.FloatDistribution):
                params[name] = trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
            else:
                params[name] = trial.suggest_categorical(name, list(dist.choices))
        return params

    return space


def _check_names(forecaster: BaseForecaster, names) -> None:
    valid = forecaster.get_params(deep=False)
    unknown = [name for name in names if name not in valid]
    if unknown:
        what = "is not a parameter" if len(unknown) == 1 else "are not parameters"
        raise ValueError(f"the search space names {unknown}, which {what} of {type(forecaster).__name__}; its "
                         f"parameters are {sorted(valid)}")


def _as_space(space, forecaster: BaseForecaster, panel: Panel, horizon: int, folds: int, step, gap,
              season_length) -> Callable:
    if space is None:
        return default_space(forecaster, panel, horizon, folds, step, gap, season_length)
    if isinstance(space, Mapping):
        _check_names(forecaster, list(space))
        return dict_space(space)
    if callable(space):
        return space
    raise TypeError(f"space must be None (the default space), a dict of ranges or a function trial -> dict, "
                    f"got {type(space).__name__}")


@contextlib.contextmanager
def _optuna_quiet(quiet: bool = True):
    level = optuna.logging.get_verbosity()
    if quiet:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


def _probe(space: Callable, forecaster: BaseForecaster) -> list[str]:
    """Call ``space`` once on a throwaway in-memory trial: the parameter names it returns are checked before any
    real trial runs (names only reached in other branches of a conditional space are checked per trial)."""
    with _optuna_quiet():
        trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    params = space(trial)
    if not isinstance(params, Mapping):
        raise TypeError(f"a search space function must return a dict of forecaster parameters, got "
                        f"{type(params).__name__}")
    _check_names(forecaster, list(params))
    return list(params)


# --------------------------------------------------------------------------- pruning during a fit


@functools.lru_cache(maxsize=1)
def _pruning_callback_class():
    """Build the Lightning callback class on first use, so that ``import tsrnn.tuning`` does not import torch.

    Example
    -------
    >>> import optuna
    >>> from tsrnn.tuning import PruningCallback
    >>> study = optuna.create_study()
    >>> callback = PruningCallback(study.ask(), monitor="val_loss")
    >>> callback.monitor, callback.step_offset
    ('val_loss', 0)
    """
    import lightning.pytorch as pl

    class PruningCallback(pl.Callback):
        """Lightning callback: report the monitored validation metric to an Optuna trial and stop pruned fits.

        After each validation run it calls ``trial.report(value, step_offset + global_step)`` and, when
        ``trial.should_prune()``, raises ``optuna.TrialPruned``. It does nothing else (no early stopping, no
        checkpoints). Put it in an `RNNForecaster`'s ``trainer_kwargs={"callbacks": [...]}``; the RNN needs a
        validation set (``validation_size`` or ``early_stopping``) for ``val_loss`` to exist. Copies (made when
        a backtest clones the forecaster) report to the same trial.

        Example
        -------
        >>> import optuna
        >>> from tsrnn.tuning import PruningCallback
        >>> trial = optuna.create_study().ask()
        >>> PruningCallback(trial).monitor
        'val_loss'
        """

        def __init__(self, trial, monitor: str = "val_loss", step_offset: int = 0):
            super().__init__()
            self.trial = trial
            self.monitor = monitor
            self.step_offset = step_offset
            self._reported = -1  # the last step reported

        def __deepcopy__(self, memo):
            # The trial is a handle on the study's storage (locks, connections): share it, do not copy it.
            return type(self)(self.trial, self.monitor, self.step_offset)

        def on_validation_end(self, trainer, pl_module) -> None:
            if trainer.sanity_checking:
                return
            value = trainer.callback_metrics.get(self.monitor)
            if value is None:
                return
            value = float(value)
            step = int(self.step_offset + trainer.global_step)
            if step <= self._reported:  # a second training on the same callback (the RNN's second view, which
                return  # starts again at step 0): the trial is judged on the first one's validation losses
            self._reported = step
            self.trial.report(value, step)
            if self.trial.should_prune():
                raise optuna.TrialPruned(f"{self.monitor} = {value:.4g} at step {step}")

    PruningCallback.__module__ = __name__
    PruningCallback.__qualname__ = "PruningCallback"  # pickles and prints as tsrnn.tuning.PruningCallback
    return PruningCallback


def __getattr__(name: str):
    if name == "PruningCallback":
        return _pruning_callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- the objective


def _resolve_metric(metric: str) -> str:
    if not isinstance(metric, str) or metric.lower() not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}")
    return _METRICS[metric.lower()]


def _resolve_prune_on(prune_on: str, forecaster) -> str:
    # A forecaster whose training reports a validation loss says so in its tags (the RNN with a validation set).
    reports_val_loss = get_forecaster_tags(forecaster).validation_loss
    if prune_on == "auto":
        return "val_loss" if reports_val_loss else "folds"
    if prune_on == "folds":
        return prune_on
    if prune_on == "val_loss":
        if not reports_val_loss:
            raise ValueError("prune_on='val_loss' needs an RNNForecaster with a validation set: set its "
                             "validation_size= or early_stopping=")
        return prune_on
    raise ValueError(f"prune_on must be 'auto', 'folds' or 'val_loss', got {prune_on!r}")


def make_objective(
    forecaster: BaseForecaster,
    df,
    horizon: int | None = None,
    space=None,
    metric: str = "mase",
    folds: int = 3,
    refit: bool | int = True,
    step: int | None = None,
    gap: int = 0,
    season_length: int | None = None,
    prune_on: str = "auto",
    *,
    cv: RollingOrigin | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    fill_missing: str | None = None,
) -> Callable:
    """The objective `tune` optimises, as a function ``trial -> float``: the backtest ``metric`` of the
    forecaster with the trial's parameters, averaged over ``folds`` rolling-origin folds.

    The space, the metric and the parameter names are checked here, before any trial. Every score comes
    from `tsrnn.evaluation.backtest`, so nothing after a cutoff reaches the model.

    The folds are those of ``backtest(..., folds=folds)`` (or of ``cv=``, a `tsrnn.RollingOrigin`; the
    keywords are its shorthand): one plan of origins, computed once, and the backtest engine
    (`tsrnn.evaluation.engine.run_folds`) runs them on arrays, fitting every fold (``refit=True``), every k
    folds or once. Its ``on_fold`` hook scores each fold as it ends (the numbers of
    ``BacktestResult.metrics(by="fold")``): the score is reported (``trial.report(score, k)``) and, before the
    next fold, ``trial.should_prune()`` is asked, whatever ``refit`` is (the folds that share a fit are
    forecast in one batched call first, so pruning saves the fits of the later folds, not those forecasts).

    ``prune_on="val_loss"`` (the default ``"auto"`` picks it for an RNN with a validation set) reports the
    RNN's validation loss during each fit instead, through `PruningCallback` (fold k's step s is
    intermediate step ``k * 1_000_000 + s``), and keeps the fold scores as the trial's ``fold_scores``
    attribute only: one trial's intermediate values must all be the same quantity for a pruner to
    compare them. A trial enqueued with the user attribute ``baseline`` runs the forecaster's own
    parameters.

    A fit or forecast that raises (`tsrnn.errors.TrainingDivergedError`, a bad parameter value...) or a
    non-finite score sets the trial's ``error`` attribute and raises, and the trial is recorded as failed.

    Example
    -------
    >>> import pandas as pd
    >>> from optuna.trial import FixedTrial
    >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
    >>> y = pd.Series([1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0], index=pd.date_range("2024-01-01", periods=8),
    ...               name="s")
    >>> objective = make_objective(SeasonalNaiveForecaster(), y, horizon=2, folds=2, season_length=1,
    ...                            space={"season_length": [1, 2]})
    >>> objective(FixedTrial({"season_length": 2}))  # repeats the season: no error
    0.0
    >>> objective(FixedTrial({"season_length": 1}))  # naive: mean error 1 against a scale of 2 at both folds
    0.5
    """
    panel = to_panel(df, id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                     fill_missing=fill_missing)
    if horizon is None and cv is None:
        horizon = forecaster.default_horizon
        if horizon is None:
            raise ValueError(f"{type(forecaster).__name__} has no horizon parameter: pass horizon=")
    metric_name = _resolve_metric(metric)
    refit_every = _check_refit(refit)  # the fingerprint keeps refit as given, as older studies recorded it
    if cv is None:
        folds = check_int(folds, "folds", low=1)
    cv = make_cv(cv, horizon=horizon, folds=folds, step=step, gap=gap)
    m = int(season_length if season_length is not None else season_length_for(panel.freq))
    plan = _plan_folds(cv, panel, m, metric_name)
    horizon, step, gap, folds = plan.horizon, plan.step, plan.gap, plan.n_folds
    mode = _resolve_prune_on(prune_on, forecaster)
    space_fn = _as_space(space, forecaster, panel, horizon, folds, step, gap, season_length)
    names = _probe(space_fn, forecaster)
    extra = {"train_size": cv.train_size} if cv.train_size is not None else {}  # recorded only when used
    fingerprint = _fingerprint(forecaster, panel, plan, metric=metric_name, horizon=horizon, folds=folds, step=step,
                               gap=gap, season_length=m, refit=refit, fill_missing=fill_missing, **extra)
    return _Objective(forecaster, panel, space_fn, names, metric_name, plan, refit_every, mode, m, fingerprint)


def _plan_folds(cv: RollingOrigin, panel: Panel, season_length: int, metric_name: str) -> OriginPlan:
    """The folds every trial is scored on, refused before any trial when no parameter value could be scored on
    them: a first fold training on fewer observations than the horizon (the least `backtest` accepts), or, for
    MASE/RMSSE, on no more than one season (their scale would be undefined)."""
    need, why = cv.horizon, f"the horizon, {cv.horizon}"
    if metric_name in ("MASE", "RMSSE") and season_length + 1 > need:
        need, why = season_length + 1, (f"season_length + 1 = {season_length + 1}, for the scale of "
                                        f"{metric_name}")
    if cv.initial is not None and cv.initial >= need:
        return cv.plan(panel.lengths, ids=panel.ids)
    try:
        return cv.plan(panel.lengths, min_train_length=need, ids=panel.ids)
    except ValueError as err:
        raise ValueError(f"{err}. The first fold of a tuning run needs at least {why}") from None


class _Objective:
    """The callable `make_objective` returns; its settings are checked there."""

    def __init__(self, forecaster, panel: Panel, space: Callable, param_names: list[str], metric: str,
                 plan: OriginPlan, refit, prune_on: str, season_length: int, fingerprint: dict):
        self.forecaster = forecaster
        self.panel = panel
        self.space = space
        self.param_names = param_names
        self.metric = metric
        self.plan = plan
        self.folds = plan.n_folds
        self.refit = refit  # 0: fit once; k: every k folds
        self.prune_on = prune_on
        self.fingerprint = fingerprint  # what the scores depend on; see `_fingerprint`
        # What every trial is scored against, computed once: the actuals and each fold's training scales.
        rows = panel.offsets[:-1, None, None] + plan.test_positions()
        self._actual = observed_at(panel, rows)
        self._scales = seasonal_scales(panel, plan, season_length)

    def _with_callback(self, model: BaseForecaster, trial, fold: int) -> BaseForecaster:
        if self.prune_on != "val_loss" or _is_baseline(trial):
            return model
        return model.with_training_callbacks([_pruning_callback_class()(trial, "val_loss", fold * _FOLD_STRIDE)])

    def _score(self, k: int, preds: dict) -> dict:
        return fold_scores(self._actual[:, k], preds["y_pred"], self._scales[0][:, k], self._scales[1][:, k])

    def __call__(self, trial) -> float:
        scores: list[float] = []
        report = self.prune_on == "folds"
        # The baseline is never pruned: its full score is what "never worse than your parameters" compares with.
        may_prune = report and not _is_baseline(trial)

        def on_fold(k: int, fold: dict) -> None:  # the engine calls it as each fold ends, folds in order
            scores.append(_score_value(fold[self.metric], self.metric, k))
            if report:
                trial.report(scores[-1], k)
                if may_prune and k < self.folds - 1 and trial.should_prune():
                    raise optuna.TrialPruned(f"{self.metric} {scores[-1]:.4g} at fold {k}")

        try:
            model = _trial_forecaster(self.forecaster, trial, self.space)  # the space runs once per trial
            # A fold that fails fails the trial at once (raise_errors); a pruning callback's TrialPruned too.
            run_folds(model, self.panel, self.plan, refit=self.refit, on_fold=on_fold, score=self._score,
                      raise_errors=True, make_model=lambda k: self._with_callback(clone(model), trial, k))
        except optuna.TrialPruned:
            trial.set_user_attr("fold_scores", scores)
            raise
        except Exception as err:
            trial.set_user_attr("fold_scores", scores)
            trial.set_user_attr("error", f"{type(err).__name__}: {err}")
            raise
        trial.set_user_attr("fold_scores", scores)
        return float(np.mean(scores))


def _is_baseline(trial) -> bool:
    return bool(trial.user_attrs.get("baseline"))


def _trial_forecaster(forecaster: BaseForecaster, trial, space_fn: Callable) -> BaseForecaster:
    if _is_baseline(trial):
        return clone(forecaster)
    params = space_fn(trial)
    if not isinstance(params, Mapping):
        raise TypeError(f"a search space function must return a dict, got {type(params).__name__}")
    _check_names(forecaster, list(params))
    return clone(forecaster).set_params(**params)


def _score_value(value, metric_name: str, k: int) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{metric_name} is {value} at fold {k} (a NaN forecast, or a MASE/RMSSE scale of zero "
                         "or undefined: try another metric or season_length)")
    return value


# --------------------------------------------------------------------------- what a study's scores depend on


def _plain(value):
    """``value`` as JSON data that compares equal exactly when the setting is the same: numpy scalars as
    numbers, offsets as their alias, objects without a value (callbacks, loggers) as their class."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, pd.DateOffset):
        return value.freqstr
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


def _data_digest(panel: Panel) -> str:
    """A short description and a SHA-256 of everything in the panel a score can depend on."""
    digest = hashlib.sha256()
    digest.update(json.dumps([str(i) for i in panel.ids]).encode())
    digest.update(np.ascontiguousarray(panel.offsets, dtype=np.int64).tobytes())
    digest.update(json.dumps([getattr(panel.freq, "freqstr", str(panel.freq)),
                              *(str(start) for start in panel.starts)]).encode())  # str: with the time zone
    digest.update(np.ascontiguousarray(panel.values).tobytes())
    digest.update(json.dumps(list(panel.covariate_names)).encode())
    digest.update(np.ascontiguousarray(panel.covariates).tobytes())
    missing = getattr(panel, "missing", None)
    if missing is not None:
        digest.update(np.ascontiguousarray(missing).tobytes())
    return (f"{panel.n_series} series, {int(panel.lengths.sum())} observations, sha256 "
            f"{digest.hexdigest()[:16]}")


def _cutoffs_digest(panel: Panel, plan: OriginPlan) -> str:
    """The forecast origins of the folds: the last training timestamp of every (series, fold)."""
    stamps = []
    for i in range(panel.n_series):
        stamps.extend(str(panel.starts[i] + int(c - 1) * panel.freq) for c in plan.cutoffs[i])
    digest = hashlib.sha256(json.dumps(stamps).encode()).hexdigest()[:16]
    return f"{min(stamps)} to {max(stamps)}, sha256 {digest}"


def _fingerprint(forecaster: BaseForecaster, panel: Panel, plan: OriginPlan, **settings) -> dict:
    """Everything a trial's score depends on besides its own parameters, as JSON data: `tune` records it in a
    new study and refuses to add trials scored differently."""
    cls = type(forecaster)
    # Parameters that say where and how visibly a model runs, not what it computes (the forecaster's tags name
    # them) are left out, so that a study can be resumed with another progress setting or on another machine.
    execution = get_forecaster_tags(forecaster).execution_params
    params = {name: _plain(value) for name, value in sorted(forecaster.get_params(deep=False).items())
              if name not in execution}
    return {"forecaster": f"{cls.__module__}.{cls.__qualname__}", "params": params,
            **{name: _plain(value) for name, value in settings.items()},
            "data": _data_digest(panel),
            "cutoffs": _cutoffs_digest(panel, plan)}


def _differences(stored: Mapping, current: Mapping, prefix: str = "") -> list[str]:
    lines = []
    for key in [*stored, *(k for k in current if k not in stored)]:
        old, new = stored.get(key, "<unset>"), current.get(key, "<unset>")
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            lines += _differences(old, new, f"{prefix}{key}.")
        elif old != new:
            lines.append(f"{prefix}{key} was {old!r}, now {new!r}")
    return lines


def _param_defaults(forecaster) -> dict:
    """The value each parameter of the forecaster's class had, in effect, before it existed (its default, or
    `tsrnn._estimator.BEFORE_ADDED`'s), as `_fingerprint` records values."""
    import inspect

    return {p.name: _plain(BEFORE_ADDED.get(p.name, p.default))
            for p in inspect.signature(type(forecaster).__init__).parameters.values()
            if p.name != "self" and p.default is not p.empty}


def _check_fingerprint(study, fingerprint: dict, defaults: Mapping | None = None) -> None:
    stored = study.user_attrs.get("fingerprint")
    params = stored.get("params") if isinstance(stored, Mapping) else None
    if isinstance(params, Mapping) and defaults and stored.get("forecaster") == fingerprint.get("forecaster"):
        # A parameter the forecaster gained after the study was made (window_stats) was, in effect, at its default
        # (or at what `tsrnn._estimator.BEFORE_ADDED` says it did before it existed).
        added = {k: defaults[k] for k in fingerprint.get("params", {}) if k not in params and k in defaults}
        stored = {**stored, "params": {**params, **added}}
    if stored is None:
        if study.get_trials(deepcopy=False, states=_FINISHED):
            warnings.warn(f"study {study.study_name!r} was created by an older tsrnn, which did not record what its "
                          "scores depend on: tsrnn cannot check that its trials were scored like this run's "
                          "(same data, horizon, folds, step, metric and forecaster)", UserWarning, stacklevel=3)
        study.set_user_attr("fingerprint", fingerprint)
        return
    differences = _differences(stored, fingerprint)
    if differences:
        raise ValueError(f"study {study.study_name!r} holds trials scored with other settings, which cannot be "
                         f"compared with this run's: {'; '.join(differences)}. Resume it with the same data and "
                         "settings, or start a new study (another study_name)")


# --------------------------------------------------------------------------- storage, sampler, pruner


def _storage(storage):
    if storage is None:
        return optuna.storages.InMemoryStorage()
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if isinstance(storage, str | os.PathLike):
        text = os.fspath(storage)
        if "://" not in text and text.endswith((".journal", ".log")):
            folder = os.path.dirname(os.path.abspath(text))
            if not os.path.isdir(folder):
                raise ValueError(f"storage {text!r}: the folder {folder} does not exist; create it first")
            try:
                return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(text))
            except OSError as err:
                raise ValueError(f"storage {text!r}: cannot open the journal file ({err.strerror or err})") from None
        if "://" in text:
            return _rdb_storage(text)
    raise ValueError(f"storage must be None (in memory), a database URL such as 'sqlite:///tuning.db' or "
                     f"'postgresql://user@host/db', a journal file path ending in .journal or .log, or an optuna "
                     f"storage; got {storage!r}")


def _rdb_storage(url: str):
    from sqlalchemy.engine import make_url  # optuna's own dependency
    from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError

    if url.startswith("sqlite"):  # SQLite would say only "unable to open database file"
        try:
            database = make_url(url).database
        except ArgumentError as err:
            raise ValueError(f"storage {url!r}: {err}") from None
        folder = os.path.dirname(os.path.abspath(database)) if database and database != ":memory:" else None
        if folder and not os.path.isdir(folder):
            raise ValueError(f"storage {url!r}: the folder {folder} does not exist; create it first")
    # Several processes write one SQLite file: wait for its lock instead of failing after 5 s.
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None
    attempt = 0
    while True:
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
        except (OperationalError, IntegrityError, ProgrammingError) as err:
            # Workers started together on a new database race to create its tables and stamp its schema
            # version ("table ... already exists", "UNIQUE constraint failed"; PostgreSQL says "relation ...
            # already exists", a ProgrammingError); a retry finds them made.
            attempt += 1
            if attempt == 5:
                reason = " ".join(str(getattr(err, "orig", None) or err).split())
                raise ValueError(f"storage {url!r}: cannot open the database ({reason}); check the URL, that "
                                 "its folder exists and is writable, or that the server is up") from None
            time.sleep(0.2 * attempt)
        except (ImportError, ArgumentError, ValueError) as err:  # no driver for the URL, or a malformed URL
            hint = ""
            if isinstance(err, ImportError) and url.startswith("postgresql"):
                hint = ("; for PostgreSQL install the psycopg driver (pip install 'psycopg[binary]', or "
                        "tsrnn[postgres]) and write the URL as postgresql+psycopg://user:password@host/database")
            raise ValueError(f"storage {url!r}: {' '.join(str(err).split())}{hint}") from None


def _sampler(sampler, random_state):
    if sampler is None or sampler == "tpe":
        return optuna.samplers.TPESampler(seed=random_state)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=random_state)
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    raise ValueError(f"sampler must be None or 'tpe' (TPESampler), 'random' or an optuna sampler, got {sampler!r}")


def _pruner(pruner):
    if pruner == "median":
        return optuna.pruners.MedianPruner()
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner()
    if pruner is None or pruner == "none":
        return optuna.pruners.NopPruner()
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    raise ValueError(f"pruner must be 'median', 'hyperband', None or an optuna pruner, got {pruner!r}")


# --------------------------------------------------------------------------- running the trials


class _Heartbeat:
    """While a trial runs, record the worker's clock in the trial every ``interval`` seconds, from a thread."""

    def __init__(self, storage, trial_id: int, interval: float):
        self.storage, self.trial_id, self.interval = storage, trial_id, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tsrnn-heartbeat", daemon=True)

    def _beat(self) -> None:
        try:
            self.storage.set_trial_system_attr(self.trial_id, _HEARTBEAT, time.time())
        except Exception:  # a busy database, or the trial failed as lost meanwhile: try again at the next beat
            pass

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._beat()

    def __enter__(self):
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _counts(trials) -> tuple[int, int]:
    """``(finished, running)``: trials that finished with a result (complete, pruned, or failed by their own
    error or an interrupt), which are the ones ``n_trials`` counts, and trials running now. A trial lost with
    its worker does not count: it is re-run, or another trial takes its place."""
    finished = sum(t.state.is_finished() and not t.system_attrs.get(_LOST) for t in trials)
    return finished, sum(t.state == TrialState.RUNNING for t in trials)


class _Runner:
    """Run the trials of one study, in this worker, until the study holds ``n_trials`` finished trials.

    The total is exact with any number of workers: before a trial starts, its worker counts the finished and
    running trials, and after taking a trial (``study.ask()``) it checks that fewer than ``n_trials`` trials
    with smaller numbers are finished or running; if two workers took the last place at once, the later trial
    goes back to the queue (state WAITING, no parameters drawn yet) and a later resume runs it; if re-runs of
    lost trials were queued after it, the places left are theirs and it is closed unrun (failed, not counted,
    ``error`` says why). When the last
    trials are running in other workers, this one waits for them, so that every worker returns the same study.

    With a storage shared between processes, each running trial records a heartbeat (`_Heartbeat`). A running
    trial silent for ``_STALE_AFTER`` heartbeat intervals lost its worker (killed, out of memory, machine
    gone): it is marked failed (``error`` says why; it does not count) and re-run with the same parameters and
    attributes (a baseline stays the baseline), at most ``_MAX_RETRIES`` times. Workers' clocks must agree to
    within that margin.
    """

    def __init__(self, study, storage, objective: Callable, n_trials: int, timeout: float | None,
                 heartbeat_interval: float, progress: bool):
        self.study, self.storage, self.objective, self.n_trials = study, storage, objective, n_trials
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.shared = not isinstance(storage, optuna.storages.InMemoryStorage)
        self.interval = heartbeat_interval
        self.poll = min(1.0, heartbeat_interval)
        self.study_id = storage.get_study_id_from_name(study.study_name)
        self.bar = None
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=n_trials, desc="tune", unit="trial")
        self._lock = threading.Lock()

    def _trial_id(self, number: int) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self.study_id, number)

    def fail_lost(self) -> None:
        """Fail the running trials whose worker stopped giving heartbeats, and queue their re-runs."""
        if not self.shared:  # one process: a dead worker took the whole study with it
            return
        now = time.time()
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            started = t.datetime_start.timestamp() if t.datetime_start else 0.0  # a re-run's copied beat is older
            silent = now - max(float(t.system_attrs.get(_HEARTBEAT, 0.0)), started)
            if silent <= _STALE_AFTER * self.interval:
                continue
            history = [*t.system_attrs.get("retry_history", []), t.number]  # optuna's RetryFailedTrialCallback keys
            rerun = len(history) <= _MAX_RETRIES
            trial_id = self._trial_id(t.number)
            try:
                self.storage.set_trial_system_attr(trial_id, _LOST, True)
                self.storage.set_trial_user_attr(
                    trial_id, "error", f"its worker stopped (no heartbeat for {silent:.0f} s); "
                    + ("re-run as a new trial" if rerun else f"not re-run after {len(history)} attempts"))
                if not self.storage.set_trial_state_values(trial_id, TrialState.FAIL):
                    continue
            except optuna.exceptions.UpdateFinishedTrialError:
                continue  # it finished after all, or another worker failed it first
            if rerun:
                system_attrs = {k: v for k, v in t.system_attrs.items() if k not in (_HEARTBEAT, _LOST)}
                system_attrs.update(failed_trial=history[0], retry_history=history)
                self.study.add_trial(optuna.trial.create_trial(
                    state=TrialState.WAITING, params=t.params, distributions=t.distributions,
                    user_attrs={"baseline": True} if _is_baseline(t) else {}, system_attrs=system_attrs))

    def ensure_baseline(self) -> None:
        """Queue the baseline trial unless one completed, is running or queued, or failed by its own error."""
        trials = self.study.get_trials(deepcopy=False)
        if _counts(trials)[0] >= self.n_trials:
            return
        baselines = [t for t in trials if _is_baseline(t)]
        if any(t.state in (TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING) for t in baselines):
            return
        if any(t.state == TrialState.FAIL and "error" in t.user_attrs and not t.system_attrs.get(_LOST)
               for t in baselines):
            return  # the forecaster's own parameters raise: running them again cannot help
        self.study.enqueue_trial({}, user_attrs={"baseline": True})

    def _claim(self, trial) -> bool:
        """Whether ``trial`` (just taken) may run; if not, it goes back to the queue untouched."""
        trials = self.study.get_trials(deepcopy=False)
        before = [t for t in trials if t.number < trial.number]
        taken = sum((t.state.is_finished() and not t.system_attrs.get(_LOST)) or t.state == TrialState.RUNNING
                    for t in before)
        if taken >= self.n_trials:
            self.storage.set_trial_state_values(self._trial_id(trial.number), TrialState.WAITING)
            return False
        reruns = [t for t in trials if t.state == TrialState.WAITING and "failed_trial" in t.system_attrs
                  and t.number != trial.number]
        is_rerun = any(t.number == trial.number and "failed_trial" in t.system_attrs for t in trials)
        if not is_rerun and taken + 1 + len(reruns) > self.n_trials:
            # The places left belong to re-runs of lost trials queued after this one (a trial given back to the
            # queue is older than a re-run queued later, and would be taken first): this one is surplus. It is
            # closed unrun and, like a lost trial, does not count, so that the re-run (perhaps the baseline) runs.
            trial_id = self._trial_id(trial.number)
            self.storage.set_trial_system_attr(trial_id, _LOST, True)
            self.storage.set_trial_user_attr(trial_id, "error", "not run: the places left were kept for the re-runs "
                                                                "of trials whose worker stopped")
            self.storage.set_trial_state_values(trial_id, TrialState.FAIL)
            return False
        if _is_baseline(trial) and any(_is_baseline(t) and (t.state in (TrialState.COMPLETE, TrialState.RUNNING,
                                                                          TrialState.WAITING)) for t in before):
            trial.set_user_attr("baseline", False)  # workers that started together each queued one: sample instead
        return True

    def _run_trial(self, trial) -> None:
        value, state, interrupt = None, TrialState.FAIL, None
        beat = _Heartbeat(self.storage, self._trial_id(trial.number), self.interval) if self.shared else None
        with beat or contextlib.nullcontext():
            try:
                value, state = self.objective(trial), TrialState.COMPLETE
            except optuna.TrialPruned:
                state = TrialState.PRUNED
            except Exception:  # recorded in the trial's "error" attribute by the objective
                pass
            except KeyboardInterrupt as err:  # the trial is recorded as failed; the study stops
                interrupt = err
        # skip_if_finished: another worker may have taken this trial for lost (a very long pause)
        self.study.tell(trial, value if state == TrialState.COMPLETE else None, state=state, skip_if_finished=True)
        if interrupt is not None:
            raise interrupt

    def _expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def work(self) -> None:
        """The loop of one worker (or of one thread with ``n_jobs``)."""
        while True:
            self.fail_lost()
            finished, running = _counts(self.study.get_trials(deepcopy=False))
            self._show(finished)
            if finished >= self.n_trials or self._expired():
                return
            if finished + running >= self.n_trials:  # the last trials run elsewhere: wait for them (or their loss)
                time.sleep(self.poll)
                continue
            trial = self.study.ask()
            if self._claim(trial):
                self._run_trial(trial)

    def _show(self, finished: int) -> None:
        if self.bar is None:
            return
        with self._lock:
            self.bar.n = min(finished, self.n_trials)
            complete = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if complete:
                best = min(complete, key=lambda t: t.value) if self.study.direction.name == "MINIMIZE" else \
                    max(complete, key=lambda t: t.value)
                self.bar.set_postfix_str(f"best {best.value:.4g} (trial {best.number})", refresh=False)
            self.bar.refresh()

    def run(self, n_jobs: int) -> None:
        try:
            if n_jobs == 1:
                self.work()
                return
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(n_jobs, thread_name_prefix="tsrnn-tune") as pool:
                for future in [pool.submit(self.work) for _ in range(n_jobs)]:
                    future.result()
        finally:
            if self.bar is not None:
                self.bar.close()


# --------------------------------------------------------------------------- the result


class TuningResult:
    """What `tune` found: the best parameters and score, the refitted best forecaster, the study and its trials.

    Attributes
    ----------
    best_params_ : dict
        The forecaster parameters of the best trial (for the baseline trial: the forecaster's own values of
        the searched parameters).
    best_score_ : float
        Its backtest metric, averaged over the folds.
    best_forecaster_ : forecaster
        A clone of the forecaster with ``best_params_``, fitted on all the data.
    study_ : optuna.Study
        The study (with every trial of a resumed or shared study).
    trials_ : DataFrame
        ``study.trials_dataframe()``: one row per trial with its state, value, parameters and attributes
        (``user_attrs_error`` for failed trials, ``user_attrs_fold_scores``, ``user_attrs_baseline``).
    metric, direction : the settings that produced it.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
    >>> y = pd.Series([1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0], index=pd.date_range("2024-01-01", periods=8),
    ...               name="s")
    >>> res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": [1, 2]}, horizon=2,
    ...            folds=2, n_trials=3, season_length=1, random_state=0, progress=False)
    >>> res.best_params_, res.best_score_
    ({'season_length': 2}, 0.0)
    """

    def __init__(self, study, best_params: dict, best_forecaster, metric: str, direction: str):
        self.study_ = study
        self.best_params_ = best_params
        self.best_score_ = float(study.best_value)
        self.best_forecaster_ = best_forecaster
        self.trials_ = study.trials_dataframe()
        self.metric = metric
        self.direction = direction

    def __repr__(self) -> str:
        states = self.trials_["state"].value_counts().to_dict() if len(self.trials_) else {}
        counts = ", ".join(f"{n} {s.lower()}" for s, n in states.items())
        return f"TuningResult(best {self.metric} {self.best_score_:.4g} with {self.best_params_}; {counts})"

    def plots(self) -> dict:
        """Matplotlib figures: ``"history"`` (every complete trial's metric and the best complete so far, pruned
        trials apart: their partial scores cover fewer folds) and, with two or more complete trials that vary
        some parameter, ``"importances"`` (`importances`).

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
        >>> y = pd.Series(range(1, 13), index=pd.date_range("2024-01-01", periods=12), name="s", dtype=float)
        >>> res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": ("int", 1, 3)},
        ...            horizon=2, n_trials=4, season_length=1, random_state=0, progress=False)
        >>> sorted(res.plots())
        ['history', 'importances']
        """
        from .plotting import plot_importances, plot_trials

        trials = self.study_.get_trials(deepcopy=False)
        figures = {"history": plot_trials([t.number for t in trials],
                                          [np.nan if t.value is None else t.value for t in trials],
                                          [t.state.name for t in trials], metric=self.metric,
                                          minimize=self.direction == "minimize")}
        importances = self.importances()
        if importances:
            figures["importances"] = plot_importances(importances)
        return figures

    def importances(self) -> dict[str, float]:
        """fANOVA importances of the searched parameters (fractions that sum to 1), from the complete trials
        that drew parameters (the baseline trial, which keeps the forecaster's own values, is left out: it
        has no drawn parameters and would empty the common search space); ``{}`` with fewer than two such
        trials or when no parameter varies.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
        >>> y = pd.Series(range(1, 13), index=pd.date_range("2024-01-01", periods=12), name="s", dtype=float)
        >>> res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": ("int", 1, 3)},
        ...            horizon=2, n_trials=4, season_length=1, random_state=0, progress=False)
        >>> res.importances()
        {'season_length': 1.0}
        """
        complete = [t for t in self.study_.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if t.params]
        varied = any(len({repr(t.params.get(name)) for t in complete}) > 1
                     for name in {n for t in complete for n in t.params})
        if len(complete) < 2 or not varied:
            return {}
        with _optuna_quiet():
            drawn = optuna.create_study(direction=self.direction)
        drawn.add_trials(complete)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                found = optuna.importance.get_param_importances(
                    drawn, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
        except (ValueError, RuntimeError):  # e.g. no parameter common to the complete trials
            return {}
        return {str(k): float(v) for k, v in found.items()}

    def _trial_table(self) -> pd.DataFrame:
        frame = self.trials_
        columns = [c for c in frame.columns if c in ("number", "state", "value") or c.startswith("params_")
                   or c in ("user_attrs_error", "user_attrs_baseline")]
        names = {"user_attrs_error": "failed with", "user_attrs_baseline": "baseline"}
        table = frame[columns].rename(columns=lambda c: names.get(c, c.removeprefix("params_")))
        return table.set_index("number")

    def report_sections(self) -> list[tuple[str, object]]:
        """``(title, content)`` sections for an HTML report: the best parameters, the optimisation history,
        the parameter importances (when there are enough trials) and the table of trials.

        Add them to a backtest report of the tuned model with
        ``backtest(res.best_forecaster_, df, ...).report(path, sections=res.report_sections())`` or
        ``compare(...).report(path, sections=...)``, or write them alone with `report`.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
        >>> y = pd.Series(range(1, 13), index=pd.date_range("2024-01-01", periods=12), name="s", dtype=float)
        >>> res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": [1, 2]}, horizon=2,
        ...            n_trials=2, season_length=1, random_state=0, progress=False)
        >>> [title for title, _ in res.report_sections()]
        ['Tuning: best parameters', 'Tuning: optimisation history', 'Tuning: trials']
        """
        best = pd.DataFrame({"value": [self.best_score_, *self.best_params_.values()]},
                            index=pd.Index([f"best {self.metric}", *self.best_params_], name="parameter"))
        best["value"] = best["value"].astype(object).map(str)
        figures = self.plots()
        sections = [("Tuning: best parameters", best), ("Tuning: optimisation history", figures["history"])]
        if "importances" in figures:
            table = pd.DataFrame({"importance": self.importances()})
            table.index.name = "parameter"
            sections.append(("Tuning: parameter importances", [figures["importances"], table]))
        trials = self._trial_table()
        complete = trials[trials["state"] == "COMPLETE"]
        sections.append(("Tuning: trials", [
            f'<p class="note">{len(complete)} complete trials (scored on every fold), best first.</p>',
            complete.sort_values("value", ascending=self.direction == "minimize", kind="stable")]))
        others = trials[trials["state"] != "COMPLETE"]
        if len(others):
            sections.append(("Tuning: pruned and failed trials", [
                '<p class="note">A pruned trial was stopped after some folds: its value is a partial score over '
                "fewer folds, not comparable with the complete trials (an early fold may be easier), so it is "
                "never the best.</p>", others]))
        return sections

    def report(self, path: str | os.PathLike, title: str | None = None):
        """Write the tuning sections alone as a self-contained HTML report; returns its path.

        Example
        -------
        >>> import pandas as pd, tempfile
        >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
        >>> y = pd.Series(range(1, 13), index=pd.date_range("2024-01-01", periods=12), name="s", dtype=float)
        >>> res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": [1, 2]}, horizon=2,
        ...            n_trials=2, season_length=1, random_state=0, progress=False)
        >>> "optimisation history" in res.report(tempfile.mkdtemp() + "/tuning.html").read_text()
        True
        """
        import matplotlib.pyplot as plt

        from .evaluation.report import write_report

        sections = self.report_sections()
        try:
            return write_report(path, title or f"Tuning: {type(self.best_forecaster_).__name__}", sections)
        finally:
            for _, content in sections:
                if hasattr(content, "savefig"):
                    plt.close(content)


# --------------------------------------------------------------------------- tune


def tune(
    forecaster: BaseForecaster,
    df,
    space=None,
    metric: str = "mase",
    horizon: int | None = None,
    folds: int = 3,
    refit: bool | int = True,
    n_trials: int = 50,
    timeout: float | None = None,
    storage=None,
    study_name: str | None = None,
    sampler=None,
    pruner="median",
    n_jobs: int = 1,
    random_state: int | None = None,
    progress: bool = True,
    direction: str = "minimize",
    *,
    step: int | None = None,
    gap: int = 0,
    season_length: int | None = None,
    prune_on: str = "auto",
    cv: RollingOrigin | None = None,
    baseline: bool = True,
    heartbeat_interval: float = 30.0,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | None = None,
    fill_missing: str | None = None,
) -> TuningResult:
    """Search ``forecaster``'s hyperparameters with Optuna, scoring each trial by a leakage-free backtest.

    Each trial sets the parameters drawn from ``space`` on a clone of the forecaster and returns the
    backtest ``metric`` ("mase", "rmsse", "smape", "wape", "mae", "rmse", "bias") averaged over ``folds``
    rolling-origin folds of ``horizon`` steps (``horizon=None`` takes the forecaster's own ``horizon``);
    `make_objective` says exactly how folds are run, reported and pruned (``prune_on``). The best
    parameters are then refitted on all of ``df`` as ``best_forecaster_``.

    Search space (``space``): None uses the forecaster's default (`default_space`); a dict maps parameter
    names to ranges (`dict_space`): ``{"hidden_size": ("int", 16, 256, {"log": True}), "learning_rate":
    ("float", 1e-4, 1e-2, {"log": True}), "cell": ["lstm", "gru"]}`` or optuna distributions; a function
    ``trial -> dict`` may do anything (conditional parameters...). Names that are not parameters of the
    forecaster raise ``ValueError`` before any trial runs (a function space is called once on a
    throwaway trial to find them).

    Trials: ``n_trials`` is the exact number of finished trials (complete, pruned or failed; not those lost
    with their worker, below) the study should hold: resuming a study that holds 3 runs ``n_trials - 3``
    more (none if it already has enough).
    With ``baseline=True`` the forecaster's own parameters run as a trial (the user attribute ``baseline``;
    the first trial of a new study), so ``best_score_`` is never worse than what you started from on these
    folds. The baseline trial is never pruned; on resume it is queued again when it has no complete result
    (it was interrupted, or its worker died) unless its own parameters raised an error. A trial whose fit
    diverges (`tsrnn.errors.TrainingDivergedError`) or raises is recorded as failed, with its error in
    ``trials_["user_attrs_error"]``, and the study goes on; ``KeyboardInterrupt`` stops it (the trials
    finished so far stay in the storage; the interrupted one is recorded as failed). If no trial completes,
    ``RuntimeError``. Folds that cannot fit the data (series too short for ``folds`` folds of ``horizon``
    steps, or, for MASE/RMSSE, a first fold with no more than one season of training data) raise
    ``ValueError`` before any trial runs.

    Storage and workers: ``storage=None`` keeps the study in memory. A database URL
    (``"sqlite:///tuning.db"``, ``"postgresql://user:pw@host/db"``, ``"mysql+pymysql://..."``) or a
    journal file path ending in ``.journal`` or ``.log`` (`optuna.storages.JournalStorage`, for shared
    disks such as NFS) records every trial as it finishes. The same ``study_name`` on the same storage
    resumes the study. A new study records what its scores depend on (the forecaster's class and
    parameters, the metric, horizon, folds, step, gap, refit, season length, ``fill_missing``, the cutoffs
    and a hash of the data) in its user attribute ``fingerprint``; resuming it with any of them different
    raises ``ValueError`` naming each difference, instead of mixing scores that cannot be compared (where a
    trial ran or whether it showed progress may differ). Several processes running ``tune`` with the same
    ``storage`` and ``study_name`` work on one study (SQLite for processes on one machine; PostgreSQL/MySQL
    or a journal file on a shared disk across machines): each trial is run by one worker, and the study
    ends with exactly ``n_trials`` finished trials: a worker checks before each trial, and when two take the
    last place at the same moment, the later trial goes back to the queue unstarted (state WAITING, for a
    later resume). A worker whose remaining trials are running elsewhere waits for them, so every worker
    returns the same result. While a trial runs in a shared storage its worker records a heartbeat every
    ``heartbeat_interval`` seconds; a running trial silent for 4 intervals lost its worker (killed, out of
    memory, machine lost): the next worker to check marks it failed (it does not count towards
    ``n_trials``) and runs it again with the same parameters (at most twice). Workers' clocks must agree to
    within that margin. ``n_jobs`` runs trials in threads within one process (-1: one per CPU).

    Reproducibility: ``random_state`` seeds the sampler (TPE by default; ``sampler="random"`` or any optuna
    sampler), so with a deterministic forecaster (set its own ``random_state``) and ``n_jobs=1`` the same
    call samples the same parameters in the same order. ``pruner``: "median" (``MedianPruner()``),
    "hyperband", None, or an optuna pruner. ``progress`` shows a progress bar with the best score (set
    ``progress=False`` on an RNN as well to hide its training bars). ``cv`` (a `tsrnn.RollingOrigin`),
    ``step``, ``gap``, ``season_length`` and the data keywords are those of `tsrnn.evaluation.backtest`.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
    >>> y = pd.Series([10.0, 20, 30, 11, 21, 31, 12, 22, 32, 13, 23, 33],
    ...               index=pd.date_range("2024-01-01", periods=12, freq="D"), name="s")
    >>> res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": ("int", 1, 4)},
    ...            horizon=3, n_trials=6, season_length=1, random_state=0, progress=False)
    >>> res.best_params_, round(res.best_score_, 4)  # errors of 1 against scales of 10, 11.8 and 12.25
    ({'season_length': 3}, 0.0888)
    >>> res.best_forecaster_.predict(horizon=3)["y_pred"].tolist()
    [13.0, 23.0, 33.0]
    """
    check_int(n_trials, "n_trials", low=1)
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer or -1 (one thread per CPU), got {n_jobs!r}")
    if timeout is not None and (not isinstance(timeout, numbers.Real) or not timeout > 0):
        raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
    if (isinstance(heartbeat_interval, bool) or not isinstance(heartbeat_interval, numbers.Real)
            or not 0 < heartbeat_interval < math.inf):
        raise ValueError(f"heartbeat_interval must be a number of seconds > 0, got {heartbeat_interval!r}")
    data_kwargs = dict(id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                       fill_missing=fill_missing)
    objective = make_objective(forecaster, df, horizon, space, metric, folds, refit, step, gap, season_length,
                               prune_on, cv=cv, **data_kwargs)
    with _optuna_quiet(not progress):
        store = _storage(storage)
        study = optuna.create_study(storage=store, sampler=_sampler(sampler, random_state),
                                    pruner=_pruner(pruner), study_name=study_name, direction=direction,
                                    load_if_exists=True)
        _check_resumed(study, objective.metric, direction)
        _check_fingerprint(study, objective.fingerprint, _param_defaults(forecaster))
        runner = _Runner(study, store, objective, int(n_trials), timeout, float(heartbeat_interval), progress)
        runner.fail_lost()
        if baseline:
            runner.ensure_baseline()
        runner.run(int(n_jobs))
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        trials = study.get_trials(deepcopy=False)
        errors = [t.user_attrs["error"] for t in trials if "error" in t.user_attrs]
        pruned = sum(t.state == TrialState.PRUNED for t in trials)
        raise RuntimeError(f"no trial completed ({len(errors)} failed, {pruned} pruned)"
                           + (f"; the first error: {errors[0]}" if errors else ""))
    best = study.best_trial
    params, model = _best(forecaster, objective, best)
    model.fit(df, **data_kwargs)
    return TuningResult(study, params, model, objective.metric, direction)


def _check_resumed(study, metric_name: str, direction: str) -> None:
    if study.direction.name.lower() != direction:
        raise ValueError(f"study {study.study_name!r} was created to {study.direction.name.lower()}, not to "
                         f"{direction}; use another study_name")
    stored = study.user_attrs.get("metric")
    if stored is None:
        study.set_user_attr("metric", metric_name)
    elif stored != metric_name:
        raise ValueError(f"study {study.study_name!r} scores trials by {stored}, not {metric_name}: resume it "
                         f"with metric={stored.lower()!r} or use another study_name")


def _best(forecaster: BaseForecaster, objective, trial) -> tuple[dict, BaseForecaster]:
    """The best trial's forecaster parameters, regenerated exactly by running the space on its values."""
    if trial.user_attrs.get("baseline"):
        own = forecaster.get_params(deep=False)
        return {name: own[name] for name in objective.param_names}, clone(forecaster)
    params = dict(objective.space(optuna.trial.FixedTrial(trial.params, trial.number)))
    return params, clone(forecaster).set_params(**params)
