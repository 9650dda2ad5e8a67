"""The accuracy features of RNNForecaster: the linear skip path, seasonal differencing, the MASE-scaled loss
and median ensembles of several seeds. Tiny models: these tests check wiring and arithmetic, not accuracy
(accuracy is measured in benchmarks/bench_m4.py and benchmarks/bench_accuracy.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn.data import to_panel
from tsrnn.forecasters.rnn import RNNForecaster
from tsrnn.nn.networks import ForecastNet, MedianEnsemble

TINY = dict(hidden_size=4, window=8, horizon=3, max_steps=3, batch_size=16, progress=False, random_state=0, deseasonalize=None)


def seasonal_frame(n: int = 48, uid: str = "a", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 20 + 3 * np.sin(2 * np.pi * t / 4) + 0.1 * t + rng.normal(0, 0.1, n)
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2015-01-01", periods=n, freq="QS"), "y": y})


@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_linear_skip_starts_as_the_random_walk(strategy):
    """With the recurrent head silenced, an untrained hybrid net repeats the window's last value."""
    torch.manual_seed(0)
    net = ForecastNet("gru", strategy, 1, [], 4, 1, 0.0, 3, 1, window_norm=True, linear_skip=True, window=6)
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.zero_()
    past = torch.tensor([[1.0, 3.0, 2.0, 5.0, 4.0, 7.0]]).unsqueeze(-1)  # [1, 6, 1]
    out, loc, scale = net(past, torch.zeros(1, 3, 0))
    np.testing.assert_allclose((out * scale + loc).detach().squeeze().numpy(), [7.0, 7.0, 7.0], rtol=1e-5)


def test_linear_skip_is_trained_and_can_be_switched_off():
    df = seasonal_frame()
    with_skip = RNNForecaster(**TINY).fit(df)
    without = RNNForecaster(**TINY, linear_skip=False).fit(df)
    assert with_skip.net_.skip is not None and tuple(with_skip.net_.skip.weight.shape) == (3, 8)
    assert without.net_.skip is None
    # Three steps of Adam moved the skip weights away from their random-walk start.
    assert not torch.allclose(with_skip.net_.skip.weight[:, -1], torch.ones(3))


def test_median_ensemble_takes_the_median_of_its_members():
    class Constant(torch.nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, past, future_known):
            ones = torch.ones(len(past), 2, 1)
            return ones * self.value, ones[:, :1] * 0, ones[:, :1]

    out, _, _ = MedianEnsemble([Constant(5.0), Constant(-1.0), Constant(2.0)])(torch.zeros(3, 4, 1), None)
    assert torch.equal(out, torch.full((3, 2, 1), 2.0))
    out, _, _ = MedianEnsemble([Constant(5.0), Constant(1.0)])(torch.zeros(1, 4, 1), None)
    assert torch.equal(out, torch.full((1, 2, 1), 3.0))  # an even count averages the middle two


def test_n_models_forecast_is_the_median_of_its_members_and_survives_save(tmp_path):
    df = seasonal_frame()
    model = RNNForecaster(**TINY, n_models=3).fit(df)
    assert isinstance(model.net_, MedianEnsemble) and len(model.net_.members) == 3
    assert sorted(model.history_["member"].unique()) == [0, 1, 2] and len(model.history_) == 9
    # Each member alone, then the median by hand.
    ensemble = model.net_
    singles = []
    for member in ensemble.members:
        model.net_ = member
        singles.append(model.predict()["y_pred"].to_numpy())
    model.net_ = ensemble
    np.testing.assert_allclose(model.predict()["y_pred"].to_numpy(), np.median(singles, axis=0), rtol=1e-5)
    assert len({tuple(np.round(s, 6)) for s in singles}) == 3  # the seeds differ
    loaded = RNNForecaster.load(model.save(tmp_path / "ens"))
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    pd.testing.assert_frame_equal(loaded.history_, model.history_, check_dtype=False)


@pytest.mark.parametrize("transform", ["seasonal_diff", "log_seasonal_diff"])
def test_seasonal_difference_inverted_by_hand(transform):
    df = seasonal_frame(24)
    model = RNNForecaster(**{**TINY, "window": 6}, target_transform=transform, scaler=None).fit(df)
    assert model.season_length_ == 4  # from the quarterly frequency
    out = np.array([0.5, -1.0, 2.0])
    model._forward = lambda data, starts: np.tile(out[None, :, None], (len(starts), 1, 1))
    y = df["y"].to_numpy()
    if transform == "seasonal_diff":
        expected = y[-4:-1] + out
    else:
        expected = y[-4:-1] * np.exp(out)
    np.testing.assert_allclose(model.predict()["y_pred"].to_numpy(), expected, rtol=1e-5)


