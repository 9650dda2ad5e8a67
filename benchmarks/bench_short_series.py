"""Panels of short series (yearly and quarterly, as in M4's yearly and quarterly sets): the default RNN with its
automatic window against the random walk, drift, ETS and seasonal naive.

    python benchmarks/bench_short_series.py --seeds 3        # writes its section of benchmarks/RESULTS.md
    python benchmarks/bench_short_series.py --seeds 1 --no-write
    python benchmarks/bench_short_series.py --seeds 1 --only-rnn --param symmetric=true   # an ablation (never writes)

Synthetic data (seeded), because the shipped datasets hold no panel of short series: three kinds in equal parts
(a random walk with its own drift, exponential growth with noise, a slow cycle on a random walk), lengths drawn
from 13-45 years (yearly, horizon 6) and 16-40 quarters (quarterly, horizon 8, with a seasonal pattern). One
origin: the last ``horizon`` observations of every series are the test. ``rnn, window=1`` is the window the
automatic choice gave before version 0.2 on the yearly panel (set by the shortest series); on the quarterly
panel that choice failed outright (a training part of 8 quarters cannot hold window + horizon = 9).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402
from bench_m4 import parse_params  # noqa: E402

SECTION = "## Short series: yearly and quarterly panels (issue 11)"


def short_panel(freq: str, n: int, lengths, season: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        size = int(rng.choice(lengths))
        t = np.arange(size)
        if i % 3 == 0:
            y = 100 + np.cumsum(rng.normal(rng.uniform(0, 3), 2, size))
        elif i % 3 == 1:
            y = 50 * np.exp(np.cumsum(rng.normal(0.04, 0.05, size)))
        else:
            y = 80 + 10 * np.sin(t / 3) + np.cumsum(rng.normal(0, 1, size))
        if season > 1:
            y = y + 4 * np.sin(2 * np.pi * t / season + rng.uniform(0, 6))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("1980-01-01", periods=size, freq=freq),
                                    "y": y}))
    return pd.concat(frames, ignore_index=True)


def board(df: pd.DataFrame, horizon: int, season: int, seeds: int, old_window: bool, params: dict | None = None,
          only_rnn: bool = False) -> pd.DataFrame:
    from tsrnn import (
        DriftForecaster,
        ETSForecaster,
        NaiveForecaster,
        RNNForecaster,
        SeasonalNaiveForecaster,
        compare,
    )

    models = {}
    if not only_rnn:
        models = {"naive (random walk)": NaiveForecaster(), "drift": DriftForecaster(),
                  "ets": ETSForecaster(season_length=season)}
        if season > 1:
            models["seasonal naive"] = SeasonalNaiveForecaster(season_length=season)
    for k in range(seeds):
        tag = "" if k == 0 else f" s{k}"
        models[f"rnn{tag}"] = RNNForecaster(horizon=horizon, progress=False, random_state=k, **(params or {}))
        if old_window and not only_rnn:
            models[f"rnn, window=1{tag}"] = RNNForecaster(horizon=horizon, window=1, progress=False, random_state=k)
    cmp = compare(models, df, horizon=horizon, folds=1, refit=True, progress=False, season_length=season)
    return cmp.leaderboard[["MASE", "sMAPE", "MAE", "fit_time_s"]]


def over_seeds(table: pd.DataFrame, name: str) -> str:
    rows = table.loc[(table.index == name) | table.index.str.startswith(f"{name} s"), "MASE"]
    return f"{rows.mean():.3f} (sd {rows.std(ddof=0):.3f}, {len(rows)} seeds)"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--only-rnn", action="store_true", help="run the RNN alone (for ablations)")
    args = parser.parse_args(argv)
    params = parse_params(args.param)
    import torch

    torch.set_num_threads(1)
    cases = [("yearly", "YS", 100, (13, 20, 25, 30, 40, 45), 1, 6, True),
             ("quarterly", "QS", 60, (16, 20, 24, 30, 40), 4, 8, False)]
    lines = [f"Command: `python benchmarks/bench_short_series.py --seeds {args.seeds}` ({time.strftime('%Y-%m-%d')}, "
             "CPU, one torch thread; other jobs shared the 2 cores, so fit times are rough).", ""]
    for name, freq, n, lengths, season, horizon, old in cases:
        df = short_panel(freq, n, lengths, season, seed=1)
        t0 = time.perf_counter()
        table = board(df, horizon, season, args.seeds, old, params, args.only_rnn)
        print(f"== {name} ({time.perf_counter() - t0:.0f} s)\n{table.round(3).to_string()}\n", flush=True)
        summary = f"default RNN mean MASE {over_seeds(table, 'rnn')}"
        if old and not args.only_rnn:
            summary += f"; with window=1, the former automatic window: {over_seeds(table, 'rnn, window=1')}"
        lines += [f"### {name}: {n} series of {min(lengths)}-{max(lengths)} observations, horizon {horizon}", "",
                  summary + ".", "", markdown_table(table), ""]
    if not (args.no_write or args.param or args.only_rnn):
        write_section(SECTION, "\n".join(lines))


if __name__ == "__main__":
    main()
