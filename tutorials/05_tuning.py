# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Hyperparameter search with Optuna
#
# A recurrent forecaster has many knobs: the cell, the hidden size, the depth, the window, the learning
# rate, the scaler, the multi-step strategy. Their best values depend on the data, and guessing them is
# the usual reason a network loses to ARIMA. `tsrnn.tune` searches them with
# [Optuna](https://optuna.org), scoring every candidate with the same leakage-free rolling-origin
# backtest as `compare`.
#
# This tutorial covers:
#
# 1. why the score must come from a backtest, and what Optuna's sampler does with it;
# 2. the default search space, and your own space as a dict (or a function);
# 3. pruning: stopping hopeless trials early;
# 4. storing a study in SQLite and resuming it;
# 5. several workers: threads (`n_jobs`) and separate processes sharing one database.
#
# `TSRNN_TUTORIAL_FAST=1` runs a handful of tiny trials (and shows, without running, the two-process
# example); without it the search is real and takes a while.

# %%
# ruff: noqa: E402  (a notebook: imports come where they are first needed)
import os
import sys
import tempfile

FAST = os.environ.get("TSRNN_TUTORIAL_FAST") == "1"
if FAST:
    # Small models on a shared CPU: one thread per process avoids paying for thread synchronisation.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import matplotlib

if FAST or not (os.environ.get("MPLBACKEND") or os.environ.get("DISPLAY") or "ipykernel" in sys.modules
                or sys.platform in ("darwin", "win32")):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import optuna
import pandas as pd

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)
optuna.logging.set_verbosity(optuna.logging.WARNING)  # tune() reports what matters
_FIGURE_DIR = None


