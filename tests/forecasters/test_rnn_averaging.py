"""Weight averaging (``weight_averaging``): the fit ends with the mean of the weights over its last steps."""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn.errors import InvalidParameterError
from tsrnn.forecasters.linear import LinearForecaster
from tsrnn.forecasters.rnn import DEFAULT_WEIGHT_AVERAGING, RNNForecaster

TINY = dict(hidden_size=4, window=6, horizon=3, batch_size=16, progress=False, random_state=0, deseasonalize=None)


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frames = []
    for uid, level in (("a", 10.0), ("b", 5.0)):
        t = np.arange(40)
        y = level + 2 * np.sin(2 * np.pi * t / 12) + 0.05 * t + rng.normal(0, 0.2, 40)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2018-01-01", periods=40, freq="MS"),
                                    "y": y}))
    return pd.concat(frames, ignore_index=True)


class RecordWeights(pl.Callback):
    """The network's weights after every optimiser step (user callbacks run after tsrnn's own)."""

    def __init__(self):
        self.states: list[dict] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.states.append({k: v.detach().clone() for k, v in pl_module.net.state_dict().items()})


def fit(model_cls=RNNForecaster, **kw):
    recorder = RecordWeights()
    params = {**TINY, **kw}
    if model_cls is LinearForecaster:
        params.pop("hidden_size")  # the linear model has no recurrent network to size
    model = model_cls(**params, trainer_kwargs={"callbacks": [recorder]}).fit(panel())
    return model, recorder.states


@pytest.mark.parametrize("model_cls", [RNNForecaster, LinearForecaster])
@pytest.mark.parametrize(("steps", "fraction", "averaged"), [(8, 0.25, 2), (8, 0.5, 4), (7, 1.0, 7), (10, 0.01, 1)])
def test_the_fit_ends_with_the_mean_of_the_last_steps_weights(model_cls, steps, fraction, averaged):
    model, states = fit(model_cls, max_steps=steps, weight_averaging=fraction)
    assert len(states) == steps
    final = model.net_.state_dict()
    for key, value in final.items():
        expected = torch.stack([s[key] for s in states[-averaged:]]).mean(dim=0)
        torch.testing.assert_close(value, expected, rtol=1e-5, atol=1e-6)
    if averaged > 1:  # the mean is not the last step's weights: the option changed the model
        assert any(not torch.equal(final[k], states[-1][k]) for k in final)


def test_zero_keeps_the_last_steps_weights_and_the_plain_fit():
    model, states = fit(max_steps=8, weight_averaging=0)
    for key, value in model.net_.state_dict().items():
        assert torch.equal(value, states[-1][key])
    # Averaging changes only the final weights: the per-step training is the plain fit's.
    averaged, averaged_states = fit(max_steps=8, weight_averaging=0.5)
    for a, b in zip(states, averaged_states, strict=True):
        assert all(torch.equal(a[k], b[k]) for k in a)
    np.testing.assert_array_equal(model.history_["train_loss"], averaged.history_["train_loss"])


def test_with_validation_windows_the_best_weights_are_kept_not_averaged():
    plain, _ = fit(max_steps=12, validation_size=3, weight_averaging=0)
    averaged, _ = fit(max_steps=12, validation_size=3, weight_averaging=0.5)
    for key, value in plain.net_.state_dict().items():
        assert torch.equal(value, averaged.net_.state_dict()[key])


def test_the_default_averages_and_forecasts_like_an_explicit_setting():
    assert 0 < DEFAULT_WEIGHT_AVERAGING <= 1
    assert RNNForecaster().weight_averaging == DEFAULT_WEIGHT_AVERAGING
    assert LinearForecaster().weight_averaging == DEFAULT_WEIGHT_AVERAGING
    default, _ = fit(max_steps=8)
    explicit, _ = fit(max_steps=8, weight_averaging=DEFAULT_WEIGHT_AVERAGING)
    np.testing.assert_array_equal(default.predict()["y_pred"], explicit.predict()["y_pred"])


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", float("nan"), None])
def test_bad_values_are_refused_by_name(bad):
    with pytest.raises(InvalidParameterError, match="weight_averaging"):
        RNNForecaster(**TINY, max_steps=2, weight_averaging=bad).fit(panel())


def test_an_update_ends_with_the_mean_of_its_own_last_steps():
    model, states = fit(max_steps=6, weight_averaging=0.5)
    model.update(panel(), steps=4)
    assert len(states) == 6 + 4  # the recorder rides along in trainer_kwargs
    for key, value in model.net_.state_dict().items():
        expected = torch.stack([s[key] for s in states[-2:]]).mean(dim=0)
        torch.testing.assert_close(value, expected, rtol=1e-5, atol=1e-6)
