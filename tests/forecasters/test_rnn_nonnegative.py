"""``nonnegative``: forecasts floored at zero where the history before the origin has no negative value."""

import json

import numpy as np
import pandas as pd
import pytest
from test_io import payload, rewrite  # the same folder: a model folder edited and re-signed

from tsrnn import LinearForecaster, RNNForecaster, load
from tsrnn.data import to_panel
from tsrnn.errors import InvalidParameterError


def falling_panel() -> pd.DataFrame:
    """Two straight lines falling by 1 a month: "down" ends at 0 (never negative), "below" is it minus 5 (negative
    over its last five months). A model that learnt the fall forecasts both below zero."""
    ds = pd.date_range("2015-01-01", periods=48, freq="MS")
    down = np.arange(47, -1, -1, dtype=float)
    return pd.concat([pd.DataFrame({"unique_id": "down", "ds": ds, "y": down}),
                      pd.DataFrame({"unique_id": "below", "ds": ds, "y": down - 5.0})], ignore_index=True)


def linear(**kw):
    # The linear model learns a straight line's fall in a few hundred steps; tiny and fast.
    return LinearForecaster(horizon=4, window=8, max_steps=300, learning_rate=0.05, deseasonalize=None,
                            progress=False, random_state=0, accelerator="cpu", **kw)


@pytest.fixture(scope="module")
def unfloored():
    return linear(nonnegative=False).fit(falling_panel())


def test_the_fitted_fall_goes_below_zero_without_the_floor(unfloored):
    # What the other tests rely on: unfloored, both series' forecasts continue the fall below zero.
    pred = unfloored.predict()
    assert (pred.groupby("unique_id")["y_pred"].max() < -0.5).all()


@pytest.mark.parametrize("mode", ["auto", True, False])
def test_auto_floors_the_series_that_never_went_negative(unfloored, mode):
    raw = unfloored.predict().set_index(["unique_id", "ds"])["y_pred"]
    # The floor is applied to the forecasts, not to training: the same seed trains the same weights.
    pred = linear(nonnegative=mode).fit(falling_panel()).predict().set_index(["unique_id", "ds"])["y_pred"]
    floored = {"auto": {"down"}, True: {"down", "below"}, False: set()}[mode]
    for uid in ("down", "below"):
        want = raw[uid].clip(lower=0) if uid in floored else raw[uid]
        np.testing.assert_array_equal(pred[uid].to_numpy(), want.to_numpy())
    assert (pred["down"] == 0).all() == (mode is not False)


def test_auto_reads_the_history_before_each_origin(unfloored):
    # "below" has its first negative value at position 43: a forecast from the first 40 values is floored, one
    # from all 48 is not; "down" is floored from either.
    panel = to_panel(falling_panel())
    below = list(panel.ids).index("below")
    down = list(panel.ids).index("down")
    series, cutoffs = np.array([below, below, down]), np.array([40, 48, 48])
    raw = unfloored.forecast_at(panel, series, cutoffs)["y_pred"]
    assert (raw < 0).any(axis=1).all()  # each row has something to floor
    model = linear().fit(falling_panel())
    got = model.forecast_at(panel, series, cutoffs)["y_pred"]
    np.testing.assert_array_equal(got[0], np.maximum(raw[0], 0))
    np.testing.assert_array_equal(got[1], raw[1])
    np.testing.assert_array_equal(got[2], np.maximum(raw[2], 0))
    # predict(df=...) on fresh history decides from that history: "below" cut before it turned negative
    cut = falling_panel().groupby("unique_id").head(40)
    fresh = model.predict(df=cut).set_index("unique_id")["y_pred"]
    assert (fresh >= 0).all()


def test_quantiles_and_intervals_are_floored_and_stay_ordered():
    model = linear(loss="quantile", quantiles=(0.1, 0.5, 0.9)).fit(falling_panel())
    pred = model.predict(level=80)
    down = pred[pred["unique_id"] == "down"]
    cols = ["y_pred_q10", "y_pred_q50", "y_pred_q90"]
    assert (down[cols + ["y_pred", "y_pred_lo_80", "y_pred_hi_80"]] >= 0).all().all()
    assert (np.diff(down[cols].to_numpy(), axis=1) >= 0).all()
    np.testing.assert_array_equal(down["y_pred"], down["y_pred_q50"])
    below = pred[pred["unique_id"] == "below"]
    assert (below["y_pred_q10"] < 0).any()  # the series that went negative keeps its negative quantiles


