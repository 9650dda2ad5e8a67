"""Learnt embeddings for categorical input columns, in front of any forecasting network.

`EmbeddedNet` swaps each categorical column (integer indices, 0 for a category not seen in training) for a
small trainable vector, then runs the wrapped network on the widened inputs.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["EmbeddedNet", "embedding_dim", "embedded_layout"]


def embedding_dim(cardinality: int) -> int:
    """The width of the embedding of a column with ``cardinality`` categories: half of them, at least 1 and at
    most 8 (a few categories need no more; small data cannot train wide vectors).

    Example
    -------
    >>> embedding_dim(2), embedding_dim(5), embedding_dim(100)
    (1, 3, 8)
    """
    return int(max(1, min(8, (cardinality + 1) // 2)))


def embedded_layout(n_features: int, known_idx: list[int], categorical: list[int],
                    dims: list[int]) -> tuple[int, list[int]]:
    """``(n_features, known_idx)`` of the inputs the wrapped network sees: the plain columns in their order,
    then one block of ``dims[j]`` columns per categorical column ``categorical[j]``.

    Example
    -------
    >>> embedded_layout(4, [2, 3], categorical=[3], dims=[2])  # column 3 (known) becomes columns 3 and 4
    (5, [2, 3, 4])
    """
    plain = [c for c in range(n_features) if c not in categorical]
    position = {c: k for k, c in enumerate(plain)}
    blocks, start = {}, len(plain)
    for c, d in zip(categorical, dims, strict=True):
        blocks[c] = list(range(start, start + d))
        start += d
    known = [position[c] for c in known_idx if c in position]
    known += [k for c in known_idx if c in blocks for k in blocks[c]]
    return start, known


class EmbeddedNet(nn.Module):
    """``net`` with embeddings for the categorical input columns.

    ``categorical`` lists the feature positions holding category indices (``0`` for unknown, ``1..cardinality``
    for the categories seen in training), ``cardinalities`` their counts. ``past [batch, window, features]``
    and ``future_known [batch, horizon, n_known]`` (the columns ``known_idx``) keep their plain columns, in order,
    and get each categorical column's embedding appended, as `embedded_layout` describes; ``net`` is built for
    that layout. The target (column 0) is never categorical.

    Example
    -------
    >>> from tsrnn.nn.networks import ForecastNet
    >>> n, known = embedded_layout(3, [2], categorical=[2], dims=[2])
    >>> inner = ForecastNet("gru", "direct", n, known, 4, 1, 0.0, 2, 1, window_norm=True)
    >>> net = EmbeddedNet(inner, known_idx=[2], categorical=[2], cardinalities=[3])
    >>> past = torch.cat([torch.randn(5, 6, 2), torch.randint(0, 4, (5, 6, 1)).float()], dim=-1)
    >>> out, loc, scale = net(past, torch.randint(0, 4, (5, 2, 1)).float())
    >>> tuple(out.shape)
    (5, 2, 1)
    """

    def __init__(self, net: nn.Module, known_idx: list[int], categorical: list[int], cardinalities: list[int]):
        super().__init__()
        if 0 in categorical:
            raise ValueError("the target (column 0) cannot be categorical")
        self.net = net
        self.categorical = [int(c) for c in categorical]
        self.cardinalities = [int(n) for n in cardinalities]
        self.embeddings = nn.ModuleList(nn.Embedding(n + 1, embedding_dim(n)) for n in self.cardinalities)
        known = [int(k) for k in known_idx]
        # Positions in future_known: its plain columns, and its categorical ones with their embedding.
        self.known_plain = [j for j, c in enumerate(known) if c not in self.categorical]
        self.known_cat = [(j, self.categorical.index(c)) for j, c in enumerate(known) if c in self.categorical]

    def _widen(self, x: torch.Tensor, plain_cols: list[int] | None, cat_cols: list[tuple[int, int]]) -> torch.Tensor:
        # x: [batch, time, columns] -> [batch, time, plain + sum(embedding dims)]
        parts = [x if plain_cols is None else x[..., plain_cols]]
        for col, j in cat_cols:
            index = x[..., col].round().long().clamp(0, self.cardinalities[j])  # [batch, time]
            parts.append(self.embeddings[j](index))  # [batch, time, dim_j]
        return torch.cat(parts, dim=-1)

    def forward(self, past: torch.Tensor, future_known: torch.Tensor):
        # past: [batch, window, features]; future_known: [batch, horizon, n_known]
        plain = [c for c in range(past.shape[-1]) if c not in self.categorical]
        past_wide = self._widen(past, plain, [(c, j) for j, c in enumerate(self.categorical)])
        future_wide = self._widen(future_known, self.known_plain, self.known_cat)
        return self.net(past_wide, future_wide)
