"""The array-level backtest engine (issue 13): no-refit backtests of the RNN, seasonal naive and ARIMA, and memory.

    python3 benchmarks/bench_engine.py                      # every part; writes its section of benchmarks/RESULTS.md
    python3 benchmarks/bench_engine.py --parts rnn,naive --repeats 3 --no-write
    python3 benchmarks/bench_engine.py --darts-python /path/to/venv/bin/python   # darts, if installed there

Parts:

- ``rnn``: ``backtest(refit=False)`` at 200 origins one step apart, LSTM 1x64, window 64, horizon 16, 2 torch
  threads: ms per origin with and without the one fit, for one network (``deseasonalize=None``) and for the
  default (two); darts' ``BlockRNNModel`` of the same shape, ``fit`` + ``historical_forecasts(retrain=False)``,
  in a worker process whose repeats alternate with tsrnn's, when ``--darts-python`` runs a Python with darts
  (darts is not a dependency of tsrnn).
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
import re
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
from _results import RESULTS, write_section  # noqa: E402

SECTION = "## Array-level backtest engine (issue 13)"
WINDOW, HORIZON, HIDDEN, ORIGINS = 64, 16, 64, 200


def median_ms(values) -> float:
    return 1000 * statistics.median(values)


def rnn_series(length: int) -> pd.Series:
    rng = np.random.default_rng(0)
    t = np.arange(length)
    y = 100 + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, length).cumsum()
    return pd.Series(y, index=pd.date_range("2015-01-01", periods=length, freq="D"), name="s")


DARTS_WORKER = r"""
import json, sys, time, warnings, logging
import numpy as np, pandas as pd, torch
warnings.filterwarnings("ignore"); logging.disable(logging.WARNING)
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
import darts
from darts import TimeSeries
from darts.models import BlockRNNModel
values = np.asarray(args["values"], dtype=np.float32)
series = TimeSeries.from_times_and_values(pd.date_range("2015-01-01", periods=len(values), freq="D"), values)
print(json.dumps({"version": darts.__version__, "pandas": pd.__version__}), flush=True)
for _ in sys.stdin:  # one line in, one timed repeat out: the parent interleaves these with its own repeats
    model = BlockRNNModel(model="LSTM", input_chunk_length=args["window"], output_chunk_length=args["horizon"],
                          hidden_dim=args["hidden"], n_rnn_layers=1, n_epochs=10_000, batch_size=args["batch_size"],
                          random_state=0, pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                                              "enable_model_summary": False, "logger": False,
                                                              "max_steps": args["max_steps"]})
    start = time.perf_counter()
    model.fit(series[: args["train"]], verbose=False)
    fit = time.perf_counter() - start
    steps, threads = model.trainer.global_step, torch.get_num_threads()  # optimiser steps; threads after the fit
    start = time.perf_counter()
    forecasts = model.historical_forecasts(series, start=args["train"], forecast_horizon=args["horizon"], stride=1,
                                           retrain=False, last_points_only=False, verbose=False)
    hist = time.perf_counter() - start
    assert len(forecasts) == args["origins"], len(forecasts)
    print(json.dumps({"fit": fit, "hist": hist, "steps": steps, "threads": threads,
                      "interop": torch.get_num_interop_threads()}), flush=True)
