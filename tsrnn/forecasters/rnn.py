"""`RNNForecaster`: one global Elman/RNN/LSTM/GRU forecaster over every series of a panel.

The only bridge into `tsrnn.nn`: it turns a Panel into one feature tensor, trains through Lightning and
turns network outputs back into forecasts on the original scale.
"""

from __future__ import annotations

import contextlib
import logging
import math
import numbers
import os
import warnings

import numpy as np
import pandas as pd

from .._estimator import check_is_fitted
from .._schema import POINT, interval_column, level_quantiles, quantile_column
from .._validation import (
    check_bool,
    check_choice,
    check_int,
    check_nonnegative,
    check_random_state,
    check_real,
    check_str_list,
    paired_quantiles,
)
from ..data import Panel, check_positive_int, static_values
from ..errors import InvalidParameterError
from ..frequency import season_length_for, seasonal_periods_for
from ..metrics import mase
from ..nn.choices import CELLS, DISTRIBUTIONS, LOSSES, STRATEGIES
from ..nn.config import NetworkConfig
from ..preprocessing import (
    DESEASONALIZE,
    SCALERS,
    TARGET_TRANSFORMS,
    apply_transform,
    calendar_feature_names,
    calendar_features,
    fit_scaler,
    fit_seasonality,
    invert_transform,
    seasonal_factors,
    transform_shift,
)
from ..windows import window_origins
from .base import BaseForecaster
from .tags import ForecasterTags

__all__ = ["RNNForecaster", "default_max_steps", "auto_precision", "torch_threads"]

_DEFAULT_QUANTILES = (0.1, 0.5, 0.9)
# What a distribution head reports by default: the median and the bounds of the 50/80/90/95 % intervals.
_DISTRIBUTION_QUANTILES = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)
# Chosen by measurement across the development data (benchmarks/RESULTS.md, "Deseasonalisation").
DEFAULT_DESEASONALIZE = "both"
_DESEASONALIZE = ("both", *DESEASONALIZE)
# Chosen by measurement across the development data (benchmarks/RESULTS.md, "Weight averaging").
DEFAULT_WEIGHT_AVERAGING = 0.25
_VIEWS = (None, "auto")  # deseasonalize="both": the views of the series its two networks train on
LINEAR_INITS = ("auto", "naive", "seasonal_naive")  # where the linear path starts (`linear_init`)
_PREDICT_CHUNK = 8192  # windows per forward pass when predicting: bounds memory


def _steps_between(start: pd.Timestamp, other: pd.Timestamp, freq) -> int:
    """Whole steps of ``freq`` from ``start`` to ``other`` (negative when ``other`` comes first)."""
    if start == other:
        return 0
    if isinstance(freq, pd.offsets.Tick):
        return int(round((other - start) / pd.Timedelta(freq)))
    lo, hi = (start, other) if start < other else (other, start)
    steps = len(pd.date_range(lo, hi, freq=freq)) - 1
    return steps if start < other else -steps


def auto_precision(accelerator) -> str:
    """What ``precision="auto"`` trains with: "bf16-mixed" on a CUDA GPU that supports bfloat16 (where it is
    the usual, much faster choice), "32-true" everywhere else.

    On a CPU with bfloat16 instructions bf16 trained about 1.45x faster, but on the shipped sales series it was
    worse on every seed (mean MASE 1.309 against 1.282; M4 Weekly unchanged), so the CPU stays at 32 bits
    (benchmarks/RESULTS.md, "Accuracy work").

    Example
    -------
    >>> auto_precision("cpu")
    '32-true'
    """
    import torch

    if accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return "bf16-mixed"
    return "32-true"


_STEP_CAP = 1000  # the most optimiser steps the automatic budget gives
# symmetric="auto" picks the symmetric network only when a one-sided paired t-test over the series' validation
# errors says it is better at this level (the conventional one; not tuned).
_SYMMETRIC_TEST_LEVEL = 0.05


def default_max_steps(n_windows: int, batch_size: int) -> int:
    """Optimiser steps when neither ``max_steps`` nor ``max_epochs`` is given: about 30 passes over the
    training windows, at least 100 steps and at most 1000.

    Few windows (one monthly series: ~150) then get 100 steps instead of the hundreds of passes that
    overfitted them; two years of daily prices (~480 windows) get 113 instead of 375, which took the demo's
    S&P 500 RNN from 16% worse than the random walk to 2% better; large panels (M4 Weekly: 360,000 windows)
    get 1000. Measured in benchmarks/RESULTS.md ("Accuracy work").

    Example
    -------
    >>> default_max_steps(150, 128), default_max_steps(1000, 128), default_max_steps(360_000, 128)
    (100, 235, 1000)
    """
    return int(min(_STEP_CAP, max(100, math.ceil(30 * n_windows / batch_size))))


# -- parameter checks that need Lightning's vocabulary ---------------------------------------------------------
_ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps")
# Trainer arguments set from RNNForecaster's own parameters: trainer_kwargs may not set them a second way.
_OWN_TRAINER_ARGS = {"max_steps": "max_steps", "max_epochs": "max_epochs", "gradient_clip_val": "gradient_clip_val",
                     "accelerator": "accelerator", "devices": "devices", "precision": "precision",
                     "enable_progress_bar": "progress"}


def _trainer_choices(param: str) -> tuple:
    """The literal values ``lightning.pytorch.Trainer`` declares for ``param`` in its signature."""
    import inspect
    import typing

    import lightning.pytorch as pl

    found = []

    def walk(t):  # through Optional/Union to the Literal[...] members
        if typing.get_origin(t) is typing.Literal:
            found.extend(typing.get_args(t))
        else:
            for arg in typing.get_args(t):
                walk(arg)

    walk(inspect.signature(pl.Trainer).parameters[param].annotation)
    return tuple(found)


def _check_hardware(accelerator, devices, precision):
    """``accelerator``, ``devices`` and ``precision`` as Lightning accepts them, as plain Python values.

    Lightning's own vocabulary (its precision literals, Accelerator objects) is read only once Lightning is
    imported, as it is for training: loading and forecasting do not pay its import (about 1.5 s)."""
    import sys

    pl = sys.modules.get("lightning.pytorch")
    if pl is None or not isinstance(accelerator, pl.accelerators.Accelerator):
        accelerator = check_choice(accelerator, "accelerator", _ACCELERATORS)
    ok = True
    if isinstance(devices, str):
        text = devices.strip()
        ok = text == "auto" or text == "-1" or (bool(text) and all(
            part.strip().isdigit() for part in text.rstrip(",").split(",")))
    elif isinstance(devices, numbers.Integral) and not isinstance(devices, bool | np.bool_):
        devices = int(devices)
        ok = devices >= 1 or devices == -1
    elif isinstance(devices, list | tuple):
        ok = len(devices) > 0 and all(isinstance(d, numbers.Integral) and not isinstance(d, bool | np.bool_)
                                      and d >= 0 for d in devices) and len(set(devices)) == len(devices)
        devices = [int(d) for d in devices] if ok else devices
    else:
        ok = False
    if not ok:
        raise InvalidParameterError(f"devices must be 'auto', a positive integer (how many), -1 (all), or a list of "
                                    f"device indices such as [0, 1], got {devices!r}")
    allowed = ((_trainer_choices("precision") if pl is not None else ()) or (
        64, 32, 16, "64-true", "32-true", "16-mixed", "bf16-mixed", "16-true", "bf16-true", "64", "32", "16", "bf16"))
    allowed = ("auto", *allowed)  # tsrnn's own: see auto_precision
    if isinstance(precision, numbers.Integral) and not isinstance(precision, bool | np.bool_):
        precision = int(precision)
    elif isinstance(precision, str):
        precision = str(precision)
    if not isinstance(precision, int | str) or precision not in allowed:
        raise InvalidParameterError(f"unknown precision {precision!r}; valid values are {list(allowed)}")
    return accelerator, devices, precision


def _check_accelerator_present(accelerator) -> None:
    """Refuse an accelerator this machine lacks, in tsrnn's words (Lightning's error does not name the parameter)."""
    import torch

    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise InvalidParameterError(f"accelerator={accelerator!r} but torch sees no CUDA GPU on this machine; use "
                                    "accelerator='auto' (GPU when there is one) or 'cpu'")
    if accelerator == "mps" and not torch.backends.mps.is_available():
        raise InvalidParameterError("accelerator='mps' but Apple's MPS is not available on this machine; use "
                                    "accelerator='auto' or 'cpu'")


def _check_trainer_kwargs(trainer_kwargs) -> dict:
    """``trainer_kwargs`` as a dict of arguments ``lightning.pytorch.Trainer`` takes and tsrnn does not set itself."""
    import inspect

    if trainer_kwargs is None:
        return {}
    import lightning.pytorch as pl

    if not isinstance(trainer_kwargs, dict):
        raise InvalidParameterError(f"trainer_kwargs must be a dict of lightning.pytorch.Trainer arguments or None, "
                                    f"got {type(trainer_kwargs).__name__}")
    accepted = set(inspect.signature(pl.Trainer).parameters)
    for key in trainer_kwargs:
        if key in _OWN_TRAINER_ARGS:
            raise InvalidParameterError(f"trainer_kwargs[{key!r}] is set by RNNForecaster's own parameter "
                                        f"{_OWN_TRAINER_ARGS[key]}=; set RNNForecaster({_OWN_TRAINER_ARGS[key]}=...) "
                                        "instead")
        if key not in accepted:
            raise InvalidParameterError(f"trainer_kwargs has {key!r}, which lightning.pytorch.Trainer does not take; "
                                        f"it takes {sorted(accepted - set(_OWN_TRAINER_ARGS))}")
    callbacks = trainer_kwargs.get("callbacks")
    listed = callbacks if isinstance(callbacks, list | tuple) else [] if callbacks is None else [callbacks]
    bad = [c for c in listed if not isinstance(c, pl.Callback)]
    if bad:
        raise InvalidParameterError(f"trainer_kwargs['callbacks'] must hold lightning.pytorch.Callback objects, "
                                    f"got {bad[0]!r}")
    return dict(trainer_kwargs)


def _make_trainer(kwargs: dict):
    """``lightning.pytorch.Trainer(**kwargs)``; a setting Lightning refuses is reported as the parameter(s) it came
    from."""
    import lightning.pytorch as pl
    from lightning.pytorch.utilities.exceptions import MisconfigurationException

    try:
        return pl.Trainer(**kwargs)
    except (ValueError, TypeError, ImportError, MisconfigurationException) as err:
        raise InvalidParameterError(
            f"lightning.pytorch.Trainer refused the settings from accelerator={kwargs.get('accelerator')!r}, "
            f"devices={kwargs.get('devices')!r}, precision={kwargs.get('precision')!r} or trainer_kwargs: "
            f"{type(err).__name__}: {err}") from err


# Windows of the training data the trained weights are scored on: enough for a stable mean, cheap on CPU.
_CHECK_WINDOWS = 512


def _check_trained(module, data: np.ndarray, train_starts, window: int, horizon: int, known_idx: list[int]) -> None:
    """Raise `TrainingDivergedError` when the trained network diverged (see `ForecastModule.check_trained`),
    scoring it on up to ``_CHECK_WINDOWS`` training windows spread evenly over the data."""
    import torch

    from ..nn.gather import gather_batch

    n = len(train_starts)
    pick = np.unique(np.linspace(0, n - 1, num=min(n, _CHECK_WINDOWS)).round().astype(np.int64))
    device = next(module.net.parameters()).device
    starts = torch.as_tensor(train_starts)[torch.as_tensor(pick)]  # [n_check]
    past, fut, target = gather_batch(torch.as_tensor(data), starts, window, horizon,
                                     torch.as_tensor(known_idx, dtype=torch.long))
    dtype = next(module.net.parameters()).dtype
    module.check_trained((past.to(device, dtype), fut.to(device, dtype), target.to(device, dtype)))


def _keeps_global_random_state(fit):
    """Run ``fit`` and put the caller's global random generators (Python, numpy, torch CPU and initialised CUDA
    devices, Lightning's seed variables) back as they were: seeding a model must not reseed the user's program."""
    import functools
    import random

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        import torch

        py_state, np_state, torch_state = random.getstate(), np.random.get_state(), torch.get_rng_state()
        # Reading CUDA states would initialise CUDA (and break fork-based DDP): only restore what was in use.
        cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
        env = {k: os.environ.get(k) for k in ("PL_GLOBAL_SEED", "PL_SEED_WORKERS")}
        try:
            return fit(self, *args, **kwargs)
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
            torch.set_rng_state(torch_state)
            if cuda_states is not None:
                torch.cuda.set_rng_state_all(cuda_states)
            for key, value in env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    return wrapper


