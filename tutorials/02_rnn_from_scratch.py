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
# # 02 · A recurrent network from scratch, and why its gradients vanish or explode
#
# Tutorial 01 used an LSTM as a black box. Here we open it. We will
#
# 1. write the Elman recurrence `h_t = tanh(W x_t + U h_{t-1} + b)` and check that tsrnn's from-scratch
#    `ElmanRNN` computes exactly what `torch.nn.RNN` computes;
# 2. see that *backpropagation through time* is nothing more than the chain rule applied to the unrolled
#    loop;
# 3. measure how the gradient of the last state with respect to the first input, `d h_T / d x_0`, dies
#    over long windows in a plain RNN, and how the gates of LSTM and GRU keep it alive;
# 4. blow a training run up with large recurrent weights and rescue it with gradient clipping, see when
#    clipping hurts and why the Adam optimiser changes the picture;
# 5. read the same diagnostics, the gradient-norm history, in `RNNForecaster.history_`.
#
# `TSRNN_TUTORIAL_FAST=1` shortens every loop; the printed numbers keep their meaning but are noisier.

# %%
# ruff: noqa: E402  (a notebook: imports come where they are first needed)
import math
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
import torch
from torch import nn

from tsrnn.nn.cells import ElmanRNN

_FIGURE_DIR = None


def show(fig, name):
    """Show a figure; headless runs save it to a temporary folder instead, fast mode only closes it."""
    global _FIGURE_DIR
    if not FAST:
        if matplotlib.get_backend().lower() == "agg":
            _FIGURE_DIR = _FIGURE_DIR or tempfile.mkdtemp(prefix="tsrnn_tutorial02_")
            path = os.path.join(_FIGURE_DIR, name)
            fig.savefig(path, dpi=110, bbox_inches="tight")
            print(f"figure saved to {path}")
        else:
            plt.show()
    plt.close(fig)


# %% [markdown]
# ## 1. The Elman recurrence
#
# An Elman network (Elman, 1990) keeps a hidden state vector `h_t` of size `hidden_size`. At each time
# step it mixes the new input `x_t` (weights `W`, shape `hidden x input`) with its previous state
# (weights `U`, shape `hidden x hidden`), adds a bias and squashes the result with `tanh`:
#
# $$h_t = \tanh(W x_t + U h_{t-1} + b), \qquad h_0 = 0.$$
#
# The same `W`, `U`, `b` are used at every step: that weight sharing is what lets one network read
# windows of any length. The state after the last step, `h_T`, is what a forecasting head reads.
#
# `tsrnn.nn.cells.ElmanRNN` writes this as a plain Python loop over time. Its parameters carry the
# names of `torch.nn.RNN` (`weight_ih_l0` is `W`, `weight_hh_l0` is `U`, and `b` is split into
# `bias_ih_l0 + bias_hh_l0`), so the weights copy across one to one.

# %%
torch.manual_seed(0)
elman = ElmanRNN(input_size=2, hidden_size=5)
reference = nn.RNN(input_size=2, hidden_size=5, nonlinearity="tanh", batch_first=True)
reference.load_state_dict(elman.state_dict())  # same names, same shapes

x = torch.randn(3, 7, 2)  # [batch, time, features]
out_scratch, h_scratch = elman(x)
out_torch, h_torch = reference(x)
print("largest difference of all hidden states:", float((out_scratch - out_torch).detach().abs().max()))

# The first step by hand, straight from the formula.
W, U = elman.weight_ih_l0, elman.weight_hh_l0
b = elman.bias_ih_l0 + elman.bias_hh_l0
h1 = torch.tanh(x[:, 0] @ W.T + torch.zeros(3, 5) @ U.T + b)
print("h_1 by hand equals the layer's first output:", torch.allclose(h1, out_scratch[:, 0], atol=1e-6))
print("final states agree:", torch.allclose(h_scratch, h_torch, atol=1e-6))

# %% [markdown]
# The gradients agree too, because autograd differentiates our loop exactly as it differentiates
# PyTorch's fused kernel:

# %%
out_scratch[:, -1].sum().backward()
out_torch[:, -1].sum().backward()
grad_gap = float((elman.weight_hh_l0.grad - reference.weight_hh_l0.grad).abs().max())
print(f"largest difference of dLoss/dU between the two implementations: {grad_gap:.2e}")

