"""``recurrent_window``: the recurrent network reads the last steps of the window, the linear path all of it."""

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


def hourly(n_series: int = 2, days: int = 20) -> pd.DataFrame:
    """Hourly series with a daily cycle, each its own level."""
    rng = np.random.default_rng(0)
    t = np.arange(24 * days)
    ds = pd.date_range("2024-01-01", periods=len(t), freq="h")
    return pd.concat([pd.DataFrame({"unique_id": f"s{i}", "ds": ds,
                                    "y": 10 + 3 * i + np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.1, len(t))})
                      for i in range(n_series)], ignore_index=True)


def monthly(n_series: int = 2, months: int = 72) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    ds = pd.date_range("2015-01-01", periods=months, freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": f"m{i}", "ds": ds,
                                    "y": 50 + np.cumsum(rng.normal(0.1, 1, months))}) for i in range(n_series)],
                     ignore_index=True)


def small(**kw) -> RNNForecaster:
    params = dict(hidden_size=4, num_layers=1, max_steps=3, progress=False, random_state=0, accelerator="cpu")
    return RNNForecaster(**{**params, **kw})


@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_the_recurrent_network_reads_only_the_last_steps_of_the_window(strategy):
    torch.manual_seed(0)
    net = ForecastNet.from_config(NetworkConfig(cell="lstm", strategy=strategy, n_features=1, horizon=3,
                                                hidden_size=5, window=10, window_norm=False,
                                                recurrent_window=4)).eval()
    with torch.no_grad():  # the recurrent head starts at zero only beside a linear path; here it is random
        past = torch.randn(2, 10, 1)
        future = torch.zeros(2, 3, 0)
        early = past.clone()
        early[:, :6] += 5.0  # outside the last four steps
        late = past.clone()
        late[:, -1] += 5.0
        out = net(past, future)[0]
        assert torch.equal(out, net(early, future)[0])
        assert not torch.allclose(out, net(late, future)[0])
        whole = ForecastNet.from_config(NetworkConfig(cell="lstm", strategy=strategy, n_features=1, horizon=3,
                                                      hidden_size=5, window=10, window_norm=False)).eval()
        whole.load_state_dict(net.state_dict())  # the same weights: only what the recurrence reads differs
        assert not torch.allclose(whole(past, future)[0], whole(early, future)[0])


def test_the_linear_path_still_reads_the_whole_window():
    net = ForecastNet.from_config(NetworkConfig(cell="gru", strategy="direct", n_features=1, horizon=2,
                                                hidden_size=3, window=8, window_norm=False, linear_skip=True,
                                                recurrent_window=2)).eval()
    with torch.no_grad():
        net.skip.weight.fill_(0.1)  # every window step weighs on the forecast
        past = torch.randn(1, 8, 1)
        early = past.clone()
        early[:, 0] += 1.0
        change = net(early, torch.zeros(1, 2, 0))[0] - net(past, torch.zeros(1, 2, 0))[0]
    assert torch.allclose(change, torch.full_like(change, 0.1))  # through the linear path alone


def test_the_config_refuses_more_steps_than_the_window_and_round_trips():
    with pytest.raises(ValueError, match="recurrent_window must be between 1 and the window"):
        NetworkConfig(cell="lstm", strategy="direct", n_features=1, horizon=2, window=8, recurrent_window=9)
    config = NetworkConfig(cell="lstm", strategy="direct", n_features=1, horizon=2, window=8, recurrent_window=3)
    assert NetworkConfig.from_dict(config.to_dict()) == config
    assert NetworkConfig(cell="lstm", strategy="direct", n_features=1, horizon=2).recurrent_window is None


def test_auto_reads_two_days_of_a_week_long_hourly_window_in_both_views():
    model = small(horizon=24).fit(hourly())
    assert model.window_ == 192  # a week and a day: the linear path reaches the same hour last week
    assert model.recurrent_window_ == 48  # max(2 x horizon, 2 x 24, 16)
    assert [view.recurrent_window_ for view in model.views_] == [48, 48]
    assert [view.net_.config.recurrent_window for view in model.views_] == [48, 48]
    assert small(horizon=30, deseasonalize=None).fit(hourly()).recurrent_window_ == 60  # 2 x horizon


@pytest.mark.parametrize("kw, expected", [
    ({"recurrent_window": None}, 192),  # the whole window
    ({"window": 100}, 100),  # an explicit window is read whole
    ({"window": 100, "recurrent_window": 30}, 30),
    ({"recurrent_window": 500}, 192),  # more than the window: the whole window
])
def test_other_settings_on_hourly_data(kw, expected):
    model = small(horizon=24, deseasonalize=None, **kw).fit(hourly())
    assert model.recurrent_window_ == expected
    assert model.net_.config.recurrent_window == (expected if expected < model.window_ else None)


def test_auto_reads_the_whole_window_where_the_frequency_has_one_season():
    model = small(horizon=6, deseasonalize=None).fit(monthly())
    assert model.recurrent_window_ == model.window_ == 24
    assert model.net_.config.recurrent_window is None


def test_the_linear_forecaster_has_no_such_parameter():
    model = LinearForecaster(horizon=24, max_steps=2, progress=False, accelerator="cpu").fit(hourly())
    assert "recurrent_window" not in model.get_params()
    assert model.net_.config.recurrent_window is None


@pytest.mark.parametrize("bad", [0, -3, 2.5, "all", True])
def test_bad_values_are_refused_before_training(bad):
    with pytest.raises(InvalidParameterError, match="recurrent_window must be a positive integer, None or 'auto'"):
        small(horizon=24, recurrent_window=bad).fit(hourly())


@pytest.mark.parametrize("deseasonalize", [None, "both"])
def test_saved_models_keep_it_and_folders_from_before_read_the_whole_window(tmp_path, deseasonalize):
    model = small(horizon=24, deseasonalize=deseasonalize).fit(hourly())
    model.save(tmp_path / "new")
    loaded = load(tmp_path / "new")
    assert loaded.recurrent_window_ == 48
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    # Saved before the parameter existed: no record of it, and the recurrence read the whole window.
    whole = small(horizon=24, deseasonalize=deseasonalize, recurrent_window=None).fit(hourly())
    whole.save(tmp_path / "old")
    config = json.loads((payload(tmp_path / "old") / "config.json").read_text())
    for record in [config, *config.get("views", [])]:
        record["params"].pop("recurrent_window")
        if "fitted" in record:  # a two-view folder keeps each network's fitted state in its view's record
            record["fitted"].pop("recurrent_window_")
    rewrite(tmp_path / "old", config=config)
    old = load(tmp_path / "old")
    assert old.recurrent_window is None and old.recurrent_window_ == 192
    pd.testing.assert_frame_equal(old.predict(), whole.predict())
