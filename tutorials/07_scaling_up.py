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
# # 07 · Scaling up: GPUs, several devices, batched prediction and memory
#
# The earlier tutorials trained small networks on small data. This one is about what happens when the
# data, the model or the number of forecasts grows:
#
# 1. which device trains the model (`accelerator="auto"`), and CPU threads for small networks;
# 2. data-parallel training on several devices (DDP), shown on two CPU processes;
# 3. forecasting from many origins in one batched call (`forecast_at`) instead of a loop;
# 4. the memory model: why tsrnn never materialises the training windows;
# 5. where the limits are.
#
# `TSRNN_TUTORIAL_FAST=1` shrinks every measurement and skips the multi-process DDP run (it shows the
# code instead). The timings printed are measured on your machine, in this run.

# %%
# ruff: noqa: E402  (a notebook: imports come where they are first needed)
import os
import sys
import time

FAST = os.environ.get("TSRNN_TUTORIAL_FAST") == "1"
if FAST:
    # Small models on a shared CPU: one thread per process avoids paying for thread synchronisation.
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

# %% [markdown]
# ## 1. Which device trains the model?
#
# `RNNForecaster` hands `accelerator`, `devices` and `precision` to a Lightning `Trainer`. The default
# `accelerator="auto"` takes a CUDA GPU if PyTorch can see one, Apple's MPS on an M-series Mac, else the
# CPU. The panel is moved to that device once, as one tensor, and every batch is gathered there (section
# 4), so a GPU spends its time on the network rather than waiting for data.
#
# A Trainer built with the same arguments shows what "auto" resolves to here:

# %%
import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch

from tsrnn import RNNForecaster, load_dataset
from tsrnn.data import to_panel

probe = pl.Trainer(accelerator="auto", devices="auto", logger=False, enable_progress_bar=False,
                   enable_model_summary=False, enable_checkpointing=False)
picked = type(probe.accelerator).__name__
print(f"accelerator='auto' picked {picked} with {probe.num_devices} device(s)")
if torch.cuda.is_available():
    print("GPU:", torch.cuda.get_device_name(0))
else:
    print("No CUDA GPU is visible to PyTorch on this machine, so training runs on the CPU. On a GPU machine "
          "the same code trains there without changes.")

# %% [markdown]
# On a GPU, `precision="bf16-mixed"` (Ampere or newer) or `"16-mixed"` roughly halves memory and speeds
# up the matrix products; recurrent networks gain less than convolutional ones, because the time steps
# run one after another. Larger `batch_size` and `hidden_size` are what make a GPU pay off; a
# 16-unit LSTM on a few thousand windows is usually faster on a CPU than the cost of launching GPU
# kernels.
#
# **CPU threads.** PyTorch parallelises each matrix product over all cores by default. For small
# recurrent networks the products are tiny and the threads spend more time synchronising than
# computing, especially on a machine shared with other jobs. `RNNForecaster(num_threads=...)` sets the
# threads torch uses while that model trains and predicts; the default, `None`, means one. Measure before
# choosing more:

# %%
air = load_dataset("airpassengers")
steps = 5 if FAST else 100
timings = {}
for threads in sorted({1, min(4, os.cpu_count() or 1)}):
    model = RNNForecaster(horizon=12, hidden_size=16, max_steps=steps, progress=False, random_state=0,
                          accelerator="cpu", num_threads=threads)
    start = time.perf_counter()
    model.fit(air)
    timings[threads] = time.perf_counter() - start
for threads, seconds in timings.items():
    print(f"{threads} thread(s): {seconds:.2f} s for {steps} steps ({1000 * seconds / steps:.1f} ms per step)")

