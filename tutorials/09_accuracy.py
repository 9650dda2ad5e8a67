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
# # 09 · What makes a recurrent forecaster accurate
#
# In the M4 forecasting competition (2018) the organisers' own recurrent-network benchmark finished far
# behind the naive forecast (Naive2) on the weekly series: sMAPE 15.22 against 9.16 (the figures are in
# `benchmarks/RESULTS.md`). Recurrent networks are not bad forecasters, but a plain one trained the
# obvious way wastes much of its capacity relearning things a linear model gets for free. tsrnn's
# defaults were changed after measuring what helps (issue 11). This tutorial explains each of those
# ideas, says *why* it helps, and measures it with tsrnn on five shipped monthly sales series:
#
# 1. the **hybrid**: a linear path from the window straight to the forecast, added to the network
#    (`linear_skip=True`);
# 2. the **loss**: mean absolute error (`loss="mae"`) or a scaled error (`loss="mase"`) instead of the
#    mean squared error;
# 3. **seasonal differencing** (`target_transform="seasonal_diff"` or `"log_seasonal_diff"`);
# 4. **ensembles** of seeds (`n_models=`);
# 5. the **honest baseline**: `LinearForecaster`, the same pipeline with the recurrent part removed;
# 6. **deseasonalisation and two views** (`deseasonalize=`): the default trains one network on the series
#    as they are and one on the series with their seasonal pattern removed, and averages them.
#
# Sections 1 to 5 compare single networks (`deseasonalize=None`), so that each idea is measured alone;
# section 6 adds the two views that `RNNForecaster()` uses by default.
#
# `TSRNN_TUTORIAL_FAST=1` trains tiny networks for 40 steps on fewer origins: the code is the same, the
# numbers are noise. The conclusions at the end of each section are stated as what to look for; the
# printed lines say what happened in *your* run.

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
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial09_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## What was measured on M4 Weekly
#
# These figures come from `benchmarks/bench_m4.py` on the 359 weekly series of M4 (horizon 13, the
# competition's own sMAPE and MASE), not from this tutorial. The first four rows (the ablation) are single
# seeds with 500 training steps; the two rows after them are the current defaults, averaged over three
# seeds, and the last is the naive forecast of the same run, as recorded in `benchmarks/RESULTS.md`.
#
# | LSTM configuration (M4 Weekly) | sMAPE | MASE |
# |---|---|---|
# | old default: MSE loss, no linear path | 8.23 | 2.43 |
# | MAE loss, no linear path | 8.19 | 2.31 |
# | linear path, MSE loss | 7.24 | 2.12 |
# | linear path + MAE loss (the new default) | 6.76 | 2.01 |
# | `RNNForecaster()` defaults, mean of 3 seeds | 6.61 | 1.99 |
# | `LinearForecaster()` defaults, mean of 3 seeds | 7.16 | 2.11 |
# | naive (last value), for reference | 9.16 | 2.78 |
#
# On M4 Weekly the linear path did most of the work, the loss helped mostly *together* with it, and the
# recurrent network earned its keep over its own linear part (6.61 against 7.16). Below we repeat the
# experiment in miniature on data that ships with tsrnn; small data can tell a different story, and that
# is a lesson too.
#
# ## The data and the yardstick
#
# Five monthly sales series (anti-diabetic and corticosteroid drug sales, wine sales, airline passengers,
# a souvenir shop). Each model is trained **once** on the data before the first of 24 monthly forecast
# origins and forecasts 12 months ahead from each of them (`refit=False`, as in tutorial 08); MASE is
# scaled per series and fold by the in-sample seasonal naive error. Every model below uses the same
# origins, so the rows of the tables compare like with like.

# %%
from tsrnn import LinearForecaster, RNNForecaster, SeasonalNaiveForecaster, compare, load_dataset

HORIZON = 12
FOLDS = 12 if FAST else 24
names = ["a10", "h02", "wineind", "airpassengers", "souvenirs"]
sales = pd.concat([load_dataset(name) for name in names], ignore_index=True)
print(sales.groupby("unique_id")["y"].describe()[["count", "min", "max"]])

