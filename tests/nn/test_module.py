"""ForecastModule.check_trained: the judgement of the final weights that turns silent divergence into an error."""

from __future__ import annotations

import pytest
import torch

from tsrnn.errors import TrainingDivergedError
from tsrnn.nn.module import ForecastModule
from tsrnn.nn.networks import ForecastNet


def module_and_batch(target_level: float = 1.0):
    torch.manual_seed(0)
    net = ForecastNet("gru", "direct", 1, [], 4, 1, 0.0, 2, 1, window_norm=False)
    module = ForecastModule(net, loss="mse", quantiles=None, learning_rate=1e-3)
    past = torch.randn(64, 5, 1)  # [B, window, F]
    batch = (past, torch.zeros(64, 2, 0), torch.full((64, 2), target_level))  # target [B, horizon]
    return module, batch


def output_always(module: ForecastModule, value: float) -> None:
    """Make the network output ``value`` everywhere (whatever its layers), as trained weights might."""
    module.net.register_forward_hook(lambda net, inputs, out: (torch.full_like(out[0], value), *out[1:]))


def test_an_untrained_network_passes_and_keeps_its_mode():
    module, batch = module_and_batch()
    module.check_trained(batch)
    assert module.net.training


def test_outputs_far_off_the_target_raise():
    # Output 5 for a target of 1: squared error 16 against the zero output's 1, over the factor of 10.
    module, batch = module_and_batch()
    output_always(module, 5.0)
    with pytest.raises(TrainingDivergedError, match="loss of 16, 16 times the larger of the losses of a network that outputs zeros"):
        module.check_trained(batch)
    ok, batch = module_and_batch()
    output_always(ok, 3.0)  # squared error 4: a poor fit, not a diverged one
    ok.check_trained(batch)


def test_the_untrained_loss_counts_as_a_reference():
    # Target exactly zero (a constant series in the net's units): the zero output scores 0. An output of 1 (loss 1)
    # is fine when the untrained network's first step scored about as much, and divergence when it scored 0.05.
    module, batch = module_and_batch(target_level=0.0)
    output_always(module, 1.0)
    module.history = [{"step": 0, "train_loss": 1.0, "grad_norm": 1.0}]
    module.check_trained(batch)
    module.history = [{"step": 0, "train_loss": 0.05, "grad_norm": 3.0}]
    with pytest.raises(TrainingDivergedError, match=r"untrained network \(0.05\).*largest gradient norm 3"):
        module.check_trained(batch)


def test_non_finite_weights_raise():
    module, batch = module_and_batch()
    with torch.no_grad():
        next(module.net.parameters())[0] = float("inf")
    with pytest.raises(TrainingDivergedError, match="non-finite weights"):
        module.check_trained(batch)
