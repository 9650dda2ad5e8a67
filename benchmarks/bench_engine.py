"""The array-level backtest engine (issue 13): no-refit backtests of the RNN, seasonal naive and ARIMA, and memory.

    python3 benchmarks/bench_engine.py                      # every part; writes its section of benchmarks/RESULTS.md
    python3 benchmarks/bench_engine.py --parts rnn,naive --repeats 3 --no-write
    python3 benchmarks/bench_engine.py --darts-python /path/to/venv/bin/python   # darts, if installed there

Parts:

- ``rnn``: ``backtest(refit=False)`` at 200 origins one step apart, LSTM 1x64, window 64, horizon 16, 2 torch
  threads: ms per origin with and without the one fit; darts' ``BlockRNNModel`` of the same shape,
  ``fit`` + ``historical_forecasts(retrain=False)``, in a subprocess of the same run when ``--darts-python`` runs
  a Python with darts (darts is not a dependency of tsrnn).
- ``naive`` / ``arima``: 1,000 series x 500 steps x 50 origins (one step apart, horizon 10), ``backtest(refit=False)``
  without its one fit, against one ``predict`` of every series with the same fitted model.
- ``memory``: 10,000 series x 1,000 steps, 20 folds, seasonal naive, ``refit=False``: the peak of Python-tracked
  allocations (tracemalloc; numpy's arrays included) during ``backtest`` against the panel's own bytes.

Every figure is a median over ``--repeats`` runs of this script's single process on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section  # noqa: E402

SECTION = "## Array-level backtest engine (issue 13)"
WINDOW, HORIZON, HIDDEN, ORIGINS = 64, 16, 64, 200


def median_ms(values) -> float:
    return 1000 * statistics.median(values)


def rnn_series(length: int) -> pd.Series:
    rng = np.random.default_rng(0)
    t = np.arange(length)
    y = 100 + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, length).cumsum()
    return pd.Series(y, index=pd.date_range("2015-01-01", periods=length, freq="D"), name="s")


DARTS_SCRIPT = r"""
import json, sys, time, warnings, logging
import numpy as np, pandas as pd, torch
warnings.filterwarnings("ignore"); logging.disable(logging.WARNING)
torch.set_num_threads(2)
from darts import TimeSeries
from darts.models import BlockRNNModel
args = json.loads(sys.argv[1])
values = np.asarray(args["values"], dtype=np.float32)
series = TimeSeries.from_times_and_values(pd.date_range("2015-01-01", periods=len(values), freq="D"), values)
out = []
for _ in range(args["repeats"] + 1):
    model = BlockRNNModel(model="LSTM", input_chunk_length=args["window"], output_chunk_length=args["horizon"],
                          hidden_dim=args["hidden"], n_rnn_layers=1, n_epochs=10_000, batch_size=64, random_state=0,
                          pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                             "enable_model_summary": False, "logger": False,
                                             "max_steps": args["max_steps"]})
    start = time.perf_counter()
    model.fit(series[: args["train"]], verbose=False)
    fit = time.perf_counter() - start
    steps = model.trainer.global_step  # the optimiser steps the fit took
    start = time.perf_counter()
    forecasts = model.historical_forecasts(series, start=args["train"], forecast_horizon=args["horizon"], stride=1,
                                           retrain=False, last_points_only=False, verbose=False)
    hist = time.perf_counter() - start
    assert len(forecasts) == args["origins"], len(forecasts)
    out.append((fit, hist))
