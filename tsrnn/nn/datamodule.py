"""The on-device (series, origin) batch sampler: loaders yield row indices, windows are gathered on the device.

The panel stays one contiguous tensor; memory grows with the data, not with data x window length.
"""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from .gather import gather_batch

__all__ = ["WindowDataModule", "gather_batch"]


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
        return DataLoader(TensorDataset(self.train_starts), batch_size=self.batch_size, shuffle=True,
                          generator=generator)

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
