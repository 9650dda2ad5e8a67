"""ETSForecaster: model selection on airline-like and additive data, intervals, fallbacks, fresh history, contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn.data import to_panel
from tsrnn.datasets import load_dataset
from tsrnn.forecasters import ets
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.ets import ETSForecaster
from tsrnn.forecasters.naive import SeasonalNaiveForecaster


def long_frame(series: dict, start="2000-01-01", freq="MS") -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(y), freq=freq), "y": y})
                      for uid, y in series.items()], ignore_index=True)


def additive_seasonal(seed, n=96):
    """Linear trend + a fixed-amplitude yearly season + constant-variance noise (all strictly positive)."""
    t = np.arange(n)
    return 50 + 2.5 * t + 15 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 2, n)


def local_level(n, seed, alpha=0.3):
    """ETS(A,N,N): y[t] = l[t-1] + e[t], l[t] = l[t-1] + alpha e[t]; returns (y, l[T])."""
    e = np.random.default_rng(seed).normal(size=n)
    level = 10.0 + alpha * np.cumsum(e)
    return np.r_[10.0, level[:-1]] + e, level[-1]


# --- selection --------------------------------------------------------------------------------------------------
def test_airline_passengers_get_multiplicative_seasonality_and_a_trend():
    model = ETSForecaster().fit(load_dataset("airpassengers"))
    row = model.fitted_models_.iloc[0]
    assert (row["error"], row["seasonal"]) == ("mul", "mul")
    assert row["trend"] == "add" and row["season_length"] == 12
    assert row["n_fits"] == 15  # 6 additive-error + 9 multiplicative-error models
    assert model.fit_report_.iloc[0]["status"] == "ok"
    assert list(model.fitted_models_.columns) == ["unique_id", "model", "error", "trend", "damped_trend", "seasonal",
                                                  "season_length", "aicc", "n_fits"]


def test_additive_data_get_an_additive_model():
    model = ETSForecaster().fit(long_frame({f"s{s}": additive_seasonal(s) for s in range(3)}))
    assert model.fitted_models_["model"].tolist() == ["ETS(A,A,A)"] * 3


def test_multiplicative_components_need_positive_data():
    y = additive_seasonal(4) - 120.0  # crosses zero
    auto = ETSForecaster().fit(long_frame({"a": y}))
    row = auto.fitted_models_.iloc[0]
    assert row["error"] == "add" and row["seasonal"] != "mul"
    assert auto.fitted_models_.iloc[0]["n_fits"] == 6
    forced = ETSForecaster(error="mul", trend="add", damped_trend=False, seasonal="add").fit(long_frame({"a": y}))
    report = forced.fit_report_.iloc[0]
    assert report["status"] == "reduced" and "error='mul' needs strictly positive data" in report["message"]
    assert forced.fitted_models_.iloc[0]["model"] == "ETS(A,A,A)"


def test_fixed_components_restrict_the_search():
    model = ETSForecaster(error="add", seasonal="none", information_criterion="bic").fit(
        long_frame({"a": additive_seasonal(1)}))
    row = model.fitted_models_.iloc[0]
    assert row["n_fits"] == 3 and row["seasonal"] == "none" and "bic" in model.fitted_models_.columns


# --- intervals --------------------------------------------------------------------------------------------------
def test_one_step_interval_coverage_of_a_local_level_model():
    sims = {f"s{k:02d}": local_level(80, 200 + k) for k in range(20)}
    model = ETSForecaster(error="add", trend="none", seasonal="none").fit(
        long_frame({k: y for k, (y, _) in sims.items()}))
    out = model.predict(1, level=[80, 95])
    rng = np.random.default_rng(0)
    hits = {80: 0, 95: 0}
    for i, (_, level) in enumerate(sims.values()):
        draws = level + rng.normal(size=400)
        for lv in hits:
            hits[lv] += np.sum((draws >= out[f"y_pred_lo_{lv}"].iloc[i]) & (draws <= out[f"y_pred_hi_{lv}"].iloc[i]))
    assert 0.74 <= hits[80] / 8000 <= 0.86
    assert 0.91 <= hits[95] / 8000 <= 0.98


def test_simulated_intervals_follow_random_state():
    frame = load_dataset("airpassengers")
    model = ETSForecaster(error="mul", trend="add", damped_trend=False, seasonal="mul", random_state=1).fit(frame)
    first = model.predict(6, level=90)
    pd.testing.assert_frame_equal(first, model.predict(6, level=90))
    other = model.set_params(random_state=2).predict(6, level=90)
    pd.testing.assert_series_equal(first["y_pred"], other["y_pred"])  # the point forecast is not simulated
    assert not np.allclose(first["y_pred_hi_90"], other["y_pred_hi_90"])
    widths = (first["y_pred_hi_90"] - first["y_pred_lo_90"]).to_numpy()
    assert (widths > 0).all() and widths[-1] > widths[0]


# --- bad input and fallbacks --------------------------------------------------------------------------------------
def test_constant_series_and_too_short_seasonal_series():
    frame = long_frame({"flat": np.full(30, 4.0), "short": additive_seasonal(2, n=20)})
    model = ETSForecaster().fit(frame)
    report = model.fit_report_.set_index("unique_id")
    assert report.loc["flat", "status"] == "reduced" and "constant series" in report.loc["flat", "message"]
    assert report.loc["short", "status"] == "reduced" and "non-seasonal" in report.loc["short", "message"]
    assert model.fitted_models_.set_index("unique_id").loc["short", "seasonal"] == "none"
    out = model.predict(3, level=80).set_index("unique_id")
    assert (out.loc["flat", "y_pred"] == 4.0).all() and (out.loc["flat", "y_pred_hi_80"] == 4.0).all()


def test_fit_failure_falls_back_to_seasonal_naive(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no convergence at all")

    monkeypatch.setattr(ets, "_ets_fit", broken)
    frame = long_frame({"a": additive_seasonal(3, n=40)})
    model = ETSForecaster().fit(frame)
    report = model.fit_report_.iloc[0]
    assert report["status"] == "fallback" and "seasonal naive" in report["message"]
    pd.testing.assert_frame_equal(model.predict(5, level=95),
                                  SeasonalNaiveForecaster(season_length=12).fit(frame).predict(5, level=95))


@pytest.mark.parametrize("params, match", [
    ({"error": "multiplicative"}, "error must be None"),
    ({"trend": "linear"}, "trend must be None"),
    ({"seasonal": "add", "season_length": 0}, "season_length must be a positive integer"),
    ({"damped_trend": "yes"}, "damped_trend must be None, True or False"),
    ({"damped_trend": True, "trend": "none"}, "damped_trend=True needs a trend"),
    ({"information_criterion": "AICc"}, "information_criterion must be one of"),
    ({"random_state": 1.5}, "random_state must be an integer or None"),
])
def test_invalid_parameters_name_the_parameter(params, match):
    with pytest.raises(ValueError, match=match):
        ETSForecaster(**params).fit(long_frame({"a": additive_seasonal(0, n=30)}))


# --- fresh history, contract ----------------------------------------------------------------------------------------
def test_fresh_history_keeps_the_smoothing_weights():
    frame = long_frame({"a": additive_seasonal(5), "b": additive_seasonal(6)})
    model = ETSForecaster(error="add", trend="add", damped_trend=False, seasonal="add").fit(frame)
    same = model.predict(4, df=frame)
    np.testing.assert_allclose(same["y_pred"], model.predict(4)["y_pred"], rtol=1e-2)
    shorter = frame[frame["ds"] < "2007-01-01"]
    out = model.predict(2, df=pd.concat([shorter, long_frame({"c": additive_seasonal(7, n=40)})]))
    assert out["unique_id"].tolist() == ["a", "a", "b", "b", "c", "c"]
    assert out["ds"].iloc[0] == pd.Timestamp("2007-01-01")
    assert list(model.fitted_models_["unique_id"]) == ["a", "b"]


def test_history_that_continues_the_training_data_is_filtered_with_every_fitted_parameter():
    """A backtest forecasts at the fit's own cutoff and later: the forecast at the cutoff is the fitted model's
    (before, the initial states were estimated again, and on one US employment series that search ended in
    forecasts of -13,000 for a series near 700), a later one filters the new observations with the same
    parameters, and history that does not continue the training data re-estimates the initial states."""
    y = load_dataset("airpassengers")["y"].to_numpy()
    frame = long_frame({"air": y[:120]}, start="1949-01-01")
    model = ETSForecaster(error="mul", trend="add", damped_trend=True, seasonal="mul").fit(frame)
    later = long_frame({"air": y}, start="1949-01-01")
    np.testing.assert_allclose(model.predict(12, df=frame)["y_pred"], model.predict(12)["y_pred"], rtol=1e-10)
    result = model.models_[0].result
    continued = ets._ets_model(y[:132], ("mul", "add", True, "mul"), 12, result.model.initialization_method)
    expected = continued.smooth(result.params).forecast(12)
    at = model.forecast_at(to_panel(later), np.array([0]), np.array([132]), horizon=12)["y_pred"][0]
    np.testing.assert_allclose(at, np.asarray(expected), rtol=1e-8)
    shifted = long_frame({"air": y[12:132]}, start="1950-01-01")  # starts a year later: not a continuation
    other = model.predict(12, df=shifted)["y_pred"].to_numpy()
    assert np.all(np.isfinite(other)) and np.all((other > 300) & (other < 800))


@pytest.mark.parametrize("params", ETSForecaster.get_test_params(), ids=str)
def test_contract(params):
    check_forecaster(ETSForecaster(**params))
