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

# See ForecastModule.check_trained. Generous on purpose: a false alarm stops a user's legitimate fit.
DIVERGENCE_RATIO = 10.0
DIVERGENCE_FLOOR = 1e-2  # in the net's (normalised) units
_ADVICE = ("Try a lower learning_rate, a smaller gradient_clip_val, a scaler such as 'standard' or 'window', or "
           "target_transform='log' for data spanning orders of magnitude")


class ForecastModule(pl.LightningModule):
    """Trains a `ForecastNet` on batches ``(past, future_known, target)`` in the net's normalised units.

    A NaN or infinite loss raises `TrainingDivergedError` naming the step, instead of training on garbage;
    `check_trained` then judges the final weights (finite, and not far worse than an all-zero output).

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

    def batch_loss(self, batch, zero_forecast: bool = False) -> torch.Tensor:
        """The loss on ``batch``; ``zero_forecast`` scores an all-zero network output instead (a reference for
        `check_trained`: the window mean under per-window scaling, the scaler's location otherwise)."""
        return self._batch_losses(batch, (zero_forecast,))[0]

    def _batch_losses(self, batch, zero_forecast: tuple[bool, ...]) -> list[torch.Tensor]:
        """`batch_loss` for each flag of ``zero_forecast``, from one forward pass."""
        past, future_known, target = batch  # [B, window, F], [B, horizon, K], [B, horizon]
        out, loc, scale = self.net(past, future_known)  # out: [B, horizon, n_outputs]
        target = (target - loc[..., 0]) / scale[..., 0]  # the net's normalised units
        naive_scale = None
        if self.loss_name == "mase":
            y = (past[..., 0] - loc[..., 0]) / scale[..., 0]  # [B, window]
            # Floored so a flat window cannot weigh thousands of times more than the others.
            naive_scale = (y[:, 1:] - y[:, :-1]).abs().mean(dim=1).nan_to_num(1.0).clamp_min(1e-2)  # [B]
        return [forecast_loss(self.loss_name, torch.zeros_like(out) if zero else out, target, self.quantiles,
                              naive_scale) for zero in zero_forecast]

    def training_step(self, batch, batch_idx):
        loss = self.batch_loss(batch)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise TrainingDivergedError(
                f"the training loss became {value} at step {self.global_step}: the network diverged. {_ADVICE}")
        self.history.append({"step": int(self.global_step), "train_loss": value})
        return loss

    def check_trained(self, batch) -> None:
        """Raise `TrainingDivergedError` unless the trained weights are finite and forecast ``batch`` (a sample of
        training windows, on the net's device) sensibly.

        Divergence does not always end in a NaN loss: with a huge learning rate the loss can climb by orders of
        magnitude and stay finite, and a NaN update on the last step leaves NaN weights after a finite loss.
        The final weights are judged, not the noisy per-batch history: their loss on ``batch`` must stay within
        ``DIVERGENCE_RATIO`` times the largest of the loss of an all-zero output, the untrained network's loss (the
        first step's) and ``DIVERGENCE_FLOOR``. Legitimate fits, even of a few steps, end at or below the first
        two; diverged ones end orders of magnitude above them.
        """
        bad = [name for name, t in self.net.state_dict().items()
               if t.is_floating_point() and not bool(torch.isfinite(t).all())]
        if bad:
            raise TrainingDivergedError(
                f"training left non-finite weights ({', '.join(bad[:3])}{'...' if len(bad) > 3 else ''}): the "
                f"network diverged{self._history_summary()}. {_ADVICE}")
        was_training = self.net.training
        self.net.eval()
        try:
            with torch.no_grad():
                loss, zero = map(float, self._batch_losses(batch, (False, True)))  # one forward pass (issue 14)
        finally:
            self.net.train(was_training)
        if not math.isfinite(loss):
            raise TrainingDivergedError(f"the trained network forecasts {loss} on its own training windows: it "
                                        f"diverged{self._history_summary()}. {_ADVICE}")
        # The untrained network's loss (the first step's) also counts as a reference: where the target is exactly
        # zero in the net's units (a constant series) a few small outputs must not read as divergence.
        first = self.history[0]["train_loss"] if self.history else 0.0
        reference = max(zero, first, DIVERGENCE_FLOOR)
        if loss > DIVERGENCE_RATIO * reference:
            raise TrainingDivergedError(
                f"training diverged: the final weights forecast the training windows with a loss of {loss:.4g}, "
                f"{loss / reference:.3g} times the larger of the losses of a network that outputs zeros ({zero:.4g}) "
                f"and of the untrained network ({first:.4g}){self._history_summary()}. {_ADVICE}")

    def _history_summary(self) -> str:
        if not self.history:
            return ""
        losses = [h["train_loss"] for h in self.history]
        tail = losses[-max(1, len(losses) // 10):]  # the last 10% of the steps
        norms = [h["grad_norm"] for h in self.history if math.isfinite(h.get("grad_norm", math.nan))]
        text = (f" (training loss {losses[0]:.4g} at the first step, {sum(tail) / len(tail):.4g} over the last "
                f"{len(tail)} of {len(losses)} steps")
        return text + (f"; largest gradient norm {max(norms):.4g})" if norms else ")")

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
