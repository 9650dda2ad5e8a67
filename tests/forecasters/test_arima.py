"""ARIMAForecaster: orders found on simulated processes, interval coverage, fallbacks, exog, fresh history, contract."""

from __future__ import annotations

import re
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

from tsrnn.errors import DataError
from tsrnn.forecasters import arima
from tsrnn.forecasters.arima import ARIMAForecaster
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.naive import SeasonalNaiveForecaster


def arma(n, seed, ar=(), ma=(), mean=0.0, d=0, burn=100):
    """n values of an ARMA process (optionally integrated d times) with standard normal innovations."""
    e = np.random.default_rng(seed).normal(size=n + burn)
    x = lfilter(np.r_[1.0, ma], np.r_[1.0, -np.asarray(ar, dtype=float)], e)[burn:] + mean
    for _ in range(d):
        x = np.cumsum(x)
    return x


def airline_process(n, seed, theta=-0.5, seasonal_theta=-0.6, m=12):
    """ARIMA(0,1,1)(0,1,1)[m]: (1 - B)(1 - B^m) y = (1 + theta B)(1 + Theta B^m) e."""
    e = np.random.default_rng(seed).normal(size=n + m + 1)
    w = lfilter(np.convolve([1.0, theta], np.r_[1.0, np.zeros(m - 1), seasonal_theta]), [1.0], e)[m + 1:]
    y = np.zeros(n + m + 1)
    for t in range(m + 1, n + m + 1):
        y[t] = y[t - 1] + y[t - m] - y[t - m - 1] + w[t - m - 1]
    return y[m + 1:] + 100.0


def long_frame(series: dict, start="2000-01-01", freq="MS") -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(y), freq=freq), "y": y})
                      for uid, y in series.items()], ignore_index=True)


def parse(model: str) -> tuple[int, ...]:
    """'ARIMA(1,1,0)(0,1,1)[12] with drift' -> (p, d, q, P, D, Q)."""
    nums = [int(v) for v in re.findall(r"\d+", model.split("[")[0])]
    return tuple(nums + [0, 0, 0])[:6]


# --- automatic orders ---------------------------------------------------------------------------------------
CASES = {
    # name: (simulator, true (p, d, q, P, D, Q), season_length)
    "AR(1)": (lambda s: arma(150, s, ar=[0.7], mean=5.0), (1, 0, 0, 0, 0, 0), 1),
    "MA(1)": (lambda s: arma(150, s, ma=[0.7], mean=5.0), (0, 0, 1, 0, 0, 0), 1),
    "ARMA(1,1)": (lambda s: arma(150, s, ar=[0.6], ma=[0.4], mean=5.0), (1, 0, 1, 0, 0, 0), 1),
    "random walk": (lambda s: arma(150, s, d=1), (0, 1, 0, 0, 0, 0), 1),
    "ARIMA(0,1,1)(0,1,1)[12]": (lambda s: airline_process(144, 100 + s), (0, 1, 1, 0, 1, 1), 12),
}


@pytest.mark.parametrize("name", list(CASES))
def test_automatic_orders_recover_simulated_processes(name):
    simulate, truth, m = CASES[name]
    frame = long_frame({f"seed{s}": simulate(s) for s in range(5)})
    model = ARIMAForecaster(season_length=m).fit(frame)
    found = [parse(text) for text in model.fitted_orders_["model"]]
    # d and D must be right; p, q, P, Q within one of the truth.
    near = [f for f in found if f[1] == truth[1] and f[4] == truth[4]
            and all(abs(f[k] - truth[k]) <= 1 for k in (0, 2, 3, 5))]
    assert len(near) >= 4, f"{name}: found {found}"
    assert sum(f == truth for f in found) >= 2, f"{name}: the true order {truth} was found once at most: {found}"
    assert (model.fit_report_["status"] == "ok").sum() >= 4
    table = model.fitted_orders_
    assert list(table.columns) == ["unique_id", "model", "order", "seasonal_order", "constant", "aicc", "n_fits"]
    assert np.isfinite(table["aicc"]).all() and (table["n_fits"] >= 4).all()


def test_search_visits_each_order_once(monkeypatch):
    seen = []
    original = arima._CSS.fit

    def spy(self, p, q, P, Q, constant, criterion):
        seen.append((p, q, P, Q, constant))
        return original(self, p, q, P, Q, constant, criterion)

    monkeypatch.setattr(arima._CSS, "fit", spy)
    model = ARIMAForecaster(season_length=1).fit(long_frame({"a": arma(120, 3, ar=[0.5, 0.3])}))
    assert len(seen) == len(set(seen)) == model.fitted_orders_.loc[0, "n_fits"]
    assert (2, 2, 0, 0, True) in seen and (0, 0, 0, 0, False) in seen  # two of auto.arima's starting models


