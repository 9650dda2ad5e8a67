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
# # 10 · Data as you have it: store × item sales and stocks on trading days
#
# Real files do not look like `unique_id, ds, y`. A retail export has a date, a **store** and an **item**
# column (a series is a pair of them), the sales, a promotion flag planned weeks ahead, the store's size, and
# days missing where the till data were lost. A price download has one row per **trading day**: no row on
# weekends or exchange holidays, and several columns per day (open, high, low, close, volume).
#
# This tutorial takes both as they come and shows
#
# * several id columns (`id_col=["store", "item"]`), with forecasts returned under the same columns;
# * covariates **by role**: `future_covariates` (the promotion, known ahead), `static_covariates` (the store
#   size, one value per series), `past_covariates` (only up to the forecast origin); unnamed columns are
#   ignored and `fit` says so;
# * `fill_missing` **per column**: interpolated sales, but no promotion on a day nobody recorded one;
# * stocks on their **exchange's trading days** (`freq="NYSE"`), with no forward fill and no invented flat days;
# * `RegressionForecaster`, any scikit-learn regressor as a forecaster, in the same backtest as an RNN, ETS,
#   the seasonal naive forecast and the random walk;
# * updating a fitted RNN with new data (`update`) and forecasting from new history (`predict(df=...)`);
# * the same two scenarios from the command line.
#
# The data are synthetic (`tsrnn.scenarios`), generated on the spot: nothing is downloaded.
# `TSRNN_TUTORIAL_FAST=1` uses small data and tiny networks.

# %%
# ruff: noqa: E402  (a notebook: imports come where they are first needed)
import os
import subprocess
import sys
import tempfile
import warnings

FAST = os.environ.get("TSRNN_TUTORIAL_FAST") == "1"
if FAST:
    # Small models on a shared CPU: one thread per process avoids paying for thread synchronisation.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import pandas as pd

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)

from tsrnn import (
    ETSForecaster,
    NaiveForecaster,
    RegressionForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    compare,
)
from tsrnn.scenarios import retail_sales, stock_prices

# %% [markdown]
# ## 1. Retail: two id columns, a promotion, a store size, missing days

# %%
retail = retail_sales(stores=2 if FAST else 10, items=2 if FAST else 5, days=90 if FAST else 3 * 365, seed=0)
print(retail.head())
n_series = retail.groupby(["store", "item"]).ngroups
expected_rows = n_series * retail["date"].nunique()
print(f"{n_series} series (store x item), {expected_rows - len(retail)} of {expected_rows} rows missing")

# %% [markdown]
# One series is a (store, item) pair: `id_col=["store", "item"]` says so; there is no need to glue the two into
# one key. Each extra column gets a role:
#
# * `promo` is planned ahead: a **future covariate**. The model reads it over the horizon, and `predict` needs
#   its future values (`X_future`, with the same id and time columns).
# * `size` is a property of the store: a **static covariate**. The RNN reads it as an input scaled *across*
#   series (a per-series scaler would turn every constant into 0), so stores of different sizes are told apart.
#
# The missing days need a policy, and one policy for every column would be wrong: interpolating sales is
# reasonable, but a promotion on a day nobody recorded one is not. `fill_missing` takes a dict. Backtests fill
# each fold again from its own past, so no interpolation reaches across a cutoff.

# %%
HORIZON = 7
DATA = dict(id_col=["store", "item"], time_col="date", target_col="sales",
            fill_missing={"sales": "interpolate", "promo": "zero", "size": "ffill"})
RNN_SIZE = dict(hidden_size=8 if FAST else 32, max_steps=10 if FAST else 400, progress=False, random_state=0)

rnn = RNNForecaster(window=28, horizon=HORIZON, future_covariates=["promo"], static_covariates=["size"], **RNN_SIZE)
rnn.fit(retail, **DATA)
print("the network reads:", rnn.feature_names_, "| needs ahead:", rnn.known_covariates_)

# The promotion plan for the next week: every other day, for every (store, item).
keys = retail[["store", "item"]].drop_duplicates()
next_days = pd.date_range(retail["date"].max() + pd.Timedelta(days=1), periods=HORIZON, freq="D")
plan = keys.merge(pd.DataFrame({"date": next_days}), how="cross")
plan["promo"] = (plan["date"].dt.day % 2).astype(float)
forecast = rnn.predict(X_future=plan)
print(forecast.head(HORIZON).round(1))