import darts
print(json.dumps({"runs": out[1:], "version": darts.__version__, "pandas": pd.__version__, "steps": steps}))
"""


def part_rnn(args) -> dict:
    import torch

    from tsrnn.evaluation import backtest
    from tsrnn.forecasters.rnn import RNNForecaster

    train = 400
    y = rnn_series(train + (ORIGINS - 1) + HORIZON)
    model = RNNForecaster(cell="lstm", hidden_size=HIDDEN, num_layers=1, window=WINDOW, horizon=HORIZON,
                          max_steps=args.max_steps, batch_size=64, progress=False, random_state=0, accelerator="cpu",
                          num_threads=2)
    kwargs = dict(horizon=HORIZON, folds=ORIGINS, step=1, refit=False, initial=train, progress=False)
    backtest(model, y, **kwargs)  # warm-up: imports, first Trainer, first forward pass
    total, no_fit, forecast = [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        res = backtest(model, y, **kwargs)
        wall = time.perf_counter() - start
        fit = float(res.timings["fit_time_s"].sum())
        total.append(wall / ORIGINS)
        no_fit.append((wall - fit) / ORIGINS)
        forecast.append(float(res.timings["predict_time_s"].sum()) / ORIGINS)
    assert len(res.forecasts) == ORIGINS * HORIZON and len(res.errors) == 0
    out = {"total": median_ms(total), "no_fit": median_ms(no_fit), "forecast": median_ms(forecast),
           "torch": torch.__version__, "n": len(y), "darts": None}
    if args.darts_python:
        payload = json.dumps({"values": y.to_numpy().tolist(), "window": WINDOW, "horizon": HORIZON, "hidden": HIDDEN,
                              "train": train, "origins": ORIGINS, "max_steps": args.max_steps,
                              "repeats": args.repeats})
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(DARTS_SCRIPT)
        env = dict(os.environ, OMP_NUM_THREADS="2")
        done = subprocess.run([args.darts_python, f.name, payload], capture_output=True, text=True, env=env)
        os.unlink(f.name)
        if done.returncode != 0:
            out["darts"] = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
        else:
            report = json.loads(done.stdout.strip().splitlines()[-1])
            runs = report["runs"]
            out["darts"] = {"version": report["version"], "pandas": report["pandas"], "steps": report["steps"],
                            "total": median_ms([(f + h) / ORIGINS for f, h in runs]),
                            "no_fit": median_ms([h / ORIGINS for _, h in runs])}
    return out


def panel_of(n_series: int, length: int, seed: int = 0):
    """A regular daily panel built directly (a 10-million-row frame would dwarf what is measured)."""
    from tsrnn.data import Panel

    rng = np.random.default_rng(seed)
    t = np.arange(length)
    season = 10 * np.sin(2 * np.pi * t / 7)
    values = (100 + season[None, :] + rng.normal(0, 1, (n_series, length)).cumsum(axis=1)).astype(np.float32)
    ids = np.array([f"s{i:05d}" for i in range(n_series)], dtype=object)
    offsets = np.arange(n_series + 1, dtype=np.int64) * length
    starts = pd.DatetimeIndex([pd.Timestamp("2020-01-01")] * n_series)
    return Panel(ids, values.ravel(), offsets, starts, pd.tseries.frequencies.to_offset("D"),
                 np.zeros((n_series * length, 0), dtype=np.float32))


def part_per_series(args, name: str) -> dict:
    """No-refit backtest without its fit vs one predict of every series, same fitted model, same run."""
    from sklearn.base import clone

    from tsrnn.evaluation import backtest
    from tsrnn.forecasters.arima import ARIMAForecaster
    from tsrnn.forecasters.naive import SeasonalNaiveForecaster

    n_series, length, origins, horizon = args.series, 500, 50, 10
    panel = panel_of(n_series, length)
    model = (SeasonalNaiveForecaster(season_length=7) if name == "naive"
             else ARIMAForecaster(order=(1, 1, 1), season_length=1))
    kwargs = dict(horizon=horizon, folds=origins, step=1, refit=False, progress=False, season_length=7)
    first = length - horizon - (origins - 1)  # the first cutoff (what the backtest fits on)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = clone(model).fit(panel.slice(0, first))
        backtest_s, predict_s, fit_s = [], [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            fitted.predict(horizon)
            predict_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            res = backtest(model, panel, **kwargs)
            wall = time.perf_counter() - start
            fit = float(res.timings["fit_time_s"].sum())
            fit_s.append(fit)
            backtest_s.append(wall - fit)
        assert len(res.errors) == 0
        check = fitted.forecast_at(panel, np.zeros(1, dtype=np.int64), [length - horizon], horizon)["y_pred"][0]
        assert np.allclose(check, res.forecasts["y_pred"].to_numpy()[(origins - 1) * horizon:origins * horizon])
    b, p = median_ms(backtest_s), median_ms(predict_s)
    return {"backtest": b, "predict": p, "ratio": b / p, "fit": median_ms(fit_s), "series": n_series,
            "length": length, "origins": origins, "horizon": horizon, "model": repr(model)}


def part_memory(args) -> dict:
    from tsrnn.evaluation import backtest
    from tsrnn.forecasters.naive import SeasonalNaiveForecaster

    n_series, length, folds, horizon = args.memory_series, 1000, 20, 10
    panel = panel_of(n_series, length)
    panel_bytes = panel.values.nbytes + panel.offsets.nbytes + panel.covariates.nbytes
    peaks, frame_peaks, walls = [], [], []
    for _ in range(args.repeats):
        tracemalloc.start()
        start = time.perf_counter()
        res = backtest(SeasonalNaiveForecaster(season_length=7), panel, horizon=horizon, folds=folds, refit=False,
                       progress=False, season_length=7)
        walls.append(time.perf_counter() - start)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.reset_peak()
        res.metrics()  # builds the long forecasts frame: n_series * folds * horizon rows
        frame_peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        del res
    return {"panel_mb": panel_bytes / 2**20, "peak_mb": statistics.median(peaks) / 2**20,
            "ratio": statistics.median(peaks) / panel_bytes, "frame_peak_mb": statistics.median(frame_peaks) / 2**20,
            "frame_ratio": statistics.median(frame_peaks) / panel_bytes, "wall_s": statistics.median(walls),
            "series": n_series, "length": length, "folds": folds, "horizon": horizon}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="rnn,naive,arima,memory")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--series", type=int, default=1000, help="series of the naive/ARIMA parts")
    parser.add_argument("--memory-series", type=int, default=10_000)
    parser.add_argument("--darts-python", default=None, help="a Python interpreter that can import darts")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    parts = args.parts.split(",")
    load = os.getloadavg()[0]
    found = {}
    if "rnn" in parts:
        found["rnn"] = r = part_rnn(args)
        print(f"rnn: {r}")
    for name in ("naive", "arima"):
        if name in parts:
            found[name] = r = part_per_series(args, name)
            print(f"{name}: {r}")
    if "memory" in parts:
        found["memory"] = r = part_memory(args)
        print(f"memory: {r}")
    if args.no_write:
        return

    command = "OMP_NUM_THREADS=1 python3 benchmarks/bench_engine.py " + " ".join(sys.argv[1:])
    lines = [f"Command: `{command.strip()}`", "",
             f"One process, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs shared with other "
             f"jobs (1-minute load average {load:.1f} at the start): timings are noisy, so each figure is the median "
             f"of {args.repeats} repeats, and each comparison is measured side by side in this one run.", ""]
    if "rnn" in found:
        r = found["rnn"]
        lines += [f"**No-refit RNN backtest**: {ORIGINS} origins one step apart, one daily series of {r['n']} "
                  f"observations, LSTM 1x{HIDDEN}, window {WINDOW}, horizon {HORIZON}, {args.max_steps} training "
                  f"steps, torch {r['torch']} on 2 threads.", "",
                  "| measure | ms per origin |", "| --- | --- |",
                  f"| tsrnn `backtest(refit=False)`, including its one fit | {r['total']:.3f} |",
                  f"| tsrnn `backtest(refit=False)` without the fit (forecasts + bookkeeping) | {r['no_fit']:.3f} |",
                  f"| tsrnn: the batched `forecast_at` calls alone | {r['forecast']:.3f} |"]
        d = r["darts"]
        if d and "error" not in d:
            lines += [f"| darts {d['version']} `BlockRNNModel` fit + `historical_forecasts(retrain=False)` | "
                      f"{d['total']:.3f} |",
                      f"| darts `historical_forecasts(retrain=False)` alone | {d['no_fit']:.3f} |"]
        lines += ["", f"Target <= 0.05 ms per origin without the fit: {'met' if r['no_fit'] <= 0.05 else 'NOT met'} "
                  f"({r['no_fit']:.3f} ms)."]
        if d and "error" not in d:
            lines.append(f"Target no slower than darts including the fit: "
                         f"{'met' if r['total'] <= d['total'] else 'NOT met'} ({r['total']:.3f} vs {d['total']:.3f} ms).")
            lines.append(f"darts ran in a subprocess of this run, in its own virtual environment (`python -m venv "
                         f"--system-site-packages`, `pip install darts 'pandas<3'`: darts {d['version']} fails on the "
                         f"pandas 3 tsrnn uses, with `TypeError: unsupported operand type(s) for //: 'Timedelta' and "
                         f"'Day'`), so with pandas {d['pandas']} and the same torch; its model trained "
                         f"{d['steps']} steps (tsrnn's {args.max_steps}), same batch size, window, horizon and width. "
                         "darts is not a dependency of tsrnn.")
        elif d:
            lines.append(f"darts could not be run: {d['error']}.")
        else:
            lines.append("darts was not compared in this run (no `--darts-python`).")
        lines.append("")
    for name in ("naive", "arima"):
        if name in found:
            r = found[name]
            lines += [f"**No-refit {name} backtest**: `{r['model']}`, {r['series']:,} series x {r['length']} steps, "
                      f"{r['origins']} origins one step apart, horizon {r['horizon']}: `backtest(refit=False)` without "
                      f"its one fit took {r['backtest']:.1f} ms; one `predict({r['horizon']})` of every series with the "
                      f"same fitted model {r['predict']:.1f} ms; ratio **{r['ratio']:.2f}x** (target within 3x: "
                      f"{'met' if r['ratio'] <= 3 else 'NOT met'}). The one fit took {r['fit']:.0f} ms.", ""]
    if "memory" in found:
        r = found["memory"]
        lines += [f"**Memory**: {r['series']:,} series x {r['length']:,} steps ({r['panel_mb']:.1f} MiB of panel "
                  f"arrays), {r['folds']} folds of horizon {r['horizon']}, seasonal naive, `refit=False`: the peak of "
                  f"tracemalloc-tracked allocations during `backtest` was {r['peak_mb']:.1f} MiB = "
                  f"**{r['ratio']:.2f}x** the panel (target below 2x: {'met' if r['ratio'] < 2 else 'NOT met'}; "
                  f"{r['wall_s']:.1f} s). Reading the long forecasts frame afterwards (`result.metrics()` builds "
                  f"{r['series'] * r['folds'] * r['horizon']:,} rows, lazily, only when asked) peaked at "
                  f"{r['frame_peak_mb']:.1f} MiB = {r['frame_ratio']:.2f}x the panel.", ""]
    write_section(SECTION, "\n".join(lines))
    print("wrote benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
