"""Does the default RNN generalise? Two real panels that no default was chosen on (issue 11), against the
classical models, with nothing downloaded:

- ``m4-4weekly``: M4 Weekly's training series summed into 4-week blocks and presented as monthly data (so the
  monthly code path runs: season 12 tested, window 36), the last 240 blocks of the 248 series that have at least
  150; horizon 18 (M4's monthly horizon). A monthly-sized panel of finance, micro and macro series, close in
  size to the held-out economic panel (~150 series x 240 months). The weekly defaults were developed on these
  series, but not at this aggregation, frequency or horizon.
- ``fertility``: the World Bank's yearly fertility rates of 192 countries, 1960-2011 (statsmodels' ``fertility``
  dataset, every country with 52 years of data); horizon 6 (M4's yearly horizon). Smooth, trending series from a
  domain the shipped data do not cover.

Two origins one horizon apart, refit at each, MASE with the frequency's season (12; 1 for yearly).

    python benchmarks/bench_panels.py --seeds 3                 # writes its section of benchmarks/RESULTS.md
    python benchmarks/bench_panels.py --panels fertility --seeds 1 --no-write --param window_stats=true
    python benchmarks/bench_panels.py --panels m4-4weekly --seeds 1 --horizon 12 --length 120   # other shapes
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
from bench_m4 import load_m4_weekly, parse_params  # noqa: E402

SECTION = "## Generalisation: two real panels no default was chosen on (issue 11)"


def m4_four_weekly() -> pd.DataFrame:
    """M4 Weekly's training series in 4-week sums, dated as months (the blocks are not calendar months)."""
    weekly, _ = load_m4_weekly()
    frames = []
    for uid, group in weekly.groupby("unique_id", sort=False):
        y = group["y"].to_numpy()
        n = len(y) // 4
        if n < 150:
            continue
        blocks = y[len(y) - 4 * n:].reshape(n, 4).sum(axis=1)[-240:]
        frames.append(pd.DataFrame({"unique_id": uid, "y": blocks,
                                    "ds": pd.date_range(end="2018-12-01", periods=len(blocks), freq="MS")}))
    return pd.concat(frames, ignore_index=True)


def fertility() -> pd.DataFrame:
    """Fertility rate (births per woman) per country and year, the countries without a gap from 1960."""
    import statsmodels.api as sm

    data = sm.datasets.fertility.load_pandas().data
    years = [c for c in data.columns if c.isdigit()]
    frames = []
    for _, row in data.iterrows():
        y = row[years].astype(float).dropna()
        if len(y) < 40 or np.any(np.diff(y.index.astype(int)) != 1):
            continue
        frames.append(pd.DataFrame({"unique_id": row["Country Code"], "y": y.to_numpy(),
                                    "ds": pd.to_datetime(y.index.astype(str))}))
    return pd.concat(frames, ignore_index=True)


PANELS = {"m4-4weekly": (m4_four_weekly, 18), "fertility": (fertility, 6)}


def run_panel(name: str, seeds: int, params: dict, only_rnn: bool, horizon: int | None = None,
              length: int | None = None) -> tuple[pd.DataFrame, str]:
    from tsrnn import (
        ARIMAForecaster,
        DriftForecaster,
        ETSForecaster,
        LinearForecaster,
        NaiveForecaster,
        RNNForecaster,
        SeasonalNaiveForecaster,
        compare,
    )

    load, default_horizon = PANELS[name]
    horizon = horizon or default_horizon
    df = load()
    if length:  # the last `length` observations of each series
        df = df.groupby("unique_id", sort=False, group_keys=False).tail(length).reset_index(drop=True)
    models = {}
    for k in range(seeds):
        tag = "" if k == 0 else f" s{k}"
        models[f"rnn{tag}"] = RNNForecaster(horizon=horizon, progress=False, random_state=k, **params)
    if not only_rnn:
        models["linear"] = LinearForecaster(horizon=horizon, progress=False, random_state=0)
        models.update({"ets": ETSForecaster(), "arima": ARIMAForecaster(), "naive (random walk)": NaiveForecaster(),
                       "drift": DriftForecaster()})
        if name != "fertility":
            models["seasonal naive"] = SeasonalNaiveForecaster()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(models, df, horizon=horizon, folds=2, step=horizon, refit=True, progress=False)
    board = result.leaderboard[["MASE", "sMAPE", "RMSSE", "fit_time_s"]]
    rnn = board.loc[[m for m in board.index if m.startswith("rnn")], "MASE"]
    head = (f"{df['unique_id'].nunique()} series, {len(df)} observations, horizon {horizon}; default RNN mean "
            f"MASE {rnn.mean():.3f} (sd {rnn.std(ddof=0):.3f}, {len(rnn)} seeds); {time.perf_counter() - start:.0f} s")
    print(f"== {name}: {head}\n{board.round(3).to_string()}", flush=True)
    return board, head


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default="all", help=f"comma-separated, from {list(PANELS)}, or 'all'")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--only-rnn", action="store_true", help="run the RNN alone (for ablations)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the RNN's num_threads)")
    parser.add_argument("--horizon", type=int, help="another horizon than the panel's own (prints only)")
    parser.add_argument("--length", type=int, help="keep the last LENGTH observations of each series (prints only)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    names = list(PANELS) if args.panels == "all" else args.panels.split(",")
    unknown = sorted(set(names) - set(PANELS))
    if unknown:
        parser.error(f"unknown panels {unknown}; choose from {list(PANELS)}")
    params = {"num_threads": args.threads, **parse_params(args.param)}
    parts = []
    for name in names:
        board, head = run_panel(name, args.seeds, params, args.only_rnn, args.horizon, args.length)
        parts.append(f"### {name}\n\n{head}\n\n{markdown_table(board.round(3))}")
    if args.no_write or args.param or args.only_rnn or args.horizon or args.length:
        return
    command = f"python benchmarks/bench_panels.py --seeds {args.seeds}" + (
        f" --panels {args.panels}" if args.panels != "all" else "")
    write_section(SECTION, f"Command: `{command}` ({time.strftime('%Y-%m-%d')}, CPU, {args.threads} torch "
                           "thread(s); fit times are rough on the shared 2-core machine).\n\n" + "\n\n".join(parts))


if __name__ == "__main__":
    main()
