"""RNNForecaster with a Normal or Student-t distribution head: contract, intervals, quantiles, save and load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tsrnn
from tsrnn import RNNForecaster
from tsrnn.errors import InvalidParameterError
from tsrnn.forecasters.checks import check_forecaster

TINY = RNNForecaster.get_test_params()[0]  # horizon 3, window 6, a few steps


@pytest.mark.parametrize("loss", ["normal", "student_t"])
def test_contract(loss):
    check_forecaster(RNNForecaster(**TINY, loss=loss))


def _noisy(n=80, seed=0):
    rng = np.random.default_rng(seed)
    return pd.Series(50 + 10 * np.sin(np.arange(n) / 3) + rng.normal(0, 2, n),
                     index=pd.date_range("2024-01-01", periods=n), name="s")


@pytest.mark.parametrize("loss", ["normal", "student_t"])
def test_intervals_read_from_the_distribution(loss, tmp_path):
    model = RNNForecaster(**{**TINY, "max_steps": 30}, loss=loss, random_state=0).fit(_noisy())
    out = model.predict(level=[50, 80, 95])
    assert model.quantile_levels_ == [0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975]
    assert np.array_equal(out["y_pred"], out["y_pred_q50"])  # the point forecast is the median
    for lo, hi in (("lo_95", "lo_80"), ("lo_80", "lo_50"), ("hi_50", "hi_80"), ("hi_80", "hi_95")):
        assert (out[f"y_pred_{lo}"] < out[f"y_pred_{hi}"]).all()
    assert (out["y_pred_lo_50"] < out["y_pred"]).all() and (out["y_pred"] < out["y_pred_hi_50"]).all()
    with pytest.raises(ValueError, match="quantiles"):
        model.predict(level=70)  # q15 and q85 are not among the quantiles read
    path = model.save(tmp_path / "m")
    pd.testing.assert_frame_equal(tsrnn.load(path).predict(level=[80]), model.predict(level=[80]))


def test_quantiles_parameter_sets_the_levels_read():
    model = RNNForecaster(**TINY, loss="normal", quantiles=(0.15, 0.5, 0.85), random_state=0).fit(_noisy())
    out = model.predict(level=70)
    assert (out["y_pred_lo_70"] < out["y_pred_hi_70"]).all()
    with pytest.raises(InvalidParameterError, match="distribution loss"):
        RNNForecaster(**TINY, loss="mae", quantiles=(0.1, 0.9)).fit(_noisy())
