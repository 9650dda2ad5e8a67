"""Reports that scale: a 100-fold, 50-series comparison stays one small, readable page; verdicts are plain."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd

from tsrnn import ConformalIntervals, DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster, compare


def _stores(n_series=50, length=150, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return pd.concat([pd.DataFrame({"unique_id": f"store_{i:02d}", "ds": pd.date_range("2022-01-01", periods=length),
                                    "y": 100 + 10 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1 + i % 5, length).cumsum()})
                      for i in range(n_series)], ignore_index=True)


def test_a_100_fold_50_series_report_is_bounded(tmp_path):
    models = {"snaive": SeasonalNaiveForecaster(season_length=7),
              "conformal naive": ConformalIntervals(NaiveForecaster(), horizon=2, n_windows=19)}
    cmp = compare(models, _stores(), horizon=2, folds=100, step=1, refit=False, level=[80, 95], progress=False)
    start = time.perf_counter()
    path = cmp.report(tmp_path / "big.html")
    elapsed = time.perf_counter() - start
    text = path.read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert headings == ["Leaderboard", "Models", "Settings", "MASE per series", "Forecasts", "Error by horizon step",
                        "Timings"]
    # Bounded: two figures (small multiples, error by horizon), 50 series rows + a few per model, < 600 kB.
    assert len(re.findall(r"<img ", text)) == 2
    assert len(re.findall(r"<tr>", text)) < 50 + 30
    assert len(text) < 600_000, len(text)
    assert elapsed < 30  # generous: a few seconds on a shared 2-core machine
    # The timings are one row per model, not one per fold; the parameters of each model are recorded.
    timings = text.split("<h2>Timings</h2>")[1]
    assert len(re.findall(r"<tr>", timings)) == 1 + 2
    assert "n_windows=19" in text and "season_length=7" in text
    assert "the 3 best and 3 worst by MASE of snaive" in text
    assert {"coverage_95", "MSIS_95", "DM_p"} <= set(cmp.leaderboard.columns)


def _trend(seed=0, n=80):
    rng = np.random.default_rng(seed)
    return pd.Series(np.arange(n) * 0.5 + rng.normal(0, 0.3, n), index=pd.date_range("2024-01-01", periods=n),
                     name="s")


def test_the_verdict_says_plainly_whether_anything_beats_the_baseline(tmp_path):
    beaten = compare({"rw": NaiveForecaster(), "drift": DriftForecaster()}, _trend(), horizon=2, folds=20,
                     progress=False, season_length=1)
    text = beaten.report(tmp_path / "a.html").read_text(encoding="utf-8")
    assert "Significantly more accurate than the baseline rw" in text and "drift (p = " in text
    rng = np.random.default_rng(3)
    walk = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 200))), index=pd.date_range("2024-01-01", periods=200,
                                                                                           freq="B"), name="px")
    flat = compare({"random walk": NaiveForecaster(), "drift": DriftForecaster()}, walk, horizon=1, folds=40,
                   progress=False, season_length=1)
    text = flat.report(tmp_path / "b.html").read_text(encoding="utf-8")
    assert "No model beats the baseline random walk significantly" in text
    # prices: the trading view has every strategy, costs in the title and the few-trades warning
    assert "bps costs per unit of turnover" in text
    assert all(s in text for s in (">first<", ">every_step<", ">cumulative<"))


def test_promotion_days_are_shaded_on_the_forecast_plots():
    rng = np.random.default_rng(0)
    n = 60
    promo = (np.arange(n) % 10 < 2).astype(float)  # two promotion days every ten
    df = pd.DataFrame({"unique_id": "shop", "ds": pd.date_range("2024-01-01", periods=n),
                       "y": 20 + 5 * promo + rng.normal(0, 1, n), "promo": promo, "price": rng.normal(9, 1, n)})
    cmp = compare({"naive": NaiveForecaster(), "drift": DriftForecaster()}, df, horizon=3, folds=4, progress=False,
                  season_length=1)
    assert list(cmp.events["covariate"].unique()) == ["promo"]  # price is not a 0/1 event
    assert len(cmp.events) == int(promo.sum())
    from tsrnn.evaluation.report import backtest_sections

    sections = dict(backtest_sections(cmp.results, cmp.leaderboard, events=cmp.events))
    note, fig = sections["Forecasts"]
    assert "Orange bands: the days where promo = 1." in note
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "promo = 1" in labels
    lo, hi = ax.get_xlim()
    days = pd.date_range("2024-01-01", periods=n)
    shown = np.flatnonzero((promo == 1) & np.array([lo <= ax.convert_xunits(d) <= hi for d in days]))
    runs = 1 + int((np.diff(shown) > 1).sum())  # runs of consecutive promotion days inside the plotted range
    assert runs >= 2 and len(ax.patches) == runs  # one shaded band per run, nothing else drawn as a patch
