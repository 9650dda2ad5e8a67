"""ConformalIntervals: calibrated intervals for any forecaster, checked against errors worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn import MeanForecaster, NaiveForecaster, RNNForecaster, backtest
from tsrnn.errors import DataError, InvalidParameterError
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.conformal import ConformalIntervals, conformal_quantile, history_scale

Y = pd.Series([0.0, 1.0, 3.0, 2.0, 6.0, 4.0, 5.0], index=pd.date_range("2024-01-01", periods=7), name="s")


@pytest.mark.parametrize("params", ConformalIntervals.get_test_params(), ids=["naive", "snaive-refit"])
def test_contract(params):
    check_forecaster(ConformalIntervals(**params))


def test_intervals_from_the_naive_errors_worked_by_hand():
    # Origins after 3, 4, 5, 6 values: the naive forecasts 3, 2, 6, 4 miss 2, 6, 4, 5 by 1, 4, 2, 1.
    model = ConformalIntervals(NaiveForecaster(), horizon=1, n_windows=4, normalize=False).fit(Y)
    assert sorted(model.calibration_errors_[0].tolist()) == [1.0, 1.0, 2.0, 4.0]
    out = model.predict(level=[50, 80]).iloc[0]
    # 50 %: the ceil(5 * 0.5) = 3rd smallest error, 2 ; 80 %: the 4th, 4 ; around the last value 5
    assert (out["y_pred"], out["y_pred_lo_50"], out["y_pred_hi_50"]) == (5.0, 3.0, 7.0)
    assert (out["y_pred_lo_80"], out["y_pred_hi_80"]) == (1.0, 9.0)
    with pytest.raises(ValueError, match="level=90 needs more calibration errors than the 4"):
        model.predict(level=90)


def test_normalised_errors_are_scaled_by_each_origins_history():
    model = ConformalIntervals(NaiveForecaster(), horizon=1, n_windows=4).fit(Y)
    # Scales (mean |one-step change| before each origin): 1.5, 4/3, 2, 2 -> errors 1/1.5, 3, 1, 0.5
    np.testing.assert_allclose(sorted(model.calibration_errors_[0]), [0.5, 2 / 3, 1.0, 3.0])
    out = model.predict(level=50).iloc[0]
    half = 1.0 * 11 / 6  # the 3rd smallest, 1, times the scale of the whole history
    np.testing.assert_allclose([out["y_pred_lo_50"], out["y_pred_hi_50"]], [5 - half, 5 + half])


def test_levels_never_cross_and_widen_with_the_level():
    rng = np.random.default_rng(0)
    y = pd.Series(rng.normal(10, 1, 80), index=pd.date_range("2024-01-01", periods=80), name="s")
    out = ConformalIntervals(MeanForecaster(), horizon=3, n_windows=30).fit(y).predict(level=[95, 50, 80])
    assert (out["y_pred_lo_95"] <= out["y_pred_lo_80"]).all() and (out["y_pred_lo_80"] <= out["y_pred_lo_50"]).all()
    assert (out["y_pred_lo_50"] <= out["y_pred"]).all() and (out["y_pred"] <= out["y_pred_hi_50"]).all()
    assert (out["y_pred_hi_50"] <= out["y_pred_hi_80"]).all() and (out["y_pred_hi_80"] <= out["y_pred_hi_95"]).all()


def test_backtest_coverage_is_near_nominal_on_exchangeable_noise():
    # 30 series of independent noise: every error is exchangeable, so coverage should sit at the level.
    rng = np.random.default_rng(1)
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2020-01-01", periods=60),
                            "y": rng.normal(100 * (i + 1), 5 * (i + 1), 60)}) for i in range(30)]
    df = pd.concat(frames, ignore_index=True)
    res = backtest(ConformalIntervals(MeanForecaster(), horizon=2, n_windows=10), df, horizon=2, folds=4,
                   level=[80, 95], progress=False, season_length=1)
    row = res.metrics().iloc[0]
    assert row["n"] == 240
    assert abs(row["coverage_80"] - 0.80) < 0.06 and abs(row["coverage_95"] - 0.95) < 0.04


def test_rnn_gets_intervals_in_predict_and_backtest_without_a_quantile_loss():
    tiny = RNNForecaster.get_test_params()[0]  # horizon 3, window 6, a few steps
    y = pd.Series(np.sin(np.arange(60) / 3) * 10 + 50, index=pd.date_range("2024-01-01", periods=60), name="s")
    with pytest.raises(ValueError, match="ConformalIntervals"):
        RNNForecaster(**tiny).fit(y).predict(level=80)
    model = ConformalIntervals(RNNForecaster(**tiny, random_state=0), n_windows=9)
    out = model.fit(y).predict(level=[80])
    assert model.default_horizon == 3 and len(out) == 3
    assert (out["y_pred_lo_80"] < out["y_pred"]).all() and (out["y_pred"] < out["y_pred_hi_80"]).all()
    res = backtest(model, y, horizon=3, folds=2, level=80, refit=False, progress=False)
    assert {"y_pred_lo_80", "y_pred_hi_80"} <= set(res.forecasts.columns)
    assert res.forecasts[["y_pred_lo_80", "y_pred_hi_80"]].notna().all().all()


def test_bad_settings_are_named():
    with pytest.raises(InvalidParameterError, match="needs forecaster="):
        ConformalIntervals().fit(Y)
    with pytest.raises(InvalidParameterError, match="needs horizon="):
        ConformalIntervals(NaiveForecaster()).fit(Y)
    with pytest.raises(InvalidParameterError, match="instance"):
        ConformalIntervals(NaiveForecaster, horizon=1).fit(Y)
    with pytest.raises(DataError, match="n_windows"):
        ConformalIntervals(NaiveForecaster(), horizon=2, n_windows=10).fit(Y)
    model = ConformalIntervals(NaiveForecaster(), horizon=1, n_windows=4).fit(Y)
    with pytest.raises(ValueError, match="calibrated for 1 steps"):
        model.predict(horizon=2, level=50)
    assert len(model.predict(horizon=2)) == 2  # point forecasts beyond the calibrated horizon are fine


def test_nested_parameters_and_quantile_helpers():
    model = ConformalIntervals(NaiveForecaster(), horizon=1)
    assert model.set_params(n_windows=4).get_params()["n_windows"] == 4
    assert conformal_quantile([3.0, 1.0, np.nan, 2.0], 50) == 2.0  # n = 3: the ceil(2) = 2nd smallest
    with pytest.raises(ValueError, match="at least 19"):
        conformal_quantile(np.ones(10), 95)
    assert history_scale(np.array([4.0, 4.0])) == 4.0  # flat history: its mean absolute value
    assert history_scale(np.array([0.0, 0.0])) == 1.0


@pytest.mark.parametrize("inner", ["rnn", "seasonal_naive"])
def test_a_saved_conformal_model_loads_with_the_same_intervals(tmp_path, inner):
    import json

    import tsrnn
    from tsrnn import SeasonalNaiveForecaster

    y = pd.Series(np.sin(np.arange(60) / 3) * 10 + 50, index=pd.date_range("2024-01-01", periods=60), name="s")
    wrapped = (RNNForecaster(**RNNForecaster.get_test_params()[0], random_state=0) if inner == "rnn"
               else SeasonalNaiveForecaster(season_length=7))
    model = ConformalIntervals(wrapped, horizon=3, n_windows=9).fit(y)
    path = model.save(tmp_path / "m")
    loaded = tsrnn.load(path)
    assert type(loaded) is ConformalIntervals and type(loaded.forecaster) is type(wrapped)
    assert loaded.forecaster.get_params() == wrapped.get_params()
    pd.testing.assert_frame_equal(loaded.predict(3, level=[80, 90]), model.predict(3, level=[80, 90]),
                                  check_exact=True)
    np.testing.assert_array_equal(loaded.calibration_errors_, model.calibration_errors_)
    with pytest.raises(ValueError, match="needs more calibration errors"):
        loaded.predict(3, level=95)  # 9 errors per step: 90% at most, as before saving
    config = tsrnn.forecasters.io.read_model_config(path)
    assert config["params"]["forecaster"]["class"] == type(wrapped).__name__
    json.dumps(config)  # plain JSON, nothing pickled


def test_a_conformal_folder_naming_another_wrapper_or_an_unknown_class_is_refused(tmp_path):
    import json

    import tsrnn
    from tsrnn.errors import IncompatibleModelError
    from tsrnn.forecasters import io

    y = pd.Series(np.arange(40.0), index=pd.date_range("2024-01-01", periods=40), name="s")
    path = ConformalIntervals(NaiveForecaster(), horizon=2, n_windows=5).fit(y).save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    for bad in ("ConformalIntervals", "os.system", "NoSuchForecaster"):
        config = json.loads((path / manifest["payload"] / "config.json").read_text())
        config["params"]["forecaster"]["class"] = bad
        (path / manifest["payload"] / "config.json").write_text(json.dumps(config))
        manifest["files"]["config.json"] = io._digest(path / manifest["payload"] / "config.json")
        (path / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(IncompatibleModelError, match="does not describe a valid ConformalIntervals"):
            tsrnn.load(path)


def test_a_loaded_conformal_regression_model_refits_and_clones(tmp_path):
    from sklearn.base import clone
    from sklearn.linear_model import Ridge

    import tsrnn
    from tsrnn import RegressionForecaster

    y = pd.Series(np.sin(np.arange(80) / 3) * 10 + 50, index=pd.date_range("2024-01-01", periods=80), name="s")
    model = ConformalIntervals(RegressionForecaster(Ridge(alpha=2.0), window=6, horizon=3), n_windows=9).fit(y)
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    assert isinstance(loaded.forecaster.estimator, Ridge) and loaded.forecaster.estimator.alpha == 2.0
    pd.testing.assert_frame_equal(loaded.predict(level=80), model.predict(level=80))
    pd.testing.assert_frame_equal(loaded.fit(y).predict(level=80), model.predict(level=80))
    pd.testing.assert_frame_equal(clone(loaded).fit(y).predict(level=80), model.predict(level=80))
