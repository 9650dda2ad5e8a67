"""The on-device (series, origin) batch sampler: loaders yield row indices, windows are gathered on the device.

The panel stays one contiguous tensor; memory grows with the data, not with data x window length.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from .gather import gather_batch

__all__ = ["GlobalBatchSampler", "WindowDataModule", "gather_batch"]


class GlobalBatchSampler(DistributedSampler):
    """One process's share of the shuffled global batches of a data-parallel (DDP) fit.

    Every process draws the permutation one process would draw (``torch.randperm`` from ``generator``, seeded
    alike everywhere, consumed exactly as ``DataLoader(shuffle=True, generator=generator)`` consumes it) and cuts
    it into global batches of ``batch_size * num_replicas``; process ``rank`` takes the ``rank``-th slice of
    ``batch_size`` of each. The union of the processes' batches at a step is then the batch of one process with
    ``batch_size * num_replicas``, and DDP's average of their mean-loss gradients is that batch's gradient. The
    last, partial global batch of an epoch is split as evenly as possible (sizes differ by at most one; when it
    holds fewer windows than processes, the short ones repeat its first windows), so every process runs the same
    number of steps; that step equals the one-process step only when the split is even.

    Example
    -------
    >>> g0, g1 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    >>> data = TensorDataset(torch.arange(10))
    >>> r0 = list(GlobalBatchSampler(data, 2, 2, 0, g0)); r1 = list(GlobalBatchSampler(data, 2, 2, 1, g1))
    >>> one = torch.randperm(10, generator=torch.Generator().manual_seed(0)).tolist()
    >>> r0[:2] + r1[:2] == one[:4], sorted(r0 + r1) == list(range(10)), (len(r0), len(r1))
    (True, True, (5, 5))
    """

    def __init__(self, dataset, batch_size: int, num_replicas: int, rank: int, generator: torch.Generator):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=False)
        self.batch_size = int(batch_size)
        self.generator = generator

    def _share(self, n: int) -> list[tuple[int, int]]:
        """``(start, stop)`` of this process's slice of each global batch, positions in the permutation."""
        b, w, r = self.batch_size, self.num_replicas, self.rank
        size = b * w
        out = [(lo + r * b, lo + (r + 1) * b) for lo in range(0, n - n % size, size)]
        rest = n % size
        if rest:
            lo = n - rest
            q, extra = divmod(rest, w)
            start = lo + r * q + min(r, extra)
            out.append((start, start + q + (r < extra)))
        return out

    def __iter__(self):
        n = len(self.dataset)
        perm = torch.randperm(n, generator=self.generator).tolist()
        for start, stop in self._share(n):
            # A slice shorter than one window (more processes than windows left): repeat the batch's first ones.
            yield from perm[start:stop] if stop > start else perm[n - n % (self.batch_size * self.num_replicas):][:1]
        torch.randperm(n, generator=self.generator)  # RandomSampler draws (and drops) one more at the end

    def __len__(self) -> int:
        return sum(max(stop - start, 1) for start, stop in self._share(len(self.dataset)))


class WindowDataModule(pl.LightningDataModule):
    """Serves shuffled batches of window start rows and turns them into windows after the device transfer.

    ``data``: ``[total, F]`` float32, channel 0 the (scaled) target; ``train_starts`` / ``val_starts``: the
    row where each window's input begins. Only the indices go through the DataLoader (no worker processes).

    Example
    -------
    >>> dm = WindowDataModule(torch.arange(20.0).view(10, 2), torch.tensor([0, 3]), None, window=3, horizon=2,
    ...                       known_idx=[], batch_size=2, seed=0)
    >>> batch = next(iter(dm.train_dataloader()))
    >>> past, future_known, target = dm.on_after_batch_transfer(batch, 0)
    >>> tuple(past.shape), tuple(target.shape)
    ((2, 3, 2), (2, 2))
    """

    def __init__(self, data: torch.Tensor, train_starts: torch.Tensor, val_starts: torch.Tensor | None,
                 window: int, horizon: int, known_idx: list[int], batch_size: int, seed: int):
        super().__init__()
        self.data = data
        self.train_starts = train_starts
        self.val_starts = val_starts
        self.window = window
        self.horizon = horizon
        self.known_idx = torch.as_tensor(known_idx, dtype=torch.long)
        self.batch_size = batch_size
        self.seed = seed
        self.n_val = 0 if val_starts is None else len(val_starts)

    def train_dataloader(self):
        generator = torch.Generator().manual_seed(self.seed)
        dataset = TensorDataset(self.train_starts)
        trainer = self.trainer  # None outside a Trainer (as in the example above)
        world = 1 if trainer is None else int(trainer.world_size)
        if world == 1:
            return DataLoader(dataset, batch_size=self.batch_size, shuffle=True, generator=generator)
        # Several processes (DDP): each takes its share of the batch one process would take with
        # batch_size x world_size, so that the averaged gradients are those of that global batch.
        sampler = GlobalBatchSampler(dataset, self.batch_size, world, int(trainer.global_rank), generator)
        return DataLoader(dataset, batch_size=self.batch_size, sampler=sampler, generator=generator)

    def val_dataloader(self):
        if not self.n_val:
            return []
        return DataLoader(TensorDataset(self.val_starts), batch_size=max(self.batch_size, 1024), shuffle=False)

    def on_after_batch_transfer(self, batch, dataloader_idx):
        starts = batch[0]  # [B] int64, already on the training device
        if self.data.device != starts.device:  # moved once, on the first batch
            self.data = self.data.to(starts.device)
            self.known_idx = self.known_idx.to(starts.device)
        return gather_batch(self.data, starts, self.window, self.horizon, self.known_idx)