def test_exhaustive_search_and_criteria():
    frame = long_frame({"a": arma(120, 4, ar=[0.7], mean=2.0)})
    # d fixed at 0: this tests the search, not the KPSS test (whose 3 lags hold this persistent AR(1) non-stationary)
    full = ARIMAForecaster(season_length=1, stepwise=False, max_order=2, information_criterion="bic", d=0).fit(frame)
    # p + q <= 2 with and without the mean: 6 orders x 2
    assert full.fitted_orders_.loc[0, "n_fits"] == 12
    assert "bic" in full.fitted_orders_.columns
    assert parse(full.fitted_orders_.loc[0, "model"])[:3] == (1, 0, 0)


# --- intervals ------------------------------------------------------------------------------------------------
def test_one_step_interval_coverage_near_nominal():
    # 20 AR(1) series (phi = 0.6, mean 10); for each, 400 draws of the next value from the true process.
    phi, mu, n_draws = 0.6, 10.0, 400
    series = {f"s{k:02d}": arma(100, 1000 + k, ar=[phi], mean=mu) for k in range(20)}
    model = ARIMAForecaster(season_length=1).fit(long_frame(series))
    out = model.predict(1, level=[80, 95])
    rng = np.random.default_rng(7)
    hits = {80: 0, 95: 0}
    for i, y in enumerate(series.values()):
        draws = mu + phi * (y[-1] - mu) + rng.normal(size=n_draws)
        for lv in hits:
            lo, hi = out[f"y_pred_lo_{lv}"].iloc[i], out[f"y_pred_hi_{lv}"].iloc[i]
            hits[lv] += np.sum((draws >= lo) & (draws <= hi))
    cover80, cover95 = hits[80] / (20 * n_draws), hits[95] / (20 * n_draws)
    assert 0.74 <= cover80 <= 0.86, cover80
    assert 0.91 <= cover95 <= 0.98, cover95


def test_multi_step_intervals_of_a_random_walk():
    # A fixed ARIMA(0,1,0): the h-step interval is y_T +- z sigma sqrt(h); paths drawn from the true walk.
    y = arma(200, 11, d=1)
    out = ARIMAForecaster(order=(0, 1, 0), season_length=1).fit(long_frame({"rw": y})).predict(6, level=95)
    sigma = np.std(np.diff(y))
    z = NormalDist().inv_cdf(0.975)
    np.testing.assert_allclose(out["y_pred"], y[-1], rtol=1e-6)  # the panel stores float32
    np.testing.assert_allclose(out["y_pred_hi_95"] - out["y_pred"], z * sigma * np.sqrt(np.arange(1, 7)), rtol=0.02)
    paths = y[-1] + np.cumsum(np.random.default_rng(3).normal(size=(4000, 6)), axis=1)
    inside = (paths >= out["y_pred_lo_95"].to_numpy()) & (paths <= out["y_pred_hi_95"].to_numpy())
    assert 0.92 <= inside.mean() <= 0.98


def test_predict_frame_shape_timestamps_and_order_of_columns():
    frame = long_frame({"a": arma(60, 1, ar=[0.5], mean=3.0)})
    later = long_frame({"b": arma(50, 2, ar=[0.5], mean=3.0)}, start="2001-03-01")
    model = ARIMAForecaster(order=(1, 0, 0)).fit(pd.concat([frame, later], ignore_index=True))
    out = model.predict(horizon=4, level=[80, 95])
    assert list(out.columns) == ["unique_id", "ds", "y_pred", "y_pred_lo_80", "y_pred_hi_80", "y_pred_lo_95",
                                 "y_pred_hi_95"]
    assert out["unique_id"].tolist() == ["a"] * 4 + ["b"] * 4
    assert out["ds"].iloc[:4].tolist() == list(pd.date_range("2005-01-01", periods=4, freq="MS"))
    assert out["ds"].iloc[4:].tolist() == list(pd.date_range("2005-05-01", periods=4, freq="MS"))
    assert (out["y_pred_lo_95"] < out["y_pred_lo_80"]).all() and (out["y_pred_lo_80"] < out["y_pred"]).all()
    assert (out["y_pred"] < out["y_pred_hi_80"]).all() and (out["y_pred_hi_80"] < out["y_pred_hi_95"]).all()