# A two-layer LSTM of 32 units; fast mode shrinks it and trains 40 steps. Without max_steps the full run
# uses the data-sized default (about 30 passes over the training windows).
NET = dict(horizon=HORIZON, hidden_size=8 if FAST else 32, num_layers=1 if FAST else 2, progress=False,
           deseasonalize=None)  # one network per model in sections 1-5; section 6 is about this option
if FAST:
    NET["max_steps"] = 40
results = {}  # model name -> BacktestResult, filled section by section


def evaluate(models):
    """Backtest the models not seen yet on the shared origins and return the scores of all of ``models``."""
    todo = {name: model for name, model in models.items() if name not in results}
    if todo:
        results.update(compare(todo, sales, horizon=HORIZON, folds=FOLDS, step=1, refit=False,
                               season_length=12, progress=False).results)
    return pd.concat([results[name].summary() for name in models])[["MASE", "sMAPE", "fit_time_s"]]


def mase(name):
    return float(results[name].summary()["MASE"].iloc[0])


old_default = "LSTM, MSE, no linear path (old default)"
print(evaluate({"seasonal naive": SeasonalNaiveForecaster(season_length=12),
                old_default: RNNForecaster(linear_skip=False, loss="mse", random_state=0, **NET)}).round(3))
if FAST:
    print("(fast mode: tiny networks trained for 40 steps; these numbers are noise)")

# %% [markdown]
# ## 1. The hybrid: a linear path beside the network
#
# With `linear_skip=True` the forecast is the sum of two parts, both in the window's normalised units:
#
# $$\hat y_{T+1:T+H} = \underbrace{A\,\tilde y_{T-w+1:T} + a}_{\text{linear path}} +
#   \underbrace{\text{RNN}(\tilde y_{T-w+1:T})}_{\text{recurrent part}}$$
#
# where $\tilde y$ is the window after normalisation. `A` starts as "copy the last value to every horizon
# step" and the recurrent part's output layer starts at zero: before any training the model *is* the random
# walk, a sensible forecast, instead of the noise of a freshly initialised network. (When most training series
# are seasonal, the network that reads them as they are starts one step further: `A` copies the last *season*,
# the seasonal naive forecast; `linear_init` says which.) The recurrent part then
# grows from nothing where the data reward it (starting its output layer at zero rather than at random was
# worth 4% on the shipped sales series and 6% on a yearly panel, and cost 2-3% on two quarterly panels:
# benchmarks/RESULTS.md).
#
# Why it helps:
#
# * **Persistence and seasonal lags are linear.** "Next month looks like this month" or "like the same
#   month last year" is one weight in `A`. A recurrent network has to carry that value through `w` steps
#   of `tanh` and gates to reproduce it, which is exactly the long-range copying that tutorial 02 showed
#   to be hard to learn.
# * **The network learns the residual.** With the linear part in place, the recurrent part only has to
#   learn what is left: curvature, interactions, regime changes. Learning a correction to a good forecast
#   is easier than learning the forecast (the idea behind residual networks, and the "highway" of
#   LSTNet).
# * **A safe floor.** If the recurrent part learns little, the model is still a trained linear
#   autoregression, not a broken network.

# %%
hybrid_mse = "LSTM + linear path, MSE"
print(evaluate({old_default: None,
                hybrid_mse: RNNForecaster(linear_skip=True, loss="mse", random_state=0, **NET)}).round(3))
before, after = mase(old_default), mase(hybrid_mse)
print(f"adding the linear path: MASE {before:.3f} -> {after:.3f} ({after / before - 1:+.1%})")

# %% [markdown]
# ## 2. The loss: what the network is asked to minimise
#
# The mean squared error is minimised by the conditional **mean**, the mean absolute error by the
# conditional **median**. Three reasons to prefer an absolute loss for forecasting:
#
# * **It matches the scores.** MASE, sMAPE and MAE are absolute errors. Training on squares and scoring on
#   absolute values optimises one thing and reports another.
# * **Outliers.** A squared loss lets the few windows with a sudden jump (a promotion, a strike, a data
#   error) dominate every gradient step; the absolute loss gives each window a bounded pull (its gradient
#   is the sign of the error).
# * **Skewed data.** Sales are often skewed; the median is the better point forecast under an absolute
#   scoring rule.
#
# `loss="mase"` goes one step further: it divides each window's absolute error by that window's own mean
# absolute one-step change, so calm and volatile series weigh equally in training, as they do in the MASE
# metric.

