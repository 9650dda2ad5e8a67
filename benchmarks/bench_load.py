"""Loading a saved ARIMA against fitting it (issue 12): a model folder stores each series' chosen orders and fitted
parameters, so loading filters once with them instead of searching again.

    python benchmarks/bench_load.py              # medians of 5 runs; writes RESULTS.md
    python benchmarks/bench_load.py --repeats 3 --no-write

Data: the shipped monthly sales datasets that have several series or long histories (aus_accommodation: 8 states,
pbs_immune_sera, wineind, h02), with the automatic ARIMA (stepwise, seasonal, season 12) as it searches by default
(conditional sums of squares, then one exact fit) and with the exact search (``approximation=False``, as
pmdarima's auto_arima): loading costs the same for both, since it never searches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402

DATASETS = ("aus_accommodation", "pbs_immune_sera", "wineind", "h02")


def measure(name: str, repeats: int, exact: bool) -> dict:
    import tsrnn

    df = tsrnn.load_dataset(name)
    fits, loads = [], []
    model = None
    for _ in range(1 if exact else repeats):  # the exact search takes minutes: timed once
        start = time.perf_counter()
        model = tsrnn.ARIMAForecaster(approximation=not exact).fit(df)
        fits.append(time.perf_counter() - start)
    served = []
    with tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "arima")
        tsrnn.load(path).predict(12, level=[80, 95])  # untimed: the first call of a process imports modules
        for _ in range(repeats):
            start = time.perf_counter()
            loaded = tsrnn.load(path)
            loads.append(time.perf_counter() - start)
        for _ in range(repeats):
            start = time.perf_counter()
            tsrnn.load(path).predict(12, level=[80, 95])
            served.append(time.perf_counter() - start)
        same = loaded.predict(12, level=[80, 95]).equals(model.predict(12, level=[80, 95]))
    fit, load, serve = statistics.median(fits), statistics.median(loads), statistics.median(served)
    return {"dataset": name, "search": "exact (approximation=False)" if exact else "default (CSS, then exact fit)",
            "series": df["unique_id"].nunique(), "observations": len(df), "fit_s": round(fit, 3),
            "load_s": round(load, 4), "load_vs_fit": f"{fit / load:.0f}x faster", "ratio": fit / load,
            "load_and_predict_s": round(serve, 4), "load_and_predict_vs_fit": f"{fit / serve:.0f}x faster",
            "same_forecast": same}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args(argv)
    rows = [measure(name, args.repeats, exact) for exact in (False, True) for name in DATASETS]
    table = pd.DataFrame(rows).set_index("dataset")
    ratios = table.groupby("search", sort=False)["ratio"].agg(["min", "max"])
    table = table.drop(columns="ratio")
    summary = "; ".join(f"{lo:.0f}-{hi:.0f}x faster than the {search.split(' (')[0]} search"
                        for search, (lo, hi) in ratios.iterrows())
    print(table.to_string())
    print("loading is", summary)
    if not args.no_write:
        body = (f"Command: `OMP_NUM_THREADS=1 python benchmarks/bench_load.py --repeats {args.repeats}` (medians of "
                f"{args.repeats} runs, 2-core machine). `fit_s`: `ARIMAForecaster().fit(df)` (automatic order search "
                "and maximum likelihood per series; the exact search is timed once); `load_s`: `tsrnn.load(path)` of the saved model "
                "(checksums, then each series' orders, parameters and its state at the end of the data: no model is "
                "built and nothing is filtered); `load_and_predict_s`: the load and a 12-step forecast with 80% and "
                "95% intervals from it (the state recursion statsmodels' `get_forecast` runs, without statsmodels). "
                "`same_forecast`: the loaded model's forecast and intervals equal the fitted one's exactly. Loads "
                "and load-and-predicts are timed in two loops after one untimed load and predict (the first call of "
                "a process imports modules). Loading is " + summary + ". Timings on a shared machine vary by about a "
                "factor of 2 between runs; fits and loads of one row are measured side by side in one process "
                f"(1-minute load average at the start: {os.getloadavg()[0]:.1f}).\n\n" + markdown_table(table))
        write_section("## Loading a saved ARIMA vs fitting it (issue 12)", body)


if __name__ == "__main__":
    main()
