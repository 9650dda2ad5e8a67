"""Deseasonalisation before the network: fitted on training data only, put back exactly on forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn import LinearForecaster, RNNForecaster
from tsrnn.errors import IncompatibleModelError, InvalidParameterError
from tsrnn.forecasters import io
from tsrnn.preprocessing import fit_seasonality, is_seasonal, seasonal_factors, seasonal_indices

TINY = dict(window=12, horizon=6, hidden_size=4, num_layers=1, max_steps=5, batch_size=16, progress=False,
            accelerator="cpu", random_state=0)


def _monthly(n=72, start="2015-01-01", ids=("a", "b"), level=100.0):
    t = np.arange(n)
    frames = []
    for k, uid in enumerate(ids):
        y = (level + 10 * k + 0.5 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
        frames.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=n, freq="MS"), "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_the_indices_of_a_pure_seasonal_pattern_are_recovered():
    pattern = np.array([0.8, 1.0, 1.2, 1.0])
    y = 50 * np.tile(pattern, 10)
    np.testing.assert_allclose(seasonal_indices(y, 4, multiplicative=True), pattern / pattern.mean(), rtol=1e-12)
    np.testing.assert_allclose(seasonal_indices(y - 50, 4, multiplicative=False), 50 * pattern - 50, atol=1e-12)
    assert is_seasonal(y, 4) and not is_seasonal(np.random.default_rng(0).normal(size=40), 4)
    assert not is_seasonal(y[:11], 4)  # fewer than three seasons: not tested


def test_auto_is_multiplicative_only_for_positive_series_and_multiplicative_names_the_series():
    t = np.arange(48)
    wave = np.sin(2 * np.pi * t / 12)
    assert fit_seasonality(10 + wave, (12,), "auto")[0] is True
    mult, index = fit_seasonality(wave, (12,), "auto")
    assert mult is False and 12 in index
    with pytest.raises(ValueError, match="series 'x' has"):
        fit_seasonality(wave, (12,), "multiplicative", series="x")
    assert fit_seasonality(10 + wave, (12,), None) == (False, {})


def test_the_indices_follow_the_last_seasons_of_a_drifting_pattern():
    from tsrnn.preprocessing import RECENT_SEASONS

    old, new = np.array([3.0, 1.0, -1.0, -3.0]), np.array([3.0, -1.0, 1.0, -3.0])  # two quarters swap
    y = 50 + np.concatenate([np.tile(old, 25), np.tile(new, RECENT_SEASONS)])
    mult, index = fit_seasonality(y, (4,), "additive")
    assert mult is False
    np.testing.assert_allclose(index[4], new, atol=1e-9)  # all 35 seasons would give a blend of the two
    assert not np.allclose(seasonal_indices(y, 4, multiplicative=False), new, atol=0.5)
    # Three more values in front: the seasons are still whole, so entry k stays the positions t % 4 == k (the
    # window now starts three values earlier, inside the old pattern: close to the new indices, not equal).
    mult, index = fit_seasonality(np.concatenate([[50.0, 50.0, 50.0], y]), (4,), "additive")
    np.testing.assert_allclose(index[4], np.roll(new, 3), atol=0.05)


def test_two_periods_are_removed_one_after_the_other():
    t = np.arange(24 * 7 * 4)
    y = 100 + 10 * np.sin(2 * np.pi * t / 24) + 5 * (t % 168 >= 120)  # a daily wave and quieter weekends
    mult, index = fit_seasonality(y, (24, 168), "additive")
    assert sorted(index) == [24, 168]
    residual = y - seasonal_factors((mult, index), t)
    assert residual.std() < 0.05 * y.std()


def test_fit_removes_and_predict_restores_the_pattern_exactly(tmp_path):
    df = _monthly()
    model = RNNForecaster(deseasonalize="auto", **TINY).fit(df)
    assert [len(p[1]) for p in model.seasonality_["profiles"]] == [1, 1]
    forecast = model.predict()
    # The same network on the deseasonalised data gives the deseasonalised forecast: the factors are the
    # fitted indices at the forecast months.
    panel = model.panel_
    adjusted, season = model._deseasonalized(panel)
    profiles, offsets = season
    for i, uid in enumerate(panel.ids):
        factor = seasonal_factors(profiles[i], offsets[i] + panel.lengths[i] + np.arange(6))
        got = forecast.loc[forecast["unique_id"] == uid, "y_pred"].to_numpy()
        assert np.all(np.isfinite(got)) and np.ptp(factor) > 0.3
        np.testing.assert_allclose(adjusted.series(i) * seasonal_factors(profiles[i], np.arange(panel.lengths[i])),
                                   panel.series(i), rtol=1e-5)
    # Saved and loaded, and from a later history of the same series (aligned by date, not by position).
    loaded = io.load_forecaster(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(), forecast)
    later = df.groupby("unique_id").tail(40)
    pd.testing.assert_frame_equal(loaded.predict(df=later), model.predict(df=later))
    _, (_, shifted) = model._deseasonalized(model._history(later))
    assert shifted.tolist() == [32, 32]


def test_backtest_origins_use_indices_from_before_the_cutoff_for_new_series():
    df = _monthly()
    model = RNNForecaster(deseasonalize="auto", **TINY).fit(df[df["unique_id"] == "a"])
    other = _monthly(ids=("new",))
    panel = model._history(other)
    cutoffs = np.array([48, 60])
    _, (profiles, _) = model._deseasonalized(panel, np.array([48]))
    expected = fit_seasonality(panel.series(0)[:48], (12,), "auto")
    assert not np.allclose(expected[1][12], fit_seasonality(panel.series(0), (12,), "auto")[1][12])
    np.testing.assert_array_equal(profiles[0][1][12], expected[1][12])
    at = model._predict_at(panel, np.array([0, 0]), cutoffs, 6, None)
    alone = model._predict(panel.slice([0], [48]), 6, None, None)
    np.testing.assert_allclose(at["y_pred"][0], alone["y_pred"][0], rtol=1e-5)


def test_the_linear_model_takes_the_option_and_bad_values_are_refused():
    model = LinearForecaster(deseasonalize="additive", window=12, horizon=6, max_steps=3, progress=False,
                             random_state=0).fit(_monthly())
    assert model.predict().shape == (12, 3)
    with pytest.raises(InvalidParameterError, match="deseasonalize"):
        RNNForecaster(deseasonalize="stl", **TINY).fit(_monthly())


def test_both_averages_a_raw_and_a_deseasonalised_network_and_round_trips(tmp_path):
    df = _monthly()
    model = RNNForecaster(deseasonalize="both", **TINY).fit(df)
    raw, adjusted = model.views_
    assert (raw.deseasonalize, adjusted.deseasonalize) == (None, "auto")
    assert (raw.random_state, adjusted.random_state) == (0, 1)  # the views differ beyond their data
    assert raw.seasonality_ is None and len(adjusted.seasonality_["profiles"][0][1]) == 1
    forecast = model.predict(level=None)
    views = [view.predict() for view in model.views_]
    np.testing.assert_allclose(forecast["y_pred"], (views[0]["y_pred"] + views[1]["y_pred"]) / 2, rtol=1e-12)
    assert sorted(model.history_["view"].unique()) == [0, 1]
    # Batched origins are the mean of the views' batched origins.
    panel = model.panel_
    at = model.forecast_at(panel, [0, 1], [60, 60], horizon=6)
    parts = [view.forecast_at(panel, [0, 1], [60, 60], horizon=6) for view in model.views_]
    np.testing.assert_allclose(at["y_pred"], (parts[0]["y_pred"] + parts[1]["y_pred"]) / 2, rtol=1e-12)
    loaded = io.load_forecaster(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(), forecast)
    assert [view.deseasonalize for view in loaded.views_] == [None, "auto"]
    assert model.update(df, steps=2) is model and len(model.history_) == 2 * 5 + 2 * 2


def _mixed(n=72):
    """One seasonal series ("s") and three without a season (noisy trends) in one monthly panel."""
    rng = np.random.default_rng(3)
    t = np.arange(n)
    ds = pd.date_range("2015-01-01", periods=n, freq="MS")
    frames = [pd.DataFrame({"unique_id": "s", "ds": ds, "y": 100 * (1 + 0.3 * np.sin(2 * np.pi * t / 12))})]
    for uid in ("a", "b", "c"):
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": 50 + 0.5 * t + rng.normal(0, 1, n).cumsum()}))
    return pd.concat(frames, ignore_index=True)


def test_both_weights_the_view_as_is_by_the_share_of_seasonal_series_on_seasonal_ones(tmp_path):
    model = RNNForecaster(deseasonalize="both", **TINY).fit(_mixed())
    assert [bool(p[1]) for p in model.seasonality_["profiles"]] == [False, False, False, True]  # ids sorted
    forecast = model.predict().set_index("unique_id")["y_pred"]
    raw, adjusted = (view.predict().set_index("unique_id")["y_pred"] for view in model.views_)
    assert not np.allclose(raw["s"], adjusted["s"])  # the weights are told apart
    # One training series in four is seasonal: on it the view as is weighs 1/8, elsewhere the plain mean.
    np.testing.assert_allclose(forecast["s"], raw["s"] / 8 + adjusted["s"] * 7 / 8, rtol=1e-12)
    np.testing.assert_allclose(forecast["a"], (raw["a"] + adjusted["a"]) / 2, rtol=1e-12)
    # Batched origins weigh the same way, and a new series is judged on its history before the cutoff.
    panel = model.panel_
    at = model.forecast_at(panel, [3, 0], [60, 60], horizon=6)["y_pred"]
    parts = [view.forecast_at(panel, [3, 0], [60, 60], horizon=6)["y_pred"] for view in model.views_]
    np.testing.assert_allclose(at[0], parts[0][0] / 8 + parts[1][0] * 7 / 8, rtol=1e-12)
    np.testing.assert_allclose(at[1], (parts[0][1] + parts[1][1]) / 2, rtol=1e-12)
    new = _mixed().replace({"unique_id": {"s": "s2"}})
    new = new[new["unique_id"] == "s2"]
    got = model.predict(df=new)["y_pred"].to_numpy()
    views = [view.predict(df=new)["y_pred"].to_numpy() for view in model.views_]
    np.testing.assert_allclose(got, views[0] / 8 + views[1] * 7 / 8, rtol=1e-12)
    # The weights come from the saved seasonal profiles: a loaded model forecasts the same.
    loaded = io.load_forecaster(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())


@pytest.mark.parametrize("edit", ["views missing", "one view", "view not a record", "view fitted state missing",
                                  "view weights missing", "view seasonality not positive"])
def test_malformed_two_view_folders_are_incompatible_model_errors(tmp_path, edit):
    import json

    import torch

    path = RNNForecaster(deseasonalize="both", **TINY).fit(_monthly()).save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    payload = path / manifest["payload"]
    config = json.loads((payload / "config.json").read_text())
    with np.load(payload / "arrays.npz") as data:
        arrays = dict(data)
    weights = torch.load(payload / "weights.pt", weights_only=True)
    if edit == "views missing":
        del config["views"]
    elif edit == "one view":
        config["views"] = config["views"][:1]
    elif edit == "view not a record":
        config["views"][1] = [1, 2]
    elif edit == "view fitted state missing":
        del config["views"][1]["fitted"]
    elif edit == "view weights missing":
        weights = {k: v for k, v in weights.items() if not k.startswith("view1.")}
    else:
        arrays["view1_season_index_12"] = -np.abs(arrays["view1_season_index_12"])
    (payload / "config.json").write_text(json.dumps(config))
    with open(payload / "arrays.npz", "wb") as fh:
        np.savez(fh, **arrays)
    torch.save(weights, payload / "weights.pt")
    for name in manifest["files"]:
        manifest["files"][name] = io._digest(payload / name)
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IncompatibleModelError, match="does not describe a valid RNNForecaster"):
        io.load_forecaster(path)


def test_columns_that_share_memory_are_reseasonalised_once():
    # _outputs hands out views: the point forecast is the median quantile's, an interval bound is its quantile.
    levels = np.ones((1, 3, 3))
    outputs = {"y_pred": levels[:, :, 1], "y_pred_q10": levels[:, :, 0], "y_pred_q50": levels[:, :, 1],
               "y_pred_q90": levels[:, :, 2]}
    outputs["y_pred_lo_80"], outputs["y_pred_hi_80"] = outputs["y_pred_q10"], outputs["y_pred_q90"]
    season = ([(True, {2: np.array([0.5, 1.5])})], np.array([1]))  # offset 1: positions 1+0.. from origin 0
    out = RNNForecaster._reseasonalized(outputs, season, np.array([0]), np.array([0]))
    for column, values in out.items():
        np.testing.assert_array_equal(values, [[1.5, 0.5, 1.5]], err_msg=column)
    assert np.all(levels == 1.0)  # the caller's arrays are left as they were


def test_quantile_forecasts_of_a_deseasonalised_model_keep_the_median_as_the_point(tmp_path):
    model = RNNForecaster(deseasonalize="auto", loss="quantile", **TINY).fit(_monthly())
    forecast = model.predict(level=[80])
    np.testing.assert_array_equal(forecast["y_pred"], forecast["y_pred_q50"])
    np.testing.assert_array_equal(forecast["y_pred_lo_80"], forecast["y_pred_q10"])
    # The point forecast is the network's median times each month's index, once.
    panel = model.panel_
    adjusted, (profiles, offsets) = model._deseasonalized(panel)
    model.seasonality_, saved = None, model.seasonality_
    raw = model._predict(adjusted, 6, None, None)["y_pred"]  # the network's median on the adjusted data
    model.seasonality_ = saved
    for i in range(panel.n_series):
        factor = seasonal_factors(profiles[i], offsets[i] + panel.lengths[i] + np.arange(6))
        got = forecast.loc[forecast["unique_id"] == panel.ids[i], "y_pred"].to_numpy()
        np.testing.assert_allclose(got, raw[i] * factor, rtol=1e-6)
