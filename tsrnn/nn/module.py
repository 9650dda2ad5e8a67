"""The LightningModule that trains every `ForecastNet`: the step, the loss, the optimiser, gradient health.

It records a plain per-step history (train loss, global gradient norm, validation loss) for users to plot.
"""

from __future__ import annotations

import copy
import math

import lightning.pytorch as pl
import torch

from ..errors import TrainingDivergedError
from .losses import forecast_loss
from .networks import ForecastNet

__all__ = ["ForecastModule", "KeepBestWeights"]


class ForecastModule(pl.LightningModule):
    """Trains a `ForecastNet` on batches ``(past, future_known, target)`` in the net's normalised units.

    A NaN or infinite loss raises `TrainingDivergedError` naming the step, instead of training on garbage.

    Example
    -------
    >>> net = ForecastNet("gru", "direct", 1, [], 4, 1, 0.0, 2, 1, window_norm=False)
    >>> module = ForecastModule(net, loss="mse", quantiles=None, learning_rate=1e-3)
    >>> float(module.batch_loss((torch.zeros(3, 5, 1), torch.zeros(3, 2, 0), torch.zeros(3, 2))).detach()) >= 0
    True
    """

    def __init__(self, net: ForecastNet, loss: str, quantiles: list[float] | None, learning_rate: float,
                 weight_decay: float = 0.0):
        super().__init__()
        self.net = net
        self.loss_name = loss
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        q = torch.tensor(quantiles if quantiles else [0.5], dtype=torch.float32)
        self.register_buffer("quantiles", q, persistent=False)
        self.history: list[dict] = []
        self._val_losses: list[torch.Tensor] = []  # per batch: [sum of window losses, number of windows]

    def get_extra_state(self):
        # ddp_spawn trains in child processes and hands back only the module's state dict: the history rides
        # along in it (plain lists, dicts and floats, readable with weights_only=True).
        return {"history": self.history}

    def set_extra_state(self, state) -> None:
        self.history = list(state.get("history", []))

    def forward(self, past: torch.Tensor, future_known: torch.Tensor):
        return self.net(past, future_known)

    def batch_loss(self, batch) -> torch.Tensor:
        past, future_known, target = batch  # [B, window, F], [B, horizon, K], [B, horizon]
        out, loc, scale = self.net(past, future_known)  # out: [B, horizon, n_outputs]
        target = (target - loc[..., 0]) / scale[..., 0]  # the net's normalised units
        return forecast_loss(self.loss_name, out, target, self.quantiles)

    def training_step(self, batch, batch_idx):
        loss = self.batch_loss(batch)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise TrainingDivergedError(
                f"the training loss became {value} at step {self.global_step}: the network diverged. "
                "Try a lower learning_rate, a smaller gradient_clip_val, a scaler such as 'standard' or "
                "'window', or target_transform='log' for data spanning orders of magnitude")
        self.history.append({"step": int(self.global_step), "train_loss": value})
        return loss

    def on_before_optimizer_step(self, optimizer):
        # The norm before clipping: how large the gradients really were (vanishing or exploding).
        norms = [p.grad.detach().norm(2) for p in self.parameters() if p.grad is not None]
        total = float(torch.linalg.vector_norm(torch.stack(norms), 2)) if norms else 0.0
        if self.history:
            self.history[-1]["grad_norm"] = total

    def validation_step(self, batch, batch_idx):
        loss, n = self.batch_loss(batch).detach(), len(batch[2])
        self._val_losses.append(torch.stack([loss * n, torch.tensor(float(n), device=loss.device)]))

    def on_validation_epoch_end(self):
        local = torch.stack(self._val_losses).sum(dim=0) if self._val_losses else torch.zeros(2)  # [sum, count]
        self._val_losses.clear()
        # Under DDP each process sees its share of the validation windows: add sums and counts over processes.
        loss_sum, count = self.trainer.strategy.reduce(local.to(self.device), reduce_op="sum")
        total = loss_sum / count if count > 0 else torch.tensor(float("nan"))
        self.log("val_loss", total, prog_bar=True, sync_dist=True)
        if not self.trainer.sanity_checking and self.history:
            self.history[-1]["val_loss"] = float(total)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)


class KeepBestWeights(pl.Callback):
    """Remember the network weights with the lowest validation loss and restore them when training ends.

    A module-level class (not defined inside a function) so that ``ddp_spawn`` can pickle it.

    Example
    -------
    >>> callback = KeepBestWeights()  # passed to lightning.Trainer(callbacks=[...])
    >>> callback.best, callback.state is None
    (inf, True)
    """

    def __init__(self):
        self.best = float("inf")
        self.state = None

    def on_validation_end(self, trainer, module):
        value = trainer.callback_metrics.get("val_loss")
        if value is not None and float(value) < self.best:
            self.best = float(value)
            self.state = copy.deepcopy(module.net.state_dict())

    def on_fit_end(self, trainer, module):
        if self.state is not None:
            module.net.load_state_dict(self.state)
