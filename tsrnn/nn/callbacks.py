"""Lightning callbacks of tsrnn's own: one progress bar over optimiser steps (not one per one-batch epoch), the
average of the weights over a fit's last steps, and the plumbing of distributed and resumed fits."""

from __future__ import annotations

import sys
import time

import lightning.pytorch as pl
import torch

__all__ = ["StepProgress", "ReleaseProcessGroup", "ResumeOptimizer", "AverageWeights"]


class StepProgress(pl.Callback):
    """One progress bar over the optimiser steps of a fit, with the total, rate, time left and the latest
    training (and validation) loss, on stderr.

    Lightning's own bar counts epochs; tsrnn's epochs are often a single batch, so it printed hundreds of
    bars with no total. On a terminal this draws one tqdm bar; elsewhere (CI logs, pipes, files) it writes a
    plain line at the start and at every quarter of the run instead of carriage-return redraws.

    Example
    -------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = StepProgress(total=10, stream=out, label="fit")
    >>> bar.start()
    >>> for _ in range(10):
    ...     bar.advance(0.5)
    >>> bar.close()
    >>> print(out.getvalue())  # doctest: +ELLIPSIS
    fit: step 0/10 (0%)
    fit: step 3/10 (30%), loss 0.5, ... s, about ... s left
    fit: step 6/10 (60%), loss 0.5, ... s, about ... s left
    fit: step 9/10 (90%), loss 0.5, ... s, about ... s left
    fit: step 10/10 (100%), loss 0.5, ... s
    <BLANKLINE>
    """

    def __init__(self, total: int, stream=None, label: str = "training"):
        self.total = max(int(total), 1)
        self.stream = stream
        self.label = label
        self._bar = None
        self._done = 0
        self._loss = float("nan")
        self._val = None
        self._next_line = 0
        self._printed_at = -1
        self._silent = False
        self._t0 = 0.0

    # -- the plain API (also used by the doctest) ------------------------------------------------------------
    def start(self) -> None:
        from .._progress import inner_progress_allowed

        stream = self.stream if self.stream is not None else sys.stderr
        self._out = stream
        self._silent = not inner_progress_allowed()  # a backtest or a search draws the one bar that matters
        if self._silent:
            return
        self._t0 = time.perf_counter()
        self._done, self._next_line = 0, 0
        if getattr(stream, "isatty", lambda: False)():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=self.label, unit="step", file=stream, dynamic_ncols=True,
                             leave=False)
        else:
            self._line()

    def advance(self, loss: float, val_loss: float | None = None) -> None:
        if self._silent:
            return
        self._done += 1
        self._loss = loss
        if val_loss is not None:
            self._val = val_loss
        if self._bar is not None:
            self._bar.update(1)
            if self._done % 10 == 0 or self._done == self.total:
                post = {"loss": f"{loss:.4g}"}
                if self._val is not None:
                    post["val"] = f"{self._val:.4g}"
                self._bar.set_postfix(post, refresh=False)
        elif self._done >= self._next_line:
            self._line()

    def close(self) -> None:
        if self._silent:
            return
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._done and self._done != self._printed_at:  # the last line shows where it ended
            self._line(final=True)

    def _line(self, final: bool = False) -> None:
        elapsed = time.perf_counter() - self._t0
        text = f"{self.label}: step {self._done}/{self.total} ({100 * self._done / self.total:.0f}%)"
        if self._done:
            text += f", loss {self._loss:.4g}"
            if self._val is not None:
                text += f", val {self._val:.4g}"
            text += f", {elapsed:.1f} s"
            if not final and self._done < self.total:
                text += f", about {elapsed / self._done * (self.total - self._done):.0f} s left"
        print(text, file=self._out, flush=True)
        self._printed_at = self._done
        self._next_line = self._done + max(1, -(-self.total // 4))

    # -- Lightning hooks -----------------------------------------------------------------------------------
    def on_train_start(self, trainer, module) -> None:
        if trainer.is_global_zero:
            self.start()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if not trainer.is_global_zero:
            return
        history = getattr(module, "history", None)
        last = history[-1] if history else {}
        self.advance(float(last.get("train_loss", float("nan"))), last.get("val_loss"))

    def on_train_end(self, trainer, module) -> None:
        if trainer.is_global_zero:
            self.close()


class ReleaseProcessGroup(pl.Callback):
    """Destroy the distributed process group when training ends in a process that created one.

    Processes started by ``strategy="ddp_spawn"`` leave through ``os._exit``, so the ``atexit`` handler that
    would destroy the group never runs, and the gloo backend's threads then sometimes abort the process at exit
    ("terminate called without an active exception", SIGABRT), failing the whole fit after training finished.
    Once the trainer has torn down (the model unwrapped), nothing needs the group any more.

    Example
    -------
    >>> callback = ReleaseProcessGroup()  # tsrnn adds it to every Trainer it builds
    >>> callback.state_key
    'ReleaseProcessGroup'
    """

    def teardown(self, trainer, pl_module, stage: str) -> None:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.barrier()  # every rank has finished its collectives before the group goes
            dist.destroy_process_group()


class ResumeOptimizer(pl.Callback):
    """Start training with the optimiser state of an earlier run (Adam's moment estimates and step count), so
    that more training continues the earlier run instead of restarting the optimiser (`RNNForecaster.update`).

    Example
    -------
    >>> import torch
    >>> net = torch.nn.Linear(2, 1)
    >>> first = torch.optim.Adam(net.parameters(), lr=0.1)
    >>> net(torch.ones(1, 2)).sum().backward(); first.step()
    >>> callback = ResumeOptimizer(first.state_dict())
    >>> second = torch.optim.Adam(net.parameters(), lr=0.1)
    >>> callback.resume(second); int(second.state_dict()["state"][0]["step"])
    1
    """

    def __init__(self, state: dict):
        self.state = state

    def resume(self, optimizer) -> None:
        optimizer.load_state_dict(self.state)

    def on_train_start(self, trainer, pl_module):
        self.resume(trainer.optimizers[0])


class AverageWeights(pl.Callback):
    """Stochastic weight averaging (Izmailov et al., 2018): the fit ends with the mean of the network's weights
    over its last ``fraction`` of optimiser steps, taken after each step, instead of the last step's weights.

    With a constant learning rate the last weights are one noisy point of the region training wanders in; their
    mean lies nearer its centre, which forecasts better and varies less with the seed. Nothing else changes:
    the losses, the optimiser and its state are those of the plain fit. Under DDP every process holds the same
    weights after each step, so every process computes the same mean.

    Example
    -------
    >>> import torch
    >>> class Module(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.net = torch.nn.Linear(1, 1, bias=False)
    >>> module, callback = Module(), AverageWeights(0.5)
    >>> callback.start = 2  # on_train_start sets it from the fit's steps: 4 steps here, the last 2 averaged
    >>> for step, w in enumerate([1.0, 2.0, 3.0, 5.0], start=1):
    ...     _ = module.net.weight.data.fill_(w)
    ...     callback.add(module, step)
    >>> callback.finish(module); float(module.net.weight)
    4.0
    """

    def __init__(self, fraction: float):
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must lie in (0, 1], got {fraction!r}")
        self.fraction = float(fraction)
        self.start = 0  # steps after this one are averaged
        self.mean: dict | None = None
        self.count = 0
        self.last_step = -1

    def on_train_start(self, trainer, pl_module) -> None:
        total = int(trainer.max_steps) if trainer.max_steps and trainer.max_steps > 0 \
            else int(trainer.estimated_stepping_batches)
        self.start = total - max(1, round(self.fraction * total))
        self.mean, self.count, self.last_step = None, 0, -1

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.add(pl_module, int(trainer.global_step))

    def add(self, module, step: int) -> None:
        """Fold the weights after optimiser step ``step`` into the mean (once per step, from ``start + 1``)."""
        if step <= self.start or step == self.last_step:  # before the averaged steps, or a step already counted
            return
        self.last_step = step
        with torch.no_grad():
            weights = {k: v for k, v in module.net.state_dict().items() if v.is_floating_point()}
            if self.mean is None:
                self.mean = {k: v.detach().clone() for k, v in weights.items()}
                self.count = 1
                return
            self.count += 1
            for key, value in weights.items():
                self.mean[key] += (value - self.mean[key]) / self.count

    def on_train_end(self, trainer, pl_module) -> None:
        self.finish(pl_module)

    def finish(self, module) -> None:
        """Load the mean into the network (nothing happens if no averaged step was reached)."""
        if self.mean is None:
            return
        with torch.no_grad():
            state = module.net.state_dict()
            for key, value in self.mean.items():
                state[key].copy_(value)
        self.mean = None
