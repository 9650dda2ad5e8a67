"""SlidingWindowTransformer by hand on a ragged panel, a Ridge-on-windows baseline on AR data, and its errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tsrnn.errors import DataError, NotFittedError
from tsrnn.windows import SlidingWindowTransformer


def ragged_panel() -> pd.DataFrame:
    # Series "a": 5 days from Jan 1; series "b": 4 days from Jan 3; covariate "x". Rows deliberately shuffled.
    a = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=5, freq="D"),
                      "y": [1.0, 2.0, 3.0, 4.0, 5.0], "x": [10.0, 20.0, 30.0, 40.0, 50.0]})
    b = pd.DataFrame({"unique_id": "b", "ds": pd.date_range("2020-01-03", periods=4, freq="D"),
                      "y": [100.0, 101.0, 103.0, 106.0], "x": [0.0, 1.0, 0.0, 1.0]})
    return pd.concat([b, a], ignore_index=True).iloc[::-1].reset_index(drop=True)


def test_transform_xy_by_hand_on_ragged_series_with_a_covariate():
    df = ragged_panel()
    before = df.copy()
    tr = SlidingWindowTransformer(window=2, horizon=1).fit(df)
    X, Y = tr.transform_xy(df)
    # Each row: the target's 2 lags (oldest first), then the covariate's 2 lags; no window mixes series.
    assert X.tolist() == [[1, 2, 10, 20], [2, 3, 20, 30], [3, 4, 30, 40],
                          [100, 101, 0, 1], [101, 103, 1, 0]]
    assert Y.tolist() == [[3], [4], [5], [103], [106]]
    assert X.dtype == Y.dtype == np.float64
    assert tr.n_features_out_ == 4 and tr.covariate_names_ == ("x",)
    np.testing.assert_array_equal(tr.transform(df), X)
    np.testing.assert_array_equal(SlidingWindowTransformer(window=2, horizon=1).fit_transform(df), X)
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is untouched

    X2, Y2 = SlidingWindowTransformer(window=2, horizon=2).fit(df).transform_xy(df)
    assert X2.tolist() == [[1, 2, 10, 20], [2, 3, 20, 30], [100, 101, 0, 1]]
    assert Y2.tolist() == [[3, 4], [4, 5], [103, 106]]

    # stride 2 counts back from each series' newest window.
    X3, Y3 = SlidingWindowTransformer(window=1, horizon=1, stride=2).fit(df).transform_xy(df)
    assert X3.tolist() == [[2, 20], [4, 40], [100, 0], [103, 0]]
    assert Y3.tolist() == [[3], [5], [101], [106]]


def _wide(columns: dict) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame(columns, index=pd.date_range("2000-01-01", periods=n, freq="D"))


def test_ridge_on_windows_recovers_an_exact_ar2_process():
    # sin(w t + phi) satisfies y_t = 2 cos(w) y_{t-1} - y_{t-2} exactly: a linear AR(2) with no noise.
    w, t = 0.3, np.arange(80)
    train = _wide({"s1": 2.0 * np.sin(w * t), "s2": 5.0 * np.sin(w * t + 1.0)})
    tr = SlidingWindowTransformer(window=2, horizon=1).fit(train)
    X, Y = tr.transform_xy(train)
    model = make_pipeline(StandardScaler(), Ridge(alpha=1e-8)).fit(X, Y.ravel())
    scaler, ridge = model[0], model[1]
    coef = ridge.coef_ / scaler.scale_  # back on the scale of the data
    np.testing.assert_allclose(coef, [-1.0, 2 * np.cos(w)], atol=1e-5)
    # A series it never saw (other amplitude and phase): one-step forecasts are exact.
    test = _wide({"new": 3.0 * np.sin(w * t + 2.5)})
    Xt, Yt = tr.transform_xy(test)
    np.testing.assert_allclose(model.predict(Xt), Yt.ravel(), atol=1e-4)


def test_ridge_on_windows_estimates_a_noisy_ar2():
    rng = np.random.default_rng(0)
    series = {}
    for name in ("a", "b"):
        y = np.zeros(1500)
        e = rng.normal(size=1500)
        for i in range(2, 1500):
            y[i] = 0.6 * y[i - 1] - 0.2 * y[i - 2] + e[i]
        series[name] = y
    df = _wide(series)
    X, Y = SlidingWindowTransformer(window=2, horizon=1).fit(df).transform_xy(df)
    model = make_pipeline(StandardScaler(), Ridge()).fit(X, Y.ravel())
    coef = model[1].coef_ / model[0].scale_
    np.testing.assert_allclose(coef, [-0.2, 0.6], atol=0.05)  # OLS standard error here is about 0.018
    resid = model.predict(X) - Y.ravel()
    assert resid.std() == pytest.approx(1.0, abs=0.05)  # what is left is the unit-variance noise


@pytest.mark.parametrize("params, name", [
    ({"window": 0}, "window"), ({"window": 2.5}, "window"), ({"window": True}, "window"),
    ({"horizon": -1}, "horizon"), ({"horizon": None}, "horizon"), ({"stride": 0}, "stride"),
])
def test_bad_window_horizon_stride_name_the_parameter(params, name):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        SlidingWindowTransformer(**params).fit(ragged_panel())


def test_other_errors():
    df = ragged_panel()
    with pytest.raises(DataError, match=r"series 'b' has 4 observation\(s\) but at least 5"):
        SlidingWindowTransformer(window=4, horizon=1).fit(df)
    with pytest.raises(TypeError, match="not an array"):
        SlidingWindowTransformer(window=2).fit(np.arange(10.0))
    with pytest.raises(NotFittedError):
        SlidingWindowTransformer(window=2).transform(df)
    tr = SlidingWindowTransformer(window=2).fit(df)
    with pytest.raises(ValueError, match="covariates"):
        tr.transform(df.drop(columns="x"))
