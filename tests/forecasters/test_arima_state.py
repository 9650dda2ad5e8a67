"""A fitted ARIMA forecasts from its state at the end of the data; a saved one loads without filtering again."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import ARIMAForecaster
from tsrnn.errors import IncompatibleModelError
from tsrnn.forecasters import io
from tsrnn.forecasters._statespace import StateSnapshot


def _simulated(n=96, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.2 * t + 3 * np.sin(2 * np.pi * t / 12) + np.cumsum(rng.normal(size=n))
    return y, rng.normal(size=(n + 8, 2))


@pytest.mark.parametrize(("order", "seasonal", "trend", "n_exog"), [
    ((1, 0, 1), (0, 0, 0, 0), "c", 0),  # non-zero mean
    ((1, 1, 1), (1, 0, 0, 12), "t", 0),  # drift, seasonal AR
    ((2, 1, 0), (0, 1, 1, 12), "n", 2),  # seasonal difference, regressors
    ((1, 0, 0), (0, 0, 0, 0), "c", 1),  # mean and a regressor
    ((0, 1, 0), (0, 1, 0, 12), "n", 0),  # no parameters but the differences
])
def test_the_state_recursion_is_statsmodels_forecast(order, seasonal, trend, n_exog):
    from statsmodels.tsa.arima.model import ARIMA

    y, X = _simulated()
    X, X_future = (X[:96, :n_exog], X[96:, :n_exog]) if n_exog else (None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMA(y, exog=X, order=order, seasonal_order=seasonal, trend=trend, concentrate_scale=True)
        result = model.fit() if model.k_params else model.filter(np.zeros(0))
        expected = result.get_forecast(8, exog=X_future)
    got = StateSnapshot.from_result(result, n_exog, X).forecast(8, X_future, [80, 95])
    np.testing.assert_allclose(got["y_pred"], expected.predicted_mean, rtol=1e-10, atol=1e-9)
    for level in (80, 95):
        bounds = np.asarray(expected.conf_int(alpha=1 - level / 100))
        np.testing.assert_allclose(got[f"y_pred_lo_{level}"], bounds[:, 0], rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(got[f"y_pred_hi_{level}"], bounds[:, 1], rtol=1e-10, atol=1e-9)


def _panel(exog=False):
    y, X = _simulated()
    frames = []
    for uid, shift in (("a", 0.0), ("b", 20.0)):
        frame = pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2010-01-01", periods=96, freq="MS"),
                              "y": y + shift})
        if exog:
            frame["promo"] = X[:96, 0]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("exog", [False, True])
def test_a_loaded_arima_forecasts_without_rebuilding_its_models(tmp_path, monkeypatch, exog):
    df = _panel(exog)
    model = ARIMAForecaster(season_length=12, exog=["promo"] if exog else None).fit(df)
    future = None
    if exog:
        future = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 6),
                               "ds": np.tile(pd.date_range("2018-01-01", periods=6, freq="MS"), 2),
                               "promo": np.linspace(-1, 1, 12)})
    path = model.save(tmp_path / "m")
    expected = model.predict(6, X_future=future, level=[90])
    rebuilt = []
    original = ARIMAForecaster._rebuild_result.__func__

    def counting(cls, *args, **kwargs):
        rebuilt.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(ARIMAForecaster, "_rebuild_result", classmethod(counting))
    loaded = io.load_forecaster(path)
    pd.testing.assert_frame_equal(loaded.predict(6, X_future=future, level=[90]), expected, check_exact=True)
    assert rebuilt == []  # neither loading nor forecasting the saved history built a statsmodels model
    # New history needs the statsmodels results: they are rebuilt from the saved parameters, once per series.
    history = df.groupby("unique_id").head(90)
    fresh = loaded.predict(3, df=history, X_future=None if future is None else
                           future.assign(ds=np.tile(pd.date_range("2017-07-01", periods=6, freq="MS"), 2))
                           .groupby("unique_id").head(3))
    assert len(rebuilt) == 2 and fresh.shape[0] == 6
    assert loaded.models_[0].result is not None and len(rebuilt) == 2


def _edit_state(path, key, value):
    manifest = json.loads((path / "manifest.json").read_text())
    payload = path / manifest["payload"]
    with np.load(payload / "arrays.npz") as data:
        arrays = dict(data)
    if value is None:
        arrays.pop(key)
    else:
        arrays[key] = value(arrays[key])
    with open(payload / "arrays.npz", "wb") as fh:
        np.savez(fh, **arrays)
    for name in manifest["files"]:
        manifest["files"][name] = io._digest(payload / name)
    (path / "manifest.json").write_text(json.dumps(manifest))


def _negative_noise(vector):  # ARIMA(1,1,1) has 3 states: a, P (9), Z, T (9), then RQR's first diagonal entry
    vector = vector.copy()
    vector[3 + 9 + 3 + 9] = -1.0
    return vector


@pytest.mark.parametrize(("value", "message"), [
    (lambda v: v[:-1], "has 38 values; a model with 3 states and 0 regressors has 39"),
    (lambda v: np.where(np.arange(v.size) == 0, np.nan, v), "not finite"),
    (_negative_noise, "'RQR' has a negative variance"),
    (lambda v: v.reshape(1, -1), "must be a 1-d float64 array"),
])
def test_an_edited_state_is_refused_on_load(tmp_path, value, message):
    path = ARIMAForecaster(order=(1, 1, 1), season_length=1).fit(_panel()).save(tmp_path / "m")
    _edit_state(path, "fit_state_0", value)
    with pytest.raises(IncompatibleModelError, match=message):
        io.load_forecaster(path)


def test_a_folder_without_states_is_rebuilt_by_filtering(tmp_path):
    model = ARIMAForecaster(order=(1, 1, 1), season_length=1).fit(_panel())
    path = model.save(tmp_path / "m")
    for i in range(2):
        _edit_state(path, f"fit_state_{i}", None)
    loaded = io.load_forecaster(path)
    assert all(fit.built and fit.snapshot is None for fit in loaded.models_)
    pd.testing.assert_frame_equal(loaded.predict(4, level=[80]), model.predict(4, level=[80]))