"""

THREADS, BATCH = 2, 64


class DartsWorker:
    """darts in its own Python (``--darts-python``), one timed repeat per request, so that its repeats and
    tsrnn's alternate in one run. Its environment is this process's (same OMP/MKL thread settings) and it sets
    torch to ``THREADS`` threads, the ``num_threads`` tsrnn's model fits and forecasts with."""

    def __init__(self, python: str, payload: dict):
        self.script = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        self.script.write(DARTS_WORKER)
        self.script.close()
        self.errors = tempfile.TemporaryFile("w+")  # a file, not a pipe: a full pipe would block the worker
        self.proc = subprocess.Popen([python, self.script.name, json.dumps(payload)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.errors, text=True, env=dict(os.environ))
        self.info = self._read()

    def _read(self) -> dict:
        for line in self.proc.stdout:
            if line.startswith("{"):
                return json.loads(line)
        self.errors.seek(0)
        lines = self.errors.read().strip().splitlines()
        raise RuntimeError(lines[-1] if lines else "the darts worker stopped")

    def run(self) -> dict:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        self.errors.close()
        os.unlink(self.script.name)


def tsrnn_repeat(model, y, kwargs) -> dict:
    """One timed ``backtest(refit=False)``: ms per origin with the fit, without it, and of forecast_at alone."""
    from tsrnn.evaluation import backtest

    start = time.perf_counter()
    res = backtest(model, y, **kwargs)
    wall = time.perf_counter() - start
    assert len(res.forecasts) == ORIGINS * HORIZON and len(res.errors) == 0
    fit = float(res.timings["fit_time_s"].sum())
    return {"total": 1000 * wall / ORIGINS, "no_fit": 1000 * (wall - fit) / ORIGINS,
            "forecast": 1000 * float(res.timings["predict_time_s"].sum()) / ORIGINS}


def bare_lstm_ms(repeats: int = 21) -> dict:
    """The floor under the forecasts: one ``torch.nn.LSTM(1, 64)`` forward over ``ORIGINS`` windows of ``WINDOW``
    steps on ``THREADS`` threads (median ms), and the multiply-adds of its recurrence, 2 * 4 * hidden * (1 + hidden)
    FLOPs per window and step."""
    import torch

    from tsrnn.forecasters.rnn import torch_threads

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(1, HIDDEN, 1, batch_first=True).eval()
    x = torch.randn(ORIGINS, WINDOW, 1)
    times = []
    with torch.inference_mode(), torch_threads(THREADS):
        for _ in range(repeats + 1):
            start = time.perf_counter()
            lstm(x)
            times.append(time.perf_counter() - start)
    flops = 2 * 4 * HIDDEN * (1 + HIDDEN) * WINDOW * ORIGINS
    ms = median_ms(times[1:])
    return {"ms": ms, "gflop": flops / 1e9, "gflops": flops / 1e9 / (ms / 1000)}


def part_rnn(args) -> dict:
    """tsrnn with one LSTM (``deseasonalize=None``, the shape of darts' one BlockRNNModel), tsrnn's default (two
    networks, ``deseasonalize="both"``) and darts, their repeats interleaved in one run (the order reversed every
    other repeat), after one untimed warm-up of each."""
    import torch
    from sklearn.base import clone

    from tsrnn.data import to_panel
    from tsrnn.evaluation import backtest
    from tsrnn.forecasters.rnn import RNNForecaster

    train = 400
    y = rnn_series(train + (ORIGINS - 1) + HORIZON)
    shape = dict(cell="lstm", hidden_size=HIDDEN, num_layers=1, window=WINDOW, horizon=HORIZON,
                 max_steps=args.max_steps, batch_size=BATCH, progress=False, random_state=0, accelerator="cpu",
                 num_threads=THREADS)
    models = {"one": RNNForecaster(**shape, deseasonalize=None), "default": RNNForecaster(**shape)}
    kwargs = dict(horizon=HORIZON, folds=ORIGINS, step=1, refit=False, initial=train, progress=False)
    steps = {}
    for name, model in models.items():
        fitted = clone(model).fit(to_panel(y).slice(np.array([0]), np.array([train])))  # what backtest fits
        steps[name] = int(fitted.history_["step"].max()) + 1  # optimiser steps of each network
        backtest(model, y, **kwargs)  # warm-up: imports, first Trainer, first forward pass
    darts = None
    if args.darts_python:
        payload = {"values": y.to_numpy().tolist(), "window": WINDOW, "horizon": HORIZON, "hidden": HIDDEN,
                   "train": train, "origins": ORIGINS, "max_steps": args.max_steps, "batch_size": BATCH,
                   "threads": THREADS}
        try:
            darts = DartsWorker(args.darts_python, payload)
            darts.run()  # warm-up
        except Exception as err:  # reported in RESULTS.md instead of the figures
            darts = {"error": f"{type(err).__name__}: {err}"}
    runs = {name: [] for name in [*models, "darts"]}
    loads = [os.getloadavg()[0]]
    for r in range(args.repeats):
        order = [*models, "darts"] if r % 2 == 0 else ["darts", *reversed(list(models))]
        for name in order:
            if name != "darts":
                runs[name].append(tsrnn_repeat(models[name], y, kwargs))
            elif isinstance(darts, DartsWorker):
                d = darts.run()
                runs["darts"].append({"total": 1000 * (d["fit"] + d["hist"]) / ORIGINS,
                                      "no_fit": 1000 * d["hist"] / ORIGINS, "steps": d["steps"],
                                      "threads": d["threads"], "interop": d["interop"]})
    loads.append(os.getloadavg()[0])
    out = {"lstm": bare_lstm_ms(), "torch": torch.__version__, "n": len(y), "train": train, "steps": steps, "runs": runs, "loads": loads,
           "interop": torch.get_num_interop_threads(),
           "median": {name: {k: statistics.median(run[k] for run in rs) for k in rs[0] if k in
                             ("total", "no_fit", "forecast")} for name, rs in runs.items() if rs}}
    if isinstance(darts, DartsWorker):
        out["darts"] = dict(darts.info)
        darts.close()
    else:
        out["darts"] = darts
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


def _each(values) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def rnn_lines(r: dict, args) -> list[str]:
    """The RNN part's paragraphs: medians and every repeat, tsrnn (one network and default) against darts."""
    runs, med, d = r["runs"], r["median"], r["darts"]
    has_darts = bool(runs["darts"])
    darts_steps = sorted({run["steps"] for run in runs["darts"]})
    darts_threads = sorted({run["threads"] for run in runs["darts"]})
    lines = [f"**No-refit RNN backtest**: {ORIGINS} origins one step apart, one daily series of {r['n']} observations "
             f"(the one fit on the first {r['train']}), LSTM 1x{HIDDEN}, window {WINDOW}, horizon {HORIZON}, batch "
             f"{BATCH}, at most {args.max_steps} optimiser steps (tsrnn's networks took {r['steps']['one']}"
             + (f", darts' {', '.join(map(str, darts_steps))}" if has_darts else "") + f"), torch {r['torch']}. "
             f"The repeats of the three alternate in this one run (tsrnn one network, tsrnn default, darts; the "
             f"order reversed every other repeat), after one untimed warm-up of each; 1-minute load average "
             f"{r['loads'][0]:.1f} when they began and {r['loads'][1]:.1f} when they ended. Threads: tsrnn's models "
             f"have `num_threads={THREADS}` (torch's setting inside their fits and forecasts), darts' process calls "
             f"`torch.set_num_threads({THREADS})`"
             + (f" and reported {', '.join(map(str, darts_threads))} after each fit" if has_darts else "")
             + "; both run with this command's environment (`OMP_NUM_THREADS=1`) and torch's default inter-op "
             f"threads ({r['interop']}).", "",
             "**One LSTM** is `RNNForecaster(cell='lstm', hidden_size=64, num_layers=1, window=64, horizon=16, "
             "deseasonalize=None, ...)`, the shape of darts' one `BlockRNNModel`; tsrnn's **default** "
             "(`deseasonalize='both'`) trains and averages two such networks and is shown beside it.", "",
             "| measure (ms per origin) | median | each repeat, in run order |", "| --- | --- | --- |"]
    for name, label in (("one", "tsrnn one LSTM"), ("default", "tsrnn default (two LSTMs)")):
        rs = runs[name]
        lines += [f"| {label}: `backtest(refit=False)` including its one fit | {med[name]['total']:.3f} | "
                  f"{_each(x['total'] for x in rs)} |",
                  f"| {label}: without the fit (forecasts + bookkeeping) | **{med[name]['no_fit']:.3f}** | "
                  f"{_each(x['no_fit'] for x in rs)} |",
                  f"| {label}: the batched `forecast_at` call alone | {med[name]['forecast']:.3f} | "
                  f"{_each(x['forecast'] for x in rs)} |"]
    if has_darts:
        rs = runs["darts"]
        lines += [f"| darts {d['version']} `BlockRNNModel` fit + `historical_forecasts(retrain=False)` | "
                  f"{med['darts']['total']:.3f} | {_each(x['total'] for x in rs)} |",
                  f"| darts `historical_forecasts(retrain=False)` alone | {med['darts']['no_fit']:.3f} | "
                  f"{_each(x['no_fit'] for x in rs)} |"]
    lstm = r["lstm"]
    lines += ["", f"The floor under the forecasts: `torch.nn.LSTM(1, {HIDDEN})` alone, one forward over the {ORIGINS} "
              f"windows on {THREADS} threads, took {lstm['ms']:.2f} ms (median of 21, after the repeats) = "
              f"{lstm['ms'] / ORIGINS:.4f} ms per origin: its recurrence is {lstm['gflop']:.3f} GFLOP "
              f"(2 x 4 x {HIDDEN} x {HIDDEN + 1} per window and step), {lstm['gflops']:.0f} GFLOP/s."]
    one = med["one"]["no_fit"]
    within = sum(x["no_fit"] <= 0.05 for x in runs["one"])
    lines += ["", f"Target <= 0.05 ms per origin without the fit (one LSTM): **{'met' if one <= 0.05 else 'NOT met'}** "
              f"({one:.3f} ms, median; {within} of {len(runs['one'])} repeats within it; tsrnn's default "
              f"{med['default']['no_fit']:.3f} ms)."]
    if has_darts:
        total, dt = med["one"]["total"], med["darts"]["total"]
        faster = sum(a["total"] <= b["total"] for a, b in zip(runs["one"], runs["darts"], strict=True))
        faster2 = sum(a["total"] <= b["total"] for a, b in zip(runs["default"], runs["darts"], strict=True))
        lines.append(f"Target no slower than darts including the fit (one LSTM against darts' one): "
                     f"**{'met' if total <= dt else 'NOT met'}** ({total:.3f} vs {dt:.3f} ms, medians; tsrnn was no "
                     f"slower in {faster} of {len(runs['darts'])} repeats side by side; tsrnn's default "
                     f"{med['default']['total']:.3f} ms, no slower in {faster2}).")
        lines.append(f"darts ran in a worker process of this run, in its own virtual environment (`python -m venv "
                     f"--system-site-packages`, `pip install darts 'pandas<3'`: darts {d['version']} fails on the "
                     f"pandas 3 tsrnn uses, with `TypeError: unsupported operand type(s) for //: 'Timedelta' and "
                     f"'Day'`), so with pandas {d['pandas']} and the same torch install. darts is not a dependency "
                     "of tsrnn.")
    elif d:
        lines.append(f"darts could not be run: {d['error']}.")
    else:
        lines.append("darts was not compared in this run (no `--darts-python`).")
    return lines


_PARAGRAPHS = {"naive": "**No-refit naive backtest**", "arima": "**No-refit arima backtest**", "memory": "**Memory**"}


def carried_over(done: set) -> list[str]:
    """Paragraphs of the parts this run left out, as the section holds them, each with the command that measured
    it: a run of one part replaces that part's figures only."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    match = re.search(rf"^{re.escape(SECTION)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not match:
        return []
    body = match.group(1)
    command = re.search(r"^Command: `([^`]*)`", body, re.M)
    load = re.search(r"load average ([0-9.]+) at the start", body)
    kept = []
    for part, title in _PARAGRAPHS.items():
        if part in done:
            continue
        found = re.search(rf"^{re.escape(title)}.*$", body, re.M)
        if not found:
            continue
        paragraph = found.group(0)
        if not paragraph.startswith(f"{title} (measured by an earlier run") and command:
            how = f"`{command.group(1)}`" + (f", 1-minute load average {load.group(1)}" if load else "")
            paragraph = f"{title} (measured by an earlier run, {how})" + paragraph[len(title):]
        kept += [paragraph, ""]
    return kept


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
        lines += rnn_lines(found["rnn"], args) + [""]
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
    lines += carried_over(set(found))
    write_section(SECTION, "\n".join(lines))
    print("wrote benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
