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
# # 08 · Sequence architectures and multi-step strategies
#
# Recurrent networks are usually drawn in four shapes: **one-to-one**, **one-to-many**, **many-to-one** and
# **many-to-many**. Forecasting `H` steps ahead from a window of the past is a many-to-many problem, and
# there are several ways to build it out of the smaller shapes. tsrnn offers three, chosen with
# `RNNForecaster(strategy=...)`:
#
# * `"direct"` (the default): read the window, then emit all `H` values at once from the last state;
# * `"recursive"`: a network that forecasts one step, fed its own forecast back `H` times;
# * `"seq2seq"`: an encoder reads the window, a separate decoder writes the horizon step by step.
#
# In this tutorial you will
#
# 1. see the four shapes as tensor shapes in PyTorch;
# 2. see which shape each tsrnn model is made of, and count its weights;
# 3. forecast the same five monthly sales series the three ways, from 24 forecast origins;
# 4. plot the **error by horizon step** and learn to read it (and not to misread it).
#
# It assumes tutorials 01 (the API, MASE) and 02 (the recurrence `h_t = tanh(W x_t + U h_{t-1} + b)`).
# `TSRNN_TUTORIAL_FAST=1` trains tiny networks for a few dozen steps on fewer origins: the code is the
# same, the numbers are not meaningful.

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
import pandas as pd
import torch
from torch import nn

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)
_FIGURE_DIR = None