# %%
default_name = "hybrid, MAE (one network)"
loss_models = {
    "LSTM, MAE, no linear path": RNNForecaster(linear_skip=False, loss="mae", random_state=0, **NET),
    hybrid_mse: None,
    default_name: RNNForecaster(random_state=0, **NET),  # linear_skip=True, loss="mae"
    "hybrid, MASE loss": RNNForecaster(loss="mase", random_state=0, **NET),
}
print(evaluate(loss_models).round(3))
print(f"MAE instead of MSE, without the linear path: MASE {mase(old_default):.3f} "
      f"-> {mase('LSTM, MAE, no linear path'):.3f}")
print(f"MAE instead of MSE, with the linear path:    MASE {mase(hybrid_mse):.3f} -> {mase(default_name):.3f}")

# %% [markdown]
# Compare the two printed lines: on M4 Weekly the absolute loss helped little on its own and much more
# together with the linear path. Losses interact with everything else in the model, so test them in the
# configuration you will actually use.
#
# ## 3. Seasonal differencing
#
# A seasonal series is mostly "last year again, plus a change". Seasonal differencing makes the network
# forecast only the change:
#
# $$z_t = y_t - y_{t-m} \quad(\texttt{"seasonal\_diff"}), \qquad
#   z_t = \log y_t - \log y_{t-m} \quad(\texttt{"log\_seasonal\_diff"}),$$
#
# with `m` the season length (`season_length=`, read from the frequency: 12 for monthly data). The
# forecast of `z` is turned back into `y` exactly: $\hat y_{T+h} = y_{T+h-m} + \hat z_{T+h}$, or
# $y_{T+h-m}\,e^{\hat z_{T+h}}$ for the log version (for `h <= m`; further ahead, earlier forecasts take
# the place of the observed values). In these units the seasonal naive forecast is simply $\hat z = 0$,
# and the network no longer has to rebuild the season: it learns how this year differs from last year.
# The log version turns a season that grows with the level (a10, airline passengers, souvenirs) into a
# growth rate.
#
# Costs: the first `m` values of every series are used up, and the network no longer sees levels, only
# changes. Whether that trade pays off depends on the data.

# %%
a10 = sales[sales["unique_id"] == "a10"].set_index("ds")["y"]
fig, axes = plt.subplots(1, 3, figsize=(12, 2.8))
axes[0].plot(a10, color="black", linewidth=1)
axes[0].set_title("a10: y")
axes[1].plot(a10.diff(12), color="tab:blue", linewidth=1)
axes[1].set_title("y[t] - y[t-12]")
axes[2].plot(np.log(a10).diff(12), color="tab:green", linewidth=1)
axes[2].set_title("log y[t] - log y[t-12]")
for ax in axes:
    ax.grid(alpha=0.3)
    ax.tick_params(axis="x", labelrotation=30)
fig.tight_layout()
show(fig, "09_seasonal_diff.png")

# %%
print(evaluate({
    default_name: None,
    "hybrid, seasonal_diff": RNNForecaster(target_transform="seasonal_diff", random_state=0, **NET),
    "hybrid, log_seasonal_diff": RNNForecaster(target_transform="log_seasonal_diff", random_state=0, **NET),
}).round(3))
by_series = pd.DataFrame({name: results[name].metrics(by="series")["MASE"]
                          for name in (default_name, "hybrid, seasonal_diff", "hybrid, log_seasonal_diff")})
print(by_series.round(2))

# %% [markdown]
# Look at the table by series as well as the average: a transform can help the series whose season grows
# with the level and hurt another. Treat differencing as a modelling choice to test by backtest, like a
# hyperparameter (`tsrnn.tune` can search `target_transform`), not as a free win.
#
# ## 4. Ensembles: the median of several seeds
#
# Two networks trained from different random seeds (different initial weights, different batches) end in
# different places and forecast differently. The spread between seeds is pure luck, and picking the seed
# that did best on your test data is cheating: the test data would then have chosen the model.
# `n_models=k` trains `k` networks with seeds `random_state, random_state + 1, ...` and forecasts the
# **median** of their forecasts. The median (rather than the mean) keeps one badly trained member from
# pulling the forecast away. The price is `k` times the training time.