def test_seasonal_difference_uses_the_season_length_given():
    df = seasonal_frame(40)
    model = RNNForecaster(**TINY, target_transform="seasonal_diff", season_length=2).fit(df)
    assert model.season_length_ == 2
    with pytest.raises(ValueError, match=r"at least 13 are needed \(window=8 \+ horizon=3 \+ 2 for the differencing"):
        RNNForecaster(**TINY, target_transform="seasonal_diff", season_length=2).fit(df.iloc[:12])


def test_forecast_at_equals_predict_with_seasonal_differences():
    df = pd.concat([seasonal_frame(40), seasonal_frame(30, "b", 1)], ignore_index=True)
    model = RNNForecaster(**TINY, target_transform="seasonal_diff", loss="mase").fit(df)
    panel = to_panel(df)
    series, cutoffs = np.array([0, 1, 0]), np.array([12, 30, 33])
    fast = model.forecast_at(panel, series, cutoffs)["y_pred"]
    for k, (s, c) in enumerate(zip(series, cutoffs)):
        slow = model.predict(df=panel.select([s]).slice([0], [c]))["y_pred"].to_numpy()
        np.testing.assert_allclose(fast[k], slow, rtol=1e-5)


def test_mase_loss_weighs_windows_by_their_own_naive_error():
    from tsrnn.nn.module import ForecastModule

    net = ForecastNet("gru", "direct", 1, [], 4, 1, 0.0, 1, 1, window_norm=False)
    module = ForecastModule(net, loss="mase", quantiles=None, learning_rate=1e-3)
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()  # the net forecasts 0
    past = torch.tensor([[0.0, 1.0, 0.0], [0.0, 4.0, 0.0]]).unsqueeze(-1)  # naive scales 1 and 4
    target = torch.tensor([[2.0], [2.0]])
    loss = module.batch_loss((past, torch.zeros(2, 1, 0), target))
    assert float(loss.detach()) == pytest.approx((2.0 / 1.0 + 2.0 / 4.0) / 2)


@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_window_stats_give_the_head_the_level_the_normalisation_removed(strategy):
    """Two windows of the same shape at different levels: one normalised input, so without the statistics the
    network's normalised output is identical; with them the head reads each window's mean and log-spread,
    weighted by its last two input columns."""
    past = torch.tensor([[1.0, 3.0, 2.0, 5.0, 4.0, 7.0]]).unsqueeze(-1)  # [1, 6, 1]: mean 11/3, spread s
    pair = torch.cat([past, past * 2.0 + 1.0, past + 100.0])  # the same shape, other levels and spreads
    for stats in (False, True):
        torch.manual_seed(0)
        net = ForecastNet("gru", strategy, 1, [], 4, 1, 0.0, 3, 1, window_norm=True, window_stats=stats)
        assert net.head.in_features == 4 + 2 * stats
        out, loc, scale = net(pair, torch.zeros(3, 3, 0))
        if not stats:
            torch.testing.assert_close(out[0], out[1])
            torch.testing.assert_close(out[0], out[2])
            continue
        assert not torch.allclose(out[0], out[1])
        with torch.no_grad():  # the head's weights on the statistics, by hand, for the direct head's first step
            net.head.weight.zero_()
            net.head.bias.zero_()
            net.head.weight[:, -2] = 1.0  # the window's mean
            net.head.weight[:, -1] = 0.5  # its log standard deviation
        out, loc, scale = net(pair, torch.zeros(3, 3, 0))
        std = past[0, :, 0].std(unbiased=False)
        # The third window's mean (103.7) is clamped to 10: a level far outside the series' own cannot blow up.
        expected = torch.tensor([11 / 3 + 0.5 * std.log(), 2 * 11 / 3 + 1 + 0.5 * (2 * std).log(),
                                 10.0 + 0.5 * std.log()])
        torch.testing.assert_close(out[:, 0, 0], expected)


def test_window_stats_need_the_window_normalisation_and_a_recurrent_cell():
    assert ForecastNet("gru", "direct", 1, [], 4, 1, 0.0, 3, 1, window_norm=False, window_stats=True).head.in_features == 4
    linear = ForecastNet("linear", "direct", 1, [], 4, 1, 0.0, 3, 1, window_norm=True, linear_skip=True, window=6,
                         window_stats=True)
    assert not linear.window_stats


def test_window_stats_fit_save_and_load(tmp_path):
    df = seasonal_frame()
    model = RNNForecaster(**TINY, window_stats=True).fit(df)
    assert model.net_.head.in_features == 4 + 2 and model.net_.config.window_stats
    model.save(tmp_path / "m")
    import tsrnn

    loaded = tsrnn.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    assert RNNForecaster(**TINY).fit(df).net_.head.in_features == 4  # off by default
    with pytest.raises(ValueError, match="window_stats"):
        RNNForecaster(**TINY, window_stats="yes").fit(df)
