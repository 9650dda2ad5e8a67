"""Tests for tsrnn.metrics: hand-computed values, edge cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tsrnn import metrics
from tsrnn.metrics import (
    POINT_METRICS,
    bias,
    buy_and_hold_returns,
    coverage,
    cumulative_return,
    directional_accuracy,
    get_metric,
    interval_width,
    mae,
    mape,
    mase,
    max_drawdown,
    pinball_loss,
    rmse,
    rmsse,
    sharpe_ratio,
    smape,
    strategy_returns,
    wape,
)

Y_TRUE = [3.0, -1.0, 4.0, 2.0]
Y_PRED = [2.0, 1.0, 4.0, 5.0]
# errors y_pred - y_true: -1, 2, 0, 3 ; absolute 1, 2, 0, 3 ; squared 1, 4, 0, 9


# --------------------------------------------------------------------------- point metrics


def test_mae_hand_computed():
    # (1 + 2 + 0 + 3) / 4 = 1.5
    assert mae(Y_TRUE, Y_PRED) == pytest.approx(1.5)


def test_rmse_hand_computed():
    # sqrt((1 + 4 + 0 + 9) / 4) = sqrt(3.5)
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx(math.sqrt(3.5))


def test_bias_sign_is_forecast_minus_actual():
    # (-1 + 2 + 0 + 3) / 4 = 1.0, positive: the forecast is too high on average
    assert bias(Y_TRUE, Y_PRED) == pytest.approx(1.0)
    assert bias(Y_PRED, Y_TRUE) == pytest.approx(-1.0)


def test_mape_hand_computed_uses_absolute_actual():
    # |3-2|/3 = 1/3 ; |-1-1|/|-1| = 2 ; 0/4 = 0 ; |2-5|/2 = 1.5 ; 100 * (1/3 + 2 + 0 + 1.5) / 4
    assert mape(Y_TRUE, Y_PRED) == pytest.approx(100 * (1 / 3 + 2 + 0 + 1.5) / 4)


def test_mape_skips_zero_actuals():
    # only the non-zero actuals count: |50-40|/50 = 0.2 ; |10-12|/10 = 0.2 -> 20 %
    assert mape([0, 50, 0, 10], [7, 40, 0, 12]) == pytest.approx(20.0)


def test_mape_all_zero_actuals_is_nan():
    assert math.isnan(mape([0, 0, 0], [1, 0, 2]))


def test_smape_hand_computed():
    # |3-2|/(3+2) = 0.2 ; |-1-1|/(1+1) = 1 ; 0/8 = 0 ; |2-5|/(2+5) = 3/7 ; 200 * sum / 4
    assert smape(Y_TRUE, Y_PRED) == pytest.approx(200 * (0.2 + 1 + 0 + 3 / 7) / 4)


def test_smape_zero_over_zero_counts_as_perfect_and_bounds():
    # 0/0 -> 0 ; 5/(0+5) = 1 (the maximum) -> 200 * (0 + 1) / 2 = 100
    assert smape([0, 0], [0, 5]) == pytest.approx(100.0)
    assert smape([0, 0], [0, 0]) == 0.0
    # opposite signs reach the upper bound 200
    assert smape([1, -2], [-1, 2]) == pytest.approx(200.0)


def test_wape_hand_computed():
    # (1 + 2 + 0 + 3) / (3 + 1 + 4 + 2) = 6 / 10
    assert wape(Y_TRUE, Y_PRED) == pytest.approx(0.6)


def test_wape_all_zero_actuals():
    assert wape([0, 0], [0, 1]) == math.inf
    assert math.isnan(wape([0, 0], [0, 0]))


def test_wape_on_intermittent_series_is_finite_where_mape_ignores_zeros():
    y_true = [0, 0, 4, 0, 0, 0, 2, 0]
    y_pred = [1, 1, 1, 1, 1, 1, 1, 1]
    # |e| = 1,1,3,1,1,1,1,1 -> 10 ; sum |y| = 6
    assert wape(y_true, y_pred) == pytest.approx(10 / 6)
    # mape only sees the two non-zero periods: (3/4 + 1/2) / 2 = 62.5 %
    assert mape(y_true, y_pred) == pytest.approx(62.5)


@pytest.mark.parametrize("name", sorted(POINT_METRICS))
def test_point_metrics_reject_shape_mismatch_naming_arguments(name):
    with pytest.raises(ValueError, match=r"y_true and y_pred must have the same shape.*\(3,\).*\(3, 1\)"):
        POINT_METRICS[name]([1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]])


@pytest.mark.parametrize("name", sorted(POINT_METRICS))
def test_point_metrics_reject_empty(name):
    with pytest.raises(ValueError, match="empty"):
        POINT_METRICS[name]([], [])


@pytest.mark.parametrize("name", sorted(POINT_METRICS))
def test_point_metrics_nan_in_gives_nan(name):
    assert math.isnan(POINT_METRICS[name]([1.0, np.nan, 3.0], [1.0, 2.0, 2.0]))


def test_metrics_accept_pandas_and_2d_and_do_not_modify_inputs():
    y_true = pd.Series([3.0, -1.0, 4.0, 2.0])
    y_pred = np.array(Y_PRED)
    before = y_pred.copy()
    assert mae(y_true, y_pred) == pytest.approx(1.5)
    assert np.array_equal(y_pred, before)
    # a (series, horizon) block averages over all elements
    assert mae(np.reshape(Y_TRUE, (2, 2)), np.reshape(Y_PRED, (2, 2))) == pytest.approx(1.5)


def test_non_numeric_input_is_a_value_error():
    with pytest.raises(ValueError, match="y_pred must be numeric"):
        mae([1, 2], ["a", "b"])


# --------------------------------------------------------------------------- scaled metrics


def test_mase_hand_computed_non_seasonal():
    y_train = [2, 4, 3, 7]
    # scale = (|4-2| + |3-4| + |7-3|) / 3 = 7/3 ; MAE = 1.5 -> 1.5 / (7/3) = 4.5 / 7
    assert mase(Y_TRUE, Y_PRED, y_train) == pytest.approx(4.5 / 7)


def test_mase_and_rmsse_hand_computed_seasonal():
    y_train = [1, 5, 2, 6, 4, 9]
    # m = 2: differences 2-1 = 1, 6-5 = 1, 4-2 = 2, 9-6 = 3
    # MASE scale = (1 + 1 + 2 + 3) / 4 = 1.75 ; MAE = 1.5 -> 1.5 / 1.75
    assert mase(Y_TRUE, Y_PRED, y_train, season_length=2) == pytest.approx(1.5 / 1.75)
    # RMSSE scale = (1 + 1 + 4 + 9) / 4 = 3.75 ; MSE = 3.5 -> sqrt(3.5 / 3.75)
    assert rmsse(Y_TRUE, Y_PRED, y_train, season_length=2) == pytest.approx(math.sqrt(3.5 / 3.75))


def test_mase_scale_uses_training_part_only():
    # the test actuals are far away; only y_train sets the scale (|1-0| = 1 per step)
    assert mase([100.0], [98.0], [0, 1, 2, 3]) == pytest.approx(2.0)


@pytest.mark.parametrize("scaled", [mase, rmsse])
def test_scaled_metrics_constant_training_data(scaled):
    zeros = [0.0, 0.0, 0.0, 0.0]
    assert scaled([1.0, 0.0], [0.0, 0.0], zeros) == math.inf
    assert math.isnan(scaled([0.0, 0.0], [0.0, 0.0], zeros))


@pytest.mark.parametrize("scaled", [mase, rmsse])
def test_scaled_metrics_training_too_short_says_lengths(scaled):
    with pytest.raises(ValueError, match=r"y_train has 3 values but season_length=3 needs at least 4"):
        scaled([1.0], [1.0], [1.0, 2.0, 3.0], season_length=3)


@pytest.mark.parametrize("scaled", [mase, rmsse])
@pytest.mark.parametrize("season_length", [0, -1, 1.5, True])
def test_scaled_metrics_reject_bad_season_length(scaled, season_length):
    with pytest.raises(ValueError, match="season_length must be a positive integer"):
        scaled([1.0], [1.0], [1.0, 2.0, 3.0], season_length=season_length)


def test_scaled_metrics_reject_2d_training_data():
    with pytest.raises(ValueError, match=r"y_train must be one series \(1-D\)"):
        mase([1.0], [1.0], [[1.0, 2.0], [3.0, 4.0]])


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
# cents: no subnormal values whose squares underflow to a zero scale
prices = st.integers(-(10**5), 10**5).map(lambda cents: cents / 100)


@given(
    y_train=arrays(np.float64, st.integers(8, 40), elements=prices),
    y_true=arrays(np.float64, 5, elements=finite),
    season_length=st.integers(1, 7),
)
def test_mase_of_a_perfect_forecast_is_zero(y_train, y_true, season_length):
    # a zero scale (constant seasonal pattern) gives 0/0 = nan instead, tested above
    assume(np.any(y_train[season_length:] != y_train[:-season_length]))
    assert mase(y_true, y_true, y_train, season_length) == 0.0
    assert rmsse(y_true, y_true, y_train, season_length) == 0.0


@given(
    y_train=arrays(np.float64, st.integers(8, 40), elements=prices),
    season_length=st.integers(1, 7),
)
def test_in_sample_seasonal_naive_has_mase_and_rmsse_one(y_train, season_length):
    actual = y_train[season_length:]
    seasonal_naive = y_train[:-season_length]
    assume(np.any(actual != seasonal_naive))
    assert mase(actual, seasonal_naive, y_train, season_length) == pytest.approx(1.0)
    assert rmsse(actual, seasonal_naive, y_train, season_length) == pytest.approx(1.0)


# --------------------------------------------------------------------------- probabilistic metrics


def test_pinball_loss_hand_computed():
    # q = 0.9, y - yhat = 1, -2, 0, -3 : 0.9*1 = 0.9 ; 0.1*2 = 0.2 ; 0 ; 0.1*3 = 0.3 -> 1.4 / 4
    assert pinball_loss(Y_TRUE, Y_PRED, 0.9) == pytest.approx(0.35)
    # q = 0.1 swaps the costs: 0.1*1 + 0.9*2 + 0 + 0.9*3 = 4.6 -> 4.6 / 4
    assert pinball_loss(Y_TRUE, Y_PRED, 0.1) == pytest.approx(1.15)


def test_pinball_loss_at_median_is_half_mae():
    assert pinball_loss(Y_TRUE, Y_PRED, 0.5) == pytest.approx(mae(Y_TRUE, Y_PRED) / 2)


@pytest.mark.parametrize("quantile", [0, 1, -0.1, 1.5, "0.5", None])
def test_pinball_loss_rejects_bad_quantile(quantile):
    with pytest.raises(ValueError, match="quantile must be a number strictly between 0 and 1"):
        pinball_loss([1.0], [1.0], quantile)


def test_coverage_is_inclusive_and_hand_computed():
    y_true = [1.0, 2.0, 3.0, 4.0, 5.0]
    lower = [1.0, 0.0, 3.5, 0.0, 6.0]
    upper = [2.0, 1.5, 4.0, 4.0, 7.0]
    # 1 in [1, 2] yes (bound) ; 2 in [0, 1.5] no ; 3 in [3.5, 4] no ; 4 in [0, 4] yes (bound) ; 5 no
    assert coverage(y_true, lower, upper) == pytest.approx(2 / 5)


def test_interval_width_hand_computed():
    # (1 + 1.5 + 0.5 + 4 + 1) / 5 = 8 / 5
    assert interval_width([1.0, 0.0, 3.5, 0.0, 6.0], [2.0, 1.5, 4.0, 4.0, 7.0]) == pytest.approx(1.6)


def test_crossed_intervals_are_rejected():
    with pytest.raises(ValueError, match=r"lower is above upper at 1 positions \(first at \(1,\)"):
        coverage([1.0, 2.0], [0.0, 3.0], [2.0, 2.5])
    with pytest.raises(ValueError, match="lower is above upper"):
        interval_width([0.0, 3.0], [2.0, 2.5])


def test_coverage_shape_mismatch_names_all_arguments():
    with pytest.raises(ValueError, match=r"y_true, lower and upper must have the same shape"):
        coverage([1.0, 2.0], [0.0], [3.0, 3.0])


def test_coverage_nan_gives_nan():
    assert math.isnan(coverage([1.0, np.nan], [0.0, 0.0], [2.0, 2.0]))


# --------------------------------------------------------------------------- financial metrics


def test_directional_accuracy_hand_computed_with_ties():
    y_last = 10.0
    y_true = [11.0, 9.0, 10.0, 10.0, 12.0]  # moves +, -, 0, 0, +
    y_pred = [12.0, 11.0, 10.0, 11.0, 10.0]  # moves +, +, 0, +, 0
    # hits: yes, no, yes (both flat), no (predicted a move, none happened), no (predicted flat) -> 2/5
    assert directional_accuracy(y_true, y_pred, y_last) == pytest.approx(0.4)


def test_directional_accuracy_broadcasts_one_origin_per_row():
    y_last = [[10.0], [20.0]]
    y_true = [[11.0, 9.0], [21.0, 25.0]]  # moves +, - ; +, +
    y_pred = [[12.0, 12.0], [19.0, 22.0]]  # moves +, + ; -, +
    # hits: yes, no ; no, yes -> 2/4
    assert directional_accuracy(y_true, y_pred, y_last) == pytest.approx(0.5)


def test_directional_accuracy_rejects_origin_that_does_not_broadcast():
    with pytest.raises(
        ValueError, match=r"y_last with shape \(3,\) does not broadcast to y_true's shape \(2,\)"
    ):
        directional_accuracy([1.0, 2.0], [1.0, 2.0], [1.0, 1.0, 1.0])
    # broadcasting must not enlarge y_true: (2,) against (2, 1) would make a (2, 2) block
    with pytest.raises(ValueError, match="does not broadcast"):
        directional_accuracy([1.0, 2.0], [1.0, 2.0], [[1.0], [1.0]])


def test_strategy_and_buy_and_hold_returns_hand_computed():
    y_last = [100.0, 100.0, 100.0, 80.0]
    y_true = [110.0, 90.0, 120.0, 100.0]
    y_pred = [105.0, 95.0, 100.0, 70.0]
    # positions: long (105 > 100), short (95 < 100), flat (100 == 100), short (70 < 80)
    # market returns: 0.1, -0.1, 0.2, 100/80 - 1 = 0.25
    expected_strategy = [0.1, 0.1, 0.0, -0.25]
    np.testing.assert_allclose(strategy_returns(y_true, y_pred, y_last), expected_strategy)
    np.testing.assert_allclose(buy_and_hold_returns(y_true, y_last), [0.1, -0.1, 0.2, 0.25])


def test_strategy_returns_scalar_origin():
    # one origin at 50, two horizons: long both, returns 55/50 - 1 = 0.1 and 45/50 - 1 = -0.1
    np.testing.assert_allclose(strategy_returns([55.0, 45.0], [60.0, 51.0], 50.0), [0.1, -0.1])


@pytest.mark.parametrize("bad", [0.0, -5.0])
def test_returns_need_positive_prices(bad):
    with pytest.raises(ValueError, match=r"y_last must be positive prices.*position \(1,\)"):
        strategy_returns([1.0, 2.0], [1.0, 2.0], [1.0, bad])
    with pytest.raises(ValueError, match="y_last must be positive prices"):
        buy_and_hold_returns([1.0, 2.0], bad)


def test_cumulative_return_hand_computed():
    # 1.1 * 0.9 * 1.2 - 1 = 1.188 - 1 = 0.188
    assert cumulative_return([0.1, -0.1, 0.2]) == pytest.approx(0.188)
    assert cumulative_return([0.0]) == 0.0


def test_sharpe_ratio_hand_computed():
    returns = [0.01, 0.03, -0.01, 0.01]
    # mean 0.01 ; deviations 0, 0.02, -0.02, 0 ; var (ddof=1) = 0.0008 / 3 ; std = sqrt(0.0008/3)
    expected = 0.01 / math.sqrt(0.0008 / 3) * math.sqrt(252)
    assert sharpe_ratio(returns) == pytest.approx(expected)
    assert sharpe_ratio(returns, periods_per_year=12) == pytest.approx(
        expected / math.sqrt(252) * math.sqrt(12)
    )


def test_sharpe_ratio_risk_free_is_annual_and_compounded():
    returns = [0.02, 0.0, 0.04]
    # per-period rf = (1.01^4)^(1/4) - 1 = 0.01 ; excess 0.01, -0.01, 0.03 : mean 0.01, std 0.02
    assert sharpe_ratio(returns, periods_per_year=4, risk_free=1.01**4 - 1) == pytest.approx(0.01 / 0.02 * 2)
    # yearly data: rf is used as is ; excess -0.03, -0.05, -0.01 : mean -0.03, std 0.02
    assert sharpe_ratio(returns, periods_per_year=1, risk_free=0.05) == pytest.approx(-1.5)


def test_sharpe_ratio_degenerate_cases_are_nan():
    assert math.isnan(sharpe_ratio([0.01, 0.01, 0.01]))  # zero std
    assert math.isnan(sharpe_ratio([0.01]))  # std needs 2 returns


def test_sharpe_ratio_rejects_bad_arguments():
    with pytest.raises(ValueError, match="periods_per_year must be a positive integer"):
        sharpe_ratio([0.01, 0.02], periods_per_year=0)
    with pytest.raises(ValueError, match="risk_free must be an annual rate above -1"):
        sharpe_ratio([0.01, 0.02], risk_free=-1.0)


def test_max_drawdown_hand_computed():
    # equity 1, 1.1, 0.88, 1.32, 0.66 ; peaks 1, 1.1, 1.1, 1.32, 1.32 ; worst 0.66 / 1.32 - 1 = -0.5
    assert max_drawdown([0.1, -0.2, 0.5, -0.5]) == pytest.approx(-0.5)


def test_max_drawdown_counts_the_starting_equity_as_a_peak():
    # equity 1, 0.8, 0.88 : from the starting 1 down to 0.8
    assert max_drawdown([-0.2, 0.1]) == pytest.approx(-0.2)


def test_max_drawdown_is_zero_without_losses():
    assert max_drawdown([0.1, 0.0, 0.05]) == 0.0


@pytest.mark.parametrize("func", [cumulative_return, sharpe_ratio, max_drawdown])
def test_return_series_must_be_one_dimensional(func):
    with pytest.raises(ValueError, match=r"returns must be one sequence in time order \(1-D\)"):
        func([[0.1, 0.2], [0.0, 0.1]])


@given(st.lists(st.floats(-0.99, 5.0), min_size=1, max_size=50))
def test_max_drawdown_is_between_minus_one_and_zero(returns):
    assert -1.0 <= max_drawdown(returns) <= 0.0


@given(st.lists(st.floats(-0.5, 0.5), min_size=1, max_size=30))
def test_cumulative_return_matches_final_equity(returns):
    equity = 1.0
    for r in returns:
        equity *= 1 + r
    assert cumulative_return(returns) == pytest.approx(equity - 1, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------- registry


def test_point_metrics_registry_holds_the_pair_metrics():
    assert POINT_METRICS == {
        "mae": mae,
        "rmse": rmse,
        "mape": mape,
        "smape": smape,
        "wape": wape,
        "bias": bias,
    }
    assert get_metric("rmse") is metrics.rmse


def test_get_metric_unknown_name_lists_valid_names():
    with pytest.raises(
        ValueError, match=r"unknown metric 'mse'; valid names are bias, mae, mape, rmse, smape, wape"
    ):
        get_metric("mse")
