"""LinearForecaster: the RNN's pipeline with the recurrent part taken out (issue 19's baseline)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from tsrnn import LinearForecaster, RNNForecaster
from tsrnn.errors import InvalidParameterError
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.io import load_forecaster, save_forecaster

TINY = dict(window=6, horizon=3, max_steps=3, batch_size=16, progress=False, random_state=0, deseasonalize=None)


def frame(n: int = 40) -> pd.DataFrame:
    t = np.arange(n)
    y = 10 + 0.2 * t + 2 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.1, n)
    return pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2015-01-01", periods=n, freq="MS"), "y": y})


@pytest.mark.parametrize("params", LinearForecaster.get_test_params(), ids=str)
def test_contract_suite(params):
    check_forecaster(LinearForecaster(**params))


def test_the_architecture_is_fixed_and_not_a_parameter():
    model = LinearForecaster(**TINY)
    params = model.get_params()
    assert not {"cell", "hidden_size", "num_layers", "dropout", "strategy", "linear_skip", "n_models"} & set(params)
    assert (model.cell, model.linear_skip, model.strategy) == ("linear", True, "direct")
    assert clone(model).get_params() == params
    with pytest.raises(ValueError, match="Invalid parameter 'cell'"):
        model.set_params(cell="lstm")
    with pytest.raises(AttributeError):
        model.cell = "lstm"


def test_the_network_is_the_linear_path_alone():
    model = LinearForecaster(**TINY).fit(frame())
    names = dict(model.net_.named_parameters())
    assert sorted(names) == ["skip.bias", "skip.weight"] and tuple(names["skip.weight"].shape) == (3, 6)


@pytest.mark.parametrize("symmetric", [False, True])
def test_forecast_is_the_linear_map_of_the_normalised_window_by_hand(symmetric):
    df = frame()
    model = LinearForecaster(**TINY, symmetric=symmetric).fit(df)
    w = np.arange(18, dtype=np.float32).reshape(3, 6) / 50 - 0.1
    b = np.array([0.3, -0.2, 0.1], dtype=np.float32)
    with torch.no_grad():
        model.net_.skip.weight.copy_(torch.as_tensor(w))
        model.net_.skip.bias.copy_(torch.as_tensor(b))
    x = df["y"].to_numpy()[-6:]
    loc, scale = x.mean(), x.std()  # the window's own statistics (scaler="window")
    # Mirrored: the mean of the map and of its mirror image, where the bias cancels.
    expected = (w @ ((x - loc) / scale) + (b if symmetric is False else 0)) * scale + loc
    np.testing.assert_allclose(model.predict()["y_pred"].to_numpy(), expected, rtol=1e-5)


def test_it_starts_as_the_random_walk_like_the_rnn_linear_path():
    """The linear model and the RNN's own linear path start from the same random walk and see the same
    windows: with a learning rate of ~0 both forecast the last value."""
    df = frame()
    lin = LinearForecaster(**{**TINY, "learning_rate": 1e-12}).fit(df)
    np.testing.assert_allclose(lin.predict()["y_pred"].to_numpy(), np.repeat(df["y"].iloc[-1], 3), rtol=1e-6)


def test_save_and_load_keep_the_class(tmp_path):
    model = LinearForecaster(**TINY).fit(frame())
    path = save_forecaster(model, tmp_path / "lin")
    loaded = load_forecaster(path)
    assert type(loaded) is LinearForecaster
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    pd.testing.assert_frame_equal(LinearForecaster.load(path).predict(), model.predict())
    with pytest.raises(ValueError, match="LinearForecaster"):
        RNNForecaster.load(path)


def test_a_user_subclass_of_the_rnn_is_refused_by_save_forecaster(tmp_path):
    class Mine(RNNForecaster):
        pass

    model = Mine(hidden_size=4, **TINY).fit(frame())
    with pytest.raises(ValueError, match="not Mine"):
        save_forecaster(model, tmp_path / "mine")


def test_bad_parameters_are_named():
    with pytest.raises(InvalidParameterError, match="loss"):
        LinearForecaster(**TINY, loss="l1").fit(frame())
