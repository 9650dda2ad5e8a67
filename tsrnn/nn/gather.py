"""Gathering windows from the one contiguous panel tensor: torch only (no Lightning), so that forecasting
from a saved model never imports the training stack."""

from __future__ import annotations

import torch

__all__ = ["gather_batch"]


def gather_batch(data: torch.Tensor, starts: torch.Tensor, window: int, horizon: int, known_idx: torch.Tensor):
    """Gather ``(past, future_known, target)`` for window start rows ``starts`` of ``data`` ``[total, F]``.

    Example
    -------
    >>> data = torch.arange(20.0).view(10, 2)
    >>> past, fut, y = gather_batch(data, torch.tensor([0, 4]), 3, 2, torch.tensor([1]))
    >>> tuple(past.shape), tuple(fut.shape), y.tolist()
    ((2, 3, 2), (2, 2, 1), [[6.0, 8.0], [14.0, 16.0]])
    """
    rows = starts[:, None] + torch.arange(window + horizon, device=starts.device)  # [B, window + horizon]
    block = data[rows]  # [B, window + horizon, F]
    return block[:, :window], block[:, window:][..., known_idx], block[:, window:, 0]
