"""RNNForecaster trained with DDP on two CPU processes (``ddp_spawn``), then used in the parent process.

Kept apart from test_rnn.py because it is slow: each spawned process imports torch and Lightning (~20-40 s).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch.distributed

from tsrnn.forecasters.rnn import RNNForecaster

pytestmark = pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                                reason="torch was built without the gloo backend that DDP on CPU needs")


def test_ddp_spawn_on_cpu_fits_and_predicts_in_the_parent(tmp_path):
    y = pd.Series(np.sin(np.arange(40) / 3.0) + 2.0, index=pd.date_range("2020-01-01", periods=40, freq="MS"),
                  name="s")
    # A learning rate so small that the weights barely move: the validation loss of the first check is
    # that of the initial network, which the same seed makes identical in one process and in two.
    common = dict(horizon=3, window=6, hidden_size=4, max_steps=3, batch_size=32, validation_size=4,
                  learning_rate=1e-9, progress=False, random_state=0)
    ddp = RNNForecaster(**common, accelerator="cpu", devices=2, trainer_kwargs={"strategy": "ddp_spawn"}).fit(y)
    single = RNNForecaster(**common, accelerator="cpu", devices=1).fit(y)

    out = ddp.predict()  # in this (the parent) process, with the weights trained in the children
    assert out["ds"].dt.strftime("%Y-%m").tolist() == ["2023-05", "2023-06", "2023-07"]
    assert np.isfinite(out["y_pred"]).all()
    np.testing.assert_allclose(out["y_pred"], single.predict()["y_pred"], rtol=1e-4)

    # The per-step history comes back from the child processes: one row per step.
    h = ddp.history_
    assert h["step"].tolist() == [0, 1, 2]
    assert np.isfinite(h[["train_loss", "grad_norm"]].to_numpy()).all()
    # Each process scores half of the 4 validation windows; the reported loss is over all 4, as in one process.
    first = h["val_loss"].dropna().iloc[0]
    assert first == pytest.approx(single.history_["val_loss"].dropna().iloc[0], rel=1e-4)

    loaded = RNNForecaster.load(ddp.save(tmp_path / "ddp_model"))
    pd.testing.assert_frame_equal(loaded.predict(), out)