# %% [markdown]
# The forecast comes back with `store` and `item` columns, as the data had them.
#
# ### The backtest: RNN, a ridge regression, ETS and the seasonal naive forecast
#
# `RegressionForecaster` turns any scikit-learn regressor into a forecaster: each (series, origin) is one row
# of the last `window` values (normalised by the window), the promotion over the horizon and the store size,
# and the regressor learns all `horizon` steps at once. Plug in `Ridge`, a random forest or LightGBM's
# `LGBMRegressor`; regressors with a single output are wrapped one model per step. It takes the same roles.

# %%
from sklearn.linear_model import Ridge

models = {
    "LSTM": rnn,
    "ridge": RegressionForecaster(Ridge(alpha=1.0), window=28, horizon=HORIZON, future_covariates=["promo"],
                                  static_covariates=["size"]),
    "ETS": ETSForecaster(season_length=7),
    "seasonal naive": SeasonalNaiveForecaster(season_length=7),
}
retail_result = compare(models, retail, horizon=HORIZON, folds=2 if FAST else 4, progress=False, **DATA)
print(retail_result.leaderboard[["MASE", "sMAPE", "MAE", "fit_time_s"]].round(3))

# %% [markdown]
# The models that read the promotion ahead have an edge the seasonal naive forecast and ETS cannot have:
# half the day-to-day variation here is promotions. (Fast mode trains for a few steps on little data: not a
# verdict on any method.)
#
# ## 2. Stocks: three tickers on their trading days
#
# A price file has rows on trading days only. A business-day frequency (`"B"`) would call every exchange
# holiday a missing day, and forward-filling it invents a flat day (a random walk then "predicts" it perfectly,
# which flatters it). tsrnn takes the trading days as they are:
#
# * `freq="NYSE"` (or `tsrnn.frequency.trading_days("NYSE")`, a pandas `CustomBusinessDay`): the series live on
#   the exchange's calendar, and `predict` returns the next trading days;
# * `freq="trading"`: the days the data has are the trading days (a weekday no ticker traded is a holiday).
#   The time axis is the observation index; the forecast's dates are the next weekdays, and `predict` says it
#   is counting steps, since it cannot know future holidays.

# %%
stocks = stock_prices(tickers=("AAA", "BBB", "CCC"), start="2024-01-02" if FAST else "2019-01-02",
                      end="2024-12-31", seed=0)
print(stocks.head(3))
print("rows on 2024-12-25:", int((stocks["Date"] == "2024-12-25").sum()))

STOCKS = dict(id_col="Ticker", time_col="Date", target_col="Close", freq="NYSE")
walk = NaiveForecaster().fit(stocks, **STOCKS)
print(walk.predict(3).head(3))

# %% [markdown]
# The next trading days after 2024-12-31 skip New Year's Day. Which columns a model reads is its own choice:
# a close-only LSTM (`past_covariates=[]`) and one that also reads open, high, low and volume are two models
# on one frame. Columns a model does not name are left out, and `fit` says which.

