"""Interval score, MSIS and CRPS from samples against values worked out by hand or in closed form."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from tsrnn import metrics as M


def test_interval_score_by_hand():
    # a = 0.05: widths 4, 4, 4; misses: none, 1 below (penalty 2/0.05 * 1 = 40), 2 above (80)
    got = M.interval_score([5, 0, 11], lower=[3, 1, 5], upper=[7, 5, 9], level=95)
    assert got == pytest.approx((4 + 44 + 84) / 3)


def test_msis_is_the_interval_score_over_the_seasonal_naive_scale():
    y_train = [1, 2, 3, 10, 12, 14]  # season 3: |10-1|, |12-2|, |14-3| -> mean 10
    got = M.msis([5, 0, 11], [3, 1, 5], [7, 5, 9], y_train=y_train, level=95, season_length=3)
    assert got == pytest.approx((4 + 44 + 84) / 3 / 10)
    assert M.msis([1], [0], [2], y_train=[3, 3, 3], level=80) == float("inf")


def test_interval_score_refuses_crossed_bounds_and_bad_levels():
    with pytest.raises(ValueError, match="lower is above upper"):
        M.interval_score([1, 2], [0, 3], [2, 2], level=80)
    with pytest.raises(ValueError, match="level must be a percentage"):
        M.interval_score([1], [0], [2], level=0.8 * 0)
    with pytest.raises(ValueError, match="level must be a percentage"):
        M.interval_score([1], [0], [2], level=True)


def test_crps_of_one_sample_is_the_absolute_error_and_of_two_by_hand():
    assert M.crps_from_samples([3.0, 5.0], [[1.0], [9.0]]) == pytest.approx((2 + 4) / 2)
    # samples 0, 4 around y = 1: mean |x - y| = 2 ; sum_ij |x_i - x_j| / (2 m^2) = 8 / 8 = 1
    assert M.crps_from_samples([1.0], [[4.0, 0.0]]) == pytest.approx(1.0)


def test_crps_of_normal_samples_matches_the_closed_form():
    # CRPS(N(0, s), y) = s * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)), z = y / s
    rng = np.random.default_rng(0)
    s, y = 2.0, 1.5
    z = y / s
    nd = NormalDist()
    exact = s * (z * (2 * nd.cdf(z) - 1) + 2 * nd.pdf(z) - 1 / np.sqrt(np.pi))
    got = M.crps_from_samples([y], rng.normal(0.0, s, size=(1, 200_000)))
    assert got == pytest.approx(exact, rel=0.01)


def test_crps_shapes_and_missing_values():
    with pytest.raises(ValueError, match="samples must have y_true's shape"):
        M.crps_from_samples([1.0, 2.0], [[1.0, 2.0]])
    assert np.isnan(M.crps_from_samples([np.nan], [[1.0, 2.0]]))