def show(fig, name):
    """Show a figure; headless runs save it to a temporary folder instead, fast mode only closes it."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial05_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## 1. What is being optimised
#
# A *trial* is one candidate set of hyperparameters. Its score is the backtest MASE of a forecaster with
# those parameters, averaged over `folds` rolling origins at the end of the data. Scoring on one
# holdout and picking the best of fifty candidates would overfit that holdout: the winner is partly the
# luckiest. Several folds make the score steadier; and the data used for the final comparison with other
# models should ideally not be used for tuning at all (keep a last stretch aside, as below).
#
# Optuna's default sampler, TPE (tree-structured Parzen estimator), starts with random candidates,
# then splits the finished trials into a good and a bad group and proposes new candidates where the
# good group is dense and the bad group is sparse. It needs no gradient and handles categorical and
# conditional parameters (a dropout only when there are several layers).
#
# The settings that are *not* searched stay as set on the forecaster you pass: here the horizon, the
# training length and the seed.

# %%
from tsrnn import RNNForecaster, load_dataset
from tsrnn.tuning import default_space, tune

HORIZON = 12
df = load_dataset("airpassengers")
tuning_data = df.iloc[:-HORIZON]  # the last year is kept for a final check, untouched by the search
final_test = df.iloc[-HORIZON:]

FOLDS = 2 if FAST else 3
base = RNNForecaster(
    horizon=HORIZON,
    hidden_size=8 if FAST else 32,
    max_steps=15 if FAST else 400,
    target_transform="log",
    progress=False,
    random_state=0,
)

# %% [markdown]
# ## 2. Search spaces
#
# ### The default space
#
# With `space=None`, `tune` uses the forecaster's default space, bound to the data: for an RNN the cell,
# hidden size (8 to 128, log scale), layers (1 to 3; dropout only for more than one), window (multiples
# of the season, no longer than the shortest training part allows), learning rate, scaler and strategy.
# `default_space` returns it as a plain function `trial -> dict`, so we can draw from it ourselves:

# %%
space = default_space(base, tuning_data, horizon=HORIZON, folds=FOLDS)
sampler = optuna.samplers.RandomSampler(seed=1)
for _ in range(2):
    print(space(optuna.create_study(sampler=sampler).ask()))

# %%
result = tune(base, tuning_data, horizon=HORIZON, folds=FOLDS, n_trials=3 if FAST else 30,
              random_state=0, progress=False)
print(result)
print(result.trials_[["number", "value", "params_cell", "params_hidden_size", "params_window",
                      "params_strategy", "state"]].round(3).to_string(index=False))

# %% [markdown]
# Trial 0 is the **baseline**: the forecaster exactly as you passed it. It guarantees that `best_score_`
# is never worse than where you started, and tells you how much the search actually bought.
# `best_forecaster_` is the winner refitted on all the data given to `tune`, ready to predict.
# In a longer search some trials end as `PRUNED` (the median pruner is on by default, section 3): their
# `value` is the score of the folds they reached, not a full backtest, so do not rank them with the rest.
#
# ### Your own space as a dict
#
# A dict maps parameter names to ranges: a list is a categorical choice, `("int", low, high, options)`
# and `("float", low, high, options)` are numeric ranges (`{"log": True}` samples on a log scale, which
# is right for sizes and learning rates). Names are checked against the forecaster before any trial
# runs, so a typo fails at once instead of after an hour.

# %%
my_space = {
    "cell": ["lstm", "gru"],
    "hidden_size": ("int", 4, 16, {"log": True}) if FAST else ("int", 16, 128, {"log": True}),
    "learning_rate": ("float", 1e-3, 3e-2, {"log": True}),
    "window": ("int", 12, 36, {"step": 12}),
}
result = tune(base, tuning_data, space=my_space, horizon=HORIZON, folds=FOLDS, n_trials=3 if FAST else 25,
              random_state=0, progress=False)
print(result)

# %% [markdown]
# A function `trial -> dict` can do anything a dict cannot, such as parameters that only exist for some
# choices:
#
# ```python
# def my_space(trial):
#     params = {"num_layers": trial.suggest_int("num_layers", 1, 3)}
#     if params["num_layers"] > 1:
#         params["dropout"] = trial.suggest_float("dropout", 0.0, 0.4)
#     return params
# ```
#
# Before trusting the winner, look at it on data the search never saw:

# %%
from tsrnn.metrics import mase

best = result.best_forecaster_
score = mase(final_test["y"], best.predict()["y_pred"], y_train=tuning_data["y"], season_length=12)
print(f"best parameters {result.best_params_}\nbacktest MASE {result.best_score_:.3f}, "
      f"MASE on the untouched last year {score:.3f}")

# %%
figures = result.plots()
for name, fig in figures.items():
    show(fig, f"05_{name}.png")

# %% [markdown]
# ## 3. Pruning: give up on hopeless trials early
#
# Most trials are worse than the best so far, and it often shows early. A **pruner** compares a trial's
# intermediate results with those of earlier trials at the same point and stops it when it is clearly
# behind. tsrnn reports intermediate results in one of two ways (`prune_on`):
#
# * `"folds"`: the score of each backtest fold as soon as it is done; a trial that is bad on the first
#   fold skips the others.
# * `"val_loss"` (chosen automatically for an RNN with a validation set, `validation_size=` or
#   `early_stopping=`): the validation loss *during* training, reported by a Lightning callback
#   (`tsrnn.tuning.PruningCallback`), so a bad trial stops after a few hundred steps instead of
#   finishing its fit.
#
# The default pruner is Optuna's `MedianPruner`: stop if the trial is worse than the median of previous
# trials at the same step. It waits for 5 finished trials before pruning anything; for this short demo we
# let it start after 2.

# %%
from sklearn.base import clone

pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
with_validation = clone(base).set_params(validation_size=HORIZON)  # hold out the last 12 steps of each fit
result = tune(with_validation, tuning_data, space={"learning_rate": ("float", 1e-4, 1e-1, {"log": True})},
              horizon=HORIZON, folds=FOLDS, n_trials=5 if FAST else 30, pruner=pruner, random_state=0,
              progress=False)
states = result.trials_["state"].value_counts().to_dict()
print(f"trial states: {states}")
print(result.trials_[["number", "value", "params_learning_rate", "state"]].round(4).to_string(index=False))

# %% [markdown]
# Pruned trials show up with state `PRUNED`; their value, if any, is the last intermediate report, not a
# full backtest score. Pruning saves time in proportion to how early bad trials are recognisable; it can
# also stop a slow starter that would have won, which is the price.
#
# ## 4. Storing and resuming a study
#
# By default a study lives in memory and dies with the process. Pass a database URL as `storage` and a
# `study_name`, and every finished trial is written as it finishes. Calling `tune` again with the same
# storage and name **resumes**: `n_trials` is the total wanted, so a study holding 3 trials asked for 5
# runs 2 more. An interrupted search (Ctrl-C, a crashed machine) loses at most the trial in progress.

# %%
workdir = tempfile.mkdtemp(prefix="tsrnn_tutorial05_")
storage = f"sqlite:///{os.path.join(workdir, 'tuning.db')}"
small_space = {"hidden_size": ("int", 4, 16) if FAST else ("int", 16, 96), "cell": ["lstm", "gru"]}

first = tune(base, tuning_data, space=small_space, horizon=HORIZON, folds=FOLDS, n_trials=2 if FAST else 10,
             storage=storage, study_name="airpassengers-rnn", random_state=0, progress=False)
print(f"first session: {len(first.trials_)} trials in the database")
resumed = tune(base, tuning_data, space=small_space, horizon=HORIZON, folds=FOLDS, n_trials=4 if FAST else 20,
               storage=storage, study_name="airpassengers-rnn", random_state=1, progress=False)
print(f"second session: {len(resumed.trials_)} trials in the database, best {resumed.best_score_:.3f}")
print("studies in the file:", [s.study_name for s in optuna.get_all_study_summaries(storage)])

# %% [markdown]
# The same mechanism lets you inspect a study later without tsrnn:
# `optuna.load_study(study_name="airpassengers-rnn", storage=storage).trials_dataframe()`, or browse it
# with `optuna-dashboard sqlite:///tuning.db` if you have that tool.
#
# ## 5. Several workers
#
# Two ways to run trials in parallel:
#
# * **Threads in one process**, `n_jobs=k`. Simple, no database needed. PyTorch releases Python's GIL
#   inside its kernels, so some overlap is real, but the trials share the CPU cores, the process-wide
#   torch thread pool and global random state: with `n_jobs > 1` the search is not reproducible. Good
#   for a quick speed-up on a machine with spare cores.
# * **Processes sharing a storage**: start the same `tune(...)` call, with the same `storage` and
#   `study_name`, in several processes (terminals, batch jobs, machines). Each picks the next trial from
#   the shared study, and they all stop once the study holds `n_trials` finished trials. SQLite is fine
#   for processes on one machine; across machines use PostgreSQL/MySQL, or a journal file on a shared
#   disk (`storage="/shared/tuning.journal"`).

# %%
threaded = tune(base, tuning_data, space=small_space, horizon=HORIZON, folds=FOLDS, n_trials=3 if FAST else 12,
                n_jobs=2, random_state=0, progress=False)
print(f"n_jobs=2: {threaded}")

# %% [markdown]
# Two worker processes on one SQLite file. Each worker is the same short script; here it is started
# with `subprocess` so the tutorial is self-contained, but it could just as well be started twice by hand
# or by a job scheduler. (Fast mode only prints the code: starting two fresh Python processes, each
# importing PyTorch and Lightning, costs more than the rest of the tutorial.)

# %%
import subprocess
import textwrap

WORKER = textwrap.dedent(f"""
    import sys
    from tsrnn import RNNForecaster, load_dataset
    from tsrnn.tuning import tune

    storage, n_trials = sys.argv[1], int(sys.argv[2])
    df = load_dataset("airpassengers").iloc[:-{HORIZON}]
    base = RNNForecaster(horizon={HORIZON}, max_steps={base.max_steps}, target_transform="log", progress=False,
                         random_state=0)
    result = tune(base, df, space={small_space!r}, horizon={HORIZON}, folds={FOLDS}, n_trials=n_trials,
                  storage=storage, study_name="shared", progress=False)
    print("worker done; the study now holds", len(result.trials_), "trials")