# %%
STEPS = 5
stock_models = {
    "random walk": NaiveForecaster(),
    "ridge": RegressionForecaster(Ridge(alpha=1.0), window=20, horizon=STEPS),
    "LSTM (close)": RNNForecaster(window=20, horizon=STEPS, past_covariates=[], target_transform="log_return",
                                  **RNN_SIZE),
    "LSTM (OHLCV)": RNNForecaster(window=20, horizon=STEPS, past_covariates=["Open", "High", "Low", "Volume"],
                                  target_transform="log_return", **RNN_SIZE),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # "ignores column(s) ...": said once above, by design
    stock_result = compare(stock_models, stocks, horizon=STEPS, folds=2 if FAST else 20, progress=False, **STOCKS)
print(stock_result.leaderboard[["MASE", "MAE", "DM_p", "fit_time_s"]].round(4))

# %% [markdown]
# On a random walk (these synthetic prices are one) nothing beats the random walk for long: a model that appears
# to over a few folds is lucky (`DM_p`, the Diebold-Mariano p-value against the random walk, says how much such
# a difference means) or has seen the future. Here the backtest cuts each fold at a trading day and scores the
# next `STEPS` trading days: no holiday is counted as a day.
#
# ## 3. New data: `update` and `predict(df=...)`
#
# Two weeks later there are ten more trading days. Two ways to use them:
#
# * `predict(df=new_history)` forecasts from the new end **without training**: instant, the weights stay as
#   they were (fine when the patterns have not changed);
# * `update(new_history, steps=...)` **continues training** from the current weights and optimiser state on the
#   new data, for a few optimiser steps, then forecasts from its end. Cheaper than a refit and keeps what was
#   learnt; but no validation tail is held out, and many small updates on recent data can drift away from older
#   patterns, so refit from scratch now and then and backtest both.

# %%
lstm = RNNForecaster(window=20, horizon=STEPS, past_covariates=[], target_transform="log_return", **RNN_SIZE)
older = stocks[stocks["Date"] < "2024-12-13"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    lstm.fit(older, **STOCKS)
    from_new_history = lstm.predict(df=stocks)  # no training
    lstm.update(stocks, steps=5 if FAST else 50)  # a few more steps from the current weights
print(pd.DataFrame({"ds": from_new_history["ds"].iloc[:STEPS],
                    "predict(df=...)": from_new_history["y_pred"].iloc[:STEPS].round(2).to_numpy(),
                    "after update": lstm.predict()["y_pred"].iloc[:STEPS].round(2).to_numpy()}))
print("training steps so far:", len(lstm.history_))

# %% [markdown]
# ## 4. Other inputs: numpy and polars
#
# A numpy array `[series, time]` has no timestamps: give `freq=` and its steps are dated from 2000-01-01
# (`tsrnn.data.ARRAY_START`). A polars DataFrame, when polars is installed, is converted at the boundary.

# %%
array = stocks.pivot(index="Date", columns="Ticker", values="Close").to_numpy().T  # [3 series, time]
print(NaiveForecaster().fit(array, freq="B").predict(1))
try:
    import polars as pl

    frame = pl.DataFrame({c: stocks[c].to_numpy() for c in ("Date", "Ticker", "Close")})
    print(NaiveForecaster().fit(frame, **STOCKS).predict(1))
except ImportError:
    print("polars is not installed: skipped")

# %% [markdown]
# ## 5. The same from the command line
#
# `tsrnn fit` and `tsrnn backtest` take the roles as `--past`, `--future` and `--static`, several id columns as
# a repeated `--id-col`, and per-column fill policies as `--fill-missing COL=POLICY`; `tsrnn predict --future`
# reads the promotion plan.

# %%
folder = tempfile.mkdtemp(prefix="tsrnn_tutorial10_")
retail_csv, plan_csv = os.path.join(folder, "retail.csv"), os.path.join(folder, "plan.csv")
stocks_csv = os.path.join(folder, "stocks.csv")
retail.to_csv(retail_csv, index=False)
plan.to_csv(plan_csv, index=False)
stocks.to_csv(stocks_csv, index=False)
retail_columns = ["--id-col", "store", "--id-col", "item", "--time-col", "date", "--target-col", "sales",
                  "--fill-missing", "sales=interpolate", "--fill-missing", "promo=zero",
                  "--fill-missing", "size=ffill", "--future", "promo", "--static", "size"]
stock_columns = ["--id-col", "Ticker", "--time-col", "Date", "--target-col", "Close", "--freq", "NYSE"]
commands = [
    ["backtest", "--data", retail_csv, "--models", "snaive,ets,regression", "--horizon", "7", "--folds", "2",
     "--param", "regression.window=28", *retail_columns],
    ["fit", "--data", retail_csv, "--model", "regression", "--horizon", "7", "--param", "window=28",
     *retail_columns, "--out", os.path.join(folder, "retail_model")],
    ["predict", "--model", os.path.join(folder, "retail_model"), "--future", plan_csv,
     "--out", os.path.join(folder, "retail_forecast.csv")],
    ["backtest", "--data", stocks_csv, "--models", "naive,regression", "--horizon", "5", "--folds", "3",
     "--past", "", "--param", "regression.window=20", *stock_columns],
]
for args in commands:
    print("$ tsrnn", " ".join(a if a else '""' for a in args).replace(folder, "<folder>"))
    done = subprocess.run([sys.executable, "-m", "tsrnn", *args], capture_output=True, text=True)
    print(done.stdout.strip()[-600:])
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
print(pd.read_csv(os.path.join(folder, "retail_forecast.csv")).head(3))

# %% [markdown]
# ## Summary
#
# * `id_col=["store", "item"]`: several id columns, and forecasts come back with them.
# * Name each covariate's role: `future_covariates` (known ahead, `X_future` at predict time),
#   `static_covariates` (one value per series), `past_covariates` (only up to the origin); other columns are
#   ignored, and `fit` says which.
# * `fill_missing={"sales": "interpolate", "promo": "zero"}`: a policy per column.
# * Stocks: `freq="NYSE"` for the exchange's trading days, `freq="trading"` for the days the data has; no
#   forward fill.
# * `RegressionForecaster(estimator, window, horizon)` puts any scikit-learn regressor in the same backtests.
# * `update(df, steps=...)` continues training; `predict(df=...)` forecasts from new history without it.
