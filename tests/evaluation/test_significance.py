"""Diebold-Mariano with the Harvey correction, and the DM / interval columns of compare's leaderboard."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tsrnn import DriftForecaster, MeanForecaster, NaiveForecaster, backtest, compare
from tsrnn.evaluation.probabilistic import interval_scores
from tsrnn.evaluation.significance import diebold_mariano, pick_baseline


def _reference_dm(d: np.ndarray, h: int) -> float:
    """The HLN statistic written out term by term, as in Harvey, Leybourne and Newbold (1997)."""
    n = len(d)
    mean = d.mean()
    gammas = [sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n for k in range(h)]
    dm = mean / math.sqrt((gammas[0] + 2 * sum(gammas[1:])) / n)
    return dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)


@pytest.mark.parametrize("h", [1, 2, 3])
def test_statistic_and_p_values_match_the_reference(h):
    rng = np.random.default_rng(h)
    a, b = rng.normal(1.0, 1.0, 40), rng.normal(1.4, 1.0, 40)
    stat, p_less = diebold_mariano(a, b, horizon=h)
    assert stat == pytest.approx(_reference_dm(a - b, h))
    assert p_less == pytest.approx(stats.t.cdf(stat, df=39))
    assert diebold_mariano(a, b, horizon=h, alternative="greater")[1] == pytest.approx(1 - p_less)
    assert diebold_mariano(a, b, horizon=h, alternative="two-sided")[1] == pytest.approx(2 * min(p_less, 1 - p_less))


def test_degenerate_inputs():
    assert all(np.isnan(diebold_mariano([1.0], [2.0])))
    assert all(np.isnan(diebold_mariano([1.0, 2.0], [1.0, 2.0])))  # never differ: no evidence either way
    stat, p = diebold_mariano([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])  # always better by exactly 1
    assert stat == -math.inf and p == 0.0
    assert diebold_mariano([1.0, np.nan, 2.0, 3.0], [2.0, 5.0, 2.5, 3.5])[0] == pytest.approx(
        diebold_mariano([1.0, 2.0, 3.0], [2.0, 2.5, 3.5])[0])
    with pytest.raises(ValueError, match="alternative"):
        diebold_mariano([1.0, 2.0], [1.0, 3.0], alternative="smaller")
    with pytest.raises(ValueError, match="same length"):
        diebold_mariano([1.0, 2.0], [1.0])


def _trend(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Series(np.arange(n) + rng.normal(0, 0.5, n), index=pd.date_range("2024-01-01", periods=n), name="s")


def test_leaderboard_has_dm_against_the_naive_baseline_and_interval_scores():
    y = _trend()
    cmp = compare({"drift": DriftForecaster(), "mean": MeanForecaster(), "rw": NaiveForecaster()}, y, horizon=2,
                  folds=10, level=[80], progress=False, season_length=1)
    board = cmp.leaderboard
    assert cmp.baseline == "rw"
    assert {"coverage_80", "width_80", "MSIS_80", "pinball", "DM", "DM_p"} <= set(board.columns)
    assert np.isnan(board.loc["rw", "DM_p"])
    assert board.loc["drift", "DM_p"] < 0.05 < board.loc["mean", "DM_p"]  # drift beats the random walk, mean not
    # The DM column is the test of the per-fold mean scaled absolute errors.
    def fold_loss(r):
        f = r.forecasts.merge(r.origins[["unique_id", "fold", "scale_mae"]], on=["unique_id", "fold"])
        return ((f["y"] - f["y_pred"]).abs() / f["scale_mae"]).groupby(f["fold"]).mean().to_numpy()
    want = diebold_mariano(fold_loss(cmp.results["drift"]), fold_loss(cmp.results["rw"]), horizon=1)
    assert board.loc["drift", "DM"] == pytest.approx(want[0])


def test_baseline_is_checked_before_any_fit():
    with pytest.raises(ValueError, match="baseline='arima' is not one of"):
        compare({"rw": NaiveForecaster()}, _trend(), horizon=2, progress=False, baseline="arima")
    assert pick_baseline({"d": DriftForecaster()}) is None


def test_msis_column_worked_by_hand():
    y = pd.Series([1.0, 2.0, 4.0, 3.0, 5.0, 6.0], index=pd.date_range("2024-01-01", periods=6), name="s")
    res = backtest(NaiveForecaster(), y, horizon=1, folds=2, level=80, progress=False, season_length=1)
    f = res.forecasts.merge(res.origins, on=["unique_id", "fold"])
    per_pair = [(hi - lo + 2 / 0.2 * (max(lo - yy, 0) + max(yy - hi, 0))) / s
                for yy, lo, hi, s in zip(f["y"], f["y_pred_lo_80"], f["y_pred_hi_80"], f["scale_mae"], strict=True)]
    assert interval_scores(res)["MSIS_80"] == pytest.approx(np.mean(per_pair))