# %%
seeds = {default_name: None}
for seed in (1, 2):
    seeds[f"hybrid, MAE, seed {seed}"] = RNNForecaster(random_state=seed, **NET)
seeds["hybrid, MAE, median of 3 seeds"] = RNNForecaster(random_state=0, n_models=3, **NET)
print(evaluate(seeds).round(3))
singles = [mase(name) for name in list(seeds)[:3]]
print(f"single seeds: MASE {min(singles):.3f} to {max(singles):.3f} (mean {np.mean(singles):.3f}); "
      f"ensemble of the same three seeds: {mase('hybrid, MAE, median of 3 seeds'):.3f}")

# The ensemble's members are exactly the three single-seed models: its forecast is their median.
member_forecasts = np.stack([results[name].forecasts["y_pred"].to_numpy() for name in list(seeds)[:3]])
ensemble_forecasts = results["hybrid, MAE, median of 3 seeds"].forecasts["y_pred"].to_numpy()
gap = np.abs(np.median(member_forecasts, axis=0) - ensemble_forecasts)
print(f"largest difference between the ensemble and the median of the three single forecasts: {gap.max():.2e}")

# %% [markdown]
# The fair comparison is the ensemble against the *typical* single seed (the mean of the three), not
# against the best one, which you could not have picked in advance. An ensemble mainly buys
# **reliability**: less variation from one training run to the next, which matters when the model will be
# retrained every month and its forecasts should not jump for no reason.
#
# ## 5. The honest baseline: `LinearForecaster`
#
# `LinearForecaster` is `RNNForecaster` with the recurrent part removed: the same windows, window
# normalisation, target transforms, loss and training loop, and only the linear path `A ỹ + a`. It has
# `window × horizon + horizon` weights and trains in a fraction of the time. Comparing the two measures
# exactly what the recurrence adds, with every other choice held equal. Any claim that "the LSTM works"
# should survive this comparison; seasonal naive is too easy a bar for a model with thousands of weights.

# %%
LINEAR = dict(horizon=HORIZON, max_steps=NET.get("max_steps"), progress=False, random_state=0)
linear = {
    default_name: None,
    "LinearForecaster": LinearForecaster(**LINEAR),
    "LinearForecaster, log_seasonal_diff": LinearForecaster(target_transform="log_seasonal_diff", **LINEAR),
}
print(evaluate(linear).round(3))
gain = mase(default_name) / mase("LinearForecaster") - 1
if gain < -0.02:
    verdict = "earned its cost"
elif gain < 0.02:
    verdict = "did not clearly beat its own linear part"
else:
    verdict = "did worse than its own linear part"
print(f"recurrent part on top of the linear path: MASE {mase('LinearForecaster'):.3f} -> "
      f"{mase(default_name):.3f} ({gain:+.1%}): on these data and settings the recurrence {verdict}")

# %% [markdown]
# On M4 Weekly (359 series, thousands of windows) the recurrent part improved on its own linear path
# (sMAPE 6.61 against 7.16). On five short monthly series a few hundred windows are little data for a
# network of thousands of weights, and the linear model often matches or beats it. Both outcomes are
# useful information. If yours looks like the second: keep the linear model, or give the network more
# series (a global model over many related series, tutorial 06) before giving it more weights.
#
# ## Everything together

# %%
board = pd.concat([results[name].summary() for name in results])[["MASE", "sMAPE", "fit_time_s"]]
board = board.sort_values("MASE")
print(board.round(3))
if FAST:
    print("(fast mode: tiny networks trained for 40 steps; do not read anything into this ranking)")

fig, ax = plt.subplots(figsize=(8, 0.35 * len(board) + 1))
colors = ["tab:green" if "Linear" in name else "grey" if name == "seasonal naive" else "tab:blue"
          for name in board.index]
