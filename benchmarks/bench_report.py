"""Size and rendering time of a comparison report at scale: 50 daily series, 100 folds (issue 16).

    python benchmarks/bench_report.py                  # writes benchmarks/RESULTS.md and report_scale.html
    python benchmarks/bench_report.py --no-write --out /tmp/big.html

Four models (seasonal naive, naive, drift and the naive wrapped in ConformalIntervals) are compared with
``refit=False`` on 50 synthetic daily store series (weekly season, random-walk level) at 100 origins one day
apart, horizon 2, with 80 % and 95 % intervals; the report is written once and measured.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402

from tsrnn import (  # noqa: E402
    ConformalIntervals,
    DriftForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    compare,
)


def stores(n_series: int = 50, length: int = 260, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return pd.concat([pd.DataFrame({
        "unique_id": f"store_{i:02d}", "ds": pd.date_range("2022-01-01", periods=length, freq="D"),
        "y": 100 + 0.2 * t * (i % 5) + 10 * np.sin(2 * np.pi * t / 7) + 0.2 * rng.normal(0, 3 + i % 7, length).cumsum()})
        for i in range(n_series)], ignore_index=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="report_scale.html")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    df = stores()
    models = {"snaive": SeasonalNaiveForecaster(season_length=7), "naive": NaiveForecaster(),
              "drift": DriftForecaster(), "conformal naive": ConformalIntervals(NaiveForecaster(), horizon=2, n_windows=19)}
    t0 = time.perf_counter()
    cmp = compare(models, df, horizon=2, folds=100, step=1, refit=False, level=[80, 95], progress=False)
    t1 = time.perf_counter()
    path = cmp.report(args.out)
    t2 = time.perf_counter()
    text = path.read_text(encoding="utf-8")
    row = {"series": 50, "folds": 100, "models": len(models), "compare_s": t1 - t0, "report_s": t2 - t1,
           "html_kB": len(text.encode()) / 1024, "table_rows": len(re.findall(r"<tr>", text)),
           "images": len(re.findall(r"<img ", text))}
    table = pd.DataFrame([row])
    print(table.round(2).to_string(index=False))
    board = cmp.leaderboard[["MASE", "coverage_80", "coverage_95", "MSIS_95", "DM_p"]]
    print(board.round(3).to_string())
    cmd = "python benchmarks/bench_report.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [f"Command: `{cmd.strip()}` ({time.strftime('%Y-%m-%d')}, CPU, 2 shared cores).", "",
             markdown_table(table, index=False), "", "Its leaderboard:", "", markdown_table(board.round(3)), ""]
    if not args.no_write:
        write_section("## Report size at scale (issue 16)", "\n".join(lines))


if __name__ == "__main__":
    main()
