"""Training throughput of the benchmark LSTM (issue 14): a plain PyTorch loop, tsrnn and neuralforecast's LSTM,
interleaved in one run, at each thread count asked for, quiet or beside one competing CPU-bound process.

    python benchmarks/bench_nf.py --nf-python /path/to/venv/bin/python --threads 1 --repeats 3 --no-write
    python benchmarks/bench_nf.py --nf-python /path/to/venv/bin/python --threads 2 --compete --steps 30

The network: LSTM 2x128 over a window of 64 steps, horizon 16, batches of 256 windows, ``--steps`` optimiser steps
(default 100), 20 synthetic daily series of 1,000 steps, CPU, float32. Each figure is windows per second of a whole
fit (set-up included: tsrnn's Trainer and panel, neuralforecast's dataset and Trainer), median over ``--repeats``;
in every repeat the systems run one after the other at each thread count, so drift in machine speed hits all alike.

- plain loop: `bench_rnn.plain_loop_windows_per_s` (nn.LSTM + linear head, Adam, clipping; batches gathered before
  the clock starts), in this process, ``torch.set_num_threads(t)``.
- tsrnn: ``RNNForecaster(deseasonalize=None)`` (one network: the default trains two), ``num_threads=t``,
  ``scaler="standard"``, ``linear_skip`` on as by default, in this process.
- neuralforecast: ``LSTM(h=16, input_size=64, encoder_n_layers=2, encoder_hidden_size=128, batch_size=20,
  windows_batch_size=256, scaler_type="standard")``, in a long-lived subprocess started with ``--nf-python`` (a
  Python that can import neuralforecast; it is not a dependency of tsrnn), ``torch.set_num_threads(t)`` before each
  fit. What differs by design of its API: its decoder is an MLP (2 layers of 128) applied to the LSTM's last 16
  hidden states instead of one linear map of the last state, each step samples its 256 windows from every window
  of the 20 series (unfolded on each step), and no gradient clipping by default.

``--compete`` starts one ``python -c "while True: pass"`` process for the whole run and ends it afterwards.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section  # noqa: E402
from bench_rnn import plain_loop_windows_per_s, synthetic_frame  # noqa: E402

SECTION = "## Training throughput against neuralforecast (issue 14)"
SHAPE = dict(window=64, horizon=16, batch=256, hidden=128, layers=2)
N_SERIES, LENGTH = 20, 1000

# Run by --nf-python: reads one JSON request per line ({"threads": t, "steps": n} or {"stop": true}) and answers
# one JSON line per request, so that one process (imports paid once) serves every repeat of the run.
NF_SCRIPT = r"""
import json, logging, os, sys, time, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import numpy as np, pandas as pd, torch
import neuralforecast
from neuralforecast import NeuralForecast
from neuralforecast.models import LSTM
cfg = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
t = np.arange(cfg["length"])
stamps = pd.date_range("2000-01-01", periods=cfg["length"], freq="D")
df = pd.concat([pd.DataFrame({"unique_id": f"s{i}", "ds": stamps,
                              "y": 10 + np.sin(2 * np.pi * t / 7 + i) + 0.1 * rng.standard_normal(cfg["length"]).cumsum()})
                for i in range(cfg["n_series"])], ignore_index=True)

def fit(steps):
    model = LSTM(h=cfg["horizon"], input_size=cfg["window"], encoder_n_layers=cfg["layers"],
                 encoder_hidden_size=cfg["hidden"], batch_size=cfg["n_series"], windows_batch_size=cfg["batch"],
                 max_steps=steps, scaler_type="standard", random_seed=0, accelerator="cpu",
                 enable_progress_bar=False, logger=False, enable_model_summary=False)
    nf = NeuralForecast(models=[model], freq="D")
    start = time.perf_counter()
    nf.fit(df)
    return time.perf_counter() - start

