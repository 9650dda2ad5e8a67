"""Mirror symmetry (``symmetric``): a window's mirror image gets the mirror image of its forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import LinearForecaster, RNNForecaster
from tsrnn.errors import InvalidParameterError
from tsrnn.forecasters import io
from tsrnn.nn.config import NetworkConfig
from tsrnn.nn.networks import ForecastNet

TINY = dict(window=12, horizon=4, hidden_size=8, num_layers=1, max_steps=30, batch_size=16, progress=False,
            accelerator="cpu", random_state=0, deseasonalize=None)


def _net(mirror, n_outputs=1, strategy="direct"):
    torch.manual_seed(0)
    net = ForecastNet.from_config(NetworkConfig(cell="lstm", strategy=strategy, n_features=1, horizon=3,
                                                hidden_size=8, n_outputs=n_outputs, linear_skip=True, window=10,
                                                mirror=mirror))
    with torch.no_grad():  # away from the random-walk start, which is symmetric already
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return net.eval()


def _mirrored(past):
    """Each window reflected about its own mean: same mean and spread, deviations negated."""
    return 2 * past.mean(dim=1, keepdim=True) - past


@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_a_mirrored_window_gets_the_mirrored_point_forecast(strategy):
    past, known = torch.randn(5, 10, 1) + 3.0, torch.zeros(5, 3, 0)
    net = _net("reverse", strategy=strategy)
    out, loc, scale = net(past, known)
    out_m, loc_m, scale_m = net(_mirrored(past), known)
    forecast, forecast_m = out * scale + loc, out_m * scale_m + loc_m
    torch.testing.assert_close(forecast_m, 2 * loc - forecast, atol=1e-5, rtol=1e-5)
    # The same weights without mirroring are not symmetric: the test can fail.
    plain = _net(None, strategy=strategy)
    out, loc, scale = plain(past, known)
    out_m, _, _ = plain(_mirrored(past), known)
    assert (out_m + out).abs().max() > 1e-2


def test_quantiles_of_a_mirrored_window_are_the_reversed_mirrored_quantiles():
    past, known = torch.randn(4, 10, 1), torch.zeros(4, 3, 0)
    net = _net("reverse", n_outputs=3)  # levels 0.1, 0.5, 0.9
    out, _, _ = net(past, known)
    out_m, _, _ = net(_mirrored(past), known)
    torch.testing.assert_close(out_m, -out.flip(-1), atol=1e-5, rtol=1e-5)


def test_a_distribution_head_mirrors_its_location_and_keeps_its_scale():
    past, known = torch.randn(4, 10, 1), torch.zeros(4, 3, 0)
    net = _net("location", n_outputs=2)  # Normal: location, raw scale
    out, _, _ = net(past, known)
    out_m, _, _ = net(_mirrored(past), known)
    torch.testing.assert_close(out_m[..., 0], -out[..., 0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out_m[..., 1], out[..., 1], atol=1e-5, rtol=1e-5)


def test_training_shows_half_the_windows_mirrored():
    torch.manual_seed(1)
    net = ForecastNet.from_config(NetworkConfig(cell="lstm", strategy="direct", n_features=1, horizon=2,
                                                hidden_size=4, linear_skip=True, window=6, mirror="reverse"))
    with torch.no_grad():  # the recurrent head starts at zero; the linear path becomes a constant step of +1
        net.skip.weight.zero_()
        net.skip.bias.fill_(1.0)
    batch = torch.randn(4000, 6, 1)
    out, _, _ = net.train()(batch, torch.zeros(4000, 2, 0))
    assert set(out[:, 0, 0].unique().tolist()) == {-1.0, 1.0}  # +1 as seen, -1 mapped back from a mirror
    assert 0.45 < float((out[:, 0, 0] > 0).float().mean()) < 0.55
    again, _, _ = net(batch, torch.zeros(4000, 2, 0))  # the next step shows each window the other way round
    torch.testing.assert_close(again, -out)
    out, _, _ = net.eval()(torch.randn(10, 6, 1), torch.zeros(10, 2, 0))
    torch.testing.assert_close(out, torch.zeros_like(out))  # forecasting averages the two: the step cancels


def _panel(n=60, ids=("a", "b", "c")):
    rng = np.random.default_rng(0)
    frames = []
    for k, uid in enumerate(ids):
        y = 50 + np.cumsum(rng.normal(-0.5 * (k + 1), 1.0, n))  # every series drifts down in training
        frames.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2015-01-01", periods=n, freq="MS"),
                                    "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_the_fitted_forecaster_mirrors_a_series_forecast_exactly():
    df = _panel()
    model = RNNForecaster(**TINY, symmetric=True).fit(df)
    assert model.net_.config.mirror == "reverse"
    series = df[df["unique_id"] == "a"].assign(unique_id="new")
    mirror = series.assign(unique_id="new-mirror", y=200.0 - series["y"])
    both = model.predict(df=pd.concat([series, mirror], ignore_index=True))
    forecast = both[both["unique_id"] == "new"]["y_pred"].to_numpy()
    mirrored = both[both["unique_id"] == "new-mirror"]["y_pred"].to_numpy()
    np.testing.assert_allclose(mirrored, 200.0 - forecast, rtol=1e-4)
    plain = RNNForecaster(**TINY).fit(df)  # the default: not mirrored
    assert plain.net_.config.mirror is None
    both = plain.predict(df=pd.concat([series, mirror], ignore_index=True))
    gap = both[both["unique_id"] == "new-mirror"]["y_pred"].to_numpy() - (
        200.0 - both[both["unique_id"] == "new"]["y_pred"].to_numpy())
    assert np.abs(gap).max() > 1e-3  # what the learnt downward drift does without the symmetry


def test_each_head_gets_its_mirror_and_the_ones_without_one_are_refused():
    lopsided = RNNForecaster(**TINY, loss="quantile", quantiles=(0.5, 0.9))
    assert lopsided.fit(_panel()).net_.config.mirror is None  # not asked for: fine
    paired = RNNForecaster(**TINY, loss="quantile", quantiles=(0.1, 0.5, 0.9), symmetric=True).fit(_panel())
    assert paired.net_.config.mirror == "reverse"
    normal = RNNForecaster(**TINY, loss="normal", symmetric=True).fit(_panel())
    assert normal.net_.config.mirror == "location"
    with pytest.raises(InvalidParameterError, match=r"symmetric=True needs quantiles symmetric .* \[0.5, 0.9\]"):
        RNNForecaster(**TINY, loss="quantile", quantiles=(0.5, 0.9), symmetric=True).fit(_panel())
    df = _panel().assign(promo=lambda d: (np.arange(len(d)) % 5 == 0).astype(float))
    with pytest.raises(InvalidParameterError, match="mirrors the target but not the covariates"):
        RNNForecaster(**TINY, future_covariates=["promo"], symmetric=True).fit(df)
    with pytest.raises(InvalidParameterError, match="mirrors the target but not the covariates"):
        RNNForecaster(**TINY, calendar_features=True, symmetric=True).fit(_panel())
    with pytest.raises(InvalidParameterError, match="symmetric must be True, False or 'auto', got .yes."):
        RNNForecaster(**{**TINY, "symmetric": "yes"}).fit(_panel())


def test_a_saved_symmetric_model_loads_with_its_mirror(tmp_path):
    df = _panel()
    model = LinearForecaster(window=12, horizon=4, max_steps=20, progress=False, random_state=0,
                             deseasonalize=None, symmetric=True).fit(df)
    assert model.net_.config.mirror == "reverse"
    loaded = io.load_forecaster(model.save(tmp_path / "m"))
    assert loaded.net_.config.mirror == "reverse"
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())


def test_a_config_saved_before_mirroring_existed_builds_an_unmirrored_network():
    values = NetworkConfig(cell="gru", strategy="direct", n_features=1, horizon=2, window=4,
                           linear_skip=True).to_dict()
    del values["mirror"]
    assert ForecastNet.from_config(NetworkConfig.from_dict(values)).mirror is None
    with pytest.raises(ValueError, match="unknown mirror 'sideways'"):
        NetworkConfig(cell="gru", strategy="direct", n_features=1, horizon=2, mirror="sideways")