# %% [markdown]
# ## 2. Backpropagation through time
#
# To train, we need the gradient of a loss at the end of the window with respect to every weight and
# every input. Unroll the loop and the network is just a deep feed-forward network with `T` layers that
# share their weights. The chain rule through that stack gives, for the state,
#
# $$\frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}
#   = \prod_{k=t+1}^{T} \operatorname{diag}\!\left(1 - h_k^2\right) U .$$
#
# That product of `T - t` matrices is the whole story. Each factor scales a vector by roughly
# (largest singular value of `U`) x (average `tanh'`, which is at most 1). If that is below 1, the
# signal from early inputs shrinks geometrically: the gradient **vanishes** and the network cannot learn
# dependencies longer than a few steps. If it is above 1 (and `tanh` is not saturated), the gradient
# **explodes**.
#
# "Backpropagation through time" (BPTT) is simply autograd walking back through the loop. It stores
# every `h_t` on the way forward, so its memory grows with the window length. Training on fixed-length
# windows, as tsrnn does, is the usual *truncated* BPTT: no gradient flows further back than `window`.
#
# ## 3. Measuring the vanishing gradient
#
# We feed random sequences of length `T` and compute the Jacobian `d h_T / d x_0`: how much the final
# state moves when the very first input moves. We report its norm, averaged over a small batch.

# %%
HIDDEN = 16 if FAST else 32
LENGTHS = (1, 10, 25, 50, 100) if FAST else (1, 10, 25, 50, 100, 200)
BATCH = 4 if FAST else 16


def first_input_sensitivity(net, T, batch=BATCH, seed=1):
    """Mean over the batch of || d h_T / d x_0 || (Frobenius norm of the Jacobian)."""
    x = torch.randn(batch, T, 1, generator=torch.Generator().manual_seed(seed), requires_grad=True)
    out, _ = net(x)
    h_last = out[:, -1]  # [batch, hidden]
    squared = torch.zeros(batch)
    for unit in range(h_last.shape[1]):  # one backward pass per hidden unit gives one Jacobian row
        (grad,) = torch.autograd.grad(h_last[:, unit].sum(), x, retain_graph=True)
        squared += grad[:, 0, 0] ** 2  # sequences are independent, so the batch sum separates
    return float(squared.sqrt().mean())


def make(cell, gate_bias=None):
    """A one-layer recurrent net with PyTorch's default initialisation, optionally a 'remember' gate bias."""
    net = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell](1, HIDDEN, batch_first=True)
    if gate_bias is not None:
        with torch.no_grad():
            # The second block of the gate biases is the LSTM forget gate (gates i, f, g, o) and the GRU
            # update gate (gates r, z, n).
            net.bias_ih_l0[HIDDEN : 2 * HIDDEN] = gate_bias
            net.bias_hh_l0[HIDDEN : 2 * HIDDEN] = 0.0
    return net


torch.manual_seed(0)
nets = {
    "plain RNN": make("rnn"),
    "LSTM (default init)": make("lstm"),
    "GRU (default init)": make("gru"),
    "LSTM, forget bias 3": make("lstm", 3.0),
    "GRU, update bias 3": make("gru", 3.0),
}
table = {name: [first_input_sensitivity(net, T) for T in LENGTHS] for name, net in nets.items()}

print(f"{'||d h_T / d x_0||':22s}" + "".join(f"{'T=' + str(T):>10s}" for T in LENGTHS))
for name, values in table.items():
    print(f"{name:22s}" + "".join(f"{v:10.1e}" for v in values))

# %% [markdown]
# Read the table row by row:
#
# * **Plain RNN.** The sensitivity to the first input drops by orders of magnitude every few dozen steps
#   and reaches the floating-point floor well before `T = 200`. Whatever happened at the start of a long
#   window cannot influence learning.
# * **LSTM and GRU at PyTorch's default initialisation** look no better. That is not a contradiction: the
#   gates *can* keep memory, but at initialisation their biases are near 0, so the forget gate is about
#   `sigmoid(0) = 0.5` and the memory halves at every step.
# * **With the gate biased towards remembering** (a forget-gate bias of 1 to 3 is standard practice for
#   LSTMs), the picture changes. The LSTM's cell state is updated *additively*,
#   `c_t = f_t * c_{t-1} + i_t * g_t`, so the backward path through `c` multiplies by the forget gate
#   `f_t` only: no `tanh'`, no `U`. With `f_t` close to 1 the gradient decays slowly and stays usable over
#   hundreds of steps. The GRU's update gate `z_t` plays the same role: `h_t = z_t h_{t-1} + (1 - z_t) n_t`.
#   How long the memory lasts is set by how close the gate is to 1: a bias of 3 gives a gate of about
#   0.95, and `0.95^200` is about `4e-5`, while `0.99^200` is still `0.13`. The decay is geometric in
#   every row; what the gates change is the *rate*, and the rate is something the network can learn.
#
# The crucial difference: the gates are *learned* and depend on the input, so a trained LSTM or GRU
# opens and closes its memory where the data needs it. A plain RNN has no such switch: its only path
# back in time goes through `U` and `tanh'` at every step.

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for name, values in table.items():
    ax.semilogy(LENGTHS, np.maximum(values, 1e-45), marker="o", label=name)