def test_two_view_model_floors_the_combined_forecast_not_each_view():
    df = falling_panel()
    model = RNNForecaster(horizon=4, window=8, hidden_size=4, max_steps=5, season_length=4, deseasonalize="both",
                          progress=False, random_state=0, accelerator="cpu").fit(df)
    assert [view.nonnegative for view in model.views_] == [False, False]
    assert model.get_params()["nonnegative"] == "auto"
    panel = to_panel(df)
    views = [view._predict(panel, 4, None, None)["y_pred"] for view in model.views_]
    combined = model._combine_views([{"y_pred": v} for v in views], panel, np.arange(2), None)["y_pred"]
    got = model.predict().set_index("unique_id")["y_pred"]
    down = list(panel.ids).index("down")
    np.testing.assert_allclose(got.loc["down"].to_numpy(), np.maximum(combined[down], 0), rtol=1e-6)


def test_bad_values_are_refused_by_name():
    for bad in ("yes", 1, None, "Auto"):
        with pytest.raises(InvalidParameterError, match=r"nonnegative must be 'auto', True or False"):
            linear(nonnegative=bad).fit(falling_panel())


def test_saved_model_keeps_its_setting_and_an_older_one_loads_unfloored(unfloored, tmp_path):
    model = linear().fit(falling_panel())
    model.save(tmp_path / "new")
    loaded = load(tmp_path / "new")
    assert loaded.nonnegative == "auto"
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    # A model saved before the parameter existed forecast without the floor, and still does once loaded.
    model.save(tmp_path / "old")
    config = json.loads((payload(tmp_path / "old") / "config.json").read_text())
    del config["params"]["nonnegative"]
    del config["params"]["weight_averaging"]  # older still: saved before weight averaging, which it did not do
    rewrite(tmp_path / "old", config=config)
    old = load(tmp_path / "old")
    assert old.nonnegative is False and old.weight_averaging == 0.0
    pd.testing.assert_frame_equal(old.predict(), unfloored.predict())


def test_conformal_bounds_are_floored_where_the_wrapped_model_floors():
    from tsrnn import ConformalIntervals

    pred = ConformalIntervals(linear(), horizon=4, n_windows=3).fit(falling_panel()).predict(level=80)
    pred = pred.set_index("unique_id")
    half = pred["y_pred_hi_80"] - pred["y_pred"]  # the calibrated half-width (the upper bound is never floored)
    assert (half > 0).all()
    below, down = pred.loc["below"], pred.loc["down"]
    np.testing.assert_allclose(below["y_pred_lo_80"], below["y_pred"] - half.loc["below"])  # went negative: as is
    assert (down["y_pred"] == 0).all() and (down["y_pred"] - half.loc["down"] < 0).all()  # something to floor
    np.testing.assert_array_equal(down["y_pred_lo_80"], 0.0)


@pytest.mark.parametrize("mode", ["auto", False])
def test_regression_forecaster_floors_by_the_same_rule(mode):
    from sklearn.linear_model import Ridge

    from tsrnn import RegressionForecaster

    def fitted(nonnegative):
        return RegressionForecaster(Ridge(alpha=1e-6), window=6, horizon=4, nonnegative=nonnegative).fit(
            falling_panel())

    raw = fitted(False).predict().set_index(["unique_id", "ds"])["y_pred"]
    assert (raw.groupby(level=0).max() < -0.5).all()  # the straight lines continue below zero
    pred = fitted(mode).predict().set_index(["unique_id", "ds"])["y_pred"]
    np.testing.assert_array_equal(pred["below"], raw["below"])
    np.testing.assert_array_equal(pred["down"], raw["down"].clip(lower=0) if mode == "auto" else raw["down"])
    with pytest.raises(InvalidParameterError, match="nonnegative must be"):
        RegressionForecaster(nonnegative="sometimes").fit(falling_panel())
