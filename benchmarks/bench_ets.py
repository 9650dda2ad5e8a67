"""ETS alone on the protocols of `bench_accuracy.py` (the eight shipped sales datasets) and `bench_panels.py`: a cheap
way to re-measure the ETS baseline after a change to `ETSForecaster`, paired with the leaderboards' other rows.

    python benchmarks/bench_ets.py                                    # sales, then every panel of bench_panels
    python benchmarks/bench_ets.py --panels monthly-economy,us-employment --no-sales

It prints one MASE per dataset and panel (and each panel's focus mean) and writes nothing; an older copy of the
package can be measured beside it with ``PYTHONPATH=/path/to/old/copy``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_panels import PANELS  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default="all", help=f"comma-separated, from {list(PANELS)}, 'all' or 'none'")
    parser.add_argument("--no-sales", action="store_true", help="leave out the shipped sales datasets")
    args = parser.parse_args(argv)
    import tsrnn
    from tsrnn import ETSForecaster, compare, dataset_info, list_datasets, load_dataset

    print(f"tsrnn from {Path(tsrnn.__file__).parent}", flush=True)
    warnings.simplefilter("ignore")
    if not args.no_sales:
        scores = []
        for name in [n for n in list_datasets() if dataset_info(n)["domain"] == "sales"]:
            m = dataset_info(name)["season_length"]
            df = load_dataset(name)[["unique_id", "ds", "y"]]
            shortest = int(df.groupby("unique_id").size().min())
            step = max(1, min(m, (shortest - m - 18) // 2))  # as bench_accuracy.sales_board
            board = compare({"ets": ETSForecaster()}, df, horizon=m, folds=3, step=step, refit=True,
                            progress=False).leaderboard
            scores.append(float(board["MASE"].iloc[0]))
            print(f"{name}: ETS MASE {scores[-1]:.3f}", flush=True)
        print(f"sales mean: ETS MASE {np.mean(scores):.3f}", flush=True)
    names = [] if args.panels == "none" else list(PANELS) if args.panels == "all" else args.panels.split(",")
    for name in names:
        p = PANELS[name]
        df = p.load()
        season = {} if p.season_length is None else {"season_length": p.season_length}
        result = compare({"ets": ETSForecaster(**season)}, df, horizon=p.horizon, folds=p.folds,
                         step=p.step or p.horizon, refit=p.refit, progress=False,
                         season_length=p.season_length).results["ets"]
        by_series = result.metrics(by="series")["MASE"]
        focus = f", focus {by_series.loc[list(p.focus)].mean():.3f}" if p.focus else ""
        print(f"{name}: ETS MASE {result.summary()['MASE'].iloc[0]:.3f}{focus}", flush=True)


if __name__ == "__main__":
    main()