fit(2)  # untimed: the first fit in a process pays for kernel set-up
print(json.dumps({"ready": True, "version": neuralforecast.__version__, "pandas": pd.__version__,
                  "torch": torch.__version__}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    if req.get("stop"):
        break
    torch.set_num_threads(req["threads"])
    seconds = fit(req["steps"])
    print(json.dumps({"seconds": seconds, "threads_seen": torch.get_num_threads()}), flush=True)
"""


class NFChild:
    """One neuralforecast process serving fits over a pipe."""

    def __init__(self, python: str):
        self.script = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
        self.script.write(NF_SCRIPT)
        self.script.close()
        cfg = dict(SHAPE, n_series=N_SERIES, length=LENGTH)
        self.proc = subprocess.Popen([python, self.script.name, json.dumps(cfg)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.info = self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the neuralforecast process ended (exit code {self.proc.wait()})")
        return json.loads(line)

    def windows_per_s(self, threads: int, steps: int) -> float:
        self.proc.stdin.write(json.dumps({"threads": threads, "steps": steps}) + "\n")
        self.proc.stdin.flush()
        return steps * SHAPE["batch"] / self._read()["seconds"]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"stop": True}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
        os.unlink(self.script.name)


def tsrnn_windows_per_s(frame, threads: int, steps: int) -> float:
    from tsrnn import RNNForecaster

    model = RNNForecaster(cell="lstm", hidden_size=SHAPE["hidden"], num_layers=SHAPE["layers"],
                          window=SHAPE["window"], horizon=SHAPE["horizon"], batch_size=SHAPE["batch"],
                          max_steps=steps, scaler="standard", deseasonalize=None, progress=False, random_state=0,
                          accelerator="cpu", precision="32-true", num_threads=threads)
    start = time.perf_counter()
    model.fit(frame)
    return steps * SHAPE["batch"] / (time.perf_counter() - start)


def plain_windows_per_s(data, threads: int, steps: int) -> float:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return plain_loop_windows_per_s(data, SHAPE["window"], SHAPE["horizon"], SHAPE["batch"], steps,
                                        SHAPE["hidden"], SHAPE["layers"])
    finally:
        torch.set_num_threads(before)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nf-python", default=None, help="a Python interpreter that can import neuralforecast")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--compete", action="store_true", help="run one CPU-bound busy loop beside the run")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    import torch

    frame = synthetic_frame(N_SERIES, LENGTH)
    data = ((frame - frame.mean()) / frame.std()).to_numpy().T
    load_before = os.getloadavg()
    print(f"load average before: {load_before}", flush=True)
    nf = NFChild(args.nf_python) if args.nf_python else None
    plain_windows_per_s(data, 1, 2)  # untimed warm-ups: imports, first Trainer, kernel set-up
    tsrnn_windows_per_s(frame, 1, 2)
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.compete else None
    runs: dict[tuple[str, int], list[float]] = {}
    try:
        for r in range(args.repeats):
            for threads in args.threads:
                for name, fn in (("plain loop", lambda t: plain_windows_per_s(data, t, args.steps)),
                                 ("tsrnn", lambda t: tsrnn_windows_per_s(frame, t, args.steps)),
                                 ("neuralforecast", lambda t: nf.windows_per_s(t, args.steps))):
                    if name == "neuralforecast" and nf is None:
                        continue
                    value = fn(threads)
                    runs.setdefault((name, threads), []).append(value)
                    print(json.dumps({"repeat": r, "system": name, "threads": threads, "windows_per_s": value,
                                      "fit_s": args.steps * SHAPE["batch"] / value}), flush=True)
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()
        nf_info = nf.info if nf else None
        if nf:
            nf.close()
    load_after = os.getloadavg()
    print(f"load average after: {load_after}", flush=True)
    rows = []
    for threads in args.threads:
        plain = statistics.median(runs[("plain loop", threads)])
        for name in ("plain loop", "tsrnn", "neuralforecast"):
            if (name, threads) not in runs:
                continue
            values = runs[(name, threads)]
            rows.append({"system": name, "threads": threads, "median": statistics.median(values),
                         "min": min(values), "max": max(values), "vs_plain": statistics.median(values) / plain})
    for row in rows:
        print(json.dumps(row), flush=True)
    if not args.no_write:
        write_section(SECTION, render(rows, args, torch.__version__, nf_info, load_before, load_after))


def render(rows, args, torch_version, nf_info, load_before, load_after) -> str:
    cmd = "python benchmarks/bench_nf.py " + " ".join(sys.argv[1:])
    nf_text = (f"neuralforecast {nf_info['version']} (pandas {nf_info['pandas']})" if nf_info
               else "neuralforecast not run (no --nf-python)")
    lines = [f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, {platform.processor() or 'CPU'}, "
             f"torch {torch_version}, {nf_text}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} "
             f"after; {'one competing busy loop' if args.compete else 'no competing process of ours'}).", "",
             "| system | threads | median windows/s | min | max | vs plain loop |", "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['system']} | {row['threads']} | {row['median']:.0f} | {row['min']:.0f} | "
                     f"{row['max']:.0f} | {row['vs_plain']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
