"""Accuracy against the anchors' own models (issue 11): the default ``RNNForecaster`` beside neuralforecast's
``LSTM`` and statsforecast's ``AutoETS``, ``AutoARIMA`` and ``AutoTheta``, on the same panels, origins and scoring,
so that the issue's comparisons ("24% worse than neuralforecast's LSTM", "worse than the best statistical method")
can be checked on data this project has.

    python benchmarks/bench_anchors.py --nf-python /path/to/venv/bin/python --panels monthly-economy --seeds 1
    python benchmarks/bench_anchors.py --nf-python ... --panels all --seeds 3      # writes its RESULTS.md section
    python benchmarks/bench_anchors.py --nf-python ... --nf-input-horizons 3 --anchors neuralforecast --no-write

The panels and their protocols are ``bench_panels.py``'s (same loaders, horizons, origins, refitting and season).
tsrnn's default, ETS, ARIMA and the random walk run in this process through ``tsrnn.compare``. The anchors run in a
subprocess started with ``--nf-python`` (a Python that can import neuralforecast and statsforecast; neither is a
dependency of tsrnn): for each origin they are given each series' history up to that origin's cutoff and return
their forecasts. neuralforecast refits at every origin where the protocol refits; otherwise it is fitted once
before the first origin and asked to ``predict(df=...)`` from each later origin's history. statsforecast's models
are refitted at every origin (``StatsForecast.forecast``), which favours them on the no-refit panels. The anchors'
forecasts replace the point forecasts of a copy of the default RNN's backtest result, so that everything is scored
by the same ``BacktestResult.metrics`` (MASE and RMSSE per (series, origin) with the origin's own training scale,
then the mean).

neuralforecast's model is ``LSTM(h=horizon)`` with its own defaults for everything else (its scaler, input size,
network, decoder, 1,000 training steps, learning rate), plus ``random_seed``, CPU and quiet logging: the model a
user who picks neuralforecast's LSTM gets. ``--nf-param key=json`` overrides one of them, ``--nf-input-horizons K``
sets ``input_size`` to K horizons (its default, ``input_size=-1``, is three horizons). statsforecast's models get the
panel's season length.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _results import chosen_panels, markdown_table, panel_parser, write_section  # noqa: E402
from bench_m4 import parse_params  # noqa: E402
from bench_panels import PANELS  # noqa: E402

SECTION = "## Accuracy against the anchors: neuralforecast's LSTM, statsforecast's automatic models (issue 11)"

# Run by --nf-python: argv[1] is a JSON request naming a folder with the panel (data.csv: unique_id, ds, y) and
# the cutoffs (cutoffs.csv: unique_id, fold, cutoff); it writes forecasts.csv (unique_id, fold, ds, y_pred) and
# info.json there.
ANCHOR_SCRIPT = r"""
import json, logging, os, sys, time, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import pandas as pd
req = json.loads(sys.argv[1])
folder = req["folder"]
df = pd.read_csv(os.path.join(folder, "data.csv"), parse_dates=["ds"])
cuts = pd.read_csv(os.path.join(folder, "cutoffs.csv"), parse_dates=["cutoff"])
df["unique_id"] = df["unique_id"].astype(str)
cuts["unique_id"] = cuts["unique_id"].astype(str)

def history(fold):
    c = cuts[cuts["fold"] == fold][["unique_id", "cutoff"]]
    part = df.merge(c, on="unique_id")
    return part[part["ds"] <= part["cutoff"]].drop(columns="cutoff")

out, fit_s = [], 0.0
if req["kind"] == "neuralforecast":
    import torch
    import neuralforecast as lib
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM
    torch.set_num_threads(req["threads"])
    nf = None
    for fold in sorted(cuts["fold"].unique()):
        past = history(fold)
        if nf is None or req["refit"]:
            kw = dict(h=req["horizon"], random_seed=req["seed"], accelerator="cpu", enable_progress_bar=False,
                      logger=False, enable_model_summary=False)
            kw.update(req["params"])
            nf = NeuralForecast(models=[LSTM(**kw)], freq=req["freq"])
            start = time.perf_counter()
            nf.fit(past)
            fit_s += time.perf_counter() - start
        fc = nf.predict(df=past).reset_index()
        out.append(fc[["unique_id", "ds"]].assign(fold=int(fold), y_pred=fc["LSTM"].to_numpy()))