# --- bad input and fallbacks ------------------------------------------------------------------------------------
def test_constant_series_gets_the_mean_model():
    frame = long_frame({"flat": np.full(40, 7.0), "noisy": arma(40, 5, ar=[0.5], mean=7.0)})
    model = ARIMAForecaster().fit(frame)
    report = model.fit_report_.set_index("unique_id")
    assert report.loc["flat", "status"] == "reduced" and "constant series" in report.loc["flat", "message"]
    assert report.loc["noisy", "status"] == "ok"
    out = model.predict(3, level=95).set_index("unique_id").loc["flat"]
    assert (out["y_pred"] == 7.0).all() and (out["y_pred_lo_95"] == 7.0).all() and (out["y_pred_hi_95"] == 7.0).all()


def test_fit_failure_falls_back_to_seasonal_naive(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("optimizer exploded")

    monkeypatch.setattr(arima, "_ml_fit", broken)
    frame = long_frame({"a": airline_process(48, 1)})
    model = ARIMAForecaster().fit(frame)
    report = model.fit_report_.iloc[0]
    assert report["status"] == "fallback"
    assert "optimizer exploded" in report["message"] and "seasonal naive" in report["message"]
    assert model.fitted_orders_.loc[0, "model"] == "SeasonalNaive"
    expected = SeasonalNaiveForecaster(season_length=12).fit(frame).predict(14, level=80)
    pd.testing.assert_frame_equal(model.predict(14, level=80), expected)


def test_too_short_for_the_seasonal_search_is_reduced_and_reported():
    frame = long_frame({"short": airline_process(20, 2), "long": airline_process(60, 3)})
    model = ARIMAForecaster().fit(frame)  # monthly: season_length 12 needs 25 observations
    report = model.fit_report_.set_index("unique_id")
    assert report.loc["short", "status"] == "reduced"
    assert "non-seasonal" in report.loc["short", "message"] and "25" in report.loc["short", "message"]
    orders = model.fitted_orders_.set_index("unique_id")
    assert orders.loc["short", "seasonal_order"] == (0, 0, 0, 0)
    assert orders.loc["long", "seasonal_order"][3] == 12
    fixed = ARIMAForecaster(order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=12).fit(frame)
    assert fixed.fit_report_.set_index("unique_id").loc["short", "status"] == "reduced"
    assert fixed.fitted_orders_.set_index("unique_id").loc["short", "model"] == "ARIMA(0,1,1)"


@pytest.mark.parametrize("params, match", [
    ({"order": (1, -1, 0)}, r"order must be a tuple of 3 non-negative integers, got \(1, -1, 0\)"),
    ({"order": (1, 0)}, "order must be a tuple of 3"),
    ({"order": (1.5, 0, 0)}, "order must be"),
    ({"order": (1, 0, 0), "seasonal_order": (1, 0)}, "seasonal_order must be a tuple of 3 or 4"),
    ({"seasonal_order": (0, 1, 1)}, "seasonal_order is only used with a fixed order"),
    ({"order": (0, 1, 1), "seasonal_order": (0, 1, 1, 4), "season_length": 12}, "season_length=12"),
    ({"max_p": -1}, "max_p must be a non-negative integer"),
    ({"d": 1.0}, "d must be a non-negative integer or None"),
    ({"season_length": 0}, "season_length must be a positive integer"),
    ({"information_criterion": "hqic"}, "information_criterion must be one of"),
    ({"n_jobs": 0}, "n_jobs must be a non-zero integer"),
    ({"exog": "price"}, "exog must be None, 'all' or a list"),
    ({"include_constant": "yes"}, "include_constant must be None, True or False"),
])
def test_invalid_parameters_name_the_parameter(params, match):
    with pytest.raises(ValueError, match=match):
        ARIMAForecaster(**params).fit(long_frame({"a": arma(40, 0, mean=1.0)}))


def test_statsmodels_warnings_are_recorded_not_printed(monkeypatch):
    original = arima._ml_fit

    def noisy(*args, **kwargs):
        warnings.warn("Maximum Likelihood optimization failed to converge", UserWarning, stacklevel=1)
        return original(*args, **kwargs)

    monkeypatch.setattr(arima, "_ml_fit", noisy)
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        model = ARIMAForecaster(order=(1, 0, 0)).fit(long_frame({"a": arma(60, 1, ar=[0.5])}))
    assert escaped == []
    report = model.fit_report_.iloc[0]
    assert report["status"] == "ok" and report["n_warnings"] == 1
    assert report["message"] == "UserWarning: Maximum Likelihood optimization failed to converge"


# --- exogenous regressors -------------------------------------------------------------------------------------
def test_exog_regression_uses_future_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    frame = long_frame({"a": 3.0 * x + arma(100, 1, ar=[0.5], mean=20.0)})
    frame["x"] = x
    frame["unused"] = rng.normal(size=100)
    model = ARIMAForecaster(season_length=1, exog=["x"]).fit(frame)
    assert model.exog_names_ == ("x",)
    future = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2008-05-01", periods=4, freq="MS"),
                           "x": [0.0, 10.0, 0.0, 10.0]})
    out = model.predict(4, X_future=future)
    jumps = np.diff(out["y_pred"].to_numpy())
    np.testing.assert_allclose(jumps, [30.0, -30.0, 30.0], atol=2.0)
    with pytest.raises(DataError, match="X_future is required"):
        model.predict(4)
    with pytest.raises(DataError, match=r"exog names \['price'\] are not columns"):
        ARIMAForecaster(season_length=1, exog=["price"]).fit(frame)
    every = ARIMAForecaster(season_length=1, exog="all").fit(frame)
    assert every.exog_names_ == ("x", "unused")