ax.barh(board.index[::-1], board["MASE"][::-1], color=colors[::-1])
ax.axvline(mase("seasonal naive"), color="black", linestyle="--", linewidth=1)
ax.set_xlabel(f"MASE over {FOLDS} origins x 5 series (dashed: seasonal naive)")
ax.grid(alpha=0.3, axis="x")
show(fig, "09_leaderboard.png")

# %% [markdown]
# ## 6. Deseasonalisation, and why the default trains two networks
#
# A seasonal pattern that repeats every year is something a network must otherwise relearn from every
# window. *Classical decomposition* removes it first: a centred moving average over one season estimates
# the trend, the mean ratio of the series to that trend at each month is the month's seasonal index, and
# the network forecasts the series divided by its indices; the forecasts are multiplied back. The indices
# come from the training data only, and only for series whose seasonal pattern is strong (seasonal
# strength of at least 0.64 on the detrended series, the threshold R's `nsdiffs` uses): a smooth,
# seasonally adjusted series is left alone.
#
# Deseasonalising helps where the pattern is stable and hurts where it drifts (an index estimated from
# years ago is then wrong). `deseasonalize="both"`, the default, hedges: it trains one network on the
# series as they are and one on the deseasonalised series and forecasts their mean. Averaging two
# reasonable, different forecasts is the oldest trick in forecasting (Bates and Granger, 1969): their errors
# partly cancel. It costs two fits. One exception to the plain mean: a global network learns a seasonal
# pattern only as far as its training series share it. In a panel where seasonal series are a minority, the
# network on the series as they are has seen little of any season, so on each seasonal series its forecast
# weighs half the share of seasonal series (one series in ten seasonal: 1/20) and the deseasonalised network
# the rest. Where every series is seasonal, as here, the two weigh one half each.

# %%
views = {default_name: None,
         "deseasonalised (auto)": RNNForecaster(random_state=0, **{**NET, "deseasonalize": "auto"}),
         "both views (the default)": RNNForecaster(random_state=0, **{**NET, "deseasonalize": "both"})}
print(evaluate(views).round(3))
print(pd.DataFrame({name: results[name].metrics(by="series")["MASE"] for name in views}).round(2))

# %% [markdown]
# Read the table by series: the deseasonalised network wins on some series and loses on others, and the
# average of the two is rarely the worst of the three. On the development panels of `benchmarks/RESULTS.md`
# ("Deseasonalisation") two views beat one network on every panel measured.
#
# ## 7. Which way is up? Mirror symmetry
#
# A global network learns from all its series at once, and that includes the direction they mostly moved
# in. Here is the effect in isolation: 20 monthly series that all drift downward, and then a random walk
# without drift, with its mirror image (200 minus it). Neither has any reason to fall. The biases of the
# linear path and of the head (a constant step in window units) and the recurrent part's asymmetric
# responses carry the panel's direction into every forecast. `symmetric=True` builds a network whose
# forecast of a window reflected about its mean is the reflected forecast: training shows about half the
# windows mirrored, and forecasting averages each window's forecast with its mirror's, mapped back.

# %%
rng = np.random.default_rng(0)
months = pd.date_range("2000-01-01", periods=120, freq="MS")
falling = pd.concat([pd.DataFrame({"unique_id": f"falling {k}", "ds": months,
                                   "y": 100 + np.cumsum(rng.normal(-0.5, 1.0, 120))}) for k in range(20)],
                    ignore_index=True)
walk = 100 + np.cumsum(rng.normal(0.0, 1.0, 120))
new = pd.concat([pd.DataFrame({"unique_id": "walk", "ds": months, "y": walk}),
                 pd.DataFrame({"unique_id": "mirror", "ds": months, "y": 200 - walk})], ignore_index=True)
moves = {}
for symmetric in (False, True):
    model = RNNForecaster(**{**NET, "horizon": 12}, random_state=0, symmetric=symmetric).fit(falling)
    forecast = model.predict(df=new)
    last = new.groupby("unique_id")["y"].last()
    moves[f"symmetric={symmetric}"] = forecast.groupby("unique_id")["y_pred"].last() - last
print("forecast 12 months ahead minus the last value:")
print(pd.DataFrame(moves).round(2))