def show(fig, name):
    """Show a figure; headless runs save it to a temporary folder instead, fast mode only closes it."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial08_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## 1. Four shapes, as tensor shapes
#
# A recurrent layer reads a sequence `x_1, ..., x_T` and produces a state `h_t` at every step. What you do
# with those states decides the shape of the network:
#
# | shape | input → output | a forecasting example |
# |---|---|---|
# | one-to-one | one vector → one vector, no recurrence at all | the window as one vector of lags, mapped to the next values by a regression |
# | one-to-many | one vector → a sequence | start from one summary of the past and *generate* the horizon step by step |
# | many-to-one | a sequence → one output | read a window, output the next value (or one vector) |
# | many-to-many, synchronised | an output at every input step | predict the next value at every position of the window |
# | many-to-many, encoder-decoder | read the whole input, then write the whole output | window in, horizon out |
#
# PyTorch's `nn.LSTM` gives both ends of a many-to-one/many-to-many layer at once: `out` holds `h_t` for
# every step (synchronised many-to-many), `h_n` only the last one (many-to-one).

# %%
torch.manual_seed(0)
lstm = nn.LSTM(input_size=1, hidden_size=4, batch_first=True)
window = torch.randn(2, 24, 1)  # [batch, time, features]: two windows of 24 steps
out, (h_n, c_n) = lstm(window)
print("out, a state per step (many-to-many):", tuple(out.shape))  # [batch, time, hidden]
print("h_n[-1], the last state (many-to-one):", tuple(h_n[-1].shape))  # [batch, hidden]
assert torch.allclose(out[:, -1], h_n[-1])  # the last output *is* the last state

# %% [markdown]
# One-to-many needs a loop: start from one state and let the network unroll, feeding each output back as
# the next input. That is how a decoder writes a sequence of any length from a single summary.

# %%
cell = nn.LSTMCell(input_size=1, hidden_size=4)
head = nn.Linear(4, 1)
state = (h_n[-1], c_n[-1])  # the summary of the window: one vector per series
y_prev = window[:, -1]  # [batch, 1]: the last observed value starts the loop
generated = []
for _ in range(3):  # three steps ahead
    state = cell(y_prev, state)
    y_prev = head(state[0])  # [batch, 1]: this step's output is the next step's input
    generated.append(y_prev)
print("one-to-many, three generated steps:", tuple(torch.stack(generated, dim=1).shape))  # [batch, 3, 1]

# %% [markdown]
# ## 2. The three strategies, and what they are made of
#
# Write `w` for the window length, `H` for the horizon and `h_T` for the encoder's state after reading the
# window `y_{T-w+1}, ..., y_T`.
#
# **Direct** (`strategy="direct"`): many-to-one encoder, then one linear layer emits the `H` values at once,
#
# $$(\hat y_{T+1}, \dots, \hat y_{T+H}) = V h_T + c .$$
#
# Each horizon step has its own row of `V`, nothing is fed back, so an error at step 1 cannot leak into
# step 2. The price: the steps are learned side by side, and the model can only forecast up to the `H` it
# was trained for. (The forecasting literature calls this one-network, vector-output form *MIMO*; "direct"
# there often means one separate model per step. tsrnn trains one network.)
#
# **Recursive** (`strategy="recursive"`): a many-to-one network that forecasts *one* step,
# $\hat y_{T+1} = f(y_{T-w+1}, \dots, y_T)$, applied `H` times, each time reading its own previous
# forecast as if it were data. One set of weights serves every step, but a forecast error becomes an
# input error for the next step: errors can **compound** along the horizon. Classic recursive training
# fits the one-step network on true inputs only ("teacher forcing") and never sees its own mistakes.
# tsrnn instead trains the unrolled loop on the loss of the whole horizon, backpropagating through the
# fed-back forecasts (backpropagation through time runs across the horizon too), so the network learns
# to live with its own errors; compounding is reduced, not abolished.
#
# **Seq2seq** (`strategy="seq2seq"`): an encoder (many-to-one) summarises the window into `h_T`; a
# *separate* decoder (one-to-many) starts from `h_T` and writes the horizon one step at a time, taking
# the previous forecast (and that step's known future features, if any) as input. Two recurrent networks,
# more weights, and the most flexible of the three: the decoder can treat every future step differently.
#
# `LinearForecaster` is the one-to-one reference: the window is a single vector and one matrix maps it to
# the horizon, `ŷ = W y_window + b` (in the window's normalised units), with no state at all.
#
# The networks below are kept small and the hybrid linear path of the RNN (`linear_skip`, tutorial 09) is
# switched off, so that what differs between them is the recurrent architecture and nothing else.

# %%
from sklearn.base import clone

from tsrnn import LinearForecaster, RNNForecaster, SeasonalNaiveForecaster, compare, load_dataset

HORIZON, WINDOW = 12, 24
names = ["a10", "h02", "wineind", "airpassengers", "souvenirs"]
sales = pd.concat([load_dataset(name) for name in names], ignore_index=True)
print(sales.groupby("unique_id")["ds"].agg(["min", "max", "count"]))

rnn_settings = dict(
    cell="lstm",
    horizon=HORIZON,
    window=WINDOW,
    hidden_size=8 if FAST else 32,
    num_layers=1 if FAST else 2,
    linear_skip=False,  # the recurrent part alone: tutorial 09 adds the linear path back
    target_transform="log",  # the seasons of a10, airpassengers and souvenirs grow with the level
    max_steps=40 if FAST else 400,
    progress=False,
    random_state=0,
)
models = {
    "direct": RNNForecaster(strategy="direct", **rnn_settings),
    "recursive": RNNForecaster(strategy="recursive", **rnn_settings),
    "seq2seq": RNNForecaster(strategy="seq2seq", **rnn_settings),
    "linear (one-to-one)": LinearForecaster(horizon=HORIZON, window=WINDOW, target_transform="log",
                                            max_steps=rnn_settings["max_steps"], progress=False,
                                            random_state=0),
    "seasonal naive": SeasonalNaiveForecaster(season_length=12),
}

# %% [markdown]
# A quick look inside: fit each neural model for two steps on one series and count its weights. The direct
# head grows with `H` (one output row per step); recursive and seq2seq reuse one small head at every step,
# and seq2seq pays for a second recurrent network.

# %%
one_series = sales[sales["unique_id"] == "a10"]
for name in ("direct", "recursive", "seq2seq", "linear (one-to-one)"):
    fitted = clone(models[name]).set_params(max_steps=2).fit(one_series)  # two steps: only the shapes matter
    n_weights = sum(p.numel() for p in fitted.net_.parameters())
    parts = ", ".join(f"{child}: {sum(p.numel() for p in module.parameters())}"
                      for child, module in fitted.net_.named_children())
    print(f"{name:20s} {n_weights:6d} weights ({parts})")

# %% [markdown]
# ## 3. The same data, forecast three ways
#
# `compare` backtests every model on the same forecast origins. With `refit=False` each model is trained
# **once**, on the data before the first origin, and then forecasts 12 months ahead from each of the
# last 24 monthly origins (`folds=24, step=1`), reading only the history up to each origin. One fit per
# model keeps this cheap, and 24 consecutive origins give every calendar month the same weight at every
# horizon step (with `step=2`, step 1 would only ever be odd months of the year, step 2 even ones).

# %%
FOLDS = 12 if FAST else 24
comparison = compare(models, sales, horizon=HORIZON, folds=FOLDS, step=1, refit=False, season_length=12,
                     progress=False)
print(comparison.leaderboard[["MASE", "sMAPE", "MAE", "fit_time_s", "predict_time_s"]].round(3))
if FAST:
    print("(fast mode: tiny networks trained for 40 steps; these numbers say nothing about the strategies)")

# %% [markdown]
# MASE below 1 would mean "better than the seasonal naive forecast's in-sample error"; here the yardstick
# that matters is the seasonal naive row itself, scored on the same origins. Before reading anything into
# the ranking, remember that one seed and one set of 24 origins is a small experiment: a different
# `random_state` can reorder strategies whose MASE differ by a few hundredths.
#
# ## 4. Error by horizon step
#
# The leaderboard averages over all 12 steps. `BacktestResult.metrics(by="horizon_step")` splits the
# same forecasts by how far ahead they were made: step 1 is the month right after the origin, step 12 a
# year ahead.

# %%
by_step = pd.DataFrame({name: result.metrics(by="horizon_step")["MASE"]
                        for name, result in comparison.results.items()})
print(by_step.round(2).T)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for name in by_step:
    style = dict(color="black", linestyle="--") if name == "seasonal naive" else {}
    axes[0].plot(by_step.index, by_step[name], marker="o", markersize=3, label=name, **style)
    axes[1].plot(by_step.index, by_step[name] / by_step["seasonal naive"], marker="o", markersize=3, label=name,
                 **style)
axes[0].set_title("MASE by horizon step")
axes[1].set_title("relative to seasonal naive at the same step")
for ax in axes:
    ax.set_xlabel("horizon step (months ahead)")
    ax.set_xticks(by_step.index)
    ax.grid(alpha=0.3)
axes[1].legend(fontsize="small")
show(fig, "08_error_by_step.png")

first, last = by_step.iloc[:3].mean(), by_step.iloc[-3:].mean()
for name in by_step:
    print(f"{name:20s} mean MASE steps 1-3: {first[name]:.2f}   steps 10-12: {last[name]:.2f}   "
          f"growth x{last[name] / first[name]:.2f}")
print(f"lowest error at steps 1-3: {first.idxmin()};  at steps 10-12: {last.idxmin()}")

# %% [markdown]
# How to read the two panels:
#
# * **Errors usually grow with the horizon**: the further ahead, the more can happen that the window
#   does not show. A model whose error does *not* grow is usually one that ignores the recent
#   past, such as the seasonal naive forecast, whose step-`h` forecast is the value of one season earlier.
# * **Different steps are scored on different months.** Step 12 from the last origin is the final month
#   of the data; step 1 from the first origin is two years earlier. On growing series the later targets
#   are larger and harder, so part of the rise of every curve, the baseline's included, comes from *which*
#   months a step covers, not from the model. The right panel divides each model by the seasonal naive
#   forecast at the same step, on the same targets: that ratio is the fair way to compare steps.
# * **Compounding** shows as a recursive (or seq2seq) curve that starts low and climbs faster than the
#   direct one: a one-step forecaster is at its best at step 1, and each fed-back mistake costs
#   accuracy further out. The direct head has no feedback, so its curve is often flatter but its first
#   steps are not especially good, because every step shares one summary `h_T` with eleven others.
#   Whether compounding is visible depends on the data and on training: training on the whole horizon
#   (as tsrnn does) limits it. The printed growth factors tell you what happened in this run.
# * Differences of a few hundredths at a single step are within the noise of one seed and 24 origins.
#   Trust a pattern that repeats across steps, seeds and datasets.
# * If the one-to-one linear model beats every recurrent strategy, the recurrence is not earning its cost
#   on these data with these settings. Tutorial 09 shows what makes the recurrent model more accurate and
#   how to measure it against exactly that linear baseline.
#
# ## 5. One origin, three forecasts
#
# The numbers are averages; a picture of one origin makes the shapes concrete. Below: the last origin for
# `a10` (anti-diabetic drug sales), forecast by the three strategies.

# %%
SERIES = "a10"
fig, ax = plt.subplots(figsize=(9, 3.5))
history = sales[(sales["unique_id"] == SERIES)]
last_fold = comparison.results["direct"].forecasts["fold"].max()
for name in ("direct", "recursive", "seq2seq", "seasonal naive"):
    f = comparison.results[name].forecasts
    f = f[(f["unique_id"] == SERIES) & (f["fold"] == last_fold)]
    style = dict(color="black", linestyle="--", linewidth=1) if name == "seasonal naive" else {}
    ax.plot(f["ds"], f["y_pred"], label=name, **style)
cutoff = f["cutoff"].iloc[0]
recent = history[history["ds"] > cutoff - pd.DateOffset(years=3)]
ax.plot(recent["ds"], recent["y"], color="grey", linewidth=2, alpha=0.6, label="actual")
ax.axvline(cutoff, color="grey", linewidth=0.8)
ax.set_title(f"{SERIES}: forecasts from the last origin ({cutoff:%Y-%m})")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
show(fig, "08_one_origin.png")

# %% [markdown]
# ## 6. Which strategy when?
#
# | strategy | shape | strengths | weaknesses |
# |---|---|---|---|
# | `"direct"` | many-to-one + vector head | fastest (one pass), no compounding, the default | horizon fixed at training; steps share one summary |
# | `"recursive"` | many-to-one, iterated | one small head for every step; with `horizon=1` (tutorial 03) it is the same many-to-one network as `"direct"` | errors compound; `H` sequential steps at prediction |
# | `"seq2seq"` | many-to-one encoder + one-to-many decoder | most flexible, reads known future features step by step | most weights, slowest, needs more data |
#
# A practical rule: start with `"direct"`, and try the other two with `tsrnn.tune` or `compare` when the
# horizon is long or known future covariates matter (tutorial 06 shows covariates). Whatever you pick,
# look at the error by horizon step against a baseline at the same step, not only at the average.
#
# ## Summary
#
# * The four shapes are four ways of wiring inputs and states to outputs; forecasting a horizon from a
#   window is many-to-many, built from many-to-one and one-to-many pieces.
# * `strategy="direct"` emits the horizon at once, `"recursive"` feeds a one-step forecast back to itself,
#   `"seq2seq"` pairs an encoder with a decoder; `LinearForecaster` is the one-to-one reference.
# * `result.metrics(by="horizon_step")` gives the error at each step; compare steps only relative to a
#   baseline scored on the same targets.
#
# Next, **09** asks what actually makes a recurrent forecaster accurate: the hybrid linear path, the loss,
# seasonal differencing and ensembles.