def test_x_future_uses_the_column_names_of_fit():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    frame = long_frame({"a": 3.0 * x + arma(60, 1, ar=[0.5], mean=20.0)})
    frame["x"] = x
    model = ARIMAForecaster(order=(1, 0, 0), season_length=1, exog=["x"]).fit(frame)
    future = pd.DataFrame({"unique_id": "a", "ds": model.panel_.future_index(0, 3), "x": [1.0, -1.0, 2.0]})
    named = ARIMAForecaster(order=(1, 0, 0), season_length=1, exog=["x"]).fit(
        frame.rename(columns={"unique_id": "store", "ds": "month", "y": "sales"}),
        id_col="store", time_col="month", target_col="sales")
    out = named.predict(3, X_future=future.rename(columns={"unique_id": "store", "ds": "month"}))
    np.testing.assert_allclose(out["y_pred"], model.predict(3, X_future=future)["y_pred"], rtol=1e-10)
    with pytest.raises(DataError, match=r"X_future is missing column\(s\) \['store', 'month'\]"):
        named.predict(3, X_future=future)  # the default names are not the ones it was fitted with


# --- fresh history, parallel fits, contract ----------------------------------------------------------------------
def test_fresh_history_reapplies_fitted_orders_and_fits_unseen_series():
    series = {"a": arma(80, 1, ar=[0.6], mean=4.0), "b": arma(80, 2, ma=[0.5], mean=-1.0)}
    frame = long_frame(series)
    model = ARIMAForecaster(order=(1, 0, 0), season_length=1).fit(frame)
    pd.testing.assert_frame_equal(model.predict(3, df=frame), model.predict(3), rtol=1e-8)

    shorter = frame[frame["ds"] < "2005-01-01"]  # 60 months of each series
    newcomer = long_frame({"c": arma(70, 9, d=1)})
    out = model.predict(2, df=pd.concat([shorter, newcomer], ignore_index=True))
    assert out["unique_id"].tolist() == ["a", "a", "b", "b", "c", "c"]
    assert out["ds"].iloc[0] == pd.Timestamp("2005-01-01")
    # "a" keeps its AR(1) parameters: its forecast is mean + phi * (y_T - mean) from the new end.
    params = model.models_[0].result.params
    mean, phi = params[0], params[1]
    assert out["y_pred"].iloc[0] == pytest.approx(mean + phi * (series["a"][59] - mean), rel=1e-6)
    assert list(model.fitted_orders_["unique_id"]) == ["a", "b"]  # predict does not change the fitted state


def test_parallel_fit_gives_the_same_models():
    frame = long_frame({"a": arma(80, 1, ar=[0.6]), "b": arma(80, 2, ma=[0.5]), "c": arma(80, 3, d=1)})
    one = ARIMAForecaster(season_length=1).fit(frame)
    two = ARIMAForecaster(season_length=1, n_jobs=2).fit(frame)
    pd.testing.assert_frame_equal(one.fitted_orders_, two.fitted_orders_)
    pd.testing.assert_frame_equal(one.predict(5, level=90), two.predict(5, level=90))


@pytest.mark.parametrize("params", ARIMAForecaster.get_test_params(), ids=str)
def test_contract(params):
    check_forecaster(ARIMAForecaster(**params))