ax.set_xlabel("window length T")
ax.set_ylabel("|| d h_T / d x_0 ||")
ax.set_title("How much the first input still matters after T steps")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize="small")
show(fig, "02_vanishing.png")

# %% [markdown]
# ## 4. Exploding gradients and clipping
#
# The opposite failure: make the recurrent matrix large. We train a plain RNN to predict the next value
# of a noisy sine wave from a 50-step window, once with `U` initialised as an orthogonal matrix of
# gain 1 (all singular values 1) and once with gain 2. We train with plain SGD first, because it makes
# the effect easy to see: an update is the learning rate times the gradient, so a huge gradient is a
# huge jump.
#
# **Gradient clipping** rescales the whole gradient vector whenever its norm exceeds a threshold `c`:
# `g <- g * min(1, c / ||g||)`. The direction is kept, the step length is capped. It does not cure the
# cause (the gradient is still wrong in scale), but it stops one bad batch from throwing the weights
# somewhere the loss is `inf`.

# %%
STEPS = 40 if FAST else 150
N_WINDOWS = 64 if FAST else 256


def sine_windows(n, T=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    phase = torch.rand(n, 1, generator=g) * 2 * math.pi
    s = torch.sin(phase + 0.3 * torch.arange(T + 1)) + 0.1 * torch.randn(n, T + 1, generator=g)
    return s[:, :T, None], s[:, T]  # inputs [n, T, 1], next value [n]


def train_plain_rnn(gain, clip, optimizer="sgd", steps=STEPS):
    """Train a 32-unit plain RNN on the sine windows; returns the gradient norm (before clipping) and the
    loss of every step."""
    torch.manual_seed(0)
    rnn, head = nn.RNN(1, 32, batch_first=True), nn.Linear(32, 1)
    with torch.no_grad():
        nn.init.orthogonal_(rnn.weight_hh_l0, gain=gain)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.05) if optimizer == "sgd" else torch.optim.Adam(params, lr=0.01)
    x, y = sine_windows(N_WINDOWS)
    norms, losses = [], []
    for _ in range(steps):
        _, h_n = rnn(x)
        loss = ((head(h_n[-1])[:, 0] - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        # clip_grad_norm_ returns the norm *before* clipping: the honest diagnostic either way.
        norm = nn.utils.clip_grad_norm_(params, clip if clip is not None else float("inf"))
        norms.append(float(norm))
        losses.append(float(loss.detach()))
        opt.step()
    return np.array(norms), np.array(losses)


def describe(norms, losses):
    finite = np.isfinite(norms) & np.isfinite(losses)
    largest = np.max(norms[np.isfinite(norms)]) if np.isfinite(norms).any() else float("nan")
    return (f"first grad norm {norms[0]:9.2e}, largest {largest:9.2e}, non-finite at {int((~finite).sum()):2d} "
            f"steps, final loss {losses[-1]:.3g}")


runs = {}
for gain, clip in ((1.0, None), (1.0, 1.0), (2.0, None), (2.0, 1.0)):
    runs[(gain, clip)] = train_plain_rnn(gain, clip)
    print(f"SGD, gain {gain:.0f}, clip {str(clip):4s}: {describe(*runs[(gain, clip)])}")
start_loss = runs[(2.0, None)][1][0]
exploded = not np.isfinite(runs[(2.0, None)][1][-1]) or runs[(2.0, None)][1][-1] > 100 * start_loss
rescued = np.isfinite(runs[(2.0, 1.0)][1][-1]) and runs[(2.0, 1.0)][1][-1] < 2 * start_loss
print(f"gain 2 without clipping exploded: {exploded}; with clipping it stayed near its starting loss or "
      f"below: {rescued}")

# %% [markdown]
# With gain 1 both runs train normally (clipping only trims the odd large step). With gain 2 the gradient
# norm is hundreds to thousands of times larger from the first step; without clipping, the first updates
# throw the weights far away and the loss explodes (to astronomically large values, or `nan` a few steps
# later). With clipping the same gradients are scaled down to length 1 before every update, and training
# stays finite: that is what clipping is for. The plot shows the gradient-norm history of each run, the
# diagnostic to look at whenever a loss curve jumps.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for (gain, clip), (norms, losses) in runs.items():
    label = f"gain {gain:.0f}, {'clip 1' if clip else 'no clip'}"
    axes[0].semilogy(np.where(np.isfinite(norms), norms, np.nan), label=label)
    axes[1].semilogy(np.where(np.isfinite(losses), losses, np.nan), label=label)
axes[0].axhline(1.0, color="grey", linestyle=":", linewidth=1)
axes[0].set_title("gradient norm before clipping (dotted: c = 1)")
axes[1].set_title("training loss (gaps are nan)")
for ax in axes:
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
axes[1].legend(fontsize="small")
show(fig, "02_clipping.png")

# %% [markdown]
# ### When clipping hurts
#
# Clipping only ever shortens steps. A threshold far below the typical gradient norm clips *every* step,
# so every SGD update has length `lr * c` whatever the gradient says: on a healthy network the run crawls.
# Below, the well-behaved gain-1 network is trained with `c = 0.01`.
#
# The optimiser matters too. tsrnn trains with **Adam**, which divides each weight's update by a running
# average of that weight's recent gradient sizes, `Δw = -lr · m / (sqrt(v) + ε)`. A gradient 1000 times
# larger then gives an update of about the same size, so Adam by itself does not let a large gradient
# throw the weights away the way SGD does. We train the exploding gain-2 network with Adam, with and
# without clipping.

# %%
crawl = train_plain_rnn(1.0, 0.01)
print(f"SGD,  gain 1, clip 0.01: {describe(*crawl)}")
print(f"      (same network, no clipping, final loss {runs[(1.0, None)][1][-1]:.3g})")
adam_runs = {clip: train_plain_rnn(2.0, clip, optimizer="adam") for clip in (None, 1.0)}
for clip, (norms, losses) in adam_runs.items():
    print(f"Adam, gain 2, clip {str(clip):4s}: {describe(norms, losses)}")

# %% [markdown]
# * The tiny threshold turns a network that trains well into one that learns far more slowly (compare
#   the two final losses): clipping too hard is a hidden learning-rate cut. A sensible threshold sits
#   above the *typical* gradient norm and below the spikes; reading the gradient-norm history tells you
#   where those are.
# * With Adam the gain-2 network does not blow up, clipped or not: its gradient norm stays huge (the
#   network is still in the exploding regime), but the steps do not. Whether the clipped or the unclipped
#   Adam run ends lower is a matter of luck here (compare the two final losses); with Adam, clipping is
#   insurance against *sudden* spikes, whose size Adam's running averages have not yet seen, not a cure
#   and not an accuracy knob.
#
# ## 5. The same diagnostics in `RNNForecaster`
#
# `RNNForecaster` records the global gradient norm of every optimiser step in `history_["grad_norm"]`,
# measured *before* clipping, so it shows how large the gradients really were. It clips at norm 1 by
# default (`gradient_clip_val=1.0`). Two things to look at:
#
# * the share of steps where the norm exceeded `gradient_clip_val` (clipping was active). Clipping every
#   step means the threshold sits below the typical gradient: something is badly scaled;
# * a norm that collapses towards 0 while the loss is still high: vanishing gradients, or a dead network.
#
# We fit the plain `"rnn"` cell on the airline data, with the mean squared error (`loss="mse"`, whose
# gradient grows with the error, as in section 4) and without the linear path (`linear_skip=False`), so
# that only the recurrent network learns. First on raw passenger counts (`scaler=None`), with and without
# clipping; then on standardised data with a deliberately high learning rate, with and without clipping,
# from three seeds.

# %%
from tsrnn import RNNForecaster, load_dataset

df = load_dataset("airpassengers")
common = dict(cell="rnn", horizon=12, window=36, hidden_size=8 if FAST else 32, num_layers=1,
              max_steps=40 if FAST else 300, loss="mse", linear_skip=False, progress=False)
fits = {}
for clip in (None, 1.0):
    fits[("raw", clip, 0)] = RNNForecaster(**common, scaler=None, learning_rate=3e-3, gradient_clip_val=clip,
                                           random_state=0).fit(df)
    for seed in (0, 1, 2):
        fits[("standardised", clip, seed)] = RNNForecaster(**common, scaler="standard", learning_rate=0.1,
                                                           gradient_clip_val=clip, random_state=seed).fit(df)


def final_loss(model):
    return float(model.history_["train_loss"].iloc[-10:].mean())  # the last steps, averaged: batches are noisy


for data, clip, seed in sorted(fits, key=lambda key: (key[0], key[2], key[1] is not None)):
    g = fits[(data, clip, seed)].history_["grad_norm"]
    print(f"{data:12s} clip {str(clip):4s} seed {seed}: grad norm median {g.median():8.3g}, "
          f"max {g.max():8.3g}, {(g > 1.0).mean():4.0%} of steps above 1; "
          f"final training loss {final_loss(fits[(data, clip, seed)]):.4g}")
raw_gap = abs(final_loss(fits[("raw", 1.0, 0)]) / final_loss(fits[("raw", None, 0)]) - 1)
wins = sum(final_loss(fits[("standardised", 1.0, s)]) < final_loss(fits[("standardised", None, s)])
           for s in (0, 1, 2))
print(f"raw data: clipping changed the final loss by {raw_gap:.1%}")
print(f"standardised, learning rate 0.1: the clipped run ended lower in {wins} of 3 seeds")
if FAST:
    print("(fast mode: 40 training steps; the comparison is noisier than in a full run)")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharex=True)
for ax, data in zip(axes, ("raw", "standardised")):
    for clip, color in ((None, "tab:red"), (1.0, "tab:blue")):
        h = fits[(data, clip, 0)].history_
        ax.semilogy(h["step"], h["grad_norm"], color=color, linewidth=1,
                    label=f"{'no clipping' if clip is None else 'clip at 1'}")
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_title(f"history_['grad_norm'], {data} data (seed 0)")
    ax.set_xlabel("optimiser step")
    ax.grid(alpha=0.3, which="both")
axes[0].legend(fontsize="small")
show(fig, "02_history_grad_norm.png")

# %% [markdown]
# * On raw counts (values in the hundreds, squared by the MSE) the gradient norm is in the hundreds or
#   thousands at every step, so clipping at 1 is active all the time. Under Adam that changes almost
#   nothing (the printed gap between the clipped and unclipped final losses is small): rescaling a
#   gradient that Adam rescales anyway keeps its direction. Either way the loss stays enormous, because
#   the network's output passes through `tanh` and a linear layer that start near 0 and move by about the
#   learning rate per step. The history diagnoses it at a glance; the cure is scaling (the default
#   `scaler="window"`), not a different clip value. (Under SGD, clipping on every step would also cut the
#   learning rate, as in section 4.)
# * With standardised data and a too-high learning rate the gradient spikes (the peaks above the dotted
#   line). Clipping caps those spikes before Adam sees them. It does not promise a lower loss: the clipped
#   and unclipped runs take different paths, and after the same number of steps either can end lower (the
#   printed count of seeds says how it went here). That is why a clipped run can end worse than an
#   unclipped one, and why the fix for a too-high learning rate is a lower learning rate.
#
# So, in tsrnn: keep the default clipping as insurance, read `history_["grad_norm"]` when a loss curve
# jumps or stalls, and fix scaling and learning rate first. When a run does produce `nan`, tsrnn stops with
# `TrainingDivergedError` naming the step (and suggesting a lower learning rate, clipping or scaling)
# instead of training on garbage. The from-scratch layer of section 1 is available as `cell="elman"`: the
# same maths as `cell="rnn"`, much slower, there to be read and stepped through in a debugger.
#
# ## Summary
#
# * An Elman RNN is one line of algebra applied in a loop; BPTT is the chain rule through that loop.
# * Its gradients over `T` steps are a product of `T` Jacobians: they vanish or explode geometrically.
# * LSTM and GRU add a gated, additive memory path whose gradient is controlled by a learned gate, so
#   long-range information can survive.
# * Clipping caps the damage of exploding gradients: under SGD it is the difference between a run that
#   explodes and one that trains; a threshold below the typical gradient norm slows training down; under
#   Adam (tsrnn's optimiser) it is insurance against sudden spikes, not an accuracy knob.
# * In tsrnn, `cell="elman"` uses the from-scratch layer (slow, for reading), `cell="rnn"` the fused
#   PyTorch one, and `history_` shows the gradient norms of your own fits.
