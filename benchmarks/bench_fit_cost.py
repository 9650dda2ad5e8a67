"""What the default RNNForecaster costs to fit: a 150-series x 240-month panel (the size of a typical
economic panel; issue 11 asks for under 60 s on 2 CPU cores) and an hourly panel of 20 series x 2,000 hours.

    python benchmarks/bench_fit_cost.py                  # medians of 3 fits; writes RESULTS.md
    python benchmarks/bench_fit_cost.py --num-threads 2 --repeats 1 --no-write
    python benchmarks/bench_fit_cost.py --cases hourly --param recurrent_window=null --no-write   # an ablation

The series are synthetic (trend + seasonality + noise, seeded): only their shape matters for the time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402
from bench_m4 import parse_params  # noqa: E402


def synthetic_panel(n_series: int, length: int, freq: str, periods: tuple[int, ...], seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frames = []
    for i in range(n_series):
        y = 100 + rng.uniform(-0.2, 0.5) * t + rng.normal(0, 3, length).cumsum() * 0.3
        for m in periods:
            y = y + rng.uniform(2, 10) * np.sin(2 * np.pi * (t + rng.integers(m)) / m)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2000-01-01", periods=length,
                                                                              freq=freq), "y": y}))
    return pd.concat(frames, ignore_index=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-threads", type=int, default=None, help="RNNForecaster(num_threads=); default: its own")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--cases", default="monthly,hourly", help="comma-separated: monthly, hourly")
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    args = parser.parse_args(argv)
    params = parse_params(args.param)
    from tsrnn import RNNForecaster

    cases = {"monthly 150 x 240, horizon 18": (synthetic_panel(150, 240, "MS", (12,)), 18),
             "hourly 20 x 2000, horizon 24": (synthetic_panel(20, 2000, "h", (24, 168)), 24)}
    wanted = args.cases.split(",")
    cases = {name: case for name, case in cases.items() if name.split()[0] in wanted}
    rows = []
    for name, (df, horizon) in cases.items():
        times = []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            model = RNNForecaster(horizon=horizon, progress=False, random_state=r, num_threads=args.num_threads,
                                  **params).fit(df)
            times.append(time.perf_counter() - t0)
        rows.append({"panel": name, "window": model.window_, "recurrent window": model.recurrent_window_,
                     "steps": int(model.history_["step"].max()) + 1,
                     "training windows": model.n_train_windows_, "median fit s": float(np.median(times)),
                     "min fit s": float(np.min(times))})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).set_index("panel")
    cmd = "python benchmarks/bench_fit_cost.py " + " ".join(sys.argv[1:] if argv is None else argv)
    body = (f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, CPU, num_threads={args.num_threads}, default "
            f"RNNForecaster, {args.repeats} fits each), on the 2-core development machine; other jobs may have "
            "shared it: read the times as rough.\n\n" + markdown_table(table))
    if not args.no_write and not params and len(cases) == 2:
        write_section("## Default fit cost (issue 11)", body)


if __name__ == "__main__":
    main()
