"""The thread policy (issue 14): default RNNForecaster fits with ``num_threads`` 1 and 2, on a quiet machine and
with one competing CPU-bound process (a pure-Python busy loop), medians of repeats, side by side in one run.

    python benchmarks/bench_threads.py                    # airpassengers, horizon 12; writes RESULTS.md
    python benchmarks/bench_threads.py --repeats 1 --no-write
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402


def _burn(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def time_fits(df, threads: int, repeats: int) -> list[float]:
    from tsrnn import RNNForecaster

    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        RNNForecaster(horizon=12, progress=False, random_state=r, num_threads=threads).fit(df)
        times.append(time.perf_counter() - t0)
    return times


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    from tsrnn import load_dataset

    df = load_dataset("airpassengers")
    time_fits(df, 1, 1)  # untimed: the first fit in a process pays for imports and kernel set-up
    rows = []
    for compete in (False, True):
        stop = mp.Event()
        burner = mp.Process(target=_burn, args=(stop,), daemon=True) if compete else None
        if burner:
            burner.start()
        try:
            for threads in (1, 2):  # interleaved, so both see the same machine
                t = time_fits(df, threads, args.repeats)
                rows.append({"competing process": "yes" if compete else "no", "num_threads": threads,
                             "median fit s": float(np.median(t)), "min fit s": float(np.min(t))})
                print(rows[-1], flush=True)
        finally:
            if burner:
                stop.set()
                burner.join()
    table = pd.DataFrame(rows)
    cmd = "python benchmarks/bench_threads.py " + " ".join(sys.argv[1:] if argv is None else argv)
    body = (f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs). Default `RNNForecaster` "
            f"(horizon 12) on airpassengers, {args.repeats} fits per row; the competing process is a Python busy "
            "loop.\n\n" + markdown_table(table, index=False))
    if not args.no_write:
        write_section("## Thread policy (issue 14)", body)


if __name__ == "__main__":
    main()
