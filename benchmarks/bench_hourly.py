"""A sub-daily check: England and Wales half-hourly electricity demand (Taylor 2003; 12 weeks from 2000-06-05),
averaged to hourly, 14 daily origins over the last two weeks, horizon 24, the model fitted once before the first
origin. Scored as MASE against the in-sample seasonal naive of one day; seasonal naive of a day and of a week
side by side.

    pip install pmdarima        # the series ships inside pmdarima's wheel (pmdarima.datasets.load_taylor)
    python benchmarks/bench_hourly.py --seeds 3            # writes RESULTS.md
    python benchmarks/bench_hourly.py --seeds 1 --param window=48 --no-write   # an ablation

pmdarima is not a tsrnn dependency and the series is not shipped with tsrnn: this is a development check
of the sub-daily defaults (the window of a week plus a day), one series only.
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    try:
        from pmdarima.datasets import load_taylor
    except ImportError:
        sys.exit("this check needs pmdarima for its data: pip install pmdarima")
    from tsrnn import LinearForecaster, RNNForecaster

    y = load_taylor().reshape(-1, 2).mean(axis=1)  # half-hours -> hours
    df = pd.DataFrame({"unique_id": "taylor", "ds": pd.date_range("2000-06-05", periods=len(y), freq="h"), "y": y})
    n0 = len(y) - 24 * 14
    scale = np.mean(np.abs(y[24:n0] - y[:n0 - 24]))
    origins = [n0 + 24 * k for k in range(14)]

    def mase(forecast_at) -> float:
        return float(np.mean([np.mean(np.abs(y[n:n + 24] - forecast_at(n))) for n in origins]) / scale)

    params = parse_params(args.param)
    rows = [{"model": "seasonal naive, one day", "MASE": mase(lambda n: y[n - 24:n]), "fit_s": 0.0},
            {"model": "seasonal naive, one week", "MASE": mase(lambda n: y[n - 168:n - 144]), "fit_s": 0.0}]
    for name, cls, kw in (("RNNForecaster", RNNForecaster, params), ("LinearForecaster", LinearForecaster, {})):
        scores, times = [], []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            model = cls(horizon=24, progress=False, random_state=seed, **kw).fit(df.iloc[:n0])
            times.append(time.perf_counter() - t0)
            scores.append(mase(lambda n, m=model: m.predict(df=df.iloc[:n])["y_pred"].to_numpy()))
            print(f"{name} seed {seed}: MASE {scores[-1]:.3f}", flush=True)
        label = name + (f" {kw}" if kw else " (default)")
        rows.append({"model": f"{label}, mean of {len(scores)} seeds (sd {np.std(scores):.3f})",
                     "MASE": float(np.mean(scores)), "fit_s": float(np.mean(times))})
    table = pd.DataFrame(rows).set_index("model")
    print(table.round(3).to_string())
    cmd = "python benchmarks/bench_hourly.py " + " ".join(sys.argv[1:] if argv is None else argv)
    body = (f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, CPU; pmdarima installed for the data only).\n\n"
            + markdown_table(table))
    if not args.no_write:
        write_section("## Hourly electricity demand, one series (issue 11, development check)", body)


if __name__ == "__main__":
    main()