else:  # statsforecast's automatic models, fitted at every origin (they are local and fast)
    import statsforecast as lib
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta
    m = req["season_length"]
    for fold in sorted(cuts["fold"].unique()):
        sf = StatsForecast(models=[AutoETS(season_length=m), AutoARIMA(season_length=m),
                                   AutoTheta(season_length=m)], freq=req["freq"], n_jobs=1)
        start = time.perf_counter()
        fc = sf.forecast(df=history(fold), h=req["horizon"]).reset_index()
        fit_s += time.perf_counter() - start
        for name in ("AutoETS", "AutoARIMA", "AutoTheta"):
            out.append(fc[["unique_id", "ds"]].assign(fold=int(fold), model=name, y_pred=fc[name].to_numpy()))
pd.concat(out).to_csv(os.path.join(folder, "forecasts.csv"), index=False)
with open(os.path.join(folder, "info.json"), "w") as f:
    json.dump({"fit_time_s": fit_s, "version": lib.__version__}, f)
"""


def anchor_forecasts(python: str, df: pd.DataFrame, origins: pd.DataFrame, **request) -> tuple[pd.DataFrame, dict]:
    """Forecasts of the anchors' models at the backtest's origins, from a subprocess (``request``: ``kind``
    "neuralforecast" or "statsforecast", horizon, freq, refit, seed, params, threads, season_length)."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder, "anchor.py")
        script.write_text(ANCHOR_SCRIPT)
        df[["unique_id", "ds", "y"]].to_csv(Path(folder, "data.csv"), index=False)
        origins[["unique_id", "fold", "cutoff"]].to_csv(Path(folder, "cutoffs.csv"), index=False)
        done = subprocess.run([python, str(script), json.dumps(dict(request, folder=folder))], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the {request['kind']} process failed:\n{done.stderr[-3000:]}")
        forecasts = pd.read_csv(Path(folder, "forecasts.csv"), parse_dates=["ds"])
        info = json.loads(Path(folder, "info.json").read_text())
    return forecasts, info


def with_forecasts(result, forecasts: pd.DataFrame):
    """A copy of a backtest result whose point forecasts are another model's, at the same (series, origin, step)."""
    import copy

    other = copy.copy(result)
    frame = result.forecasts.copy()
    key = frame["unique_id"].astype(str)
    theirs = forecasts.assign(unique_id=forecasts["unique_id"].astype(str)).set_index(["unique_id", "fold", "ds"])
    theirs = theirs["y_pred"]
    index = pd.MultiIndex.from_arrays([key, frame["fold"].astype(int), frame["ds"]])
    values = theirs.reindex(index).to_numpy()
    if np.isnan(values).any():
        raise RuntimeError(f"the anchor gave no forecast for {int(np.isnan(values).sum())} of {len(values)} "
                           "(series, origin, step) triples")
    other.forecasts = frame[["unique_id", "fold", "cutoff", "ds", "horizon_step", "y"]].assign(y_pred=values)
    return other


def run_panel(name: str, seeds: int, python: str, anchors: list[str], nf_params: dict, threads: int,
              input_horizons: int | None = None) -> tuple[pd.DataFrame, str]:
    from tsrnn import ARIMAForecaster, ETSForecaster, NaiveForecaster, RNNForecaster, compare
    from tsrnn.frequency import season_length_for

    protocol = PANELS[name]
    horizon = protocol.horizon
    df = protocol.load()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(df[df["unique_id"] == df["unique_id"].iloc[0]]["ds"])
    m = protocol.season_length or season_length_for(freq)
    models = {f"tsrnn RNN s{k}": RNNForecaster(horizon=horizon, progress=False, random_state=k, num_threads=threads)
              for k in range(seeds)}
    models.update({"tsrnn ets": ETSForecaster(season_length=m), "tsrnn arima": ARIMAForecaster(season_length=m),
                   "naive (random walk)": NaiveForecaster()})
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(models, df, horizon=horizon, folds=protocol.folds, step=protocol.step or horizon,
                         refit=protocol.refit, progress=False, season_length=protocol.season_length)
    results = dict(result.results)
    base = results["tsrnn RNN s0"]
    if input_horizons:
        nf_params = {**nf_params, "input_size": input_horizons * horizon}
    request = dict(horizon=horizon, freq=freq, refit=protocol.refit, params=nf_params, threads=threads,
                   season_length=m)
    versions, times = {}, {}
    if "neuralforecast" in anchors:
        for k in range(seeds):
            forecasts, info = anchor_forecasts(python, df, base.origins, kind="neuralforecast", seed=k, **request)
            results[f"neuralforecast LSTM s{k}"] = with_forecasts(base, forecasts)
            versions["neuralforecast"], times[f"neuralforecast LSTM s{k}"] = info["version"], info["fit_time_s"]
    if "statsforecast" in anchors:
        forecasts, info = anchor_forecasts(python, df, base.origins, kind="statsforecast", seed=0, **request)
        for model, part in forecasts.groupby("model"):
            results[f"statsforecast {model}"] = with_forecasts(base, part)
        versions["statsforecast"], times["statsforecast (all three)"] = info["version"], info["fit_time_s"]
    rows = {}
    for label, res in results.items():
        metrics = res.metrics().iloc[0]
        rows[label] = {"MASE": metrics["MASE"], "RMSSE": metrics["RMSSE"], "sMAPE": metrics["sMAPE"]}
    board = pd.DataFrame.from_dict(rows, orient="index").sort_values("MASE").rename_axis("model")
    ours = board.loc[[f"tsrnn RNN s{k}" for k in range(seeds)], "MASE"].mean()
    classical = board.loc[[i for i in board.index if "RNN" not in i and "LSTM" not in i and "naive" not in i], "MASE"]
    head = (f"{df['unique_id'].nunique()} series, horizon {horizon}, {protocol.folds} origins "
            f"({'refit at each' if protocol.refit else 'fitted once before the first'}); tsrnn default mean MASE "
            f"{ours:.3f} ({seeds} seed{'s' if seeds > 1 else ''}); best classical {classical.min():.3f} ({classical.idxmin()})")
    lstm = [f"neuralforecast LSTM s{k}" for k in range(seeds) if f"neuralforecast LSTM s{k}" in board.index]
    if lstm:
        theirs = board.loc[lstm, "MASE"].mean()
        head += (f"; neuralforecast LSTM {theirs:.3f} (tsrnn / neuralforecast {ours / theirs:.3f}; "
                 f"{json.dumps(nf_params) if nf_params else 'its defaults'})")
    head += (f". Versions: {', '.join(f'{k} {v}' for k, v in versions.items())}; anchors' fit seconds: "
             f"{', '.join(f'{k} {v:.0f}' for k, v in times.items())}; {time.perf_counter() - start:.0f} s in all")
    print(f"== {name}: {head}\n{board.round(3).to_string()}", flush=True)
    return board, head


def main(argv=None) -> None:
    parser = panel_parser(__doc__, PANELS)
    parser.add_argument("--nf-python", required=True,
                        help="a Python interpreter that can import neuralforecast and statsforecast")
    parser.add_argument("--anchors", default="neuralforecast,statsforecast", help="which of the two to run")
    parser.add_argument("--nf-param", action="append", default=[], help="LSTM parameter, key=json value")
    parser.add_argument("--nf-input-horizons", type=int, default=None,
                        help="LSTM input_size as this many horizons (its default, -1, means 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads, both libraries")
    args = parser.parse_args(argv)
    names = chosen_panels(parser, args.panels, PANELS)
    nf_params = parse_params(args.nf_param)
    command = " ".join(["python benchmarks/bench_anchors.py", *(argv if argv is not None else sys.argv[1:])])
    parts = []
    for name in names:
        board, head = run_panel(name, args.seeds, args.nf_python, args.anchors.split(","), nf_params, args.threads,
                                args.nf_input_horizons)
        parts.append(f"### {name}\n\n{head}\n\n{markdown_table(board)}")
        if not args.no_write:  # after every panel, so that a long run stopped early keeps what it measured
            write_section(SECTION, f"Command: `{command}` ({time.strftime('%Y-%m-%d')}, CPU, {args.threads} torch "
                                   f"thread(s), {os.cpu_count()} cores).\n\n" + "\n\n".join(parts))


if __name__ == "__main__":
    main()
