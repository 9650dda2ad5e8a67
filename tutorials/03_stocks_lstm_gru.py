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
# # 03 · LSTM and GRU on stock prices, judged against the random walk
#
# Stock prices are the favourite playground of recurrent-network tutorials, and the easiest place to
# fool yourself. This tutorial trains an LSTM and a GRU on the S&P 500 index and then measures them the
# way a sceptic would:
#
# * model **log returns**, not prices (`target_transform="log_return"`), and see why;
# * forecast one day ahead from every day of a year the models never saw, with a leakage-free backtest;
# * compare with the **random walk** (tomorrow's price = today's price, `NaiveForecaster`), the benchmark
#   that efficient markets make very hard to beat;
# * score the **direction** of the move (directional accuracy) against the right baseline, and check
#   whether the difference is larger than luck;
# * see why a tiny error *on prices* (MAPE around 1%) says nothing about forecasting skill.
#
# `TSRNN_TUTORIAL_FAST=1` trains tiny networks for a few steps on fewer days: the workflow is the same,
# the numbers are not meaningful.

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
import numpy as np
import pandas as pd

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)
_FIGURE_DIR = None


def show(fig, name):
    """Show a figure; headless runs save it to a temporary folder instead, fast mode only closes it."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial03_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## Prices and returns
#
# `sp500` holds the daily S&P 500 index from 1999 to 2018. `load_dataset` puts each stock series on a
# regular business-day calendar; on exchange holidays the price is carried forward (a zero return).
# We keep only the closing level in `y`.
#
# A price series wanders: its level in 2018 is unlike anything in 2003, so a network trained on old
# prices has never seen the range it is asked about. The **log return**
# `r_t = log(p_t / p_{t-1})` is much closer to stationary: small numbers around 0 with a spread that
# changes slowly. With `target_transform="log_return"` tsrnn trains on `r_t` and turns the forecast back
# into a price with `p_{T+h} = p_T * exp(r_{T+1} + ... + r_{T+h})`, so every forecast you see is a price.

# %%
from tsrnn import NaiveForecaster, RNNForecaster, compare, dataset_info, load_dataset
from tsrnn.metrics import directional_accuracy, mape

prices = load_dataset("sp500", target="close")[["unique_id", "ds", "y"]]
print(dataset_info("sp500")["description"])
returns = np.log(prices["y"]).diff()

fig, axes = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
axes[0].plot(prices["ds"], prices["y"], linewidth=0.8, color="black")
axes[0].set_title("S&P 500 close (index points)")
axes[1].plot(prices["ds"], returns, linewidth=0.4, color="tab:blue")
axes[1].set_title("daily log return")
for ax in axes:
    ax.grid(alpha=0.3)
show(fig, "03_prices_returns.png")
print(f"daily log returns: mean {returns.mean():.5f}, standard deviation {returns.std():.4f}, "
      f"share of up days {(returns > 0).mean():.1%}")

# %% [markdown]
# ## The evaluation: one-day-ahead forecasts over a year nobody trained on
#
# `compare` backtests several forecasters on exactly the same forecast origins. With `horizon=1`,
# `step=1` and `folds=N` there is one origin per day of the last `N` business days. `refit=False` fits
# each model **once**, on the data before the first origin, and then forecasts from every origin using
# only the history up to that day, as you would in production between retrainings. For the RNN those
# hundreds of forecasts are one batched call (`forecast_at`, see tutorial 07).
#
# Nothing after an origin reaches the model: the fit ends before the first one, and each forecast reads
# only the history up to its origin.
#
# The models: LSTM and GRU with the same settings, both on log returns; the random walk.

# %%
N_TEST = 60 if FAST else 250
if FAST:
    prices = prices[prices["ds"] >= "2014-01-01"].reset_index(drop=True)  # less history, quicker features

rnn_settings = dict(
    horizon=1,
    window=20 if FAST else 60,
    hidden_size=8 if FAST else 32,
    max_steps=20 if FAST else 1500,
    batch_size=128 if FAST else 256,
    target_transform="log_return",
    scaler="standard",  # returns are already centred: one global scale per series, fitted on training data
    progress=False,
    random_state=0,
)
models = {
    "LSTM": RNNForecaster(cell="lstm", **rnn_settings),
    "GRU": RNNForecaster(cell="gru", **rnn_settings),
    "random walk": NaiveForecaster(),
}
comparison = compare(models, prices, horizon=1, folds=N_TEST, step=1, refit=False, season_length=1,
                     progress=False)
print(comparison.leaderboard[["MASE", "MAE", "RMSE", "fit_time_s", "predict_time_s"]].round(4))

# %% [markdown]
# With `season_length=1` the MASE denominator is the in-sample error of the random walk itself, so it
# reads as "error relative to the typical one-day move in the training data" (values above 1 mean the test
# days moved more than the training days did, as in the turbulent last months of 2018). Expect all three
# models within a few percent of each other: daily index moves are close to unpredictable from their own
# past. A model that beats the random walk by a wide margin here deserves suspicion before celebration.
#
# A backtest should be easy to audit. The random walk's forecast from an origin must be exactly the last
# price at that origin; if it were the next day's price, the backtest would be leaking the future.

# %%
walk = comparison.results["random walk"]
audit = walk.forecasts.merge(walk.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"])
assert np.allclose(audit["y_pred"], audit["last_value"]), "the random walk must forecast the last observed price"
print("audit passed: every random-walk forecast equals the last price before its origin")

# %% [markdown]
# ## Direction: the number traders care about
#
# **Directional accuracy** is the share of days where the forecast moved in the same direction as the
# price: `mean(sign(y_pred - y_last) == sign(y - y_last))`. Two traps:
#
# 1. The right baseline is not 50%. Markets go up slightly more often than down, so a forecaster that
#    always says "up" scores the share of up days. A model has to beat *that*.
# 2. The random walk forecasts "no move", which is only a hit on the rare days the price did not move
#    (the holidays carried forward), so its directional accuracy is near 0 and meaningless.
#
# And with `N` test days, a hit rate has a standard error of about `sqrt(0.25 / N)`: 3 points for 250
# days. A model needs to clear the baseline by about two standard errors before it means anything.

# %%
rows = {}
for name in ("LSTM", "GRU", "random walk"):
    res = comparison.results[name]
    f = res.forecasts.merge(res.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"])
    rows[name] = {
        "directional accuracy": directional_accuracy(f["y"], f["y_pred"], f["last_value"]),
        "MAPE on prices (%)": mape(f["y"], f["y_pred"]),
    }
always_up = (f["y"] > f["last_value"]).mean()
rows["always 'up'"] = {"directional accuracy": always_up, "MAPE on prices (%)": np.nan}
table = pd.DataFrame(rows).T
print(table.round(4))
half_band = 2 * np.sqrt(0.25 / len(f))
print(f"baseline to beat: {always_up:.1%} up days; two standard errors of a hit rate over {len(f)} days: "
      f"+/- {half_band:.1%}")
if FAST:
    print("(fast mode: 20 training steps; these numbers say nothing about the method)")

# %% [markdown]
# `BacktestResult.finance()` turns the same forecasts into a toy trading strategy: long when the
# forecast is above today's price, short when below, compared with buy-and-hold over the same days
# (no transaction costs, which would eat most of a daily strategy's edge).

# %%
finance = pd.concat({name: comparison.results[name].finance() for name in ("LSTM", "GRU")})
print(finance[["n_trades", "directional_accuracy", "strategy_return", "buy_and_hold_return",
               "strategy_sharpe", "buy_and_hold_sharpe"]].round(3))

# %% [markdown]
# ## Why a low error on prices misleads
#
# Look at the random walk's MAPE in the table above: around 1%. "99% accurate!" is how many blog posts
# announce their stock-price LSTM. But the random walk knows nothing at all about the future; its
# error is small only because a price tomorrow is close to the price today. Any model that outputs
# something close to the last price inherits that tiny error, and a network trained on raw prices
# learns exactly that: copy the last value.
#
# The plot makes the illusion visible: the forecast hugs the actual price, one day late. Judge the
# forecast on what it adds to the last price, the predicted *change*, and the picture is honest: the
# correlation between predicted and actual changes is the real skill, and it is close to 0.

# %%
lstm = comparison.results["LSTM"]
f = lstm.forecasts.merge(lstm.origins[["unique_id", "fold", "last_value"]], on=["unique_id", "fold"])
walk_f = audit
level_r2 = 1 - np.sum((walk_f["y"] - walk_f["y_pred"]) ** 2) / np.sum((walk_f["y"] - walk_f["y"].mean()) ** 2)
print(f"random walk on price levels: MAPE {mape(walk_f['y'], walk_f['y_pred']):.2f}%, R^2 {level_r2:.3f}  "
      "<- looks excellent, means nothing")
predicted_change = f["y_pred"] - f["last_value"]
actual_change = f["y"] - f["last_value"]
corr = np.corrcoef(predicted_change, actual_change)[0, 1] if predicted_change.std() > 0 else float("nan")
print(f"LSTM on changes: correlation between predicted and actual daily changes {corr:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
last = f.tail(40)
axes[0].plot(last["ds"], last["y"], color="black", label="actual close")
axes[0].plot(last["ds"], walk_f.tail(40)["y_pred"], color="tab:orange", label="random walk")
axes[0].plot(last["ds"], last["y_pred"], color="tab:blue", label="LSTM")
axes[0].set_title("price level: everything looks accurate")
axes[0].legend(fontsize="small")
axes[0].tick_params(axis="x", labelrotation=30)
axes[1].scatter(predicted_change, actual_change, s=6, alpha=0.6)
axes[1].axhline(0, color="grey", linewidth=0.5)
axes[1].axvline(0, color="grey", linewidth=0.5)
axes[1].set_xlabel("predicted change")
axes[1].set_ylabel("actual change")
axes[1].set_title("daily change: where skill would show")
for ax in axes:
    ax.grid(alpha=0.3)
show(fig, "03_price_illusion.png")

# %% [markdown]
# ## What to take away
#
# * Model returns, report prices: `target_transform="log_return"` does both.
# * The random walk is the benchmark for prices; a MASE with `season_length=1` measures against it
#   directly. Beating it by a hair on one year is not evidence; beating it on many years and many
#   tickers, after costs, would be.
# * Directional accuracy must beat the share of up days by more than its standard error.
# * MAPE, RMSE or R^2 on price *levels* reward copying yesterday's price. Judge changes instead.
# * LSTM and GRU usually land close to each other here; the GRU has fewer parameters (three weight
#   blocks to the LSTM's four) and trains a little faster.
