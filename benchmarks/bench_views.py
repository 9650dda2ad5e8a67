"""How the default's two views are combined (issue 11): the shipped weights against the plain mean, on the same
fitted networks.

``deseasonalize="both"`` trains one network on the series as they are and one on the deseasonalised series. The
forecast is their mean, except on the seasonal series of a panel where seasonal series are a minority: there the
network as is weighs half the share of seasonal series. Each model here is fitted once per seed and its forecasts
are combined both ways (training is deterministic for a seed, so this is the paired comparison of two fits).

    python benchmarks/bench_views.py --panels m4-weekly,monthly-economy,seasonal-minority --seeds 3
    python benchmarks/bench_views.py --panels quarterly-minority --seeds 3

``m4-weekly``: the M4 Weekly test set, sMAPE and MASE as M4 scored them, also over the series the deseasonalised
view finds seasonal. The other panels are `bench_panels.py`'s, scored by its protocol (MASE; "focus": the
panel's focus series, where it names some).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_m4 import HORIZON, load_m4_weekly, m4_scores  # noqa: E402
from bench_panels import PANELS  # noqa: E402

from tsrnn import RNNForecaster, compare  # noqa: E402
from tsrnn.forecasters.rnn import _mean_outputs  # noqa: E402


class PlainMean(RNNForecaster):
    """The default RNN with its two views always averaged (the combination before this change)."""

    def _combine_views(self, outputs, panel, rows, limit):
        return _mean_outputs(outputs)


def seasonal_ids(model: RNNForecaster) -> list:
    return [uid for uid, profile in zip(model.seasonality_["ids"], model.seasonality_["profiles"]) if profile[1]]


def m4_weekly(seeds: int) -> list[str]:
    df, tests = load_m4_weekly()
    history = {uid: g["y"].to_numpy() for uid, g in df.groupby("unique_id", sort=False)}
    lines = []
    for seed in range(seeds):
        model = RNNForecaster(horizon=HORIZON, progress=False, random_state=seed, num_threads=1).fit(df)
        scores = {}
        for name, combine in (("plain mean", PlainMean._combine_views), ("weighted", RNNForecaster._combine_views)):
            model._combine_views = combine.__get__(model)
            fc = model.predict()
            forecasts = {uid: g["y_pred"].to_numpy() for uid, g in fc.groupby("unique_id", sort=False)}
            seasonal = {uid: tests[uid] for uid in seasonal_ids(model)}
            scores[name] = (m4_scores(history, forecasts, tests), m4_scores(history, forecasts, seasonal))
        line = f"m4-weekly seed {seed} ({len(seasonal_ids(model))} of {len(tests)} series seasonal): " + "; ".join(
            f"{name} sMAPE / MASE {a[0]:.3f} / {a[1]:.3f}, seasonal ones {b[0]:.3f} / {b[1]:.3f}"
            for name, (a, b) in scores.items())
        print(line, flush=True)
        lines.append(line)
    return lines


def panel(name: str, seeds: int) -> list[str]:
    protocol = PANELS[name]
    df = protocol.load()
    models = {}
    for seed in range(seeds):
        kw = dict(horizon=protocol.horizon, progress=False, random_state=seed, num_threads=1)
        models[f"weighted s{seed}"], models[f"plain mean s{seed}"] = RNNForecaster(**kw), PlainMean(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(models, df, horizon=protocol.horizon, folds=protocol.folds,
                         step=protocol.step or protocol.horizon, refit=protocol.refit, progress=False,
                         season_length=protocol.season_length)
    lines = []
    for label in ("plain mean", "weighted"):
        per_series = pd.DataFrame({m: result.results[m].metrics(by="series")["MASE"] for m in models
                                   if m.startswith(label)})
        focus = list(protocol.focus) or None
        whole = per_series.mean()
        line = f"{name}, {label}: MASE per seed {', '.join(f'{v:.3f}' for v in whole)} (mean {whole.mean():.3f})"
        if focus:
            line += f"; focus series {per_series.loc[focus].mean().mean():.3f}"
        print(line, flush=True)
        lines.append(line)
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", default="m4-weekly,monthly-economy,seasonal-minority")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    start = time.perf_counter()
    for name in args.panels.split(","):
        if name == "m4-weekly":
            m4_weekly(args.seeds)
        elif name in PANELS:
            panel(name, args.seeds)
        else:
            parser.error(f"unknown panel {name!r}; choose m4-weekly or one of {list(PANELS)}")
    print(f"{time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
