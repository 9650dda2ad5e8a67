"""Target transforms: every transform inverted exactly, seasonal differences worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tsrnn.preprocessing import apply_transform, invert_transform, transform_shift

Y = np.array([4.0, 5.0, 7.0, 6.0, 8.0, 9.0, 12.0, 10.0, 11.0, 13.0, 16.0, 14.0])


@pytest.mark.parametrize("kind", [None, "log", "diff", "log_return", "seasonal_diff", "log_seasonal_diff"])
@pytest.mark.parametrize("m", [1, 3, 4])
def test_inverting_the_true_future_gives_it_back(kind, m):
    """Transform the whole series, then rebuild its last 5 values from the 7 before them: exact."""
    z = apply_transform(Y, kind, season_length=m)
    k = transform_shift(kind, m)
    assert len(z) == len(Y) - k
    cut = 7
    history = Y[:cut]
    z_future = z[cut - k : cut - k + 5]  # the transformed values of Y[cut:cut + 5]
    np.testing.assert_allclose(invert_transform(z_future[None], kind, history[None, -max(k, 1):], m)[0],
                               Y[cut : cut + 5], rtol=1e-12)


def test_seasonal_difference_by_hand():
    # m = 4: y[t] - y[t-4] for t = 4..11
    np.testing.assert_array_equal(apply_transform(Y, "seasonal_diff", season_length=4),
                                  [4.0, 4.0, 5.0, 4.0, 3.0, 4.0, 4.0, 4.0])
    # Forecasting 6 steps (more than one season): steps 5 and 6 add to the forecasts of steps 1 and 2.
    last = np.array([[11.0, 13.0, 16.0, 14.0]])
    z = np.array([[1.0, 1.0, 1.0, 1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(invert_transform(z, "seasonal_diff", last, 4),
                                  [[12.0, 14.0, 17.0, 15.0, 14.0, 16.0]])


def test_seasonal_inverse_needs_a_whole_season_of_levels():
    with pytest.raises(ValueError, match="needs the last 4 observations"):
        invert_transform(np.zeros((1, 2)), "seasonal_diff", np.array([[1.0, 2.0]]), 4)


def test_log_seasonal_difference_refuses_non_positive_values_naming_the_series():
    with pytest.raises(ValueError, match=r"series 'shop-1' has 0.0 at position 2"):
        apply_transform(np.array([1.0, 2.0, 0.0]), "log_seasonal_diff", series="shop-1", season_length=2)
