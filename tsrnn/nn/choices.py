"""The vocabulary of the networks, without torch: recurrent cells, multi-step strategies and training losses.

The forecasters validate their parameters against these tuples and the networks build from them, so
importing them never loads torch.
"""

from __future__ import annotations

__all__ = ["CELLS", "STRATEGIES", "LOSSES", "LINEAR_CELL"]

CELLS = ("lstm", "gru", "rnn", "elman")  # the recurrent cells
LINEAR_CELL = "linear"  # no recurrent part at all: the network is its linear skip path (LinearForecaster)
STRATEGIES = ("direct", "recursive", "seq2seq")
LOSSES = ("mse", "mae", "huber", "mase", "quantile")
