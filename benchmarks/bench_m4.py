"""M4 Weekly (359 series, horizon 13) with the competition's own scoring: the default RNNForecaster against its
own linear path alone (LinearForecaster, same seeds), naive and Theta fitted in the same run, and the official
M4 figures for reference.

    python benchmarks/bench_m4.py                          # default RNN, seeds 0-2; writes RESULTS.md
    python benchmarks/bench_m4.py --param loss=mse --param linear_skip=false --no-write   # an ablation

sMAPE and MASE as M4 computed them (MASE scaled by the in-sample mean absolute one-step change: m = 1 for
weekly data), averaged over the 359 series. The data and their provenance are in benchmarks/data/m4/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import markdown_table, write_section  # noqa: E402

DATA = Path(__file__).parent / "data" / "m4"
HORIZON = 13
OFFICIAL = {  # M4 results on the weekly series (sMAPE, MASE), from the competition's published tables
    "M4 Naive2": (9.161, 2.777), "M4 Theta": (9.093, 2.637), "M4 RNN benchmark": (15.220, 5.132),
    "M4 ES-RNN (winner)": (7.817, 2.356), "M4 best weekly entry": (6.582, 2.107),
}


def load_m4_weekly() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The training series as a long frame (weekly dates ending 2018-12-30) and the test values by id."""
    train = pd.read_csv(DATA / "Weekly-train.csv.gz")
    test = pd.read_csv(DATA / "Weekly-test.csv.gz").set_index("V1")
    frames, tests = [], {}
    for row in train.itertuples(index=False):
        uid, values = row[0], np.asarray(row[1:], dtype=float)
        values = values[~np.isnan(values)]
        ds = pd.date_range(end="2018-12-30", periods=len(values), freq="W-SUN")
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": values}))
        tests[uid] = test.loc[uid].to_numpy(dtype=float)
    return pd.concat(frames, ignore_index=True), tests


def m4_scores(history: dict[str, np.ndarray], forecasts: dict[str, np.ndarray], tests: dict[str, np.ndarray]):
    """Mean sMAPE (percent) and MASE (m = 1) over the series, as the M4 competition scored them."""
    smape, mase = [], []
    for uid, y in tests.items():
        f, h = forecasts[uid], history[uid]
        smape.append(np.mean(200.0 * np.abs(y - f) / (np.abs(y) + np.abs(f))))
        mase.append(np.mean(np.abs(y - f)) / np.mean(np.abs(np.diff(h))))
    return float(np.mean(smape)), float(np.mean(mase))


def theta_forecasts(history: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """statsmodels' Theta method, non-seasonal (M4's Theta used m = 1 for weekly data)."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    return {uid: np.asarray(ThetaModel(h, period=1, deseasonalize=False).fit().forecast(HORIZON))
            for uid, h in history.items()}


def parse_params(items: list[str]) -> dict:
    params = {}
    for item in items:
        key, _, raw = item.partition("=")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3, help="random_state 0..seeds-1, one fit each")
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--title", default="M4 Weekly (issue 11)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from tsrnn import LinearForecaster, RNNForecaster

    df, tests = load_m4_weekly()
    history = {uid: g["y"].to_numpy() for uid, g in df.groupby("unique_id", sort=False)}
    params = parse_params(args.param)
    rows = []
    naive = {uid: np.repeat(h[-1], HORIZON) for uid, h in history.items()}
    rows.append({"model": "naive (this run)", "sMAPE": m4_scores(history, naive, tests)[0],
                 "MASE": m4_scores(history, naive, tests)[1], "fit_s": 0.0})
    t0 = time.perf_counter()
    theta = theta_forecasts(history)
    s, m = m4_scores(history, theta, tests)
    rows.append({"model": "Theta, statsmodels (this run)", "sMAPE": s, "MASE": m, "fit_s": time.perf_counter() - t0})
    runs = {}
    linear_params = {k: v for k, v in params.items() if k in LinearForecaster().get_params()}
    for name, cls, kw in (("RNNForecaster", RNNForecaster, params), ("LinearForecaster", LinearForecaster,
                                                                     linear_params)):
        runs[name] = []
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            model = cls(horizon=HORIZON, progress=False, random_state=seed, **kw).fit(df)
            fit_s = time.perf_counter() - t0
            fc = model.predict()
            forecasts = {uid: g["y_pred"].to_numpy() for uid, g in fc.groupby("unique_id", sort=False)}
            s, m = m4_scores(history, forecasts, tests)
            runs[name].append((s, m, fit_s))
            print(f"{name} seed {seed}: sMAPE {s:.3f} MASE {m:.3f} fit {fit_s:.1f} s", flush=True)
        r = np.array(runs[name])
        label = name + (f" {kw}" if kw else " (default)")
        rows.append({"model": f"{label}, mean of {len(r)} seeds", "sMAPE": r[:, 0].mean(),
                     "MASE": r[:, 1].mean(), "fit_s": r[:, 2].mean()})
    rows += [{"model": name, "sMAPE": s, "MASE": m, "fit_s": float("nan")} for name, (s, m) in OFFICIAL.items()]
    table = pd.DataFrame(rows).set_index("model")
    print(table.round(3).to_string())
    cmd = "python benchmarks/bench_m4.py " + " ".join(sys.argv[1:] if argv is None else argv)
    spread = " ".join(f"{name} per seed: " + ", ".join(f"{s:.3f} / {m:.3f}" for s, m, _ in r) + " (sMAPE / MASE)."
                      for name, r in runs.items())
    body = "\n".join([f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, CPU, {args.threads} torch thread). "
                      "fit_s is one fit's wall time on a 2-core machine shared with other jobs: read it as rough.",
                      "", markdown_table(table), "", spread])
    if not args.no_write:
        write_section(f"## {args.title}", body)


if __name__ == "__main__":
    main()
