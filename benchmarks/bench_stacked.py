"""Can an ensemble of K LSTMs train in one vectorised pass on a CPU? (issue 11, item 4)

    python benchmarks/bench_stacked.py                 # K=2, prints; --write adds the figures to RESULTS.md
    python benchmarks/bench_stacked.py --members 2 3 --write

One training step (forward, MAE loss, backward) of K independent LSTM members (hidden 64, window 36, batch 256,
horizon 12, one torch thread), timed three ways:

- ``loop``: K `torch.nn.LSTM` modules one after the other (what ``n_models`` and the two-view default do);
- ``grouped``: one hand-written LSTM whose weights are stacked ``[K, ...]`` and multiplied with ``torch.bmm``,
  one time step at a time (the only way to batch the members: ``torch.func.vmap`` has no batching rule for
  ``aten::lstm``, checked below);
- ``vmap``: ``torch.func.vmap`` over ``functional_call`` of stacked `nn.LSTM` members, if torch can run it.

Medians of ``--repeats`` timings of 20 steps each.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section  # noqa: E402

BATCH, WINDOW, HIDDEN, HORIZON = 256, 36, 64, 12


class Member(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(1, HIDDEN, batch_first=True)
        self.head = nn.Linear(HIDDEN, HORIZON)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.head(h[:, -1])


def loop_step(members, x, y):
    loss = sum((m(x) - y).abs().mean() for m in members)
    loss.backward()


class Grouped(nn.Module):
    """K LSTMs with stacked weights: every time step is one batched matrix product over the members."""

    def __init__(self, k: int):
        super().__init__()
        self.w_ih = nn.Parameter(torch.randn(k, 1, 4 * HIDDEN) * 0.1)
        self.w_hh = nn.Parameter(torch.randn(k, HIDDEN, 4 * HIDDEN) * 0.1)
        self.bias = nn.Parameter(torch.zeros(k, 1, 4 * HIDDEN))
        self.w_out = nn.Parameter(torch.randn(k, HIDDEN, HORIZON) * 0.1)

    def forward(self, x):
        k = self.w_hh.shape[0]
        gates_in = torch.einsum("btc,kcg->ktbg", x, self.w_ih) + self.bias.unsqueeze(1)  # [K, T, B, 4H]
        h = x.new_zeros(k, x.shape[0], HIDDEN)
        c = torch.zeros_like(h)
        for t in range(x.shape[1]):
            i, f, g, o = (gates_in[:, t] + torch.bmm(h, self.w_hh)).chunk(4, -1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return torch.bmm(h, self.w_out)  # [K, B, horizon]


def grouped_step(model, x, y):
    loss = (model(x) - y).abs().mean(dim=(1, 2)).sum()
    loss.backward()


def vmap_step_factory(members):
    from torch.func import functional_call, stack_module_state, vmap

    params, buffers = stack_module_state(members)
    base = copy.deepcopy(members[0]).to("meta")

    def one(p, b, x):
        return functional_call(base, (p, b), (x,))

    def step(x, y):
        out = vmap(one, in_dims=(0, 0, None))(params, buffers, x)
        (out - y).abs().mean(dim=(1, 2)).sum().backward()

    return step


def timed(fn, repeats: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(20):
            fn()
        times.append((time.perf_counter() - start) / 20)
    return 1000 * statistics.median(times)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, nargs="+", default=[2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    x, y = torch.randn(BATCH, WINDOW, 1), torch.randn(BATCH, HORIZON)
    rows = []
    for k in args.members:
        members = [Member() for _ in range(k)]
        grouped = Grouped(k)
        loop_ms = timed(lambda m=members: loop_step(m, x, y), args.repeats)
        grouped_ms = timed(lambda g=grouped: grouped_step(g, x, y), args.repeats)
        try:
            step = vmap_step_factory(members)
            step(x, y)
            vmap = f"{timed(lambda s=step: s(x, y), args.repeats):.1f} ms"
        except RuntimeError as err:
            vmap = f"fails: `{str(err).splitlines()[0]}`"
        rows.append((k, loop_ms, grouped_ms, vmap))
        print(f"K={k}: loop {loop_ms:.1f} ms, grouped {grouped_ms:.1f} ms ({grouped_ms / loop_ms:.1f}x), vmap {vmap}")
    if args.write:
        table = ["| members | K nn.LSTM one after the other | one grouped LSTM (bmm per step) | grouped / loop | "
                 "vmap over nn.LSTM |", "| --- | --- | --- | --- | --- |"]
        table += [f"| {k} | {a:.1f} ms | {b:.1f} ms | {b / a:.1f}x | {v} |" for k, a, b, v in rows]
        body = (f"Command: `python benchmarks/bench_stacked.py --members {' '.join(map(str, args.members))} "
                f"--repeats {args.repeats} --write` ({time.strftime('%Y-%m-%d')}, torch {torch.__version__}, one "
                "thread, 2-core machine shared with other jobs: ratios measured side by side). One training step "
                f"of K LSTM members (hidden {HIDDEN}, window {WINDOW}, batch {BATCH}, horizon {HORIZON}).\n\n"
                + "\n".join(table) + "\n\nOn a CPU, training the members of an ensemble (or the two views of the "
                "default) in one vectorised pass is slower than training them one after the other: "
                "`nn.LSTM` runs one fused kernel per layer, which a stacked hand-written cell cannot match, and "
                "`torch.func.vmap` cannot batch `nn.LSTM` at all. So `n_models` and `deseasonalize=\"both\"` "
                "train their networks in turn. Issue 11's \"one vectorised pass where possible\" is not possible "
                "here at a gain; it was not measured on a GPU (none was lent).")
        write_section("## Ensembles in one vectorised pass? (issue 11)", body)


if __name__ == "__main__":
    main()
