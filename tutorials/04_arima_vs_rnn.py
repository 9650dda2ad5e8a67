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
# # 04 · ARIMA against a recurrent network on sales data
#
# Before a recurrent network earns its place in a forecasting pipeline it has to beat the classical
# statistical model for the job. For monthly sales that model is seasonal ARIMA. This tutorial
#
# * explains what the letters in ARIMA(p,d,q)(P,D,Q)[m] mean, and lets tsrnn choose them automatically
#   (`fitted_orders_`);
# * draws ARIMA's 80% and 95% prediction intervals (`predict(level=[80, 95])`);
# * trains an LSTM that produces intervals too, through a quantile loss;
# * ranks ARIMA, the LSTM and the seasonal naive forecast with a rolling-origin backtest
#   (`tsrnn.compare`): a leaderboard of accuracy *and* interval coverage, plus an HTML report.
#
# The data are monthly Australian PBS prescription-drug sales (anti-diabetics `a10` and
# corticosteroids `h02`, 1991 to 2008). `TSRNN_TUTORIAL_FAST=1` uses `a10` only, two folds and a tiny
# network.

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

pd.set_option("display.width", 150)
pd.set_option("display.max_columns", 20)
_FIGURE_DIR = None


def show(fig, name):
    """Show a figure; headless runs save it to a temporary folder instead, fast mode only closes it."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial04_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %%
from tsrnn import ARIMAForecaster, RNNForecaster, SeasonalNaiveForecaster, compare, load_dataset

names = ["a10"] if FAST else ["a10", "h02"]
sales = pd.concat([load_dataset(name) for name in names], ignore_index=True)
print(sales.groupby("unique_id")["ds"].agg(["min", "max", "count"]))

fig, axes = plt.subplots(len(names), 1, figsize=(9, 2.6 * len(names)), squeeze=False)
for ax, (uid, g) in zip(axes[:, 0], sales.groupby("unique_id")):
    ax.plot(g["ds"], g["y"], color="black", linewidth=1)
    ax.set_title(f"{uid}: monthly PBS expenditure (millions of AUD)")
    ax.grid(alpha=0.3)
fig.tight_layout()
show(fig, "04_data.png")

# %% [markdown]
# ## ARIMA in one paragraph per letter
#
# * **AR(p)**, autoregression: the next value is a linear combination of the last `p` values plus noise.
# * **I(d)**, integration: the model is fitted to the series differenced `d` times (`y_t - y_{t-1}`),
#   which removes a trend the AR part could not express.
# * **MA(q)**, moving average: the next value also depends on the last `q` *forecast errors*, so a
#   surprise yesterday moves today's forecast.
# * **(P, D, Q)[m]**, the same three ideas at the seasonal lag `m` (12 for months): seasonal
#   differencing `y_t - y_{t-12}`, and AR / MA terms at lags 12, 24, ...
#
# Where an RNN *learns* a non-linear update of a hidden state from many windows, ARIMA is a linear model
# with a handful of parameters fitted per series by maximum likelihood. That makes it data-efficient,
# interpretable, and equipped with a likelihood, from which prediction intervals follow.
#
# Choosing the orders by hand is an art; `ARIMAForecaster()` (no `order`) does it the way R's
# `auto.arima` does: a seasonal-strength test picks `D`, repeated KPSS unit-root tests pick `d`, and a
# stepwise search over `p, q, P, Q` and the constant minimises the AICc. `fitted_orders_` shows the
# result per series, `fit_report_` whether anything went wrong.

# %%
HORIZON = 12
train = sales.groupby("unique_id").head(-HORIZON)  # all but the last 12 months of each series
test = sales.groupby("unique_id").tail(HORIZON)

arima = ARIMAForecaster().fit(train)
print(arima.fitted_orders_[["unique_id", "model", "aicc", "n_fits"]].to_string(index=False))
print(arima.fit_report_[["unique_id", "status", "n_warnings"]].to_string(index=False))

# %% [markdown]
# The search settles on a seasonal difference (`D = 1`, the second number of the seasonal part): the
# yearly pattern is strong enough that the model works on year-over-year changes. `n_fits` is how many candidate models the stepwise search
# tried before settling.
#
# ## Prediction intervals
#
# `predict(level=[80, 95])` adds `y_pred_lo_80`, `y_pred_hi_80`, `y_pred_lo_95`, `y_pred_hi_95`. An
# 80% interval should contain the truth 8 times out of 10 *if the model is right*; the intervals widen
# with the horizon because errors accumulate. They do not include the uncertainty of having chosen the
# wrong model, which is why real coverage is often lower than nominal.

# %%
fan = arima.predict(HORIZON, level=[80, 95])
print(fan.head(3).to_string(index=False, float_format="%.3f"))

fig, axes = plt.subplots(len(names), 1, figsize=(9, 2.8 * len(names)), squeeze=False)
for ax, uid in zip(axes[:, 0], names):
    hist = train[(train["unique_id"] == uid) & (train["ds"] >= "2003-01-01")]
    truth = test[test["unique_id"] == uid]
    f = fan[fan["unique_id"] == uid]
    ax.plot(hist["ds"], hist["y"], color="black", linewidth=1, label="history")
    ax.plot(truth["ds"], truth["y"], color="black", linestyle="--", linewidth=1, label="held out")
    ax.fill_between(f["ds"], f["y_pred_lo_95"], f["y_pred_hi_95"], color="tab:blue", alpha=0.15, label="95%")
    ax.fill_between(f["ds"], f["y_pred_lo_80"], f["y_pred_hi_80"], color="tab:blue", alpha=0.3, label="80%")
    ax.plot(f["ds"], f["y_pred"], color="tab:blue", label="ARIMA")
    ax.set_title(uid)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
fig.tight_layout()
show(fig, "04_arima_intervals.png")

# %% [markdown]
# ## A recurrent network with intervals: the quantile loss
#
# A network trained with squared error predicts a mean, nothing more. Trained with the **pinball
# (quantile) loss** for level `q`, `max(q (y - f), (q - 1)(y - f))`, an output learns the `q`-quantile
# instead: under-forecasts cost `q`, over-forecasts `1 - q`. With `loss="quantile"` tsrnn gives the
# network one output per requested quantile; the median is the point forecast and the pairs
# (2.5%, 97.5%) and (10%, 90%) are 95% and 80% intervals.
#
# Unlike ARIMA's, these intervals come from data, not from a model assumption. But they are learned
# from the training windows only and can be too narrow when the future is calmer or wilder than the past.
#
# One LSTM is trained on **all** series at once (a *global* model): `a10` and `h02` share one set of
# weights, each window scaled by its own level (`scaler="window"`), with `target_transform="log"` to turn
# the growing seasonal swings into constant ones.

# %%
lstm = RNNForecaster(
    cell="lstm",
    horizon=HORIZON,
    window=24,
    hidden_size=8 if FAST else 32,
    max_steps=30 if FAST else 800,
    loss="quantile",
    quantiles=(0.025, 0.1, 0.5, 0.9, 0.975),
    target_transform="log",
    progress=False,
    random_state=0,
)

# %% [markdown]
# ## The backtest: same origins for every model
#
# A single holdout year is a small sample. `compare` runs a rolling-origin backtest: for each of the last
# `folds` cut-off dates (a year apart here, `step = horizon`), every model is fitted on the data up to the
# cut-off (`refit=True`) and forecasts the next 12 months. All models see exactly the same origins.
#
# The leaderboard pools the folds: MASE (per series and fold, scaled by that fold's own seasonal naive
# in-sample error, then averaged, as in the M4 competition), RMSSE, sMAPE, ..., the empirical coverage
# and mean width of each interval level, and the time spent fitting and predicting.

# %%
FOLDS = 2 if FAST else 4
models = {
    "ARIMA (auto)": ARIMAForecaster(),
    "LSTM (quantile)": lstm,
    "seasonal naive": SeasonalNaiveForecaster(),
}
comparison = compare(models, sales, horizon=HORIZON, folds=FOLDS, level=[80, 95], progress=False)
board = comparison.leaderboard
columns = ["MASE", "sMAPE", "coverage_80", "coverage_95", "width_80", "fit_time_s"]
print(board[[c for c in columns if c in board.columns]].round(3).to_string())
if FAST:
    print("(fast mode: two folds, a 30-step network: the ranking is not meaningful)")

# %% [markdown]
# How to read it:
#
# * **MASE** below 1 beats the in-sample seasonal naive forecast; the seasonal naive row shows how hard
#   its own out-of-sample test was.
# * **Coverage** close to the nominal level (0.80, 0.95) with a **narrow width** is the goal; coverage
#   far below nominal means overconfident intervals. With `folds x series x 12` points, coverage is
#   itself noisy: a few folds can swing it by ten points.
# * **Time**: ARIMA searches orders per series and per fold; the network's cost is its training steps,
#   whatever the number of series, which is the case for global models on large panels (tutorial 06).
#
# On short monthly series like these, a well-specified ARIMA is hard to beat; networks tend to pay off
# with many related series, covariates, or long histories.
#
# Per-fold and per-horizon views are one call away on each `BacktestResult`:

# %%
arima_result = comparison.results["ARIMA (auto)"]
print(arima_result.metrics(by="fold")[["MASE", "coverage_80", "n"]].round(3))
print(arima_result.metrics(by="horizon_step")[["MAE"]].round(3).T)

# %% [markdown]
# ## A report to share
#
# `Comparison.report(path)` writes one self-contained HTML file (figures embedded) with the leaderboard,
# the forecasts of every model at every origin, error by horizon and the settings. Open it in a browser.

# %%
report_dir = tempfile.mkdtemp(prefix="tsrnn_tutorial04_report_")
report_path = comparison.report(os.path.join(report_dir, "arima_vs_rnn.html"), title="ARIMA vs LSTM on PBS sales")
print(f"report written to {report_path} ({os.path.getsize(report_path) / 1e3:.0f} kB)")
if FAST:
    import shutil

    shutil.rmtree(report_dir, ignore_errors=True)  # fast mode leaves nothing behind

# %% [markdown]
# ## Summary
#
# * `ARIMAForecaster()` picks orders per series automatically; check `fitted_orders_` and `fit_report_`.
# * `predict(level=[80, 95])` gives likelihood-based intervals; an RNN gives learned ones with
#   `loss="quantile"`.
# * `compare(models, df, horizon, folds, level=...)` puts every model on the same origins, and the
#   leaderboard scores points *and* intervals. Trust rankings that hold across folds, not one holdout.
