"""Accuracy leaderboards on every shipped dataset: seasonal naive, ARIMA, ETS, the default RNNForecaster with
each cell and the linear window model (LinearForecaster: the RNN's own linear path alone), all backtested on the
same origins; the neural models over ``--seeds`` seeds (mean and standard deviation in the summary).

    python benchmarks/bench_accuracy.py                 # everything; writes benchmarks/RESULTS.md
    python benchmarks/bench_accuracy.py --sales wineind --stocks none

Sales: 3 origins one season apart (closer for series too short for that), horizon one season, refit at every
origin, univariate (target only).
Stocks: 50 origins over the last year (step 5), horizon 5, on log prices; models are fitted once before the
first origin and then forecast from each origin's history (refit=False).
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

from tsrnn import (  # noqa: E402
    ARIMAForecaster,
    ETSForecaster,
    LinearForecaster,
    NaiveForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    compare,
    dataset_info,
    list_datasets,
    load_dataset,
)

CELLS = ("lstm", "gru", "rnn", "elman")


PARAMS: dict = {}  # --param: RNNForecaster parameters for an ablation


def neural_models(horizon: int, seeds: int, cells) -> dict:
    """The RNN of each cell and the linear window model, one entry per seed ("rnn-lstm", "rnn-lstm s1", ...)."""
    models = {}
    for k in range(seeds):
        tag = "" if k == 0 else f" s{k}"
        models.update({f"rnn-{c}{tag}": RNNForecaster(cell=c, horizon=horizon, progress=False, random_state=k,
                                                      **PARAMS) for c in cells})
        models[f"linear{tag}"] = LinearForecaster(horizon=horizon, progress=False, random_state=k)
    return models


def over_seeds(table: pd.DataFrame, name: str) -> tuple[float, float]:
    """Mean and standard deviation over seeds of the MASE of model ``name`` (rows "name", "name s1", ...)."""
    rows = table.loc[(table.index == name) | table.index.str.startswith(f"{name} s"), "MASE"]
    return float(rows.mean()), float(rows.std(ddof=0))


def sales_board(name: str, seeds: int, cells=CELLS) -> pd.DataFrame:
    info = dataset_info(name)
    m = info["season_length"]
    df = load_dataset(name)[["unique_id", "ds", "y"]]
    models = {"snaive": SeasonalNaiveForecaster(), "arima": ARIMAForecaster(), "ets": ETSForecaster()}
    models.update(neural_models(m, seeds, cells))
    # Three origins one season apart where the data allow; shorter data (shampoo: 36 months) step back less,
    # keeping at least 18 training points at the first origin.
    shortest = int(df.groupby("unique_id").size().min())
    step = max(1, min(m, (shortest - m - 18) // 2))
    cmp = compare(models, df, horizon=m, folds=3, step=step, refit=True, progress=False)
    if step != m:
        print(f"note: {name} uses origins {step} steps apart (too short for {m})")
    return cmp.leaderboard


def stock_board(name: str, seeds: int, cells=CELLS) -> pd.DataFrame:
    df = load_dataset(name)[["unique_id", "ds", "y"]].copy()
    df["y"] = np.log(df["y"])
    # 50 origins 5 days apart need a year of data before the first one: FB (listed 2012) has less.
    sizes = df.groupby("unique_id")["y"].transform("size")
    dropped = sorted(df.loc[sizes < 500, "unique_id"].unique())
    if dropped:
        print(f"note: {name} drops {dropped}: under 500 observations")
        df = df[sizes >= 500]
    models = {"naive (random walk)": NaiveForecaster(), "arima": ARIMAForecaster(season_length=1),
              "ets": ETSForecaster(season_length=1)}
    models.update(neural_models(5, seeds, cells))
    cmp = compare(models, df, horizon=5, folds=50, step=5, refit=False, progress=False, season_length=1)
    return cmp.leaderboard


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", default="all", help="comma-separated sales datasets, 'all' or 'none'")
    parser.add_argument("--stocks", default="all", help="comma-separated stock datasets, 'all' or 'none'")
    parser.add_argument("--seeds", type=int, default=1, help="neural models run with random_state 0..seeds-1")
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated RNN cells to run")
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch RESULTS.md")
    parser.add_argument("--title", default="Accuracy leaderboards (issue 5)", help="RESULTS.md section title")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 avoids oversubscription)")
    args = parser.parse_args(argv)
    PARAMS.update(parse_params(args.param))
    import torch

    torch.set_num_threads(args.threads)

    def pick(arg: str, domain: str) -> list[str]:
        names = [n for n in list_datasets() if dataset_info(n)["domain"] == domain]
        return [] if arg == "none" else names if arg == "all" else arg.split(",")

    cmd = "python benchmarks/bench_accuracy.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, CPU). Fit and predict seconds are summed over "
             "origins and were measured while other jobs shared the 2 cores: read them as rough.", ""]
    summary = []
    for domain, names, board in (("sales", pick(args.sales, "sales"), sales_board),
                                 ("stock", pick(args.stocks, "stock"), stock_board)):
        for name in names:
            t0 = time.perf_counter()
            table = board(name, args.seeds, args.cells.split(","))
            print(f"== {name} ({time.perf_counter() - t0:.0f} s)\n{table.round(3).to_string()}\n", flush=True)
            cols = [c for c in ("MASE", "RMSSE", "sMAPE", "MAE", "fit_time_s", "n_errors") if c in table.columns]
            lines += [f"### {name} ({domain})", "", markdown_table(table[cols]), ""]
            neural = table.index.str.startswith(("rnn-", "linear"))
            base = table.loc[~neural, "MASE"]
            ref = "snaive" if domain == "sales" else "naive (random walk)"
            rnn_mean, rnn_sd = over_seeds(table, "rnn-lstm")
            lin_mean, lin_sd = over_seeds(table, "linear")
            summary.append({"dataset": name, "domain": domain, "rnn-lstm MASE": rnn_mean, "rnn sd": rnn_sd,
                            "linear MASE": lin_mean, "linear sd": lin_sd,
                            f"{'snaive' if domain == 'sales' else 'random walk'} MASE": table.loc[ref, "MASE"],
                            "best classical": base.idxmin(), "best classical MASE": base.min()})
    if summary:
        frame = pd.DataFrame(summary)
        for domain, part in frame.groupby("domain", sort=False):
            means = part.drop(columns=["dataset", "domain", "best classical"]).mean()
            frame.loc[len(frame)] = {"dataset": f"mean ({domain})", "domain": domain, **means.to_dict(),
                                     "best classical": "per dataset"}
        print(frame.round(3).to_string())
        lines = lines[:2] + ["Summary (MASE, lower is better):", "", markdown_table(frame, index=False), ""] + lines[2:]
    if not args.no_write:
        write_section(f"## {args.title}", "\n".join(lines))


if __name__ == "__main__":
    main()
