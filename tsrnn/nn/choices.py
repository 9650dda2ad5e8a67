"""The vocabulary of the networks, without torch: recurrent cells, multi-step strategies and training losses.

The forecasters validate their parameters against these tuples and the networks build from them, so
importing them never loads torch.
"""

from __future__ import annotations

__all__ = ["CELLS", "STRATEGIES", "LOSSES", "LINEAR_CELL", "DISTRIBUTIONS"]

CELLS = ("lstm", "gru", "rnn", "elman")  # the recurrent cells
LINEAR_CELL = "linear"  # no recurrent part at all: the network is its linear skip path (LinearForecaster)
STRATEGIES = ("direct", "recursive", "seq2seq")
# Distribution heads: the loss is the negative log-likelihood and the network outputs this many parameters.
DISTRIBUTIONS = {"normal": 2, "student_t": 3}
LOSSES = ("mse", "mae", "huber", "mase", "quantile", *DISTRIBUTIONS)
