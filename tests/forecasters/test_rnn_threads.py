"""The thread policy of the neural forecasters: ``num_threads`` applies while fitting and predicting only."""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import LinearForecaster, RNNForecaster
from tsrnn.errors import InvalidParameterError


class SeesThreads(pl.Callback):
    def __init__(self):
        self.seen = []

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self.seen.append(torch.get_num_threads())


def series() -> pd.Series:
    return pd.Series(np.sin(np.arange(40) / 3) + 5, index=pd.date_range("2020-01-01", periods=40, freq="D"), name="s")


@pytest.mark.parametrize("cls", [RNNForecaster, LinearForecaster])
@pytest.mark.parametrize("num_threads, expected", [(None, 1), (2, 2)])
def test_training_uses_num_threads_and_gives_the_setting_back(cls, num_threads, expected):
    spy = SeesThreads()
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        extra = {"hidden_size": 4} if cls is RNNForecaster else {}
        model = cls(horizon=2, window=5, max_steps=3, progress=False, random_state=0, num_threads=num_threads,
                    deseasonalize=None, trainer_kwargs={"callbacks": [spy]}, **extra).fit(series())
        assert spy.seen == [expected] * 3
        assert torch.get_num_threads() == 3  # the caller's setting, untouched by fit...
        model.predict()
        assert torch.get_num_threads() == 3  # ...and by predict
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, 10**6])  # 10**6: OpenMP would crash the process
def test_num_threads_must_be_a_positive_int(bad):
    with pytest.raises(InvalidParameterError, match="num_threads"):
        RNNForecaster(horizon=2, window=5, num_threads=bad, progress=False).fit(series())


class SeesPrecision(pl.Callback):
    def on_train_start(self, trainer, module):
        self.precision = trainer.precision


def test_precision_auto_trains_in_32_bits_on_the_cpu():
    spy = SeesPrecision()
    RNNForecaster(horizon=2, window=5, hidden_size=4, max_steps=2, progress=False, precision="auto",
                  accelerator="cpu", trainer_kwargs={"callbacks": [spy]}).fit(series())
    assert spy.precision == "32-true"


def test_precision_auto_picks_bf16_only_on_a_cuda_gpu_with_bfloat16(monkeypatch):
    from tsrnn.forecasters.rnn import auto_precision

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert auto_precision("auto") == "bf16-mixed" and auto_precision("cuda") == "bf16-mixed"
    assert auto_precision("cpu") == "32-true"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert auto_precision("auto") == "32-true"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="device-only: needs a CUDA GPU (issue 14's GPU path)")
def test_fit_predict_and_reload_on_a_cuda_gpu(tmp_path):
    import tsrnn

    model = RNNForecaster(horizon=3, window=8, hidden_size=8, max_steps=5, progress=False, random_state=0,
                          accelerator="gpu", devices=1, precision="auto").fit(series())
    forecast = model.predict()
    assert len(forecast) == 3 and np.isfinite(forecast["y_pred"]).all()
    again = tsrnn.load(model.save(tmp_path / "m")).predict()
    # the reloaded model may run on the CPU: cuDNN (TF32) and CPU kernels agree to rounding, not bit for bit
    np.testing.assert_allclose(again["y_pred"], forecast["y_pred"], rtol=1e-2)
