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
# # 01 · Quickstart: a recurrent forecaster for airline passengers
#
# This first tutorial takes one real sales series, fits a recurrent neural network to it, draws the
# forecast, and then asks the question every forecast has to answer: *is it better than the obvious
# guess?* Here the obvious guess is the seasonal naive forecast ("next January looks like last January").
#
# What you will see:
#
# * the data contract of tsrnn: a long frame with columns `unique_id`, `ds`, `y`;
# * `RNNForecaster(...).fit(df).predict()` and what its main parameters mean;
# * a holdout evaluation with the mean absolute scaled error (MASE) against `SeasonalNaiveForecaster`;
# * the training curve in `history_`, and saving / loading a fitted model.
#
# Run it as a script (`python tutorials/01_quickstart.py`) or open the notebook `01_quickstart.ipynb`.
# With `TSRNN_TUTORIAL_FAST=1` every model trains for a handful of steps only: the code paths are the
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

# Draw off-screen when nobody can look at the figures (fast mode, a headless machine).
if FAST or not (os.environ.get("MPLBACKEND") or os.environ.get("DISPLAY") or "ipykernel" in sys.modules
                or sys.platform in ("darwin", "win32")):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

_FIGURE_DIR = None


def show(fig, name):
    """Show a figure; headless runs save it to a temporary folder instead, fast mode only closes it."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial01_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## The data
#
# tsrnn ships a few real datasets so the tutorials run without a network connection. `airpassengers` is
# the classic Box & Jenkins series: monthly totals of international airline passengers (in thousands),
# 1949 to 1960. It has the three things that make sales data interesting: a trend, a yearly season, and a
# season whose swing grows with the level.
#
# Every tsrnn function takes a **long frame**: one row per (series, timestamp), with the series name in
# `unique_id`, the timestamp in `ds` and the value in `y`. Many series simply stack more rows.

# %%
from tsrnn import RNNForecaster, SeasonalNaiveForecaster, dataset_info, load_dataset
from tsrnn.metrics import mae, mase

df = load_dataset("airpassengers")
info = dataset_info("airpassengers")
print(df.head())
print(f"{info['n_obs']} observations, frequency {info['freq']!r}, season length {info['season_length']}")

fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(df["ds"], df["y"], color="black", linewidth=1)
ax.set_title("International airline passengers (thousands per month)")
ax.grid(alpha=0.3)
show(fig, "01_data.png")

# %% [markdown]
# ## A holdout: never grade a model on what it has seen
#
# We hide the last 12 months, fit on the rest, and compare the forecast with the hidden months. The
# split is in time order: the test months come strictly after every training month, as they would in
# real use. (Tutorial 04 repeats this over several cut-off dates, a *backtest*, which is more reliable
# than a single holdout.)

# %%
HORIZON = 12
train, test = df.iloc[:-HORIZON], df.iloc[-HORIZON:]
print(f"train: {train['ds'].min():%Y-%m} .. {train['ds'].max():%Y-%m}   "
      f"test: {test['ds'].min():%Y-%m} .. {test['ds'].max():%Y-%m}")

# %% [markdown]
# ## What the recurrent network does
#
# A recurrent network reads a **window** of past values one step at a time. At each step it updates a
# hidden state vector `h_t` from the new input and the previous state, so after the last step `h_t` is a
# learned summary of the whole window. A linear layer then turns that summary into the forecast. With the
# default `strategy="direct"` that layer emits all `horizon` values at once (tutorial 02 opens the
# recurrent cell, tutorial 08 compares the direct, recursive and seq2seq strategies). By default a second,
# purely linear path from the window to the forecast is added to the network's output
# (`linear_skip=True`): it starts as "repeat the last value", and the recurrent part learns what a linear
# model cannot (tutorial 09 measures what that and the other defaults are worth).
#
# Training slides the window over the history: every position gives one example (window in, next
# `horizon` values out), and the network's weights are fitted to all of them by gradient descent.
#
# The parameters you will touch most:
#
# | parameter | meaning |
# |---|---|
# | `horizon` | how many steps ahead the network learns to forecast |
# | `window` | how many past steps it reads (default: twice the season or the horizon, at least 16) |
# | `cell` | `"lstm"` (default), `"gru"`, `"rnn"` (plain Elman) or `"elman"` (our from-scratch version) |
# | `hidden_size` | the length of the state vector `h_t`: the network's memory capacity |
# | `max_steps` | optimiser steps; each step uses one batch of `batch_size` windows (default: set from the number of windows) |
# | `loss` | what training minimises: `"mae"` (default, forecasts the median), `"mse"`, `"huber"`, `"mase"`, `"quantile"` |
# | `scaler` | `"window"` (default) rescales each input window by its own mean and spread, so one network copes with any level |
# | `target_transform` | `"log"` turns a multiplicative season into an additive one |
# | `random_state` | the same seed gives the same forecast (on CPU) |

# %%
rnn = RNNForecaster(
    cell="lstm",
    horizon=HORIZON,
    hidden_size=8 if FAST else 32,
    max_steps=30 if FAST else 500,
    target_transform="log",
    progress=not FAST,
    random_state=0,
)
rnn.fit(train)
print(f"window={rnn.window_} steps, trained on {rnn.n_train_windows_} windows")

forecast = rnn.predict()  # horizon defaults to the trained one
print(forecast.head())

# %% [markdown]
# `predict` returns a long frame again, with real future timestamps in `ds` and the forecast in
# `y_pred`. It can forecast fewer steps than the model was trained for (`predict(6)`), not more.
#
# ## The baseline, and MASE
#
# The seasonal naive forecast repeats the last observed season. It needs no training at all, so a model
# that cannot beat it is not worth its cost.
#
# The **mean absolute scaled error** divides a forecast's mean absolute error by the mean absolute error
# that the seasonal naive forecast makes *inside the training data*:
#
# $$\text{MASE} = \frac{\frac{1}{H}\sum_h |y_{T+h} - \hat y_{T+h}|}{\frac{1}{T-m}\sum_{t=m+1}^{T}|y_t - y_{t-m}|}$$
#
# It has no units, so it can be averaged across series of different sizes, and below 1 means "better
# than the in-sample seasonal naive".

# %%
snaive = SeasonalNaiveForecaster(season_length=12).fit(train)
baseline = snaive.predict(HORIZON)

scores = {}
for name, frame in (("RNN (LSTM)", forecast), ("seasonal naive", baseline)):
    scores[name] = (mase(test["y"], frame["y_pred"], y_train=train["y"], season_length=12),
                    mae(test["y"], frame["y_pred"]))
    print(f"{name:15s} MASE={scores[name][0]:.3f}  MAE={scores[name][1]:.1f} thousand passengers")
if FAST:
    print("(fast mode: the network trained for 30 steps, so these numbers say nothing about the method)")

# %%
fig, ax = plt.subplots(figsize=(9, 3.5))
recent = train[train["ds"] >= "1956-01-01"]
ax.plot(recent["ds"], recent["y"], color="black", linewidth=1, label="training data")
ax.plot(test["ds"], test["y"], color="black", linestyle="--", linewidth=1, label="held-out truth")
ax.plot(forecast["ds"], forecast["y_pred"], color="tab:blue", label=f"LSTM (MASE {scores['RNN (LSTM)'][0]:.2f})")
ax.plot(baseline["ds"], baseline["y_pred"], color="tab:orange",
        label=f"seasonal naive (MASE {scores['seasonal naive'][0]:.2f})")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
ax.set_title("12-month holdout")
show(fig, "01_holdout.png")

# %% [markdown]
# One holdout of 12 months is a small sample: a different seed, or a different year held out, can flip
# the ranking. Treat a single number like this as a first impression, and use backtests (tutorial 04)
# before you decide anything.
#
# ## Did the training converge?
#
# `history_` records every optimiser step: the training loss (in the network's scaled units), the global
# gradient norm before clipping, and the validation loss when a validation part is held out. A loss that
# is still falling steeply at the end asks for more `max_steps`.

# %%
history = rnn.history_
print(history.tail(3))
fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(history["step"], history["train_loss"], linewidth=1)
ax.set_yscale("log")
ax.set_xlabel("optimiser step")
ax.set_ylabel(f"training loss ({rnn.loss.upper()}, scaled)")
ax.grid(alpha=0.3)
show(fig, "01_training_curve.png")

# %% [markdown]
# ## Forecasting the real future, and keeping the model
#
# Once the method is chosen, refit on all the data and forecast beyond it. `save` writes the fitted model
# to a folder (parameters as JSON, arrays in a `.npz` file read without pickle, the network's weights in a
# torch file read back with `weights_only=True`, every file checksummed); `load` gives back a model that
# predicts exactly the same numbers.

# %%
final = RNNForecaster(**rnn.get_params()).fit(df)
future = final.predict()
print(future[["ds", "y_pred"]].head(3).to_string(index=False))

with tempfile.TemporaryDirectory() as folder:
    path = final.save(os.path.join(folder, "airpassengers_lstm"))
    reloaded = RNNForecaster.load(path)
    assert np.allclose(reloaded.predict()["y_pred"], future["y_pred"])
    print("saved, reloaded, same forecast:", sorted(os.listdir(path)))

# %% [markdown]
# ## Where next
#
# * **02** opens the recurrent cell: the Elman recurrence written by hand, backpropagation through time,
#   and why LSTM and GRU exist.
# * **03** forecasts stock prices, where the honest baseline is the random walk.
# * **04** compares ARIMA and RNNs with a proper backtest.
# * **08** builds one-to-one, one-to-many, many-to-one and many-to-many networks and compares the
#   direct, recursive and seq2seq strategies step by step along the horizon.
# * **09** measures what makes a recurrent forecaster accurate, against its honest linear baseline.
