"""BacktestResult: metric tables, scaled metrics from each fold's training part, trading view, plots, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tsrnn import metrics as M
from tsrnn.evaluation import BacktestResult, backtest
from tsrnn.evaluation.result import interval_columns, periods_per_year
from tsrnn.forecasters.naive import NaiveForecaster

A = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]
B = [2.0, 4.0, 8.0, 6.0, 10.0, 4.0]


def frame(series: dict, freq="D", start="2024-01-01") -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(v), freq=freq),
                                    "y": v}) for uid, v in series.items()], ignore_index=True)


@pytest.fixture(scope="module")
def tiny() -> BacktestResult:
    # horizon 2, folds 2, cutoffs 2 and 4; naive forecasts:
    #   a fold 0: train [1, 3]        -> 3, 3 against 2, 5   errors -1, 2   scale |3-1| = 2
    #   a fold 1: train [1, 3, 2, 5]  -> 5, 5 against 4, 6   errors -1, 1   scale (2+1+3)/3 = 2
    #   b fold 0: train [2, 4]        -> 4, 4 against 8, 6   errors  4, 2   scale 2
    #   b fold 1: train [2, 4, 8, 6]  -> 6, 6 against 10, 4  errors  4, -2  scale (2+4+2)/3 = 8/3
    return backtest(NaiveForecaster(), frame({"a": A, "b": B}), horizon=2, folds=2, season_length=1,
                    progress=False)


def test_overall_metrics_by_hand(tiny):
    row = tiny.metrics().loc["all"]
    abs_err = np.array([1, 2, 1, 1, 4, 2, 4, 2.0])
    assert row["MAE"] == pytest.approx(abs_err.mean())  # 17 / 8
    assert row["RMSE"] == pytest.approx(math.sqrt((abs_err**2).mean()))
    assert row["bias"] == pytest.approx((1 - 2 + 1 - 1 - 4 - 2 - 4 + 2) / 8)  # mean(y_pred - y)
    assert row["WAPE"] == pytest.approx(17 / (2 + 5 + 4 + 6 + 8 + 6 + 10 + 4))
    y = np.array([2, 5, 4, 6, 8, 6, 10, 4.0])
    p = np.array([3, 3, 5, 5, 4, 4, 6, 6.0])
    assert row["sMAPE"] == pytest.approx(200 * np.mean(np.abs(y - p) / (np.abs(y) + np.abs(p))))
    # MASE: per (series, fold) MAE over its own training scale, averaged: (1.5/2 + 1/2 + 3/2 + 3/(8/3)) / 4
    assert row["MASE"] == pytest.approx((0.75 + 0.5 + 1.5 + 1.125) / 4)
    # RMSSE: sqrt(MSE / mean squared training difference) per pair: scales 4, 14/3, 4, 8
    assert row["RMSSE"] == pytest.approx(np.mean(np.sqrt([2.5 / 4, 1 / (14 / 3), 10 / 4, 10 / 8])))
    assert row["n"] == 8


def test_scaled_metrics_match_the_reference_functions(tiny):
    f = tiny.forecasts
    expected = []
    for uid, values in (("a", A), ("b", B)):
        for fold, cut in ((0, 2), (1, 4)):
            g = f[(f["unique_id"] == uid) & (f["fold"] == fold)]
            expected.append((M.mase(g["y"], g["y_pred"], values[:cut], 1),
                             M.rmsse(g["y"], g["y_pred"], values[:cut], 1)))
    mase_ref, rmsse_ref = np.mean(expected, axis=0)
    assert tiny.metrics()["MASE"].iloc[0] == pytest.approx(mase_ref)
    assert tiny.metrics()["RMSSE"].iloc[0] == pytest.approx(rmsse_ref)
    assert tiny.origins["scale_mae"].tolist() == pytest.approx([2.0, 2.0, 2.0, 8 / 3])
    assert tiny.origins["scale_mse"].tolist() == pytest.approx([4.0, 14 / 3, 4.0, 8.0])
    assert tiny.origins["last_value"].tolist() == [3.0, 5.0, 4.0, 6.0]


def test_metrics_by_series_fold_and_horizon_step(tiny):
    by_series = tiny.metrics(by="series")
    assert list(by_series.index) == ["a", "b"] and by_series.index.name == "unique_id"
    assert by_series.loc["a", "MAE"] == pytest.approx(5 / 4)
    assert by_series.loc["b", "MASE"] == pytest.approx((1.5 + 1.125) / 2)
    by_fold = tiny.metrics(by="fold")
    assert by_fold.loc[0, "MAE"] == pytest.approx((1 + 2 + 4 + 2) / 4)
    assert by_fold.loc[1, "MASE"] == pytest.approx((0.5 + 1.125) / 2)
    by_step = tiny.metrics(by="horizon_step")
    # step 1: |e| / scale = 1/2, 1/2, 4/2, 4/(8/3) ; step 2: 2/2, 1/2, 2/2, 2/(8/3)
    assert by_step.loc[1, "MASE"] == pytest.approx((0.5 + 0.5 + 2 + 1.5) / 4)
    assert by_step.loc[2, "MASE"] == pytest.approx((1 + 0.5 + 1 + 0.75) / 4)
    assert by_step["n"].tolist() == [4, 4]
    with pytest.raises(ValueError, match="by must be"):
        tiny.metrics(by="week")


def test_scale_comes_from_the_sliding_training_window_only():
    y = [1.0, 2.0, 4.0, 3.0, 5.0, 7.0, 6.0, 8.0, 9.0, 10.0]
    res = backtest(NaiveForecaster(), frame({"a": y}), horizon=2, folds=1, window="sliding", train_size=3,
                   season_length=1, progress=False)
    # cutoff 8, training window [7, 6, 8]: (|6-7| + |8-6|) / 2
    assert res.origins["scale_mae"].tolist() == [1.5]
    assert res.origins["scale_mse"].tolist() == [2.5]


def handmade(y, y_pred, last, freq="B", **extra) -> BacktestResult:
    n = len(y)
    ds = pd.date_range("2024-01-02", periods=2 * n, freq=freq)
    forecasts = pd.DataFrame({"unique_id": "x", "fold": np.arange(n), "cutoff": ds[0:2 * n:2], "ds": ds[1::2],
                              "horizon_step": 1, "y": y, "y_pred": y_pred, **extra})
    origins = pd.DataFrame({"unique_id": "x", "fold": np.arange(n), "cutoff": ds[0:2 * n:2],
                            "train_start": ds[0], "n_train": np.arange(n) + 1, "scale_mae": 1.0, "scale_mse": 1.0,
                            "last_value": last})
    actuals = pd.DataFrame({"unique_id": "x", "ds": ds, "y": np.ravel(np.column_stack([last, y]))})
    timings = pd.DataFrame({"fold": np.arange(n), "refit": True, "fit_time_s": 0.5, "predict_time_s": 0.25,
                            "failed": False})
    errors = pd.DataFrame(columns=["fold", "cutoff", "unique_id", "stage", "error_type", "message"])
    return BacktestResult(forecasts, origins, actuals, timings, errors, horizon=1, step=1, gap=0, season_length=1,
                          freq=freq, name="hand", refit=True)


def test_interval_coverage_and_width_by_hand():
    res = handmade([1.0, 5.0, 10.0, 3.0], [1.0, 4.0, 8.0, 3.0], [1.0, 1.0, 1.0, 1.0],
                   y_pred_lo_80=[0.0, 5.0, 11.0, 0.0], y_pred_hi_80=[2.0, 6.0, 12.0, 3.0])
    row = res.metrics().iloc[0]
    assert row["coverage_80"] == 0.75  # 10 is outside [11, 12]
    assert row["width_80"] == pytest.approx((2 + 1 + 1 + 3) / 4)


def test_symmetric_quantiles_count_as_an_interval():
    cols = ["y_pred", "y_pred_q10", "y_pred_q50", "y_pred_q90", "y_pred_q25"]
    assert interval_columns(cols) == [("80", "y_pred_q10", "y_pred_q90")]
    res = handmade([1.0, 5.0], [1.0, 4.0], [1.0, 1.0], y_pred_q10=[0.0, 6.0], y_pred_q90=[2.0, 7.0])
    assert res.metrics()["coverage_80"].iloc[0] == 0.5
    assert {"y_pred_lo_80", "y_pred_hi_80"} <= set(res.plot_frame().columns)


def test_finance_by_hand():
    # positions +1 (105 > 100), +1 (115 > 110), -1 (90 < 99), +1 (130 > 120)
    last = [100.0, 110.0, 99.0, 120.0]
    y = [110.0, 99.0, 120.0, 108.0]
    res = handmade(y, [105.0, 115.0, 90.0, 130.0], last)
    trades = res.trades()
    np.testing.assert_allclose(trades["buy_and_hold_return"], [0.1, -0.1, 120 / 99 - 1, -0.1])
    np.testing.assert_allclose(trades["strategy_return"], [0.1, -0.1, -(120 / 99 - 1), -0.1])
    fin = res.finance().loc["x"]
    assert fin["n_trades"] == 4
    assert fin["directional_accuracy"] == 0.25  # true moves + - + -, predicted + + - +
    assert fin["strategy_return"] == pytest.approx(1.1 * 0.9 * (1 - 21 / 99) * 0.9 - 1)  # -0.298
    assert fin["buy_and_hold_return"] == pytest.approx(0.08)  # 1.1 * 0.9 * 120/99 * 0.9 - 1
    assert fin["strategy_max_drawdown"] == pytest.approx(0.702 / 1.1 - 1)
    assert fin["buy_and_hold_max_drawdown"] == pytest.approx(-0.1)
    assert fin["strategy_sharpe"] == pytest.approx(M.sharpe_ratio(trades["strategy_return"].to_numpy(), 252))
    assert res.is_price_like()


def test_finance_needs_positive_prices():
    res = handmade([1.0, -2.0], [2.0, 1.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="series 'x'.*positive prices"):
        res.finance()
    assert not res.is_price_like()


def test_sharpe_is_annualised_by_trades_per_year():
    assert periods_per_year("B") == 252 and periods_per_year("W-SUN") == 52 and periods_per_year("QS") == 4
    res = handmade([110.0, 99.0, 120.0], [105.0, 115.0, 130.0], [100.0, 110.0, 99.0])
    res.step = 5  # one trade a week on business days
    r = res.trades()["strategy_return"].to_numpy()
    assert res.finance()["strategy_sharpe"].iloc[0] == pytest.approx(M.sharpe_ratio(r, 50))


def test_summary_is_one_row_with_times_and_counts():
    res = handmade([1.0, 5.0], [1.0, 4.0], [1.0, 1.0])
    s = res.summary()
    assert list(s.index) == ["hand"] and len(s) == 1
    assert s["fit_time_s"].iloc[0] == 1.0 and s["predict_time_s"].iloc[0] == 0.5
    assert (s["n_series"].iloc[0], s["n_folds"].iloc[0], s["n_errors"].iloc[0]) == (1, 2, 0)
    assert "n" not in s.columns


def test_plot_draws_one_panel_per_series(tiny):
    fig = tiny.plot()
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    # the actuals, one forecast segment per fold and a vertical marker per cutoff
    assert len(fig.axes[0].lines) == 1 + 2 + 2
    assert fig.axes[0].get_legend_handles_labels()[1] == ["actual", "NaiveForecaster"]
    segment = fig.axes[0].lines[1]
    assert segment.get_ydata().tolist() == [3.0, 3.0]  # fold 0 of series a
    assert [ax.get_title() for ax in tiny.plot(series="b").axes] == ["b"]
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    assert tiny.plot(ax=ax) is ax.figure and ax.get_title() == "a"


def test_missing_actuals_are_left_out_of_every_metric():
    # b's actual at 2024-01-05 (fold 1, step 1) is missing; the model saw it forward-filled, it is not scored.
    res = backtest(NaiveForecaster(), frame({"a": A, "b": [2.0, 4.0, 8.0, 6.0, np.nan, 4.0]}), horizon=2,
                   folds=2, season_length=1, progress=False, fill_missing="ffill")
    assert res.forecasts["y_missing"].tolist() == [False] * 6 + [True, False]
    table = res.metrics(by="series")
    assert table["n"].tolist() == [4, 3]
    # b: errors 4, 2 (fold 0) and -2 (fold 1, whose first actual is missing)
    assert table.loc["b", "MAE"] == pytest.approx(8 / 3)
    assert table.loc["b", "bias"] == pytest.approx(M.bias([8.0, 6.0, 4.0], [4.0, 4.0, 6.0]))
    # MASE per (series, fold) over the observed actuals: fold 0 3 / 2, fold 1 2 / (8 / 3)
    assert table.loc["b", "MASE"] == pytest.approx((3 / 2 + 2 / (8 / 3)) / 2)
    assert res.metrics()["n"].iloc[0] == 7
    trades = res.trades()
    assert len(trades) == 3 and not trades["y"].isna().any()  # b's fold 1 has no price to close a trade at


def test_a_fold_whose_actuals_are_all_missing_has_nan_metrics_and_n_zero():
    y = [1.0, 2.0, 3.0, 4.0, np.nan, np.nan, 7.0, 8.0]
    res = backtest(NaiveForecaster(), frame({"a": y}), horizon=2, folds=3, season_length=1, progress=False,
                   fill_missing="interpolate")
    # fold 2's history ends with the gap, filled flat from 4 (the 7 after the cutoff is not used): naive says 4
    assert res.forecasts["y_pred"].tolist() == [2.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    by_fold = res.metrics(by="fold")
    assert by_fold["n"].tolist() == [2, 0, 2]
    assert by_fold["MAE"].iloc[[0, 2]].tolist() == [1.5, 3.5] and np.isnan(by_fold["MAE"].iloc[1])
    assert res.metrics()["MAE"].iloc[0] == pytest.approx(2.5)
