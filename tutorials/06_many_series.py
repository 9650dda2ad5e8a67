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
# # 06 · One network for many series: a global RNN with covariates
#
# Classical models are **local**: ARIMA or the seasonal naive forecast learn one model per series.
# A recurrent network can be **global**: one set of weights trained on windows drawn from every series at
# once. With related series (stores of a chain, products of a category, regions of a country) a global
# model sees many more examples than any single series offers, and patterns learned on one series help
# the others.
#
# The data: quarterly accommodation takings (millions of AUD) of the 8 Australian states and
# territories, 1998 to 2016, with two extra columns, the room occupancy rate (%) and the national
# consumer price index. This tutorial shows
#
# * how one `RNNForecaster` handles series of very different sizes;
# * **past covariates** (extra columns known only up to the forecast origin) and **calendar features**
#   (known for the future);
# * a backtest of the global model against a per-series seasonal naive forecast, series by series.
#
# `TSRNN_TUTORIAL_FAST=1` trains tiny networks for a few steps on two folds.

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
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial06_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## The panel
#
# Several series travel together in one long frame: the `unique_id` column says which series a row
# belongs to. Every column besides `unique_id`, `ds` and `y` is a covariate.

# %%
from tsrnn import RNNForecaster, SeasonalNaiveForecaster, backtest, compare, load_dataset

panel = load_dataset("aus_accommodation")
print(panel.head(3))
print(panel.groupby("unique_id")[["y", "occupancy"]].mean().round(1))

fig, axes = plt.subplots(4, 2, figsize=(10, 8), sharex=True)
for ax, (uid, g) in zip(axes.ravel(), panel.groupby("unique_id")):
    ax.plot(g["ds"], g["y"], color="black", linewidth=0.9)
    ax.set_title(uid, fontsize="small")
    ax.grid(alpha=0.3)
fig.suptitle("Quarterly accommodation takings (millions of AUD)")
fig.tight_layout()
show(fig, "06_panel.png")

# %% [markdown]
# New South Wales takes more than ten times as much as Tasmania. A global network cannot learn from both
# if its inputs live on such different scales. The default `scaler="window"` rescales each input window
# by its own mean and standard deviation, and the output back again, so the network only ever sees
# *shapes*: the trend and the season in relative terms, which the states share. `target_transform="log"`
# makes a growing seasonal swing a constant one, which helps further.
#
# ## Covariates: what is known when
#
# The question for every extra column is: *at the moment of forecasting, do we know its future values?*
#
# * **Past covariates** are observed alongside the target but not known ahead: occupancy next quarter
#   is as unknown as takings next quarter, and so is the CPI. The network reads them in its input window
#   (each scaled per series), and that is all. This is what tsrnn does with every extra column by
#   default.
# * **Future covariates** are known for the horizon: calendar effects, planned prices or promotions,
#   holidays. List such columns in `future_covariates=[...]` and pass their horizon values to `predict`
#   as `X_future`. Declaring a column "future" when it is not (the CPI of next year) would let the
#   backtest use information that would not exist at forecast time: an optimistic lie.
# * **Calendar features**, `calendar_features=True`, are future covariates tsrnn computes itself: a sine
#   and cosine of the month in the year (for quarterly data, the quarter), for the window and the
#   horizon. They tell the network *where in the year* each step is, which a window of past values only
#   implies.

# %%
HORIZON = 8  # two years of quarters
FOLDS = 2 if FAST else 3
settings = dict(
    horizon=HORIZON,
    window=16,
    hidden_size=8 if FAST else 32,
    max_steps=30 if FAST else 600,
    target_transform="log",
    progress=False,
    random_state=0,
)
with_covariates = RNNForecaster(calendar_features=True, **settings)
with_covariates.fit(panel)
print("features the network reads at each step:", with_covariates.feature_names_)
print(f"{with_covariates.n_train_windows_} training windows from {panel['unique_id'].nunique()} series")

# %% [markdown]
# `feature_names_` shows the input of each time step: the target, the two past covariates and the two
# calendar columns. The training windows come from all eight series: that pool, roughly eight times what
# one series offers, is the point of a global model.
#
# Forecasting from the end of the data needs nothing more: past covariates only matter inside the
# window, and calendar features are computed for the future dates.

# %%
future = with_covariates.predict()
print(future.groupby("unique_id").head(2).to_string(index=False, float_format="%.1f"))

# %% [markdown]
# ## The backtest: global RNN against a per-series seasonal naive
#
# `compare` runs both on the same origins (the last `FOLDS` two-year stretches, refitting at each). A
# second backtest trains the same network on the target alone (the frame without `occupancy` and
# `cpi`, and no calendar features) to see what the covariates contribute; its origins are the same
# because the folds are anchored at the end of each series.

# %%
comparison = compare({"LSTM + covariates": with_covariates, "seasonal naive": SeasonalNaiveForecaster()},
                     panel, horizon=HORIZON, folds=FOLDS, progress=False)
target_only = backtest(RNNForecaster(**settings), panel[["unique_id", "ds", "y"]], horizon=HORIZON, folds=FOLDS,
                       progress=False)
results = {**comparison.results, "LSTM, target only": target_only}
board = pd.concat([r.summary().set_axis([name]) for name, r in results.items()])
print(board[["MASE", "sMAPE", "MAE", "fit_time_s"]].sort_values("MASE").round(3))
if FAST:
    print("(fast mode: 30 training steps, two folds: not a verdict on the method)")

# %% [markdown]
# And series by series, since an average can hide a model that is excellent on the big states and poor
# on the small ones (or the reverse):

# %%
by_series = pd.DataFrame({name: r.metrics(by="series")["MASE"] for name, r in results.items()})
by_series["best"] = by_series.idxmin(axis=1)
print(by_series.round(3))

# %%
rnn_result = comparison.results["LSTM + covariates"]
fig = rnn_result.plot(series=["New South Wales", "Tasmania"])
show(fig, "06_backtest.png")

# %% [markdown]
# What to expect and how to read it:
#
# * With 74 quarters per series, the seasonal naive forecast is a strong benchmark for these smooth,
#   strongly seasonal series; a network needs enough training steps (and often a tuned window and size,
#   tutorial 05) to beat it, and may not. Report it honestly either way.
# * The global model's advantage grows with the number of related series: with hundreds of stores or
#   products, one network learns the shared seasonal shape from all of them, while per-series models
#   start from scratch each time. It also forecasts a *new* series from a short history
#   (`predict(df=new_history)`), which per-series models cannot do without refitting.
# * Covariates help when they carry information the target's own past does not. Occupancy moves with
#   takings, so it mostly repeats what the window already shows; compare the two LSTM rows before
#   keeping a covariate.
#
# ## Summary
#
# * One `RNNForecaster` fits all series of a long frame; `scaler="window"` lets series of any size share
#   weights.
# * Extra columns are past covariates by default; `future_covariates=[...]` only for columns truly known
#   ahead (with `X_future` at predict time); `calendar_features=True` adds the season's position.
# * Judge a global model series by series against per-series baselines, on the same origins.
