"""``linear_init``: where the linear path starts (the random walk, or the seasonal naive forecast)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from test_io import payload, rewrite  # the same folder: a model folder edited and re-signed

from tsrnn import LinearForecaster, RNNForecaster, load
from tsrnn.errors import InvalidParameterError
from tsrnn.nn.config import NetworkConfig
from tsrnn.nn.networks import ForecastNet


def panel(n_seasonal: int, n_flat: int, months: int = 72) -> pd.DataFrame:
    """Monthly series: ``n_seasonal`` with a strong yearly pattern (each its own shape and level), ``n_flat`` noisy
    walks without one."""
    rng = np.random.default_rng(0)
    ds = pd.date_range("2015-01-01", periods=months, freq="MS")
    t = np.arange(months)
    frames = []
    for i in range(n_seasonal):
        y = 50 + 5 * i + 10 * np.sin(2 * np.pi * t / 12 + i) + rng.normal(0, 0.5, months)
        frames.append(pd.DataFrame({"unique_id": f"season{i}", "ds": ds, "y": y}))
    for i in range(n_flat):
        y = 50 + np.cumsum(rng.normal(0, 1, months))
        frames.append(pd.DataFrame({"unique_id": f"walk{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def tiny(cls=RNNForecaster, **kw):
    params = dict(horizon=6, max_steps=2, progress=False, random_state=0, accelerator="cpu")
    if cls is RNNForecaster:
        params.update(hidden_size=4, num_layers=1)
    return cls(**{**params, **kw})


def test_the_untrained_linear_path_is_the_seasonal_naive_or_the_random_walk():
    window = torch.tensor([[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]]).view(1, 8, 1)
    seasonal = ForecastNet("lstm", "direct", 1, [], 4, 1, 0.0, 6, 1, window_norm=True, linear_skip=True, window=8,
                           skip_lag=4)
    out, loc, scale = seasonal(window, torch.zeros(1, 6, 0))
    # Steps 1-4 repeat the last four values; steps 5-6 repeat them again (lag 4 * ceil(step / 4)).
    assert (out * scale + loc).flatten().tolist() == pytest.approx([5.0, 9.0, 2.0, 6.0, 5.0, 9.0], abs=1e-5)
    walk = ForecastNet("lstm", "direct", 1, [], 4, 1, 0.0, 3, 2, window_norm=True, linear_skip=True, window=8)
    out, loc, scale = walk(window, torch.zeros(1, 3, 0))
    assert walk.config.skip_lag == 1
    assert (out * scale + loc).flatten().tolist() == pytest.approx([6.0] * 6, abs=1e-5)  # two outputs per step


def test_a_lag_longer_than_the_window_or_below_one_is_refused():
    base = dict(cell="lstm", strategy="direct", n_features=1, horizon=3, linear_skip=True, window=8)
    with pytest.raises(ValueError, match=r"skip_lag must be between 1 and the window \(8\), got 12"):
        NetworkConfig(**base, skip_lag=12)
    with pytest.raises(ValueError, match=r"skip_lag must be between 1 and the window"):
        NetworkConfig(**base, skip_lag=0)
    assert NetworkConfig.from_dict({k: v for k, v in NetworkConfig(**base).to_dict().items()
                                    if k != "skip_lag"}).skip_lag == 1  # a config saved before it existed


def test_seasonal_naive_start_forecasts_the_last_season_before_training_moves_it():
    df = panel(2, 0)
    # A learning rate too small to move anything: the forecast is where the linear path starts.
    model = tiny(linear_init="seasonal_naive", deseasonalize=None, learning_rate=1e-12, window=24).fit(df)
    assert model.linear_lag_ == 12 and model.net_.config.skip_lag == 12
    pred = model.predict().set_index(["unique_id", "ds"])["y_pred"]
    for uid, g in df.groupby("unique_id"):
        last_season = g["y"].to_numpy()[-12:][:6]  # the same months one year before the six forecast
        np.testing.assert_allclose(pred.loc[uid].to_numpy(), last_season, rtol=1e-4)
    naive = tiny(linear_init="naive", deseasonalize=None, learning_rate=1e-12, window=24).fit(df)
    pred = naive.predict().groupby("unique_id")["y_pred"]
    np.testing.assert_allclose(pred.max(), pred.min(), rtol=1e-5)  # flat: the last value repeated
    assert naive.linear_lag_ == 1


@pytest.mark.parametrize("cls", [RNNForecaster, LinearForecaster])
def test_auto_starts_the_network_as_is_at_the_season_when_most_series_have_one(cls):
    mostly_seasonal = tiny(cls).fit(panel(3, 1))
    as_is, deseasonalised = mostly_seasonal.views_
    assert as_is.linear_lag_ == 12 and as_is.net_.config.skip_lag == 12
    assert deseasonalised.linear_lag_ == 1  # its series have had the season removed
    mostly_walks = tiny(cls).fit(panel(1, 3))
    assert [view.linear_lag_ for view in mostly_walks.views_] == [1, 1]
    # One network that reads the series as they are runs the seasonal test itself.
    assert tiny(cls, deseasonalize=None).fit(panel(3, 1)).linear_lag_ == 12
    # Differenced series have no season left to repeat; neither has a path that is not there.
    assert tiny(cls, deseasonalize=None, target_transform="diff").fit(panel(3, 1)).linear_lag_ == 1
    if cls is RNNForecaster:
        assert tiny(cls, deseasonalize=None, linear_skip=False).fit(panel(3, 1)).linear_lag_ == 1


def test_bad_values_and_a_window_shorter_than_the_season_are_clear_errors():
    with pytest.raises(InvalidParameterError, match=r"linear_init.*'auto', 'naive', 'seasonal_naive'"):
        tiny(linear_init="seasonal").fit(panel(1, 0))
    with pytest.raises(InvalidParameterError, match=r"window \(8\) is shorter than season_length \(12\)"):
        tiny(linear_init="seasonal_naive", window=8, deseasonalize=None).fit(panel(1, 0))


def test_the_start_is_saved_and_an_older_model_loads_as_a_random_walk_start(tmp_path):
    model = tiny(LinearForecaster, deseasonalize=None).fit(panel(3, 1))
    assert model.linear_lag_ == 12
    model.save(tmp_path / "new")
    loaded = load(tmp_path / "new")
    assert loaded.linear_init == "auto" and loaded.linear_lag_ == 12 and loaded.net_.config.skip_lag == 12
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    # Saved before the parameter existed: it was trained from the random walk, and says so once loaded; the
    # forecasts come from the saved weights either way.
    model.save(tmp_path / "old")
    config = json.loads((payload(tmp_path / "old") / "config.json").read_text())
    del config["params"]["linear_init"]
    del config["fitted"]["linear_lag_"]
    rewrite(tmp_path / "old", config=config)
    old = load(tmp_path / "old")
    assert old.linear_init == "naive" and old.linear_lag_ == 1
    pd.testing.assert_frame_equal(old.predict(), model.predict())