# %% [markdown]
# (The first fit also pays for starting Lightning, which favours the second measurement; run the cell
# twice to see steady-state numbers.) The rest of your program keeps its own thread count:
# `RNNForecaster` restores `torch.get_num_threads()` after each fit and prediction.
#
# ## 2. Several devices: distributed data parallel (DDP)
#
# With `devices=k`, Lightning starts `k` processes, each holding a full copy of the network. Every step,
# each process takes a *different* batch, computes its gradients, and the processes average their
# gradients (an all-reduce) before the identical update. The effective batch is `k * batch_size`;
# throughput grows with `k` as long as the all-reduce is cheap next to the computation. For GPUs:
#
# ```python
# RNNForecaster(accelerator="gpu", devices=4, batch_size=1024, trainer_kwargs={"strategy": "ddp"})
# ```
#
# The same mechanism runs on CPU processes, which is a good way to check a setup before paying for
# GPUs. `"ddp_spawn"` starts fresh worker processes and sends the fitted weights back to yours. A
# freshly spawned process imports the main script again, so in a script the training call must sit
# behind `if __name__ == "__main__":` (in a notebook there is nothing to re-import). We therefore run it
# as a small separate script. On CPUs this rarely speeds anything up: the processes share the same
# cores, and each has to start PyTorch first.

# %%
import subprocess
import textwrap

DDP_SCRIPT = textwrap.dedent("""
    import time
    from tsrnn import RNNForecaster, load_dataset

    if __name__ == "__main__":  # spawned workers import the main module: keep the work behind this guard
        model = RNNForecaster(horizon=12, hidden_size=16, max_steps=20, progress=False, random_state=0,
                              accelerator="cpu", devices=2, trainer_kwargs={"strategy": "ddp_spawn"})
        start = time.perf_counter()
        model.fit(load_dataset("airpassengers"))
        print(f"DDP on 2 CPU processes: {time.perf_counter() - start:.1f} s for 20 steps, start-up included")
        print(model.history_.tail(2))
        print(model.predict().head(2))
""")
print(DDP_SCRIPT)
if FAST:
    print("fast mode: not run (starting two extra PyTorch processes takes longer than this tutorial should)")
else:
    done = subprocess.run([sys.executable, "-c", DDP_SCRIPT], capture_output=True, text=True, timeout=600)
    print(done.stdout if done.returncode == 0 else f"the DDP run failed:\n{done.stderr[-3000:]}")

# %% [markdown]
# ## 3. Forecasting from many origins: one batched call
#
# Backtests, dashboards and trading simulations need forecasts from many origins: every day of a year,
# every store of a chain. Calling `predict(df=history)` once per origin repeats the validation, the
# feature construction and a forward pass on a batch of one. `forecast_at(panel, series, cutoffs)`
# gathers all the windows at once and runs them through the network in chunks of 8192. `cutoffs[k]` is
# how many observations of series `series[k]` the forecast may use. (`backtest(refit=False)` uses this
# path for RNNs.)

# %%
prices = load_dataset("sp500", target="close")[["unique_id", "ds", "y"]]
N_ORIGINS = 100 if FAST else 1000
model = RNNForecaster(horizon=5, window=60, hidden_size=16, max_steps=20 if FAST else 300,
                      target_transform="log_return", progress=False, random_state=0)
model.fit(prices.iloc[: -N_ORIGINS - 5])

panel = to_panel(prices)
n_obs = int(panel.lengths[0])
cutoffs = np.arange(n_obs - N_ORIGINS - 4, n_obs - 4)  # every origin leaves room for the 5-step horizon
series = np.zeros(len(cutoffs), dtype=np.int64)  # one series (position 0 in the panel)

start = time.perf_counter()
batched = model.forecast_at(panel, series, cutoffs)["y_pred"]  # [N_ORIGINS, horizon]
t_batched = time.perf_counter() - start

n_loop = 50 if FAST else 200
start = time.perf_counter()
looped = np.stack([model.predict(df=prices.iloc[:c])["y_pred"].to_numpy() for c in cutoffs[:n_loop]])
t_loop = (time.perf_counter() - start) / n_loop * N_ORIGINS

print(f"{N_ORIGINS} origins: batched {t_batched * 1000:.0f} ms, loop of predict() ~{t_loop * 1000:.0f} ms "
      f"(measured on {n_loop} origins and scaled), {t_loop / t_batched:.0f}x")
print("same forecasts:", np.allclose(looped, batched[:n_loop], rtol=1e-5))

