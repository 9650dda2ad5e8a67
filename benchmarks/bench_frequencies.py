"""The default RNNForecaster at every common frequency: does `RNNForecaster(horizon=h).fit(df).predict()` run, what
window and seasons does it choose, and what does the fit cost? Synthetic panels (trend, the frequency's own seasons,
noise; `bench_fit_cost.synthetic_panel`) of 6 series, one fit each.

    python benchmarks/bench_frequencies.py                         # every frequency but the slowest; writes RESULTS.md
    python benchmarks/bench_frequencies.py --freqs 5min,10min --no-write

Only the shape of the data matters here: the figures are fit times and the choices the defaults make, not accuracy.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402
from bench_fit_cost import synthetic_panel  # noqa: E402

# frequency -> (observations per series, horizon); the sub-daily ones about three weeks of data or 2,000 steps.
CASES = {"min": (2000, 30), "5min": (2000, 12), "10min": (2000, 12), "15min": (2000, 8), "20min": (1500, 6),
         "30min": (1500, 12), "h": (1500, 24), "2h": (1200, 12), "6h": (800, 4), "D": (800, 14), "B": (800, 5),
         "W-SUN": (400, 8), "2W": (300, 6), "SMS": (200, 6), "MS": (200, 12), "ME": (200, 12), "BME": (200, 12),
         "2MS": (120, 6), "QS-OCT": (80, 4), "BQE": (80, 4), "YE-JUN": (50, 3)}
SLOW = ("5min", "10min")  # windows of 288 to 576 steps read whole by the recurrence: many minutes each


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--freqs", default=",".join(f for f in CASES if f not in SLOW),
                        help="comma-separated pandas frequencies among: " + ", ".join(CASES))
    parser.add_argument("--series", type=int, default=6)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    freqs = [f.strip() for f in args.freqs.split(",") if f.strip()]
    unknown = [f for f in freqs if f not in CASES]
    if unknown:
        parser.error(f"unknown --freqs {unknown}; choose among {', '.join(CASES)}")
    from tsrnn import RNNForecaster
    from tsrnn.frequency import seasonal_periods_for

    rows = []
    for freq in freqs:
        length, horizon = CASES[freq]
        periods = seasonal_periods_for(freq)
        df = synthetic_panel(args.series, length, freq, tuple(m for m in periods if m > 1))
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = RNNForecaster(horizon=horizon, progress=False, random_state=0).fit(df)
                forecast = model.predict()
                error = None
            except Exception as exc:  # a failure is a finding: record it and go on
                error = f"{type(exc).__name__}: {exc}"[:160]
        seconds = time.perf_counter() - t0
        row = {"freq": freq, "series x length": f"{args.series} x {length}", "horizon": horizon,
               "seasons": ", ".join(map(str, periods))}
        if error:
            row.update({"result": error})
        else:
            finite = bool(np.isfinite(forecast["y_pred"]).all()) and len(forecast) == args.series * horizon
            row.update({"window": model.window_, "recurrence reads": model.recurrent_window_,
                        "views": len(getattr(model, "views_", None) or [model]), "fit + predict s": round(seconds, 1),
                        "result": ("ok" if finite else "NON-FINITE OR SHORT FORECAST")
                        + (f", {len(caught)} warning(s)" if caught else "")})
        rows.append(row)
        print(row, flush=True)
    table = markdown_table(pd.DataFrame(rows), index=False)
    print(table)
    if not args.no_write:
        command = f"python benchmarks/bench_frequencies.py --freqs {','.join(freqs)}"
        write_section("## Every frequency, one default fit each",
                      f"Command: `{command}` ({pd.Timestamp.now():%Y-%m-%d}, CPU, the default's one torch thread)."
                      f"\n\n{table}\n")


if __name__ == "__main__":
    main()