""")
print(WORKER)

if not FAST:
    shared = f"sqlite:///{os.path.join(workdir, 'shared.db')}"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, shared, "8"]) for _ in range(2)]
    codes = [w.wait() for w in workers]
    study = optuna.load_study(study_name="shared", storage=shared)
    print(f"exit codes {codes}; {len(study.trials)} trials in the shared study, best value {study.best_value:.3f}")
    print(f"the study databases stay in {workdir}")
else:
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)  # fast mode leaves nothing behind

# %% [markdown]
# The study ends with exactly `n_trials` finished trials: each worker checks the count before every trial,
# and one that finishes early waits for the trials still running elsewhere, so both print the same study.
# If a worker dies (killed, out of memory), its trial stops sending heartbeats; the other worker (or the
# next resume) marks it failed after a few heartbeat intervals and runs it again.
#
# ## Summary
#
# * `tune(forecaster, df, space=..., horizon=..., folds=..., n_trials=...)` scores every trial with a
#   backtest; the baseline trial shows what tuning gained; check the winner on untouched data.
# * Spaces: `None` (the default for the forecaster and data), a dict of ranges, or a function.
# * Pruning (`pruner=`, `prune_on=`) stops bad trials by fold or by validation loss.
# * `storage="sqlite:///file.db"` + `study_name` makes a search durable, resumable and shareable by
#   several worker processes; `n_jobs` runs threads in one process.
