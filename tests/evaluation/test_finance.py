"""Trading evaluation: strategies, costs, turnover, hit-rate p-values and Sharpe standard errors by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tsrnn import DriftForecaster, NaiveForecaster, backtest
from tsrnn import metrics as M
from tsrnn.evaluation.finance import trading_periods, trading_summary

# Business days; drift forecasts from each cutoff continue the average change since the start.
PRICES = pd.Series([10.0, 11.0, 12.0, 11.0, 13.0, 12.0, 14.0], index=pd.date_range("2024-01-03", periods=7, freq="B"),
                   name="px")


def _res(horizon=2, folds=2, step=None):
    return backtest(DriftForecaster(), PRICES, horizon=horizon, folds=folds, step=step, progress=False,
                    season_length=1)


def test_every_step_trades_each_forecast_move():
    res = _res()  # cutoffs after 3 and 5 prices; the drift path rises, so every step is long
    p = trading_periods(res, "every_step", cost_bps=100)
    assert p["position"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert p["entry"].tolist() == [12.0, 11.0, 13.0, 12.0] and p["exit"].tolist() == [11.0, 13.0, 12.0, 14.0]
    # four contiguous long periods: open once, close once
    assert p["turnover"].tolist() == [1.0, 0.0, 0.0, 1.0]
    np.testing.assert_allclose(p["net_return"], [11 / 12 - 1 - 0.01, 13 / 11 - 1, 12 / 13 - 1, 14 / 12 - 1 - 0.01])
    assert p["hit"].tolist() == [False, True, False, True]


def test_cumulative_holds_the_whole_horizon_and_flips_cost_twice():
    res = _res()
    p = trading_periods(res, "cumulative", cost_bps=10)
    assert p["entry"].tolist() == [12.0, 13.0] and p["exit"].tolist() == [13.0, 14.0]
    np.testing.assert_allclose(p["gross_return"], [13 / 12 - 1, 14 / 13 - 1])
    short = res.forecasts.assign(y_pred=lambda d: np.where(d["fold"] == 1, 0.5, d["y_pred"]))  # fold 1 goes short
    flipped = type(res)(short, res.origins, res.actuals, res.timings, res.errors, horizon=2, step=2, gap=0,
                        season_length=1, freq=res.freq, name="x", refit=True)
    q = trading_periods(flipped, "cumulative", cost_bps=10)
    assert q["position"].tolist() == [1.0, -1.0] and q["turnover"].tolist() == [1.0, 3.0]  # open; flip 2 + close 1


def test_gaps_between_periods_close_and_reopen():
    res = _res(horizon=2, folds=2)  # "first" trades one step of each 2-step fold: a gap after each
    p = trading_periods(res, "first", cost_bps=0)
    assert p["turnover"].tolist() == [2.0, 2.0]


def test_summary_statistics_and_the_few_trades_warning():
    res = _res(horizon=1, folds=5)
    with pytest.warns(RuntimeWarning, match="fewer than 30 trades"):
        table = trading_summary(res, "first", cost_bps=5)
    row = table.loc["px"]
    p = trading_periods(res, "first", cost_bps=5)
    hits, trades = int(p["hit"].sum()), int((p["position"] != 0).sum())
    assert row["n_trades"] == trades and row["hit_rate"] == pytest.approx(hits / trades)
    assert row["hit_rate_p"] == pytest.approx(stats.binom.sf(hits - 1, trades, 0.5))
    assert row["sharpe"] == pytest.approx(M.sharpe_ratio(p["net_return"], 252))
    assert row["return"] == pytest.approx(np.prod(1 + p["net_return"]) - 1)
    assert bool(row["few_trades"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not trading_summary(res, min_trades=2, warn=True)["few_trades"].any()


def test_portfolio_row_over_several_series():
    long = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 7), "ds": np.tile(PRICES.index, 2),
                         "y": np.concatenate([PRICES.to_numpy(), 2 * PRICES.to_numpy()])})
    res = backtest(NaiveForecaster(), long, horizon=1, folds=3, progress=False, season_length=1)
    table = trading_summary(res, warn=False)
    assert list(table.index) == ["a", "b", "all"]
    assert table.loc["all", "n_trades"] == 0  # the random walk never predicts a move: always flat


def test_lo_standard_error_and_binomial_p_by_hand():
    r = np.array([0.01, -0.02, 0.03, 0.0, 0.015, -0.005])
    sr = r.mean() / r.std(ddof=1)
    assert M.sharpe_ratio_se(r, 12) == pytest.approx(np.sqrt((1 + sr**2 / 2) / 6) * np.sqrt(12))
    assert M.hit_rate_pvalue(60, 100) == pytest.approx(stats.binom.sf(59, 100, 0.5))
    assert M.hit_rate_pvalue(5000, 10000) == pytest.approx(stats.binom.sf(4999, 10000, 0.5))
    assert np.isnan(M.hit_rate_pvalue(0, 0))
    with pytest.raises(ValueError, match="cannot exceed"):
        M.hit_rate_pvalue(3, 2)


def test_bad_arguments_are_named():
    res = _res()
    with pytest.raises(ValueError, match="strategy must be one of"):
        trading_periods(res, "last")
    with pytest.raises(ValueError, match="cost_bps"):
        trading_periods(res, cost_bps=-1)