# %% [markdown]
# ## 4. The memory model: windows are gathered, not stored
#
# Training examples are windows: `window` inputs and `horizon` targets starting at every position of
# every series. Stored as an array, they would take `n_windows x (window + horizon) x n_features`
# numbers: every observation copied `window + horizon` times. tsrnn keeps the panel as **one contiguous
# tensor** `[total_rows, n_features]` and samples only *start rows*. For each batch, the windows are
# gathered with one indexing operation on the device:

# %%
from tsrnn.nn.datamodule import gather_batch

data = torch.arange(20.0).view(10, 2)  # 10 rows, 2 features (the target first)
past, future_known, target = gather_batch(data, torch.tensor([0, 4]), window=3, horizon=2,
                                          known_idx=torch.tensor([1]))
print("past windows:\n", past, "\ntargets:\n", target)

# %% [markdown]
# So memory grows with the data, not with data x window length. For a panel that is large for its
# kind, 200 daily series of 5000 days (one million observations):

# %%
S, T = (50, 2000) if FAST else (200, 5000)
rng = np.random.default_rng(0)
walks = 100 + np.cumsum(rng.normal(size=(S, T)), axis=1)
big = pd.DataFrame({
    "unique_id": np.repeat([f"item_{i}" for i in range(S)], T),
    "ds": np.tile(pd.date_range("2005-01-01", periods=T, freq="D"), S),
    "y": np.abs(walks.ravel()) + 1,
})
window, horizon = 56, 7
big_model = RNNForecaster(horizon=horizon, window=window, hidden_size=16, max_steps=5, progress=False,
                          random_state=0)
start = time.perf_counter()
big_model.fit(big)
seconds = time.perf_counter() - start
n_windows = big_model.n_train_windows_
stored = S * T * len(big_model.feature_names_) * 4
materialised = n_windows * (window + horizon) * len(big_model.feature_names_) * 4
print(f"{S * T:,} observations, {n_windows:,} training windows (fit with 5 steps: {seconds:.1f} s)")
print(f"panel tensor: {stored / 1e6:.1f} MB; the same windows materialised: {materialised / 1e6:.0f} MB "
      f"({materialised / stored:.0f}x)")

# %% [markdown]
# The cost of an epoch is set by the number of windows, but the cost of a *step* only by `batch_size`,
# `window` and `hidden_size`: `max_steps` fixes the training budget however large the panel is.
# (`tsrnn.SlidingWindowTransformer` does materialise windows, as a NumPy array for scikit-learn models;
# use it for small data only.)
#
# ## 5. Where the limits are
#
# * **The panel must fit in one device's memory.** It is moved to the GPU as one tensor (float32: 4 bytes
#   x rows x features). 100 million observations with 5 features is 2 GB: fine on a data-centre GPU,
#   too much for a small one. Beyond that, train on a sample of series, or aggregate.
# * **Time steps are sequential.** A recurrent network cannot process step `t` before step `t - 1`, so a
#   window of 500 steps costs 500 sequential kernel launches, whatever the hardware. Long windows are
#   slow everywhere; the fused cuDNN kernels (`cell="lstm"`, `"gru"`, `"rnn"`) help, the from-scratch
#   `cell="elman"` (a Python loop) is for reading only.
# * **Prediction** is chunked (8192 windows per forward pass), so its memory is bounded; its time grows
#   linearly with the number of origins.
# * **Several devices** help large models and large batches; for small networks the gradient exchange
#   and process start-up dominate. On CPUs, first try `num_threads=`.
# * **Classical models** scale differently: `ARIMAForecaster(n_jobs=-1)` fits series in parallel
#   processes, and `tune(..., storage=..., study_name=...)` spreads a search over worker processes
#   (tutorial 05).
#
# ## Summary
#
# * `accelerator="auto"` uses a GPU when there is one; `precision` and `batch_size` make it pay.
# * `devices=k` with a DDP strategy trains data-parallel; on CPU it is a test bed, not a speed-up.
# * `forecast_at` forecasts from thousands of origins in one call, much faster than a loop.
# * Windows are gathered on the fly from one tensor: memory follows the data size, not the window length.
