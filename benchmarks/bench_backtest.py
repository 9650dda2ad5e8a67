"""The backtest fast path: `backtest(refit=False)` on an RNN against forecasting origin by origin, side by side.

    python3 benchmarks/bench_backtest.py                  # 200 origins, 5 repeats; writes benchmarks/RESULTS.md
    python3 benchmarks/bench_backtest.py --origins 50 --repeats 2 --no-write

One series long enough for ``--origins`` one-step-apart cutoffs; an LSTM 1x64 with window 64 and horizon 16,
fitted for a few steps (accuracy is not the point). Figures are medians over repeats, in this run, on CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

sys.path.insert(0, str(Path(__file__).parent))
from _results import RESULTS, write_section  # noqa: E402

SECTION = "## Backtest fast path (issue 5)"
WINDOW, HORIZON, HIDDEN = 64, 16, 64


def series(length: int) -> pd.Series:
    rng = np.random.default_rng(0)
    t = np.arange(length)
    y = 100 + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, length).cumsum()
    return pd.Series(y, index=pd.date_range("2015-01-01", periods=length, freq="D"), name="s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--train", type=int, default=400, help="observations before the first origin")
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import torch

    from tsrnn.data import to_panel
    from tsrnn.evaluation import backtest
    from tsrnn.forecasters.rnn import RNNForecaster

    n_origins = args.origins
    load = os.getloadavg()[0]  # a shared machine: other work slows every figure alike
    y = series(args.train + (n_origins - 1) + HORIZON)
    model = RNNForecaster(cell="lstm", hidden_size=HIDDEN, num_layers=1, window=WINDOW, horizon=HORIZON,
                          max_steps=args.max_steps, batch_size=64, progress=False, random_state=0,
                          accelerator="cpu")
    kwargs = dict(horizon=HORIZON, folds=n_origins, step=1, refit=False, initial=args.train, progress=False)

    backtest(model, y, **kwargs)  # warm-up: imports, first Trainer, first forward pass
    total, forecast_phase, rest = [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        res = backtest(model, y, **kwargs)
        wall = time.perf_counter() - start
        fit = float(res.timings["fit_time_s"].sum())
        total.append(wall / n_origins)
        forecast_phase.append(float(res.timings["predict_time_s"].sum()) / n_origins)
        rest.append((wall - fit) / n_origins)  # everything but the one fit: batched forecasts + bookkeeping
    assert len(res.forecasts) == n_origins * HORIZON and len(res.errors) == 0

    # The slow way with the same fitted model: one predict(df=history cut at the cutoff) per origin.
    panel = to_panel(y)
    fitted = model.__class__(**model.get_params()).fit(panel.slice(0, [args.train]))
    cutoffs = res.origins["n_train"].to_numpy()
    loop = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        preds = [fitted.predict(HORIZON, df=panel.slice(0, [c]))["y_pred"].to_numpy() for c in cutoffs]
        loop.append((time.perf_counter() - start) / n_origins)
    batched = np.stack(preds)
    fast = res.forecasts["y_pred"].to_numpy().reshape(n_origins, HORIZON)
    max_diff = float(np.abs(batched - fast).max())

    ms = {name: 1000 * statistics.median(v) for name, v in
          [("total", total), ("forecast", forecast_phase), ("no_fit", rest), ("loop", loop)]}
    lines = [
        f"backtest(refit=False), {n_origins} origins, LSTM 1x{HIDDEN}, window {WINDOW}, horizon {HORIZON}, "
        f"{len(y)} observations, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {load:.1f} "
        f"(median of {args.repeats}):",
        f"  whole backtest incl. its one fit ({args.max_steps} steps): {ms['total']:.3f} ms/origin",
        f"  backtest without the fit (batched forecasts + bookkeeping): {ms['no_fit']:.3f} ms/origin",
        f"  batched forecast call alone (forecast_at):                  {ms['forecast']:.3f} ms/origin",
        f"  per-origin loop of predict(df=history):                     {ms['loop']:.3f} ms/origin",
        f"  speed-up of the fast path (loop / backtest without fit):    {ms['loop'] / ms['no_fit']:.1f}x",
        f"  max |fast - loop| forecast difference: {max_diff:.2e}",
    ]
    print("\n".join(lines))
    if not args.no_write:
        command = "python3 benchmarks/bench_backtest.py" + (
            "" if (n_origins, args.repeats, args.train, args.max_steps) == (200, 5, 400, 20)
            else f" --origins {n_origins} --repeats {args.repeats} --train {args.train} --max-steps {args.max_steps}")
        table = "\n".join([
            "| measure | ms per origin |",
            "| --- | --- |",
            f"| whole `backtest(refit=False)`, including its one fit ({args.max_steps} steps) | {ms['total']:.3f} |",
            f"| `backtest(refit=False)` without the fit: batched forecasts + bookkeeping | {ms['no_fit']:.3f} |",
            f"| the batched `forecast_at` call alone | {ms['forecast']:.3f} |",
            f"| per-origin loop of `predict(df=history cut at the cutoff)` | {ms['loop']:.3f} |",
        ])
        body = (
            f"Command: `{command}`\n\n"
            f"{n_origins} origins one step apart on one daily series of {len(y)} observations; LSTM 1x{HIDDEN}, "
            f"window {WINDOW}, horizon {HORIZON}, CPU, torch {torch.__version__} with {torch.get_num_threads()} "
            f"threads, {os.cpu_count()} CPUs (1-minute load average {load:.1f} at the start of the run; other "
            f"jobs slow every figure alike); medians of {args.repeats} repeats in one run.\n\n"
            f"{table}\n\n"
            f"Fast path (without the fit) vs the per-origin loop: {ms['loop'] / ms['no_fit']:.1f}x faster; the "
            f"two give the same forecasts (max difference {max_diff:.1e}). Target: <= 0.2 ms per origin for the "
            f"fast path, {'met' if ms['no_fit'] <= 0.2 else 'NOT met'} here ({ms['no_fit']:.3f} ms)."
        )
        write_section(SECTION, body)
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