# %% [markdown]
# Trained fully, the default expects both the walk and its mirror to fall (by about 4 and 5 in a run of this
# script): it learnt "down" from its training panel. The symmetric network's two moves are equal and opposite
# by construction: it follows what each window shows (here the walk's last months went down) and nothing
# else. (Fast mode trains 40 steps, too few to learn much of anything, the panel's direction included.)
# Which is better depends on whether the direction of the training years carries on:
# on the development panels of `benchmarks/RESULTS.md` ("Mirror-symmetric networks") the symmetric network
# was about a tenth better on Australian tourism and yearly fertility, 4% better on hourly electricity demand,
# and up to a tenth worse on growing series (US employment, M4 Weekly, the shipped sales data). So the default,
# `symmetric="auto"`, lets the data decide where that is cheap (a panel of about 1,400 training windows or
# fewer, the automatic step budget): it holds out the last horizon of every series, fits both networks on the rest, and
# takes the symmetric one only if a paired t-test over the series says it forecast the held-out steps better
# at the 5% level (`model.symmetric_selection_` keeps the test). A single series never passes such a test, and
# a large panel is left plain, as it would cost three fits; `tune` searches both values. It cannot be used with
# covariates: mirroring the target but not a promotion flag would ask the network to learn that a promotion
# lifts sales and lowers them ("auto" stays plain there).
#
# ## 8. Weight averaging: the mean of the last steps
#
# Adam with a constant learning rate does not settle in a minimum: after the loss stops falling, each
# step still moves the weights by about the learning rate, and training ends wherever the last batch
# happened to push them. Averaging the weights over the last steps (stochastic weight averaging, Izmailov
# et al. 2018) ends near the centre of the region training wanders in instead. The default does this over
# the last quarter of the steps (`weight_averaging=0.25`); `weight_averaging=0` keeps the last step's
# weights. Training itself is unchanged, so it costs nothing but a running mean. Below, the one-network
# model of sections 2-4 both ways, on the same origins:

# %%
last_weights = "hybrid, MAE, last step's weights"
averaging = {default_name: None, last_weights: RNNForecaster(random_state=0, weight_averaging=0, **NET)}
print(evaluate(averaging).round(3))
print(f"weights averaged over the last quarter of the steps: MASE {mase(default_name):.3f}; "
      f"the last step's weights: {mase(last_weights):.3f}")

# %% [markdown]
# On five series the difference is within one seed's luck either way (section 4). Measured on the
# development panels of `benchmarks/RESULTS.md` ("Weight averaging"), with three seeds each, it helped most
# on panels of many series: 6% better on yearly fertility, 4% on hourly electricity demand (and a third of
# the spread between seeds), 1% on M4 Weekly and US employment; level on the quarterly panels; 0.7% worse
# on the shipped sales series, each fitted alone in the shortest fits (100 steps).
#
# ## 9. Intermittent demand: the median, the mean, and the floor at zero
#
# Section 2 said the absolute loss forecasts the conditional median and the squared loss the conditional
# mean. On most series the two are close. On **intermittent** demand (an item that sells in some months
# only) they are not: when an item sells in fewer than half of the months, its median is zero. Which one
# you want depends on how you are judged: MASE (an absolute error) rewards the median, RMSSE (a squared
# error, the M5 competition's score) the mean rate, which is also what stock planning needs. Croston's
# method and its SBA and TSB corrections (`CrostonForecaster`) are the classical mean-rate baselines.
#
# Near zero the window normalisation also lets a network swing **below** zero, which no count can do.
# The default floors the forecasts of every series whose history never went negative (`nonnegative="auto"`);
# `nonnegative=False` shows what the network forecast before the floor. A small synthetic panel of 30 items:

# %%
from tsrnn import CrostonForecaster

rng = np.random.default_rng(0)
months = pd.date_range("2015-01-01", periods=96, freq="MS")
items = pd.concat([pd.DataFrame({"unique_id": f"item{i}", "ds": months,
                                 "y": (rng.random(96) < rng.uniform(0.1, 0.6)) * (1 + rng.poisson(rng.uniform(1, 6), 96))})
                   for i in range(30)], ignore_index=True).astype({"y": float})