class RNNForecaster(BaseForecaster):
    """A recurrent neural network forecaster trained with PyTorch Lightning, global over all series.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "elman"}
        The recurrent cell; "elman" is the from-scratch `tsrnn.nn.cells.ElmanRNN` (slow, for learning).
    hidden_size, num_layers, dropout : network size; dropout applies between stacked layers.
    linear_skip : bool
        Add a linear autoregressive path from the input window straight to the forecast, summed with the
        recurrent network's output (a hybrid, as LSTNet's "highway"); it starts as a naive forecast (the random
        walk, or the seasonal naive forecast: ``linear_init``). On by
        default: on M4 Weekly it cut sMAPE from 8.19 to 6.76 (benchmarks/RESULTS.md).
    linear_init : {"auto", "naive", "seasonal_naive"}
        Where the linear path starts: "naive" repeats the window's last value (the random walk);
        "seasonal_naive" repeats its last season (``season_length``; the window must be at least that long);
        "auto" (the default) starts a network that reads the series as they are (``deseasonalize=None``, or
        the first of the two default networks) at the seasonal naive forecast when at least half of the
        training series pass the seasonal test (`tsrnn.preprocessing.fit_seasonality`, on the training part),
        at their most common seasonal period, and at the random walk otherwise (and with differencing target
        transforms, or a deseasonalised view, whose series have no season left). A short fit (few series,
        the floor of 100 steps) barely leaves its starting point, and for a seasonal series the random walk
        is a poor one. Measured with three seeds (benchmarks/RESULTS.md, "The linear path starts at the
        seasonal naive forecast"): the shipped sales series 1.129 -> 1.095 (`LinearForecaster` 1.433 -> 1.177),
        US employment 0.345 -> 0.339, quarterly arrivals 1.196 -> 1.154; worse on Australian tourism (1.477
        -> 1.496) and on sub-daily electricity demand (hourly panel 0.578 -> 0.588, a half-hourly series
        0.195 -> 0.198); panels where fewer than half the series are seasonal are unchanged.
    window_stats : bool
        Give the recurrent network's head what the window normalisation removes: each window's mean and log
        standard deviation, in units of its series' mean magnitude, so that it can tell a window far above its
        series' usual level from one at it (mean reversion), as DeepAR and TFT feed the target's scale to the
        network. Only with ``scaler="window"`` (the other scalers leave the level in the inputs). Off by
        default, by measurement: it helped quarterly macroeconomic series (MASE 1.232 to 1.178, ARIMA 1.111)
        and slightly the shipped sales data (1.176 to 1.157), but made M4 Weekly worse (MASE 1.930 to 2.034)
        and the hourly series too (0.201 to 0.220) (benchmarks/RESULTS.md, "Window statistics"); `tune`
        searches it.
    symmetric : {"auto", True, False}
        Make the network mirror-symmetric: a window reflected about its mean gets the reflected forecast, so no
        direction is preferred (with ``scaler="window"``, the default; the other scalers reflect about their
        per-series location). Training shows about half of the windows mirrored (a hash of each window picks
        them, so a DDP fit stays the one-process fit) and forecasting averages the forecast of each window with
        the mirrored forecast of its mirror image. A global network otherwise learns the direction its training
        series mostly moved in (a drift in window units, and asymmetric responses): right where that persists
        (growing economic series), wrong where it changes. Measured (benchmarks/RESULTS.md, "Mirror-symmetric
        networks"): better by about a tenth on Australian tourism and yearly fertility and by 4% on daily NOx
        and hourly electricity, but worse on US employment (8%), the shipped sales data (11%), M4 Weekly and M4
        in 4-week blocks. Needs the target alone as input (no covariates or calendar features) and, with
        ``loss="quantile"``, quantiles symmetric about the median; distribution heads mirror their location.
        "auto" (the default) decides on the data where that is cheap: a panel of two or more series, the
        automatic training budget (no ``max_steps``, ``max_epochs`` or early stopping), the target alone as
        input, one device, every series at least ``window + 2 * horizon`` long, and so few training windows that
        three fits cost no more optimiser steps than one fit at the step cap. There the last ``horizon`` steps
        of every series are held out, a plain and a symmetric network are fitted on the rest and scored there
        (MASE per series), and the symmetric one is chosen only if a one-sided paired t-test over the series
        finds it better at the 5% level; the chosen kind is then fitted on all the data (`symmetric_`, and
        `symmetric_selection_` with the test). Elsewhere "auto" is False. Measured in benchmarks/RESULTS.md,
        "Choosing the symmetric network by a paired test".
    window : int, optional
        Lookback length. None picks ``max(2 * horizon, 2 * season, 16)`` and, below daily data, a week plus
        a day of steps (192 hourly) so that the window reaches last week's value; shortened (never below
        ``horizon``) when nine series in ten are too short for it. Series shorter than the automatic window
        are padded at their start with their first value, in training (if they have more than ``horizon``
        observations; fewer, they are only forecast) and when forecasting, as neuralforecast's start padding
        does, so one short series neither fails the fit nor shrinks every series' window. An explicit
        ``window`` pads nothing: every series then needs ``window + horizon`` observations.
    recurrent_window : {"auto"} or int or None
        How many of the window's last steps the recurrent network reads; the linear path (``linear_skip``) and
        the window normalisation read the whole window. None: the whole window; an int: at most that many
        steps. "auto" (the default) reads the whole window, except with the automatic window on data with two
        seasons (below daily data, where that window aims at a week plus a day, so that the linear path reaches
        the same hour last week, and is shortened only for short series): there the recurrence reads at most the
        window the shortest season alone would give,
        ``max(2 * horizon, 2 * season, 16)`` steps (48 of hourly data's 192 with a day's horizon). A recurrent
        network's cost grows with the steps it reads, and a week of steps is long to carry a state through:
        measured (benchmarks/RESULTS.md, "Half-hourly electricity: the recurrent network reads the last two
        days"), a fit of 20 hourly series x 2,000 hours took 112 s instead of 461 s, and the error was level or
        lower (hourly panel MASE 0.588 -> 0.566, half-hourly panel 0.605 -> 0.571, three seeds). An explicit
        ``window`` is read whole unless ``recurrent_window`` is given.
    horizon : int
        Steps forecast at once (predict may ask for fewer).
    season_length : int, optional
        The seasonal period used by the seasonal differences; None takes it from the frequency
        (`tsrnn.data.season_length_for`: 12 monthly, 52 weekly, 24 hourly...).
    strategy : {"direct", "recursive", "seq2seq"}
        Multi-step strategy; see `tsrnn.nn.networks.ForecastNet`.
    scaler : {"window", "standard", "robust", "minmax", None}
        "window" normalises each input window by its own statistics (RevIN-style), after dividing each
        series by its mean magnitude (so any unit, 1e-9 or 1e9, trains alike); the others scale each
        series by statistics of its training data.
    target_transform : {None, "log", "diff", "log_return", "seasonal_diff", "log_seasonal_diff"}
        Applied before scaling and inverted exactly on forecasts ("log_return" turns prices into returns
        and back; "seasonal_diff" forecasts ``y[t] - y[t - season_length]``).
    deseasonalize : {"both", "auto", "multiplicative", "additive", None}
        "auto" and the explicit modes remove each series' seasonal pattern before the network and put it
        back on the forecasts: classical decomposition (centred moving average, mean ratio or difference per
        position in the season; the indices from the last 10 whole seasons, so a drifting pattern is removed
        as it is now), fitted on the training data only, for every period of the frequency
        (monthly 12, daily 7, hourly 24 then 168; ``season_length`` if given) whose seasonal strength on the
        detrended series is at least 0.64 (`tsrnn.preprocessing.is_seasonal`). "auto" is multiplicative for
        positive series, additive otherwise. Series seen in training keep their indices; a new series gets
        indices from its own history (before the cutoff, in backtests). "both" (the default) trains two
        networks, one on the series as they are and one deseasonalised ("auto", the next seed), and
        forecasts their mean: it costs two fits and was the most accurate on every development panel
        (benchmarks/RESULTS.md). On a seasonal series in a panel where seasonal series are a minority, the
        network as is weighs half the share of seasonal series instead of one half (one series in four
        seasonal: 1/8): it learned little of a pattern few of its series have. None: one network on the
        series as they are.
    loss : {"mae", "mse", "huber", "mase", "quantile", "normal", "student_t"}
        Training loss, in the window-normalised units. "mae" (the default) forecasts the median and is
        robust to outliers; "mase" divides each window's error by its own mean one-step change; "quantile"
        is the pinball loss over ``quantiles`` (default 0.1, 0.5, 0.9). "normal" and "student_t" are
        distribution heads (as DeepAR): the network outputs each step's location and scale (and the
        Student-t's degrees of freedom, above 2), trained by negative log-likelihood; forecasts are the
        median and the ``quantiles`` read from the distribution in closed form (default 0.025, 0.05, 0.1,
        0.25, 0.5, 0.75, 0.9, 0.95, 0.975: intervals at 50, 80, 90 and 95 %).
    learning_rate, batch_size, max_steps, max_epochs : training length. With neither max_steps nor
        max_epochs, `default_max_steps` (about 30 passes over the training windows, 100 to 1000 steps).
    gradient_clip_val : float or None
        Global gradient-norm clipping (on by default: recurrent nets explode).
    weight_averaging : float
        End the fit with the mean of the network's weights over this fraction of its last optimiser steps (taken
        after each step: stochastic weight averaging, Izmailov et al. 2018) instead of the last step's weights;
        0 keeps the last step's. The learning rate stays constant, so the last weights are one noisy point of the
        region training wanders in, and their mean lies nearer its centre. Training itself, its losses and the
        optimiser state are the plain fit's. Not applied with validation windows (``validation_size``,
        ``early_stopping``), where the weights that scored best on them are kept. Default 0.25, the last quarter,
        by measurement (benchmarks/RESULTS.md, "Weight averaging").
    nonnegative : {"auto", True, False}
        Floor the forecasts (the point forecast, the quantiles and the interval bounds) at zero. "auto" (the
        default) floors those of each series whose history before the forecast origin holds no negative value
        (sales, counts, demand, prices); True floors every series', False none. Where the target cannot go
        negative, zero is always at least as close to the outcome as a negative forecast, so the floor can only
        lower the error; the window normalisation lets a network swing below zero on series that sit at or near
        it (intermittent demand), as a linear model does (benchmarks/RESULTS.md, "Non-negative forecasts").
        Pass False for a series that may turn negative although it never has.
    early_stopping : bool or int
        Stop when the validation loss has not improved for that many checks (True means 5); the best
        weights are restored. Uses the last ``validation_size`` steps of each series.
    validation_size : int or float, optional
        Steps (int) or fraction (float) of each series held out for validation; default ``horizon`` when
        early stopping, else none.
    future_covariates : list of str, optional
        Covariate columns known in advance; their horizon values come in ``predict(X_future=...)``.
    past_covariates : list of str, optional
        Covariate columns known only up to the forecast origin (read over the window). None (the default,
        when ``static_covariates`` is None too): every extra column not in ``future_covariates`` is one, and
        ``fit`` says which; once any role is named, columns not named are ignored (``fit`` says which).
        ``[]`` uses none (a close-only model on an OHLCV frame).
    static_covariates : list of str, optional
        Per-series constants (store size, sector code), one value per series: fed to the network as inputs
        known over the window and the horizon, scaled across series (a per-series scaler would erase them).
    categorical_covariates : list of str, optional
        Which of the covariates above (any role) are categories (a day type, a store format): pandas
        categoricals (or integer codes) whose values the network reads through a learnt embedding each
        (`tsrnn.nn.embedding.EmbeddedNet`), unscaled; a category not seen in training shares one "unknown"
        vector. Fill their gaps with "ffill" or "zero", not "interpolate".
    calendar_features : bool
        Add month-of-year (and day-of-week for daily data) sin/cos features, known for the horizon.
    random_state : int, optional
        Seeds initialisation and batch order; the same seed gives identical forecasts on CPU. A seed in
        ``[0, 2**32 - 1]``; the caller's global generators (Python, numpy, torch) are left as they were.
    n_models : int
        Train that many networks with seeds ``random_state + k`` and forecast the median of their forecasts
        (`tsrnn.nn.networks.MedianEnsemble`); training costs ``n_models`` fits.
    num_threads : int, optional
        CPU threads torch may use while this model trains and predicts (restored afterwards, never changed
        for the rest of the process). None: one thread, which is predictable where other work shares the cores
        (two threads were 1.7-7x slower there, one thread unaffected) but about 2.6x slower than two threads
        on an idle 2-core machine (benchmarks/RESULTS.md, "Thread policy"): on a machine of your own, pass
        ``num_threads=os.cpu_count()``. With more than one thread on a machine others use too, start Python
        with ``OMP_WAIT_POLICY=PASSIVE`` (it must be set before torch is imported; tsrnn never sets it, as it
        holds for the whole process): torch's OpenMP threads then sleep instead of spinning between the many
        small parallel steps of a recurrent network, which made two threads beside a busy process 1.5-1.7x
        faster (the plain loop, neuralforecast and tsrnn alike; "Training throughput against neuralforecast").
        A given seed gives the same
        forecast with the same ``num_threads``; other thread counts can change the last bits of float32 sums
        and so, through training, the forecast slightly.
    accelerator, devices, precision, progress, trainer_kwargs : passed to ``lightning.Trainer``
        (``precision`` takes Lightning's values, e.g. "32-true", "bf16-mixed", or "auto": see `auto_precision`).
        Callbacks given as
        ``trainer_kwargs["callbacks"]`` run after tsrnn's own (best-weight restore, early stopping);
        ``trainer_kwargs`` may not repeat a setting these parameters make (``max_steps``, ``precision``...).
        Several devices and machines: ``devices=k`` with ``trainer_kwargs={"strategy": "ddp", "num_nodes": n}``
        (``strategy`` here is Lightning's; this class's own ``strategy`` is the multi-step one). ``batch_size`` is
        per process: the ``k * n`` processes take their shares of each global batch of ``k * n * batch_size``
        that one process with that ``batch_size`` and seed would take, so the fit is that one-process fit up to
        float32 rounding (``docs/scaling.md``).

    Every parameter is checked at the start of ``fit`` (`tsrnn.errors.InvalidParameterError` names a bad one).
    A fit whose loss turns NaN, whose final weights are not finite, or whose final weights forecast the training
    windows far worse than the untrained network raises `tsrnn.errors.TrainingDivergedError`.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.sin(np.arange(60) / 3.0) + 2, index=pd.date_range("2020-01-01", periods=60, freq="MS"),
    ...               name="s")
    >>> model = RNNForecaster(horizon=3, window=12, hidden_size=8, max_steps=5, progress=False, random_state=0)
    >>> model.fit(y).predict().shape
    (3, 3)
    """

    _cells = CELLS  # the recurrent cells this class offers
    _horizon_param = "horizon"
    _execution_params = ("progress", "accelerator", "devices")

    def __init__(
        self,
        cell: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 2,
        dropout: float = 0.0,
        linear_skip: bool = True,
        window: int | None = None,
        horizon: int = 1,
        season_length: int | None = None,
        strategy: str = "direct",
        scaler: str | None = "window",
        target_transform: str | None = None,
        deseasonalize: str | None = DEFAULT_DESEASONALIZE,
        loss: str = "mae",
        quantiles: tuple[float, ...] | None = None,
        learning_rate: float = 3e-3,
        batch_size: int = 128,
        max_steps: int | None = None,
        max_epochs: int | None = None,
        gradient_clip_val: float | None = 1.0,
        early_stopping: bool | int = False,
        validation_size: int | float | None = None,
        future_covariates: list[str] | None = None,
        calendar_features: bool = False,
        random_state: int | None = None,
        n_models: int = 1,
        past_covariates: list[str] | None = None,
        static_covariates: list[str] | None = None,
        categorical_covariates: list[str] | None = None,
        accelerator: str = "auto",
        devices: int | str = "auto",
        precision: str | int = "32-true",
        num_threads: int | None = None,
        progress: bool = True,
        trainer_kwargs: dict | None = None,
        window_stats: bool = False,  # last: added after the others, so positional calls keep their meaning
        symmetric: bool | str = "auto",
        weight_averaging: float = DEFAULT_WEIGHT_AVERAGING,
        nonnegative: bool | str = "auto",
        linear_init: str = "auto",
        recurrent_window: int | str | None = "auto",
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.linear_skip = linear_skip
        self.window = window
        self.horizon = horizon
        self.season_length = season_length
        self.strategy = strategy
        self.scaler = scaler
        self.target_transform = target_transform
        self.deseasonalize = deseasonalize
        self.loss = loss
        self.quantiles = quantiles
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.max_epochs = max_epochs
        self.gradient_clip_val = gradient_clip_val
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.future_covariates = future_covariates
        self.calendar_features = calendar_features
        self.random_state = random_state
        self.n_models = n_models
        self.past_covariates = past_covariates
        self.static_covariates = static_covariates
        self.categorical_covariates = categorical_covariates
        self.accelerator = accelerator
        self.devices = devices
        self.precision = precision
        self.num_threads = num_threads
        self.progress = progress
        self.trainer_kwargs = trainer_kwargs
        self.window_stats = window_stats
        self.symmetric = symmetric
        self.weight_averaging = weight_averaging
        self.nonnegative = nonnegative
        self.linear_init = linear_init
        self.recurrent_window = recurrent_window

    # -- parameter checks ------------------------------------------------------------------------------
    def _check_params(self) -> dict:
        """Check every parameter's type and range (before any data work); returns them normalised to plain
        Python values (numpy scalars become int/float/bool). The parameters themselves stay as given."""
        p = {}
        for name, valid in (("cell", self._cells), ("strategy", STRATEGIES), ("scaler", SCALERS),
                            ("target_transform", TARGET_TRANSFORMS), ("deseasonalize", _DESEASONALIZE),
                            ("loss", LOSSES), ("linear_init", LINEAR_INITS)):
            p[name] = check_choice(getattr(self, name), name, valid)
        for name in ("hidden_size", "num_layers", "horizon", "batch_size", "n_models"):
            p[name] = check_int(getattr(self, name), name, low=1)
        for name in ("window", "season_length", "max_steps", "max_epochs"):
            p[name] = check_int(getattr(self, name), name, low=1, allow_none=True)
        # More threads than a few per core only oversubscribe; OpenMP crashes the process on absurd counts.
        p["num_threads"] = check_int(self.num_threads, "num_threads", low=1, high=4 * (os.cpu_count() or 1),
                                     allow_none=True)
        for name in ("linear_skip", "window_stats", "calendar_features", "progress"):
            p[name] = check_bool(getattr(self, name), name)
        if isinstance(self.symmetric, str) and self.symmetric == "auto":
            p["symmetric"] = "auto"
        elif isinstance(self.symmetric, bool | np.bool_):
            p["symmetric"] = bool(self.symmetric)
        else:
            raise InvalidParameterError(f"symmetric must be True, False or 'auto', got {self.symmetric!r}")
        steps = getattr(self, "recurrent_window", None)  # LinearForecaster has no recurrent network
        if isinstance(steps, str) and steps == "auto":
            p["recurrent_window"] = "auto"
        elif steps is None or (isinstance(steps, numbers.Integral) and not isinstance(steps, bool | np.bool_)
                               and steps >= 1):
            p["recurrent_window"] = None if steps is None else int(steps)
        else:
            raise InvalidParameterError(f"recurrent_window must be a positive integer, None or 'auto', got {steps!r}")
        p["dropout"] = check_real(self.dropout, "dropout", low=0, high=1, high_open=True)
        p["learning_rate"] = check_real(self.learning_rate, "learning_rate", low=0, low_open=True)
        p["weight_averaging"] = check_real(self.weight_averaging, "weight_averaging", low=0, high=1)
        p["nonnegative"] = check_nonnegative(self.nonnegative)
        p["gradient_clip_val"] = check_real(self.gradient_clip_val, "gradient_clip_val", low=0, low_open=True,
                                            allow_none=True)
        stop = self.early_stopping
        if isinstance(stop, bool | np.bool_):
            p["early_stopping"] = bool(stop)
        elif isinstance(stop, numbers.Integral) and stop >= 1:
            p["early_stopping"] = int(stop)
        else:
            raise InvalidParameterError(f"early_stopping must be True, False or a positive integer (the patience), "
                                        f"got {stop!r}")
        size = self.validation_size
        if size is None or (isinstance(size, numbers.Integral) and not isinstance(size, bool | np.bool_)
                            and size >= 0):
            p["validation_size"] = None if size is None else int(size)
        elif (isinstance(size, numbers.Real) and not isinstance(size, bool | np.bool_)
              and not isinstance(size, numbers.Integral) and 0 < size < 1):
            p["validation_size"] = float(size)
        else:
            raise InvalidParameterError(f"validation_size must be a non-negative int (steps) or a fraction in "
                                        f"(0, 1), got {size!r}")
        p["future_covariates"] = check_str_list(self.future_covariates, "future_covariates")
        seen: dict[str, str] = {}
        for name in ("future_covariates", "past_covariates", "static_covariates"):
            p[name] = check_str_list(getattr(self, name, None), name)
            for col in p[name] or []:
                if col in seen:
                    raise InvalidParameterError(f"column {col!r} is named in both {seen[col]} and {name}: give each "
                                                "covariate one role")
                seen[col] = name
        p["categorical_covariates"] = check_str_list(getattr(self, "categorical_covariates", None),
                                                     "categorical_covariates")
        p["quantiles"] = self._check_quantiles()
        p["random_state"] = check_random_state(self.random_state)
        p["accelerator"], p["devices"], p["precision"] = _check_hardware(self.accelerator, self.devices,
                                                                          self.precision)
        p["trainer_kwargs"] = _check_trainer_kwargs(self.trainer_kwargs)
        return p

    def _check_quantiles(self) -> list[float] | None:
        q = self.quantiles
        if q is None:
            return None
        if self.loss != "quantile" and self.loss not in DISTRIBUTIONS:
            raise InvalidParameterError("quantiles= is used only with loss='quantile' or a distribution loss "
                                        f"({', '.join(map(repr, DISTRIBUTIONS))})")
        if isinstance(q, numbers.Real) or isinstance(q, str | bytes) or not isinstance(
                q, list | tuple | np.ndarray | pd.Index | pd.Series) or np.ndim(q) != 1 or len(q) == 0:
            raise InvalidParameterError(f"quantiles must be a non-empty list of levels strictly between 0 and 1, "
                                        f"e.g. [0.1, 0.5, 0.9]; got {q!r}")
        levels = []
        for v in q:
            if (isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real) or not math.isfinite(v)
                    or not 0 < v < 1):
                raise InvalidParameterError(f"quantiles must lie strictly between 0 and 1, got {v!r}")
            levels.append(float(v))
        dup = sorted({v for v in levels if levels.count(v) > 1})
        if dup:
            raise InvalidParameterError(f"quantiles lists {dup} more than once")
        return sorted(levels)

    def _trainer_settings(self, n_windows: int | None = None) -> dict:
        """The Trainer arguments that come from this estimator's parameters, as plain Python values (Lightning
        refuses numpy scalars), once the accelerator asked for is known to be present. Without max_steps or
        max_epochs the number of steps follows the data (`default_max_steps`)."""
        p = self._check_params()
        _check_accelerator_present(p["accelerator"])
        if p["max_steps"] is not None:
            max_steps = p["max_steps"]
        elif p["max_epochs"]:
            max_steps = -1
        else:
            max_steps = default_max_steps(n_windows or 0, p["batch_size"])
        return dict(max_steps=max_steps, max_epochs=p["max_epochs"] if p["max_epochs"] is not None else -1,
                    gradient_clip_val=p["gradient_clip_val"], accelerator=p["accelerator"], devices=p["devices"],
                    # tsrnn draws its own bar over steps (nn.callbacks.StepProgress); Lightning's counts epochs
                    precision=auto_precision(p["accelerator"]) if p["precision"] == "auto" else p["precision"],
                    enable_progress_bar=False)

    def _cpu_threads(self) -> int:
        return 1 if self.num_threads is None else int(self.num_threads)

    @property
    def known_covariates_(self) -> tuple[str, ...]:
        """The future covariates of the fitted model: ``predict`` needs their values for the horizon."""
        check_is_fitted(self)
        return tuple(self.future_covariates or [])

    @property
    def categorical_covariates_(self) -> tuple[str, ...]:
        """The covariates the fitted network reads through embeddings (``categorical_covariates``)."""
        check_is_fitted(self)
        return tuple(getattr(self, "categorical_covariates", None) or [])

    def _used_covariates(self) -> list[str] | None:
        past, static = getattr(self, "past_covariates", None), getattr(self, "static_covariates", None)
        if past is None and static is None:
            return None  # every extra column: future covariates as named, the others past covariates
        return [*(self.future_covariates or []), *(past or []), *(static or [])]

    def _static_idx(self, panel: Panel) -> list[int]:
        """Positions in ``panel.covariates`` of the static covariates (checked to hold one value per series)."""
        names = list(getattr(self, "static_covariates", None) or [])
        if names:
            static_values(panel, names)
        return [panel.covariate_names.index(c) for c in names]

    def _min_history(self) -> int:
        return 1 + self._shift()  # _check_history then asks for window (+ 1) with a message that says why

    def _quantile_levels(self) -> list[float]:
        if self.loss != "quantile" and self.loss not in DISTRIBUTIONS:
            return []
        levels = self._check_quantiles()
        if levels is None:
            levels = list(_DISTRIBUTION_QUANTILES if self.loss in DISTRIBUTIONS else _DEFAULT_QUANTILES)
        return levels

    def _min_length(self) -> int:
        self._check_params()  # the first thing fit asks: bad parameters are reported before any data work
        if self.window is None:  # shorter series are padded; forecasting needs one value after the transform
            return max(2, 1 + self._shift())
        return check_positive_int(self.window, "window") + check_positive_int(self.horizon, "horizon") + self._shift()

    def _min_length_reason(self) -> str:
        if self.window is None:
            shift = self._shift()
            return (f"one value after the {shift} step(s) target_transform={self.target_transform!r} differences "
                    "away; shorter windows are padded" if shift > 1 else "")
        shift = f" + {self._shift()} for the differencing" if self._shift() else ""
        return (f"window={self.window} + horizon={self.horizon}{shift}; use a shorter window or drop the short "
                "series")

    # -- seasonality ------------------------------------------------------------------------------------
    def _view(self, k: int) -> RNNForecaster:
        """The unfitted network of view ``k`` of ``deseasonalize="both"``: these parameters with that view's
        deseasonalisation and (with a ``random_state``) the next seed, so the two differ beyond their data."""
        seed = self.random_state
        # The two-view model floors its combined forecast (nonnegative), not each view's.
        params = {**self.get_params(deep=False), "deseasonalize": _VIEWS[k], "nonnegative": False,
                  "random_state": None if seed is None else (int(seed) + k) % 2**32,
                  "symmetric": self._symmetric()}  # "auto" is decided once, for both views
        # Not sklearn's clone: the views share the caller's trainer_kwargs objects (callbacks such as the
        # tuner's pruning callback must see both trainings), which a deep copy would replace.
        view = type(self)(**params)
        view._view_label = f" (view {k + 1}/{len(_VIEWS)}: {'as is' if _VIEWS[k] is None else 'deseasonalised'})"
        return view

    def _fit_views(self, panel: Panel) -> None:
        """``deseasonalize="both"``: one network on the series as they are, one on the deseasonalised series
        (mode "auto"), each a full fit; forecasts are their mean (``views_`` holds the two)."""
        views = [self._view(k) for k in range(len(_VIEWS))]
        # The deseasonalised view first: its seasonal test of every training series also tells the view as is
        # where its linear path starts (`linear_init="auto"`), without testing them twice. Each view trains from
        # its own seed, so the order changes no result.
        for k in (1, 0):
            if k == 0:
                views[0]._season_profiles_hint = views[1].seasonality_["profiles"]
            views[k]._fit(panel)
            views[k].panel_, views[k].freq_, views[k].data_kwargs_ = panel, panel.freq, {}
        self._adopt_views(views)

    def _adopt_views(self, views: list) -> None:
        """The fitted attributes of a two-view model, from its views (the first one's network geometry)."""
        first = views[0]
        self.views_ = views
        for name in ("season_length_", "window_", "recurrent_window_", "feature_names_", "known_idx_",
                     "quantile_levels_", "ids_", "stats_", "net_", "categories_"):
            if hasattr(first, name):
                setattr(self, name, getattr(first, name))
        self.seasonality_ = views[1].seasonality_
        self.history_ = pd.concat([view.history_.assign(view=k) for k, view in enumerate(views)], ignore_index=True)
        self.n_train_windows_ = first.n_train_windows_  # per network: both views train on the same windows

    def _season_periods(self, freq) -> tuple[int, ...]:
        """The periods deseasonalisation tests: ``season_length`` when given, else the frequency's."""
        if self.season_length is not None:
            return (int(self.season_length),)
        return seasonal_periods_for(freq)

    def _fit_seasonality(self, panel: Panel, limit: np.ndarray) -> None:
        """Fit each training series' seasonal profile on its first ``limit[i]`` values (`seasonality_`)."""
        periods = self._season_periods(panel.freq)
        profiles = [fit_seasonality(panel.series(i)[: int(limit[i])], periods, self.deseasonalize,
                                    series=panel.ids[i]) for i in range(panel.n_series)]
        self.seasonality_ = {"ids": panel.ids, "starts": panel.starts, "profiles": profiles}

    def _deseasonalized(self, panel: Panel, limit: np.ndarray | None = None):
        """``panel`` with each series' seasonal pattern removed, and what puts it back: ``(panel, (profiles,
        offsets))``, where series ``i``'s value at position ``t`` had the factor of position ``offsets[i] + t``
        of ``profiles[i]`` removed. Series seen in training use their fitted profile, aligned by time; new
        ones get a profile from their own first ``limit[i]`` values. Without deseasonalisation: ``(panel, None)``."""
        if getattr(self, "seasonality_", None) is None:
            return panel, None
        profiles, offsets = self._profiles(panel, limit)
        values = panel.values.astype(np.float64)
        for i, profile in enumerate(profiles):
            if profile[1]:
                lo, hi = panel.offsets[i], panel.offsets[i + 1]
                factor = seasonal_factors(profile, offsets[i] + np.arange(hi - lo))
                values[lo:hi] = values[lo:hi] / factor if profile[0] else values[lo:hi] - factor
        return panel.with_values(values.astype(panel.values.dtype)), (profiles, offsets)

    def _profiles(self, panel: Panel, limit: np.ndarray | None = None, rows=None):
        """Each series' seasonal profile (`fit_seasonality`) and the position in it of the series' first value:
        the fitted one for series seen in training (aligned by time), else one fitted on the series' first
        ``limit[i]`` values. ``rows`` limits the work to those series (the others get ``None``)."""
        fitted = self.seasonality_
        position = {uid: j for j, uid in enumerate(fitted["ids"])}
        periods = self._season_periods(panel.freq)
        profiles, offsets = [None] * panel.n_series, np.zeros(panel.n_series, dtype=np.int64)
        for i in range(panel.n_series) if rows is None else np.unique(rows):
            j = position.get(panel.ids[i])
            if j is not None:
                profiles[i] = fitted["profiles"][j]
                offsets[i] = _steps_between(fitted["starts"][j], panel.starts[i], panel.freq)
            else:
                end = int(panel.lengths[i] if limit is None else limit[i])
                profiles[i] = fit_seasonality(panel.series(i)[:end], periods, self.deseasonalize,
                                              series=panel.ids[i])
        return profiles, offsets

    def _recurrent_steps(self, panel: Panel, window: int) -> int:
        """How many of the window's last steps the recurrent network reads (``recurrent_window``).

        "auto" reads the whole window, except with the automatic window on data with two seasons (below daily
        data: a week plus a day of steps, so that the linear path reaches the same hour last week, shorter only
        for short series): there the recurrence reads at most the window the shortest season alone would give,
        ``max(2 * horizon, 2 * m, 16)`` steps (two days of hourly data)."""
        value = self._check_params()["recurrent_window"]
        if value is None:
            return window
        if value != "auto":
            return min(int(value), window)
        periods = seasonal_periods_for(panel.freq)
        if self.window is not None or len(periods) < 2:
            return window
        return int(min(window, max(2 * int(self.horizon), 2 * periods[0], 16)))

    def _linear_lag(self, panel: Panel, window: int) -> int:
        """The lag the linear path starts from (`linear_init`): 1, the random walk, or a seasonal period."""
        if not self.linear_skip or self.linear_init == "naive":
            return 1
        if self.linear_init == "seasonal_naive":
            if self.season_length_ > window:
                raise InvalidParameterError(f"linear_init='seasonal_naive' repeats the last season of each window, "
                                            f"but the window ({window}) is shorter than season_length "
                                            f"({self.season_length_}); pass a window of at least that")
            return int(self.season_length_)
        # "auto": a network that sees the seasons (no deseasonalisation, no differencing) starts at the seasonal
        # naive forecast when at least half of its training series are seasonal.
        if self.deseasonalize is not None or self.target_transform not in (None, "log"):
            return 1
        profiles = getattr(self, "_season_profiles_hint", None)
        if profiles is None:  # the seasonal test of deseasonalize="auto", on the training part of each series
            limit = panel.lengths - self._validation_steps(panel.lengths - self._shift())
            periods = self._season_periods(panel.freq)
            profiles = [fit_seasonality(panel.series(i)[: int(limit[i])], periods, "auto", series=panel.ids[i])
                        for i in range(panel.n_series)]
        found = [min(index) for _, index in profiles if index]
        if not found or 2 * len(found) < len(profiles):
            return 1
        lag = int(np.bincount(found).argmax())  # the most common shortest period of the seasonal series
        return lag if lag <= window else 1

    def _combine_views(self, outputs: list[dict[str, np.ndarray]], panel: Panel, rows: np.ndarray,
                       limit: np.ndarray | None) -> dict[str, np.ndarray]:
        """``deseasonalize="both"``: the views' forecast columns (as is, deseasonalised) weighted row by row.

        Each view has weight one half, except on a seasonal series (one the deseasonalised view removes a
        pattern from) when seasonal series are a minority of the training series: there the view as is gets
        half the share of seasonal series (a quarter of them seasonal: 1/8; all of them: 1/2, the plain mean).
        A global network learns a seasonal pattern only as far as its training series share it: a network fed
        mostly series without a season forecasts the few seasonal ones poorly, and its forecast is then worth
        less than that of the network that had the pattern removed (benchmarks/RESULTS.md, "Weighting the two
        views").
        """
        fitted = [bool(profile[1]) for profile in self.seasonality_["profiles"]]
        share = float(np.mean(fitted))
        if share == 1.0:  # every training series seasonal: the plain mean
            return _mean_outputs(outputs)
        profiles, _ = self.views_[1]._profiles(panel, limit, rows)
        seasonal = np.array([bool(profiles[i][1]) for i in rows], dtype=bool)
        weight = np.where(seasonal, share / 2, 0.5)[:, None]  # of the view as is
        return {column: weight * outputs[0][column] + (1 - weight) * outputs[1][column] for column in outputs[0]}

    @staticmethod
    def _reseasonalized(outputs: dict[str, np.ndarray], season, series: np.ndarray, origins: np.ndarray):
        """Forecast columns (``[n, H]`` each, row ``r`` for series ``series[r]`` from position ``origins[r]``)
        with the seasonal pattern `_deseasonalized` removed put back."""
        if season is None:
            return outputs
        profiles, offsets = season
        # Columns may share memory (the point forecast is the median quantile's view, an interval bound is its
        # quantile's array): each gets its own copy, so that every one is multiplied exactly once.
        outputs = {column: np.array(values, dtype=np.float64, copy=True) for column, values in outputs.items()}
        series = np.asarray(series)
        steps = next(iter(outputs.values())).shape[1]
        for s in np.unique(series):
            multiplicative, index = profiles[s]
            if not index:
                continue
            rows = np.flatnonzero(series == s)
            factor = seasonal_factors(profiles[s], offsets[s] + np.asarray(origins)[rows, None] + np.arange(steps))
            for values in outputs.values():
                values[rows] = values[rows] * factor if multiplicative else values[rows] + factor
        return outputs

    # -- features ----------------------------------------------------------------------------------------
    def _shift(self) -> int:
        return transform_shift(self.target_transform, self._season_length())

    def _season_length(self) -> int:
        """The seasonal period in use: fitted (``season_length_``), else the parameter, else 1."""
        fitted = getattr(self, "season_length_", None)
        if fitted is not None:
            return int(fitted)
        return int(self.season_length) if self.season_length is not None else 1

    def _series_stats(self, panel: Panel, limit: np.ndarray | None = None, skip: np.ndarray | None = None):
        """Target (loc, scale) and covariate (loc, scale) per series of ``panel``; known series reuse the
        statistics fitted on their training data, new series get them from the history given (only its
        first ``limit[i]`` observations when ``limit`` is given, so nothing after a cutoff leaks in)."""
        known = getattr(self, "stats_", None)
        pos = {uid: i for i, uid in enumerate(self.ids_)} if known is not None else {}
        n_cov = len(panel.covariate_names)
        loc, scale = np.zeros(panel.n_series), np.ones(panel.n_series)
        cov_loc, cov_scale = np.zeros((panel.n_series, n_cov)), np.ones((panel.n_series, n_cov))
        shift = self._shift()
        for i in range(panel.n_series):
            j = pos.get(panel.ids[i])
            if j is not None:
                loc[i], scale[i] = known["loc"][j], known["scale"][j]
                cov_loc[i], cov_scale[i] = known["cov_loc"][j], known["cov_scale"][j]
                continue
            end = int(panel.lengths[i] if limit is None else limit[i])
            begin = 0 if skip is None else int(skip[i])
            if end - begin <= shift:  # a series too short for a validation tail: its statistics use all of it
                end = int(panel.lengths[i])
            z = apply_transform(panel.series(i)[begin:end], self.target_transform, series=panel.ids[i],
                                season_length=self._season_length())
            if self.scaler == "window":
                # The network normalises each window itself; dividing by the series' mean magnitude first only
                # makes its floor on a window's spread (1e-5) relative to the series, so that series of tiny
                # values (1e-9) are not flattened and huge ones keep float32 precision.
                magnitude = float(np.mean(np.abs(z))) if len(z) else 0.0
                loc[i], scale[i] = 0.0, magnitude if np.isfinite(magnitude) and magnitude > 0 else 1.0
            else:
                loc[i], scale[i] = fit_scaler(z, self.scaler)
            cov = panel.covariates_of(i)[begin + shift:end]
            for c in range(n_cov):
                cov_loc[i, c], cov_scale[i, c] = fit_scaler(cov[:, c], "standard")
        static = self._static_idx(panel)
        if static:  # one scale across series: a per-series scaler would turn every constant into 0
            if known is not None and len(known["cov_loc"]):
                s_loc, s_scale = known["cov_loc"][0, static], known["cov_scale"][0, static]
            else:
                values = panel.covariates[panel.offsets[:-1]][:, static].astype(np.float64)  # [n_series, k]
                s_loc, s_scale = values.mean(axis=0), values.std(axis=0)
                s_scale = np.where(s_scale > 0, s_scale, 1.0)
            cov_loc[:, static], cov_scale[:, static] = s_loc, s_scale
        categorical = [panel.covariate_names.index(c) for c in getattr(self, "categorical_covariates", None) or []
                       if c in panel.covariate_names]
        cov_loc[:, categorical], cov_scale[:, categorical] = 0.0, 1.0  # codes, looked up as they are
        return loc, scale, cov_loc, cov_scale

    def _categorical_columns(self, names: list[str]) -> list[tuple[int, str]]:
        """``(feature position, column name)`` of each categorical covariate among the features ``names``."""
        wanted = list(getattr(self, "categorical_covariates", None) or [])
        missing = [c for c in wanted if c not in names[1:]]
        if missing:
            raise ValueError(f"categorical_covariates {missing} are not among the covariates the model reads "
                             f"{names[1:]}: give each a role (past_covariates, future_covariates or static_covariates)")
        return [(names.index(c), c) for c in wanted]

    def _category_index(self, codes: np.ndarray, name: str) -> np.ndarray:
        """Category codes as embedding rows: 1 + the position in the training vocabulary, 0 when unseen."""
        vocab = np.asarray(self.categories_[name], dtype=np.float64)
        pos = np.searchsorted(vocab, codes).clip(0, max(len(vocab) - 1, 0))
        seen = (len(vocab) > 0) & (vocab[pos] == codes) if len(vocab) else np.zeros(len(codes), dtype=bool)
        return np.where(seen, pos + 1, 0).astype(np.float32)

    def _feature_layout(self, panel: Panel) -> tuple[list[str], list[int], list[int]]:
        """Feature column names, plus which covariate columns are past-only and which are known ahead."""
        futures = list(self.future_covariates or [])
        statics = list(getattr(self, "static_covariates", None) or [])
        named_past = getattr(self, "past_covariates", None)
        for role, names in (("future_covariates", futures), ("past_covariates", named_past or []),
                            ("static_covariates", statics)):
            missing = [c for c in names if c not in panel.covariate_names]
            if missing:
                raise ValueError(f"{role} {missing} are not columns of the data; its extra columns are "
                                 f"{list(panel.covariate_names)}")
        if named_past is None and not statics:  # no role named: every other column is a past covariate
            past = [i for i, c in enumerate(panel.covariate_names) if c not in futures]
        else:
            past = [panel.covariate_names.index(c) for c in named_past or []]
        # Static covariates are known over the window and the horizon: they sit after the future covariates.
        futures = futures + statics
        fut = [panel.covariate_names.index(c) for c in futures]
        cal = calendar_feature_names(panel.freq) if self.calendar_features else []
        names = ["y"] + [panel.covariate_names[i] for i in past] + futures + cal
        return names, past, fut

    def _features(self, panel: Panel, extra: int = 0, future=None, limit: np.ndarray | None = None,
                  skip: np.ndarray | None = None):
        """One float32 matrix ``[total, F]`` (scaled target, past covariates, future covariates, calendar) and
        its offsets. ``extra`` appends that many future rows per series (target 0, known features from
        ``future``, ``[n_series, extra, n_known]``, and the calendar) so forecasts from the end use the same
        gather as training. ``skip``: rows of padding at the start of each series (`_left_padded`), left out of
        the statistics of series not seen in training."""
        names, past, fut = self._feature_layout(panel)
        loc, scale, cov_loc, cov_scale = self._series_stats(panel, limit, skip)
        shift = self._shift()
        n_cal = len(names) - 1 - len(past) - len(fut)
        static = self._static_idx(panel)
        if extra and static:  # a static covariate's future is its value: appended to the known future values
            const = np.repeat(panel.covariates[panel.offsets[:-1]][:, None, static], extra, axis=1)  # [n, extra, k]
            future = const if future is None else np.concatenate([np.asarray(future, dtype=np.float32), const], axis=2)
        fut_values = None
        if extra and fut:
            if future is None or np.shape(future) != (panel.n_series, extra, len(fut)):
                raise ValueError(f"the future covariates {[panel.covariate_names[i] for i in fut]} are needed for "
                                 f"{extra} steps after every series")
            fut_values = np.asarray(future, dtype=np.float32)
        stamps = panel.timestamps() if n_cal else None
        future_stamps = panel.future_timestamps(extra) if (n_cal and extra) else None
        blocks, lengths = [], []
        for i in range(panel.n_series):
            z = apply_transform(panel.series(i), self.target_transform, series=panel.ids[i],
                                season_length=self._season_length())
            n = len(z)
            block = np.zeros((n + extra, len(names)), dtype=np.float32)
            block[:n, 0] = (z - loc[i]) / scale[i]
            cov = (panel.covariates_of(i)[shift:] - cov_loc[i]) / cov_scale[i]  # [n, n_cov]
            block[:n, 1 : 1 + len(past)] = cov[:, past]
            block[:n, 1 + len(past) : 1 + len(past) + len(fut)] = cov[:, fut]
            if fut_values is not None:
                block[n:, 1 + len(past) : 1 + len(past) + len(fut)] = (
                    (fut_values[i] - cov_loc[i, fut]) / cov_scale[i, fut])
            if n_cal:
                start = panel.offsets[i]
                block[:n, -n_cal:] = calendar_features(stamps[start + shift : start + shift + n], panel.freq)
                if extra:
                    block[n:, -n_cal:] = calendar_features(future_stamps[i * extra : (i + 1) * extra], panel.freq)
            blocks.append(block)
            lengths.append(n + extra)
        data = np.concatenate(blocks) if blocks else np.zeros((0, len(names)), dtype=np.float32)
        for col, name in self._categorical_columns(names):
            data[:, col] = self._category_index(data[:, col].astype(np.float64), name)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        known_idx = list(range(1 + len(past), len(names)))
        return data, offsets, known_idx, (loc, scale), names, past

    def _default_window(self, panel: Panel) -> int:
        periods = seasonal_periods_for(panel.freq)
        m = season_length_for(panel.freq)
        # Two short seasons, or the longest season plus one short one (hourly: a week and a day, 192 steps),
        # so the linear path can reach the same hour last week: measured on half-hourly electricity demand,
        # the week-long window cut the error by a third (benchmarks/RESULTS.md).
        wanted = max(2 * self.horizon, 2 * m if m > 1 else 0, periods[-1] + m if len(periods) > 1 else 0, 16)
        # The window fits nine series in ten: a few short series do not shrink it for all (they are padded at
        # their start, `_left_padded`). Leave room for at least half as many training windows as it is long,
        # but look back at least `horizon` steps: shorter windows of short series are padded instead.
        reached = int(np.sort(panel.lengths)[panel.n_series // 10])  # the length nine series in ten reach
        shortest = reached - self._shift() - self.horizon
        return int(max(1, min(wanted, max(self.horizon, shortest // 2, min(m, shortest)))))

    def _left_padded(self, panel: Panel, need) -> tuple[Panel, np.ndarray]:
        """``panel`` with every series shorter than ``need`` (an int or one per series) extended back in time to
        ``need`` observations by repeating its first value and covariates (marked as filled in where the panel
        marks such values), and the number of rows added per series. Only the automatic window pads: a series
        shorter than it still trains (when it has more than ``horizon`` observations) and is forecast, as in
        neuralforecast's start padding; the padded rows never count in its scaling statistics."""
        import dataclasses

        lengths = panel.lengths
        pads = np.maximum(0, np.broadcast_to(np.asarray(need, dtype=np.int64), lengths.shape) - lengths)
        if not pads.any():
            return panel, pads
        first = panel.offsets[:-1]
        rows = np.concatenate([np.concatenate([np.full(p, o), np.arange(o, o + n)])
                               for p, o, n in zip(pads, first, lengths, strict=True)]).astype(np.int64)
        new_lengths = lengths + pads
        offsets = np.concatenate([[0], np.cumsum(new_lengths)]).astype(np.int64)
        missing = None
        if panel.missing is not None:
            missing = panel.missing[rows].copy()
            padded = np.concatenate([np.arange(p) + offsets[i] for i, p in enumerate(pads)]).astype(np.int64)
            missing[padded] = True
        starts = pd.DatetimeIndex([s - int(p) * panel.freq if p else s for s, p in zip(panel.starts, pads)])
        return dataclasses.replace(panel, values=panel.values[rows], offsets=offsets, starts=starts,
                                   covariates=panel.covariates[rows], missing=missing), pads

    # -- training ----------------------------------------------------------------------------------------
    @_keeps_global_random_state
    def _fit(self, panel: Panel) -> None:
        import lightning.pytorch as pl
        import torch

        from ..nn.networks import MedianEnsemble
        from .io import check_savable

        self.symmetric_, self.symmetric_selection_ = self._choose_symmetric(panel, self._check_params())
        if self.deseasonalize == "both":
            return self._fit_views(panel)
        try:  # say so before a long training, not when save() fails after it
            check_savable(panel)
        except ValueError as err:
            warnings.warn(f"this model will train and forecast but cannot be saved: {err}", UserWarning,
                          stacklevel=3)
        horizon = self.horizon
        self.season_length_ = (check_positive_int(self.season_length, "season_length")
                               if self.season_length is not None else season_length_for(panel.freq))
        self.seasonality_ = None
        if self.deseasonalize is not None:  # fitted on the training part only: the validation tail stays unseen
            self._fit_seasonality(panel, panel.lengths - self._validation_steps(panel.lengths - self._shift()))
            panel = self._deseasonalized(panel)[0]
        window = int(self.window) if self.window is not None else self._default_window(panel)
        self.linear_lag_ = self._linear_lag(panel, window)
        self.recurrent_window_ = self._recurrent_steps(panel, window)
        shift = self._shift()
        lengths = panel.lengths - shift
        short = np.flatnonzero(lengths < window + horizon)
        if len(short) and self.window is None:  # padded below, after the statistics of the unpadded data
            short = short[:0]
        if len(short):
            i = short[0]
            raise ValueError(f"series {panel.ids[i]!r} has {panel.lengths[i]} observations, but window={window} + "
                             f"horizon={horizon}{f' + {shift} (for the differencing)' if shift else ''} need "
                             f"{window + horizon + shift}; use a shorter window or drop short series")
        self.ids_ = panel.ids
        self.stats_ = None
        names, past, fut = self._feature_layout(panel)
        if past and hasattr(self, "past_covariates") and self.past_covariates is None and not self.static_covariates:
            warnings.warn(f"{type(self).__name__} reads column(s) {[panel.covariate_names[i] for i in past]} as past "
                          "covariates (no role named: every column not in future_covariates is one); name the ones "
                          "you mean with past_covariates=[...], or pass past_covariates=[] to use none",
                          UserWarning, stacklevel=3)
        if self.strategy == "recursive" and past:
            raise ValueError(
                f"strategy='recursive' feeds its own predictions back, so it cannot use past covariates "
                f"{[panel.covariate_names[i] for i in past]}: list them in future_covariates if they are known "
                "ahead, drop them from the frame, or use strategy='direct' or 'seq2seq'")
        n_val = self._validation_steps(lengths)
        # Scalers see only the training part: the validation tail that picks the weights stays unseen.
        loc, scale, cov_loc, cov_scale = self._series_stats(panel, limit=panel.lengths - n_val)
        self.stats_ = {"loc": loc, "scale": scale, "cov_loc": cov_loc, "cov_scale": cov_scale}
        self.categories_ = {}  # the categories seen in training, per categorical covariate (their codes)
        for _, name in self._categorical_columns(names):
            codes = panel.covariates[:, panel.covariate_names.index(name)].astype(np.float64)
            self.categories_[name] = np.unique(codes[np.isfinite(codes)])
        if self.window is None:
            # Series shorter than window + horizon get windows that start before them: at least one real input
            # step each (so no series of `horizon` observations or fewer trains; it is still forecast).
            need = np.where(lengths > horizon, window + horizon, window) + shift
            panel, _ = self._left_padded(panel, need)
            lengths = panel.lengths - shift
        data, offsets, known_idx, _, names, _ = self._features(panel)

        s, t = window_origins(lengths, window, horizon, last=lengths - horizon - n_val)
        if len(s) == 0:
            raise ValueError(f"no training window is left after holding out {n_val.max()} validation steps; "
                             "lower validation_size or window")
        train_starts = torch.as_tensor(offsets[s] + t - window)  # [n_windows] row where each input begins
        del s, t  # on big panels these index arrays are the largest things alive during training
        val_starts = None
        if n_val.max() > 0:
            vs, vt = window_origins(lengths, window, horizon)
            keep = vt > (lengths - horizon - n_val)[vs]
            val_starts = torch.as_tensor(offsets[vs[keep]] + vt[keep] - window)
            del vs, vt, keep

        seed = self.random_state if self.random_state is not None else np.random.SeedSequence().entropy % 2**31
        seed = int(seed)
        quantiles = self._quantile_levels()
        members, histories, states = [], [], []
        for k in range(int(self.n_models)):
            # Members differ only in their seed (initialisation and batch order); the median of their forecasts
            # averages out the luck of one initialisation. seed_everything seeds the global generators
            # (initialisation, dropout); _fit gives the caller's states back afterwards.
            pl.seed_everything((seed + k) % 2**32, workers=False, verbose=False)
            net = self._build_net(len(names), known_idx, window, quantiles, names)
            module = self._train_member(net, data, train_starts, val_starts, window, known_idx, quantiles, seed + k)
            states.append(module.optimizer_state)
            members.append(module.net.to("cpu").float().eval())
            histories.append(pd.DataFrame(module.history, columns=["step", "train_loss", "grad_norm", "val_loss"])
                             .assign(member=k))
        self.window_ = window
        self.net_ = members[0] if len(members) == 1 else MedianEnsemble(members).eval()
        self.optimizer_states_ = states  # Adam's state after training, per member: update() resumes from it
        self.feature_names_ = names
        self.known_idx_ = known_idx
        self.quantile_levels_ = quantiles
        history = pd.concat(histories, ignore_index=True)
        self.history_ = history if len(members) > 1 else history.drop(columns="member")
        self.n_train_windows_ = int(len(train_starts))

    @_keeps_global_random_state
    def update(self, df, steps: int | None = None):
        """Continue training the fitted network on ``df`` from its current weights; returns ``self``.

        ``df`` is new data in the layout of ``fit`` (same columns and frequency): typically the training
        data extended by the days since, or only the recent part of it. Every series needs ``window + horizon``
        observations. The network trains ``steps`` more optimiser steps (None: `default_max_steps` for the
        windows of ``df``) on every window of ``df``; series seen in ``fit`` keep their scaling statistics,
        new series get theirs from ``df``. Afterwards ``predict()`` forecasts from the end of ``df``, and
        ``history_`` gains the new steps.

        Training resumes where it stopped: the weights and the optimiser's state (Adam's moment estimates and
        step count, kept in memory as ``optimizer_states_``; a model loaded from a folder starts Adam afresh).
        Like a fit, the update ends with the mean of the weights over the last ``weight_averaging`` of its steps.

        Trade-offs: an update costs ``steps`` steps instead of a full fit, and the model keeps what it learnt
        before; but no validation tail is held out (so no early stopping or best-weight restore), and many
        updates on recent data only can drift away from older patterns: refit from scratch now and then, and
        backtest both. To forecast from new history without any training, use ``predict(df=...)``.

        Example
        -------
        >>> import numpy as np, pandas as pd
        >>> idx = pd.date_range("2020-01-01", periods=80, freq="D")
        >>> y = pd.Series(np.sin(np.arange(80) / 3.0) + 2, index=idx, name="s")
        >>> m = RNNForecaster(horizon=2, window=8, hidden_size=4, max_steps=3, progress=False, random_state=0)
        >>> m = m.fit(y[:60]).update(y, steps=2)
        >>> m.predict()["ds"].dt.strftime("%Y-%m-%d").tolist(), len(m.history_)  # 3 + 2 steps, in each of two views
        (['2020-03-21', '2020-03-22'], 10)
        """
        import lightning.pytorch as pl
        import torch

        from ..nn.networks import MedianEnsemble

        check_is_fitted(self)
        steps = None if steps is None else check_int(steps, "steps", low=1)
        if getattr(self, "views_", None):  # deseasonalize="both": each view continues its own training
            for view in self.views_:
                view.data_kwargs_ = self.data_kwargs_
                view.update(df, steps=steps)
            self._adopt_views(self.views_)
            self.panel_ = self.views_[0].panel_
            return self
        panel = self._history(df)
        window, horizon, shift = self.window_, int(self.horizon), self._shift()
        lengths = panel.lengths - shift
        short = np.flatnonzero(lengths < window + horizon)
        if self.window is None:  # the automatic window pads short series, as fit does
            short = short[:0]
        if len(short):
            i = short[0]
            raise ValueError(f"series {panel.ids[i]!r} has {panel.lengths[i]} observations; update trains on whole "
                             f"windows and needs window={window} + horizon={horizon}"
                             f"{f' + {shift}' if shift else ''} (predict(df=...) forecasts from less)")
        self._check_history(panel)
        original, (panel, season) = panel, self._deseasonalized(panel)
        # Statistics: kept for known series, new series get theirs (and become known to the model).
        loc, scale, cov_loc, cov_scale = self._series_stats(panel)
        known = {uid for uid in self.ids_}
        new = [i for i, uid in enumerate(panel.ids) if uid not in known]
        padded, pads = panel, None
        if self.window is None:
            padded, pads = self._left_padded(panel, np.where(lengths > horizon, window + horizon, window) + shift)
            lengths = padded.lengths - shift
        data, offsets, known_idx, _, _, _ = self._features(padded, skip=pads)
        s, t = window_origins(lengths, window, horizon)
        if len(s) == 0:
            raise ValueError(f"no series of the data has more than horizon={horizon} observations"
                             f"{f' after the {shift} the differencing takes' if shift else ''}: nothing to train on")
        train_starts = torch.as_tensor(offsets[s] + t - window)
        if steps is None:
            steps = default_max_steps(len(train_starts), int(self.batch_size))
        seed = int(self.random_state if self.random_state is not None else np.random.SeedSequence().entropy % 2**31)
        seed += int(self.history_["step"].max()) + 1 if len(self.history_) else 0  # not the fit's batch order again
        members = list(self.net_.members) if isinstance(self.net_, MedianEnsemble) else [self.net_]
        trained, histories, resumed = [], [], []
        done = int(self.history_["step"].max()) + 1 if len(self.history_) else 0
        for k, net in enumerate(members):
            pl.seed_everything((seed + k) % 2**32, workers=False, verbose=False)
            states = getattr(self, "optimizer_states_", None)  # absent after loading: Adam starts afresh
            module = self._train_member(net.train(), data, train_starts, None, window, known_idx,
                                        self.quantile_levels_, seed + k, steps=steps,
                                        optimizer_state=states[k] if states else None)
            resumed.append(module.optimizer_state)
            trained.append(module.net.to("cpu").float().eval())
            part = pd.DataFrame(module.history, columns=["step", "train_loss", "grad_norm", "val_loss"])
            part["step"] += done
            histories.append(part.assign(member=k) if len(members) > 1 else part)
        self.net_ = trained[0] if len(trained) == 1 else MedianEnsemble(trained).eval()
        self.optimizer_states_ = resumed
        self.history_ = pd.concat([self.history_, *histories], ignore_index=True)
        if new:
            self.ids_ = np.concatenate([self.ids_, panel.ids[new]])
            self.stats_ = {"loc": np.concatenate([self.stats_["loc"], loc[new]]),
                           "scale": np.concatenate([self.stats_["scale"], scale[new]]),
                           "cov_loc": np.concatenate([self.stats_["cov_loc"], cov_loc[new]]),
                           "cov_scale": np.concatenate([self.stats_["cov_scale"], cov_scale[new]])}
            if season is not None:  # and the seasonal profiles fitted on their data
                fitted = self.seasonality_
                self.seasonality_ = {"ids": np.concatenate([fitted["ids"], panel.ids[new]]),
                                     "starts": fitted["starts"].append(panel.starts[new]),
                                     "profiles": [*fitted["profiles"], *(season[0][i] for i in new)]}
        self.panel_ = original
        self.n_train_windows_ = int(len(train_starts))
        return self

    def _network_config(self, n_features: int, known_idx: list[int], window: int,
                        quantiles: list[float]) -> NetworkConfig:
        """The architecture these parameters describe, as plain values (see `tsrnn.nn.config.NetworkConfig`)."""
        n_outputs = max(1, len(quantiles))
        feedback = quantiles.index(0.5) if 0.5 in quantiles else n_outputs // 2
        if self.loss in DISTRIBUTIONS:  # the outputs are the distribution's parameters; the location feeds back
            n_outputs, feedback = DISTRIBUTIONS[self.loss], 0
        steps = int(getattr(self, "recurrent_window_", window))
        return NetworkConfig(cell=self.cell, strategy=self.strategy, n_features=n_features,
                             known_idx=tuple(known_idx), hidden_size=int(self.hidden_size),
                             num_layers=int(self.num_layers), dropout=float(self.dropout), horizon=int(self.horizon),
                             n_outputs=n_outputs, window_norm=self.scaler == "window", feedback_index=feedback,
                             linear_skip=bool(self.linear_skip), window=int(window),
                             window_stats=bool(self.window_stats), mirror=self._mirror(n_features, quantiles),
                             skip_lag=int(getattr(self, "linear_lag_", 1)) if self.linear_skip else 1,
                             recurrent_window=steps if steps < window else None)

    def _symmetric(self) -> bool:
        """Whether the network is mirror-symmetric: ``symmetric`` itself, or with "auto" the fitted choice."""
        value = self._check_params()["symmetric"]
        return bool(getattr(self, "symmetric_", False)) if value == "auto" else value

    def _symmetric_cheap(self, panel: Panel, p: dict) -> bool:
        """Whether ``symmetric="auto"`` may decide on ``panel``: two or more series, the automatic training budget,
        the target alone as input (so a symmetric network can work), every series long enough to hold out a
        horizon and still train, and so few windows that the three fits cost no more steps than one at the cap."""
        if panel.n_series < 2 or p["max_steps"] is not None or p["max_epochs"] is not None or p["early_stopping"]:
            return False
        if p["validation_size"] or len(self._feature_layout(panel)[0]) > 1:
            return False
        # One process on one device: a multi-device (DDP) fit is left to the parameter, not run three times over.
        kwargs, devices = p["trainer_kwargs"] or {}, p["devices"]
        if kwargs.get("strategy") is not None or kwargs.get("num_nodes", 1) != 1:
            return False
        if (isinstance(devices, int) and devices > 1) or (isinstance(devices, list | tuple) and len(devices) > 1):
            return False
        if devices in (-1, "auto") and p["accelerator"] != "cpu":
            import torch

            if torch.cuda.device_count() > 1:
                return False
        if self.loss == "quantile" and not paired_quantiles(self._quantile_levels()):
            return False
        window = int(self.window) if self.window is not None else self._default_window(panel)
        lengths = panel.lengths - self.horizon - self._shift()  # what the validation fits train on
        if (lengths < window + self.horizon).any():
            return False
        n_windows = int(np.sum(lengths - window - self.horizon + 1))
        return 3 * default_max_steps(n_windows, int(self.batch_size)) <= _STEP_CAP

    def _choose_symmetric(self, panel: Panel, p: dict) -> tuple[bool, dict | None]:
        """``symmetric``'s value for this fit, and with "auto" the record of the choice (None where none was made).

        The last ``horizon`` steps of every series are held out; a plain and a symmetric network (this model's
        parameters otherwise, the same seed) are fitted on the rest and forecast them; each series' MASE (scaled
        by its in-sample seasonal naive error, or the naive one when the series holds under two seasons) is
        compared by a one-sided paired t-test. Series whose scale is zero drop out of the comparison. ``p`` is
        `_check_params`'s output."""
        from scipy.stats import ttest_rel

        if p["symmetric"] != "auto":
            return p["symmetric"], None
        if not self._symmetric_cheap(panel, p):
            return False, None
        horizon = int(self.horizon)
        n = panel.n_series
        cut = panel.lengths - horizon
        part = panel.slice(np.zeros(n, dtype=np.int64), cut)
        season = (check_positive_int(self.season_length, "season_length") if self.season_length is not None
                  else season_length_for(panel.freq))
        scores = {}
        for flag in (False, True):
            model = type(self)(**{**self.get_params(deep=False), "symmetric": flag, "progress": False})
            model.fit(part)
            forecast = model.forecast_at(panel, np.arange(n), cut, horizon=horizon)[POINT]
            # A zero scale (a constant training part) makes the MASE infinite or NaN: such series drop out below.
            scores[flag] = np.array([mase(panel.series(i)[cut[i]:], forecast[i], part.series(i),
                                          season if part.lengths[i] > 2 * season else 1) for i in range(n)])
        keep = np.isfinite(scores[False]) & np.isfinite(scores[True])
        plain, mirrored = scores[False][keep], scores[True][keep]
        p_value = 1.0
        if keep.sum() >= 2 and np.any(plain != mirrored):
            p_value = float(ttest_rel(mirrored, plain, alternative="less").pvalue)
            p_value = 1.0 if not np.isfinite(p_value) else p_value
        record = {"p_value": p_value, "mase_plain": float(np.mean(plain)) if keep.any() else None,
                  "mase_symmetric": float(np.mean(mirrored)) if keep.any() else None,
                  "n_series": int(keep.sum()), "held_out": horizon}
        return p_value < _SYMMETRIC_TEST_LEVEL, record

    def _mirror(self, n_features: int, quantiles: list[float]) -> str | None:
        """How the network maps a mirrored window's outputs back (`tsrnn.nn.config.MIRRORS`): None unless
        ``symmetric``, which needs the target alone as input and quantiles symmetric about the median."""
        if not self._symmetric():
            return None
        if n_features > 1:
            raise InvalidParameterError(
                "symmetric=True mirrors the target but not the covariates, so the network could not learn what a "
                "covariate or calendar feature does (a promotion lifts sales whichever way the series moves); pass "
                "symmetric=False with covariates or calendar_features=True")
        if self.loss in DISTRIBUTIONS:
            return "location"
        if not paired_quantiles(quantiles):
            raise InvalidParameterError(
                f"symmetric=True needs quantiles symmetric about the median (each q with 1 - q, as 0.1, 0.5, 0.9), "
                f"got {list(quantiles)}: the mirrored window's q-quantile is the (1 - q)-quantile of the series. "
                "Add the missing levels or pass symmetric=False")
        return "reverse"

    def _build_net(self, n_features: int, known_idx: list[int], window: int, quantiles: list[float],
                   names: list[str] | None = None):
        """The untrained network these parameters describe: the one place a network is built."""
        from ..nn.networks import ForecastNet

        categorical = self._categorical_columns(names) if names is not None else []
        try:
            if not categorical:
                return ForecastNet.from_config(self._network_config(n_features, known_idx, window, quantiles))
            from ..nn.embedding import EmbeddedNet, embedded_layout, embedding_dim

            # The network sees each categorical column as its embedding: built for the widened layout.
            columns = [c for c, _ in categorical]
            cardinalities = [len(self.categories_[name]) for _, name in categorical]
            wide, wide_known = embedded_layout(n_features, known_idx, columns,
                                               [embedding_dim(n) for n in cardinalities])
            inner = ForecastNet.from_config(self._network_config(wide, wide_known, window, quantiles))
            return EmbeddedNet(inner, known_idx, columns, cardinalities)
        except (RuntimeError, MemoryError) as err:  # torch cannot allocate the weights asked for
            raise InvalidParameterError(
                f"a network of hidden_size={self.hidden_size}, num_layers={self.num_layers} and window={window} "
                f"cannot be built on this machine ({type(err).__name__}: {str(err)[:200]}); use a smaller "
                "hidden_size, num_layers or window") from None

    def _train_member(self, net, data, train_starts, val_starts, window, known_idx, quantiles, seed, steps=None,
                      optimizer_state=None):
        """Train one network with Lightning; returns the trained ``ForecastModule`` (its history included, and
        its optimiser's final state as ``optimizer_state``, on the CPU). ``steps`` overrides the number of
        optimiser steps the parameters give, ``optimizer_state`` resumes an earlier run's optimiser (`update`)."""
        import lightning.pytorch as pl
        import torch

        from ..nn.datamodule import WindowDataModule
        from ..nn.module import ForecastModule, KeepBestWeights

        horizon = int(self.horizon)
        module = ForecastModule(net, self.loss, quantiles or None, float(self.learning_rate))
        dm = WindowDataModule(torch.as_tensor(data), train_starts, val_starts, window, horizon, known_idx,
                              int(self.batch_size), seed)
        callbacks = []
        if val_starts is not None:
            callbacks.append(KeepBestWeights())
            if self.early_stopping:
                patience = 5 if self.early_stopping is True else check_positive_int(self.early_stopping,
                                                                                    "early_stopping")
                callbacks.append(pl.callbacks.EarlyStopping("val_loss", patience=patience, mode="min"))
        from ..nn.callbacks import ReleaseProcessGroup, ResumeOptimizer

        callbacks.append(ReleaseProcessGroup())
        averaging = self._check_params()["weight_averaging"]
        if averaging > 0 and val_starts is None:  # with validation windows the best-scoring weights are kept
            from ..nn.callbacks import AverageWeights

            callbacks.append(AverageWeights(averaging))
        if optimizer_state is not None:
            callbacks.append(ResumeOptimizer(optimizer_state))
        settings = self._trainer_settings(len(train_starts))  # max_steps, max_epochs, clipping, hardware
        if steps is not None:
            settings.update(max_steps=int(steps), max_epochs=-1)
        if self.progress:
            from ..nn.callbacks import StepProgress

            per_epoch = int(np.ceil(len(train_starts) / int(self.batch_size)))
            total = settings["max_steps"] if settings["max_steps"] > 0 else settings["max_epochs"] * per_epoch
            label = f"{type(self).__name__} fit{getattr(self, '_view_label', '')}"
            callbacks.append(StepProgress(total, label=label))
        kwargs = dict(
            **settings,
            enable_model_summary=False,
            enable_checkpointing=False,
            logger=False,
            callbacks=callbacks,
            num_sanity_val_steps=0,
            deterministic=False,
        )
        if val_starts is not None:
            steps_per_epoch = int(np.ceil(len(train_starts) / self.batch_size))
            kwargs.update(check_val_every_n_epoch=None,
                          val_check_interval=max(1, min(50, steps_per_epoch)))
        else:
            kwargs.update(limit_val_batches=0)
        extra = dict(self.trainer_kwargs or {})
        more = extra.pop("callbacks", None) or []
        # Added to, not replacing, our callbacks: a user's (or the tuner's pruning) callback must not switch
        # off the best-weight restore and early stopping.
        kwargs["callbacks"] = callbacks + (list(more) if isinstance(more, list | tuple) else [more])
        kwargs.update(extra)
        with _quiet_lightning(), torch_threads(self._cpu_threads()):
            trainer = _make_trainer(kwargs)
            try:
                trainer.fit(module, datamodule=dm)
            except (ZeroDivisionError, AttributeError, TypeError) as err:
                if not self.trainer_kwargs:
                    raise
                # Lightning checks few of its arguments up front; a bad one often fails deep inside fit.
                raise InvalidParameterError(
                    f"training failed with the settings in trainer_kwargs={self.trainer_kwargs!r} "
                    f"({type(err).__name__}: {err}); check them against lightning.pytorch.Trainer") from err
            _check_trained(module, data, train_starts, window, horizon, known_idx)
        state = trainer.optimizers[0].state_dict() if trainer.optimizers else None
        module.optimizer_state = None if state is None else {  # a CPU copy: update() resumes from it
            "state": {k: {name: v.detach().to("cpu", copy=True) if isinstance(v, torch.Tensor) else v
                          for name, v in entry.items()} for k, entry in state["state"].items()},
            "param_groups": [dict(group) for group in state["param_groups"]]}
        return module

    def _validation_steps(self, lengths: np.ndarray) -> np.ndarray:
        size = self.validation_size
        if size is None:
            size = self.horizon if self.early_stopping else 0
        if isinstance(size, numbers.Integral) and not isinstance(size, bool) and size >= 0:
            return np.full(len(lengths), int(size), dtype=np.int64)
        if isinstance(size, numbers.Real) and 0 < size < 1:
            return np.ceil(lengths * size).astype(np.int64)
        raise ValueError(f"validation_size must be a non-negative int (steps) or a fraction in (0, 1), got {size!r}")

    # -- prediction ----------------------------------------------------------------------------------------
    def _forward(self, data: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Network outputs in per-series scaled units for windows starting at rows ``starts``: ``[n, H, Q]``."""
        import torch

        from ..nn.distributions import distribution_quantiles
        from ..nn.gather import gather_batch

        data_t = torch.as_tensor(data)
        known = torch.as_tensor(self.known_idx_, dtype=torch.long)
        outs = []
        with torch.inference_mode(), torch_threads(self._cpu_threads()):
            for lo in range(0, len(starts), _PREDICT_CHUNK):
                chunk = torch.as_tensor(starts[lo : lo + _PREDICT_CHUNK])
                past, fut, _ = gather_batch(data_t, chunk, self.window_, self.horizon, known)
                out, loc, scale = self.net_(past, fut)  # [n, H, Q], [n, 1, 1]
                if self.loss in DISTRIBUTIONS:  # [n, H, P] parameters -> [n, H, Q] quantiles, in the net's units
                    values = distribution_quantiles(self.loss, out.numpy(), self.quantile_levels_)
                    outs.append(values * scale.numpy() + loc.numpy())
                else:
                    outs.append((out * scale + loc).numpy())
        return np.concatenate(outs) if outs else np.zeros((0, self.horizon, max(1, len(self.quantile_levels_))))

    def _to_levels(self, out: np.ndarray, series: np.ndarray, last_level: np.ndarray, stats) -> np.ndarray:
        loc, scale = stats
        z = out * scale[series, None, None] + loc[series, None, None]  # [n, H, Q] in transformed units
        z = np.sort(z, axis=-1)  # quantiles never cross
        with np.errstate(over="ignore", invalid="ignore"):
            levels = np.stack([invert_transform(z[..., k], self.target_transform, last_level,
                                                self._season_length()) for k in range(z.shape[-1])], axis=-1)
        bad = ~np.isfinite(levels).all(axis=(1, 2))
        if bad.any():  # never hand back NaN or inf as if it were a forecast
            first = int(np.asarray(series)[np.flatnonzero(bad)[0]])
            raise ValueError(f"the model's forecast for series number {first} (counting from 0, in the order of "
                             "the history) is not finite (NaN or inf): "
                             "its weights or statistics overflow on this history; refit the model, and check "
                             "the history for values far outside the training data")
        return levels

    def _outputs(self, levels: np.ndarray, horizon: int, intervals: list[float] | None = None) -> dict[str, np.ndarray]:
        """The forecast columns from ``levels`` ``[n, H, Q]``: the point forecast, the quantiles, and the
        central intervals asked for, bounded by the quantiles (``level=80`` from q10 and q90)."""
        qs = self.quantile_levels_
        if not qs:
            return {POINT: levels[:, :horizon, 0]}
        median = qs.index(0.5) if 0.5 in qs else None
        point = levels[:, :horizon, median] if median is not None else levels[:, :horizon].mean(axis=-1)
        out = {POINT: point}
        for k, q in enumerate(qs):
            out[quantile_column(q)] = levels[:, :horizon, k]
        for lv in intervals or []:  # check_level made sure the bounding quantiles were trained
            for side, q in zip(("lo", "hi"), level_quantiles(lv), strict=True):
                out[interval_column(side, lv)] = out[quantile_column(q)]
        return out

    def _check_levels_supported(self, levels: list[float]) -> None:
        qs = self.quantile_levels_ if hasattr(self, "quantile_levels_") else self._quantile_levels()
        name = type(self).__name__
        if not qs:
            raise ValueError(f"{name} does not produce prediction intervals with loss={self.loss!r} (point "
                             f"forecasts only); for level={[f'{lv:g}' for lv in levels]} train it with "
                             "loss='quantile' and quantiles that bound each interval, e.g. quantiles=(0.1, 0.5, 0.9) "
                             "for level=80, or with a distribution head, loss='normal' or 'student_t'; or wrap it "
                             "for calibrated intervals from its own backtest errors: "
                             f"ConformalIntervals({name}(...)); or drop level=")
        trained = {round(q, 9) for q in qs}
        bounded = [f"{100 - 200 * q:g}" for q in qs if q < 0.5 and round(1 - q, 9) in trained]
        for lv in levels:
            needed = level_quantiles(lv)
            missing = [f"{q:g}" for q in needed if round(q, 9) not in trained]
            if missing:
                raise ValueError(f"{name} answers level={lv:g} from its quantiles {needed[0]:g} and {needed[1]:g}, "
                                 f"but it was trained for the quantiles {[f'{q:g}' for q in qs]}: add {missing} to "
                                 f"quantiles=, or ask for a level its quantiles bound ({bounded or 'none'})")

    def _tags(self) -> ForecasterTags:
        quantile = self.loss == "quantile" or self.loss in DISTRIBUTIONS
        return ForecasterTags(intervals=quantile, quantiles=quantile, known_covariates=bool(self.future_covariates),
                              batch_origins=True, needs_torch=True,
                              validation_loss=bool(self.validation_size) or bool(self.early_stopping))

    def _future_span(self, horizon: int) -> int:
        return int(self.horizon)  # the network reads its whole horizon of known features, whatever is kept

    @classmethod
    def get_test_params(cls) -> list[dict]:
        tiny = dict(hidden_size=4, window=6, horizon=3, max_steps=3, batch_size=16, progress=False,
                    accelerator="cpu")
        return [tiny, {**tiny, "cell": "gru", "strategy": "seq2seq", "loss": "quantile"},
                {**tiny, "future_covariates": ["promo"], "calendar_features": True},
                {**tiny, "deseasonalize": "both", "season_length": 4, "loss": "quantile"}]

    def with_training_callbacks(self, callbacks: list) -> RNNForecaster:
        """An unfitted copy whose training also runs ``callbacks`` (Lightning callbacks, added to those of
        ``trainer_kwargs``), e.g. the tuner's `tsrnn.tuning.PruningCallback`.

        Example
        -------
        >>> import lightning.pytorch as pl
        >>> model = RNNForecaster(horizon=2).with_training_callbacks([pl.Callback()])
        >>> len(model.trainer_kwargs["callbacks"])
        1
        """
        from sklearn.base import clone

        extra = dict(self.trainer_kwargs or {})
        extra["callbacks"] = [*(extra.get("callbacks") or []), *callbacks]
        return clone(self).set_params(trainer_kwargs=extra)

    def _predict(self, panel: Panel, horizon: int, future, levels) -> dict[str, np.ndarray]:
        if horizon > self.horizon:
            raise ValueError(f"the model was trained for horizon={self.horizon}; it cannot forecast {horizon} steps. "
                             f"Refit with horizon={horizon}")
        if getattr(self, "views_", None):
            for view in self.views_:  # fit sets the data layout on the parent after _fit: the views share it
                view.data_kwargs_ = self.data_kwargs_
            outputs = [view._predict(panel, horizon, future, levels) for view in self.views_]
            combined = self._combine_views(outputs, panel, np.arange(panel.n_series), None)
            return self._floored(combined, panel, np.arange(panel.n_series), panel.lengths)
        self._check_history(panel)
        given = panel
        panel, season = self._deseasonalized(panel)
        padded, pads = (panel, None) if self.window is not None else self._left_padded(panel, self.window_ +
                                                                                     self._shift())
        data, offsets, _, stats, _, _ = self._features(padded, extra=self.horizon, future=future, skip=pads)
        lengths = np.diff(offsets) - self.horizon
        rows = np.arange(panel.n_series)
        out = self._forward(data, offsets[:-1] + lengths - self.window_)
        k = max(1, self._shift())  # the levels that invert the target transform
        last = np.stack([panel.series(i)[-k:] for i in rows]).astype(np.float64)  # [n_series, k]
        outputs = self._outputs(self._to_levels(out, rows, last, stats), horizon, levels)
        return self._floored(self._reseasonalized(outputs, season, rows, panel.lengths), given, rows, given.lengths)

    def _check_history(self, panel: Panel) -> None:
        names, _, _ = self._feature_layout(panel)
        if names != self.feature_names_:
            raise ValueError(f"the data has features {names[1:]} but the model was fitted with {self.feature_names_[1:]}")
        need = self.window_ + self._shift() if self.window is not None else 1 + self._shift()  # else: padded
        short = np.flatnonzero(panel.lengths < need)
        if len(short):
            i = short[0]
            raise ValueError(f"series {panel.ids[i]!r} has {panel.lengths[i]} observations; the model needs at "
                             f"least {need} (its window) to forecast")

    def _predict_at(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int, future,
                    levels=None) -> dict[str, np.ndarray]:
        """Every (series, cutoff) pair in a few batched forward passes (`forecast_at` is the public entry).

        The horizon's calendar features are generated. Series not seen in training are scaled with statistics
        of their data before their earliest cutoff. With known covariates (``future`` given) the pairs go
        round by round through ``_predict``, each round one batched pass over cut series.
        """
        if horizon > self.horizon:
            raise ValueError(f"the model was trained for horizon={self.horizon}, not {horizon}")
        if getattr(self, "views_", None):
            limit = panel.lengths.copy()  # a new series' seasonality is tested on its data before the cutoff
            np.minimum.at(limit, series, cutoffs)
            outputs = [view._predict_at(panel, series, cutoffs, horizon, future, levels) for view in self.views_]
            return self._floored(self._combine_views(outputs, panel, np.asarray(series), limit), panel, series,
                                 cutoffs)
        if future is not None:
            return super()._predict_at(panel, series, cutoffs, horizon, future, levels)
        self._check_history(panel)
        shift = self._shift()
        short = cutoffs - shift < self.window_
        if self.window is None and short.any():  # histories shorter than the window: padded, by `_predict`
            out = {}
            for part, predict_at in ((~short, self._predict_at), (short, super()._predict_at)):
                if part.any():
                    one = predict_at(panel, series[part], cutoffs[part], horizon, None, levels)
                    for name, values in one.items():
                        out.setdefault(name, np.full((len(series), horizon), np.nan))[part] = values
            return out
        if np.any(cutoffs - shift < self.window_):
            raise ValueError(f"every cutoff needs {self.window_ + shift} observations before it inside the series")
        limit = panel.lengths.copy()
        np.minimum.at(limit, series, cutoffs)
        given = panel
        panel, season = self._deseasonalized(panel, limit)
        # Rows past the end (zeros plus calendar) let any cutoff use the one gather.
        data, offsets, _, stats, _, _ = self._features(panel, extra=self.horizon, limit=limit)
        out = self._forward(data, offsets[series] + cutoffs - shift - self.window_)
        k = max(1, shift)
        rows = (panel.offsets[series] + cutoffs - k)[:, None] + np.arange(k)  # [n, k]: the levels before each cutoff
        last = panel.values[rows].astype(np.float64)
        outputs = self._outputs(self._to_levels(out, series, last, stats), horizon, levels)
        return self._floored(self._reseasonalized(outputs, season, series, cutoffs), given, series, cutoffs)

    # -- persistence (tsrnn.forecasters.io writes and reads the folder; model.save / tsrnn.load) --------------
    def _saved_state(self) -> tuple[dict, dict, dict]:
        import torch

        from .io import _plain

        params = self.get_params()
        params["trainer_kwargs"] = None  # Lightning objects are not portable; they only mattered for fit
        if getattr(self, "views_", None):  # deseasonalize="both": each view's state under its own prefix
            views, arrays, state = [], {}, {}
            for k, view in enumerate(self.views_):
                view_config, view_arrays, view_state = view._saved_state()
                views.append(view_config)
                arrays.update({f"view{k}_{key}": value for key, value in view_arrays.items()})
                state.update({f"view{k}.{key}": value for key, value in view_state.items()})
            return {"params": _plain(params, f"the parameters of {type(self).__name__}"), "views": views,
                    **self._symmetric_state(_plain), "refit_on_load": False}, arrays, state
        state = {k: v.detach().cpu() for k, v in self.net_.state_dict().items()}
        if not all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point()):
            raise ValueError("the network's weights are not finite (training diverged): this model cannot be saved; "
                             "refit with a lower learning_rate")
        fitted = {"window_": self.window_, "feature_names_": self.feature_names_, "known_idx_": self.known_idx_,
                  "quantile_levels_": self.quantile_levels_, "n_train_windows_": self.n_train_windows_,
                  "season_length_": getattr(self, "season_length_", None),
                  "linear_lag_": int(getattr(self, "linear_lag_", 1)),
                  "recurrent_window_": int(getattr(self, "recurrent_window_", self.window_)),
                  **self._symmetric_state(_plain),
                  "categories_": {k: [float(c) for c in v] for k, v in getattr(self, "categories_", {}).items()},
                  "history_columns": [str(c) for c in self.history_.columns]}
        arrays = {"history": self.history_.to_numpy(dtype=np.float64),
                  **{f"stats_{k}": np.asarray(v, dtype=np.float64) for k, v in self.stats_.items()}}
        if getattr(self, "seasonality_", None) is not None:
            fitted["season_periods_"], season_arrays = self._seasonality_arrays()
            arrays.update(season_arrays)
        config = {"params": _plain(params, f"the parameters of {type(self).__name__}"),
                  "fitted": _plain(fitted, f"the fitted state of {type(self).__name__}"), "refit_on_load": False}
        return config, arrays, state

    def _symmetric_state(self, plain) -> dict:
        """What ``symmetric="auto"`` decided, for the saved state (`_restore_symmetric` reads it back)."""
        record = getattr(self, "symmetric_selection_", None)
        return {"symmetric_": self._symmetric(),
                "symmetric_selection_": None if record is None else plain(record, "the symmetric choice")}

    def _restore_symmetric(self, record: dict) -> None:
        """`symmetric_` and `symmetric_selection_` from a saved record; folders saved before "auto" existed
        hold neither, and their network is symmetric exactly when the ``symmetric`` parameter says so."""
        from .io import _need

        chosen = record.get("symmetric_", self._check_params()["symmetric"] is True)
        _need(isinstance(chosen, bool), f"symmetric_ must be true or false, got {chosen!r}")
        selection = record.get("symmetric_selection_")
        _need(selection is None or isinstance(selection, dict), f"symmetric_selection_ must be a record, got "
                                                                  f"{selection!r}")
        self.symmetric_, self.symmetric_selection_ = chosen, selection

    def _seasonality_arrays(self) -> tuple[list[int], dict[str, np.ndarray]]:
        """The seasonal profiles as arrays for the saved history's series (``panel_``), aligned to its starts:
        the periods, ``season_multiplicative`` ``[n]`` and ``season_index_{period}`` ``[n, period]`` (a row of
        ones, or zeros, for a series without that period)."""
        fitted, panel = self.seasonality_, self.panel_
        position = {uid: j for j, uid in enumerate(fitted["ids"])}
        periods = sorted({m for _, index in fitted["profiles"] for m in index})
        multiplicative = np.zeros(panel.n_series)
        tables = {m: np.zeros((panel.n_series, m)) for m in periods}
        for i, uid in enumerate(panel.ids):
            j = position.get(uid)
            mult, index = fitted["profiles"][j] if j is not None else (False, {})
            multiplicative[i] = float(mult)
            shift = _steps_between(fitted["starts"][j], panel.starts[i], panel.freq) if j is not None else 0
            for m in periods:
                tables[m][i] = np.roll(index[m], -shift) if m in index else float(mult)
        return periods, {"season_multiplicative": multiplicative,
                         **{f"season_index_{m}": table for m, table in tables.items()}}

    @classmethod
    def load(cls, path: str | os.PathLike) -> RNNForecaster:
        """Load a model saved with `save` (weights read with ``weights_only=True``; works on CPU); ``tsrnn.load``
        loads any saved forecaster.

        Every file is checked against the folder's manifest, and the content (parameters, shapes, finite
        weights and data) against what the parameters describe; anything else is an `IncompatibleModelError`.

        Example
        -------
        >>> import tempfile, numpy as np, pandas as pd
        >>> y = pd.Series(np.arange(40.0), index=pd.date_range("2020-01-01", periods=40, freq="D"), name="s")
        >>> m = RNNForecaster(horizon=2, window=8, hidden_size=4, max_steps=2, progress=False, random_state=0).fit(y)
        >>> path = m.save(tempfile.mkdtemp() + "/model")
        >>> RNNForecaster.load(path).predict().equals(m.predict())
        True
        >>> path = m.save(path, overwrite=True)  # replace the saved model
        """
        from .io import read_model_folder, restore

        config, arrays = read_model_folder(path, expect_class=(cls.__name__,))
        return restore(cls, config, arrays, path)

    def _restore_state(self, config: dict, arrays: dict, panel: Panel, data_kwargs: dict) -> None:
        import torch

        from ..nn.networks import MedianEnsemble
        from .io import _CONFIG, STATE_DICT, _array, _entry, _need

        self._check_params()
        if self.deseasonalize == "both":
            self._restore_symmetric(config)  # before the views are built: they take the decided value
            configs = _entry(config, "views", list, _CONFIG)
            _need(len(configs) == len(_VIEWS), f"a two-view model needs {len(_VIEWS)} saved views, not {len(configs)}")
            weights = arrays.get(STATE_DICT)
            _need(isinstance(weights, dict), "state_dict is not a dictionary of tensors")
            views = []
            for k, view_config in enumerate(configs):
                _need(isinstance(view_config, dict), f"view {k} is not a record")
                prefix = f"view{k}_"
                view_arrays = {key[len(prefix):]: value for key, value in arrays.items() if key.startswith(prefix)}
                view_arrays[STATE_DICT] = {key[len(f"view{k}."):]: value for key, value in weights.items()
                                           if key.startswith(f"view{k}.")}
                view = self._view(k)
                view._restore_state(view_config, view_arrays, panel, data_kwargs)
                views.append(view)
            self._adopt_views(views)
            self.panel_, self.freq_, self.data_kwargs_ = panel, panel.freq, data_kwargs
            return
        fitted = _entry(config, "fitted", dict, _CONFIG)
        self._restore_symmetric(fitted)
        window = _entry(fitted, "window_", int, "fitted")
        _need(window >= 1, f"window_ must be positive, got {window}")
        season = fitted.get("season_length_")
        _need(season is None or (isinstance(season, int) and not isinstance(season, bool) and season >= 1),
              f"season_length_ must be a positive integer, got {season!r}")
        if season is not None:
            self.season_length_ = season
        lag = fitted.get("linear_lag_", 1)  # absent from folders saved before it existed: their start was the walk
        _need(isinstance(lag, int) and not isinstance(lag, bool) and 1 <= lag <= window,
              f"linear_lag_ must be an integer from 1 to the window, got {lag!r}")
        self.linear_lag_ = lag
        steps = fitted.get("recurrent_window_", window)  # absent from folders saved before it: the whole window
        _need(isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= window,
              f"recurrent_window_ must be an integer from 1 to the window, got {steps!r}")
        self.recurrent_window_ = steps
        categories = fitted.get("categories_", {})
        _need(isinstance(categories, dict) and all(isinstance(v, list) and all(isinstance(c, float | int) for c in v)
                                                   for v in categories.values()),
              f"categories_ must map columns to lists of codes, got {categories!r}")
        self.categories_ = {k: np.asarray(v, dtype=np.float64) for k, v in categories.items()}
        names, past, _ = self._feature_layout(panel)
        known = list(range(1 + len(past), len(names)))
        qs = self._quantile_levels()
        for key, want in (("feature_names_", names), ("known_idx_", known), ("quantile_levels_", qs)):
            _need(_entry(fitted, key, list, "fitted") == want,
                  f"{key} {fitted[key]!r} does not match the parameters and the data ({want!r})")
        n_windows = _entry(fitted, "n_train_windows_", int, "fitted")
        columns = _entry(fitted, "history_columns", list, "fitted")
        history = _array(arrays, "history", np.float64, 2)
        _need(all(isinstance(c, str) for c in columns) and "step" in columns and history.shape[1] == len(columns),
              f"history has {history.shape[1]} columns for the names {columns!r}")
        n, k = panel.n_series, len(panel.covariate_names)
        stats = {}
        for key, shape in (("loc", (n,)), ("scale", (n,)), ("cov_loc", (n, k)), ("cov_scale", (n, k))):
            stats[key] = _array(arrays, f"stats_{key}", np.float64, len(shape), finite=True)
            _need(stats[key].shape == shape, f"stats_{key} has shape {stats[key].shape}, expected {shape}")
        _need(bool((stats["scale"] > 0).all() and (stats["cov_scale"] > 0).all()), "a scale is not positive")
        seasonality = None
        periods = fitted.get("season_periods_")
        if periods is not None:
            _need(isinstance(periods, list) and all(isinstance(m, int) and not isinstance(m, bool) and 1 < m <= 10**5
                                                    for m in periods), f"season_periods_ {periods!r} are not periods")
            mult = _array(arrays, "season_multiplicative", np.float64, 1)
            _need(mult.shape == (n,) and bool(np.isin(mult, (0.0, 1.0)).all()),
                  "season_multiplicative must hold a 0 or 1 per series")
            tables = {m: _array(arrays, f"season_index_{m}", np.float64, 2, finite=True) for m in periods}
            profiles = []
            for i in range(n):
                index = {}
                for m, table in tables.items():
                    _need(table.shape == (n, m), f"season_index_{m} has shape {table.shape}, expected {(n, m)}")
                    _need(not mult[i] or bool((table[i] > 0).all()), f"season_index_{m} has a factor that is not "
                                                                     "positive")
                    if not np.all(table[i] == mult[i]):  # a row of neutral values: not seasonal with m
                        index[m] = table[i].copy()
                profiles.append((bool(mult[i]), index))
            seasonality = {"ids": panel.ids, "starts": panel.starts, "profiles": profiles}
        state = arrays.get(STATE_DICT)
        _need(isinstance(state, dict) and all(isinstance(key, str) and isinstance(v, torch.Tensor)
                                              for key, v in state.items()), "state_dict is not a dictionary of tensors")
        _need(all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point()),
              "the weights hold NaN or infinite values")
        # Every layer of every member has weights: more than the file holds cannot be what was saved.
        _need(int(self.n_models) * int(self.num_layers) <= len(state),
              f"n_models={self.n_models} x num_layers={self.num_layers} is more than the {len(state)} saved weights")

        def build():
            members = [self._build_net(len(names), known, window, qs, names) for _ in range(int(self.n_models))]
            return members[0] if len(members) == 1 else MedianEnsemble(members)

        # Shapes first, on the meta device (no memory): parameters edited to describe a huge network are refused
        # before anything of that size is allocated.
        with torch.device("meta"):
            expected = {key: tuple(v.shape) for key, v in build().state_dict().items()}
        found = {key: tuple(v.shape) for key, v in state.items()}
        if found != expected:
            wrong = sorted(set(found) ^ set(expected)) or sorted(key for key in found if found[key] != expected[key])
            _need(False, f"the weights do not fit the network the parameters describe (first difference: {wrong[0]!r})")
        net = build()
        net.load_state_dict(state)
        self.net_ = net.eval()
        self.window_ = window
        self.feature_names_ = names
        self.known_idx_ = known
        self.quantile_levels_ = qs
        self.ids_ = panel.ids
        self.stats_ = stats
        self.seasonality_ = seasonality
        self.history_ = pd.DataFrame(history, columns=columns).astype(
            {c: "int64" for c in ("step", "member") if c in columns})
        self.n_train_windows_ = n_windows
        self.panel_ = panel
        self.freq_ = panel.freq
        self.data_kwargs_ = data_kwargs
        self._check_history(panel)  # the window fits the stored series


def _mean_outputs(outputs: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Column-wise mean of several models' forecast columns (means of sorted quantiles stay sorted)."""
    return {column: np.mean([out[column] for out in outputs], axis=0) for column in outputs[0]}


@contextlib.contextmanager
def torch_threads(n: int):
    """Let torch use ``n`` CPU threads inside the block, and give back the caller's setting after it.

    Example
    -------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _quiet_lightning():
    """Keep Lightning's start-up banners and tips off the console; the progress bar says what matters."""
    names = ("lightning.pytorch", "lightning.fabric", "lightning", "pytorch_lightning")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*treespec.*")
            warnings.filterwarnings("ignore", message=".*val_check_interval.*")
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            warnings.filterwarnings("ignore", message=".*litlogger.*")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