print(f"share of months with no sale: {(items['y'] == 0).mean():.2f}")
INTERMITTENT = dict(horizon=HORIZON, hidden_size=NET["hidden_size"], num_layers=NET["num_layers"], progress=False,
                    **({"max_steps": 40} if FAST else {}))
demand_models = {
    "RNN, MAE (the default)": RNNForecaster(random_state=0, **INTERMITTENT),
    "RNN, MAE, no floor": RNNForecaster(random_state=0, nonnegative=False, **INTERMITTENT),
    "RNN, MSE": RNNForecaster(random_state=0, loss="mse", **INTERMITTENT),
    "Croston (SBA)": CrostonForecaster("sba"),
    "TSB": CrostonForecaster("tsb"),
}
demand = compare(demand_models, items, horizon=HORIZON, folds=2, step=HORIZON, season_length=1, progress=False)
print(demand.leaderboard[["MASE", "RMSSE"]].round(3))
for name in ("RNN, MAE (the default)", "RNN, MAE, no floor", "RNN, MSE"):
    fc = demand.results[name].forecasts
    print(f"{name}: mean forecast {fc['y_pred'].mean():.2f} (mean outcome {fc['y'].mean():.2f}), "
          f"{(fc['y_pred'] < 0).mean():.0%} below zero")

# %% [markdown]
# Read the two columns separately. The absolute-loss network forecasts low (near the median) and wins on
# MASE; the squared-loss network and Croston's family forecast near the mean rate and do better on RMSSE.
# In a full run (not fast mode) the default forecast 0.30 units a month on average against 1.66 sold, and
# scored MASE 0.732 (Croston-SBA 0.881) but RMSSE 0.786 (Croston-SBA 0.687, the squared-loss network
# 0.712); without the floor 15% of its forecasts were below zero. Neither loss is wrong: pick the one that
# matches the decision. On the development data of
# `benchmarks/RESULTS.md` ("Non-negative forecasts": 200 synthetic items) the default led every classical
# model on MASE by a fifth and trailed all of them on RMSSE; trained on the squared error it led on RMSSE.
# The floor moved only forecasts below zero, and on the shipped intermittent `pbs_immune_sera` it cut the
# default's MASE by a fifth.
#
# ## A checklist for accurate recurrent forecasts
#
# 1. Keep the linear path (`linear_skip=True`, the default): the network starts from the random walk and
#    learns the residual.
# 2. Train on the error you will be judged by: `loss="mae"` (the default) or `"mase"`, not squared error.
# 3. Try `target_transform="seasonal_diff"` / `"log_seasonal_diff"` on seasonal data, per dataset, by
#    backtest.
# 4. Use `n_models=3` or more when forecasts must be stable from one retraining to the next.
# 4b. Keep `deseasonalize="both"` (the default) unless fit time matters more than accuracy; then compare
#    `None` and `"auto"` by backtest.
# 4c. On series that revert to a level (rates, unemployment, inflation), try `window_stats=True`: the network
#    then sees where each window sits against its series' usual level, which the per-window normalisation
#    hides. It helped macroeconomic series and hurt M4 Weekly (`benchmarks/RESULTS.md`), so compare by backtest.
# 4d. If your series' direction may change from the training years to the forecast (a boom after a decline,
#    a market) and `symmetric="auto"` kept the plain network (a large panel, a single series), try
#    `symmetric=True`; on series that keep growing it costs accuracy. Compare by backtest.
# 4e. Keep `weight_averaging` at its default: the mean of the last quarter's weights costs next to nothing,
#    was better on the large panels and within about 1% elsewhere; on a short single series, compare it with
#    `weight_averaging=0` by backtest.
# 4f. Counts, sales and demand cannot go below zero, and the default floors the forecasts of every series that
#    never has (`nonnegative="auto"`): near zero the window normalisation can swing a network below it. Pass
#    `nonnegative=False` for a series that may turn negative although its history has not (a balance, a
#    temperature).
# 5. Always report `LinearForecaster` beside the RNN. If the RNN does not beat it, the recurrence is not
#    earning its cost on your data.
# 6. One seed and one set of origins is a small experiment: differences of a few hundredths of MASE are
#    noise. Confirm a choice on more origins, more seeds, or more series (`benchmarks/` shows how).
