"""A from-scratch Elman recurrent layer, written as the textbook recurrence with an explicit time loop.

It computes exactly what ``torch.nn.RNN(nonlinearity="tanh")`` computes, so students can read it and check.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["ElmanRNN"]


class ElmanRNN(nn.Module):
    """Elman recurrent layer(s): ``h_t = tanh(W x_t + U h_{t-1} + b)``, one time step at a time.

    Backpropagation through time is simply autograd going back through this Python loop: the gradient
    reaching ``h_0`` is a product of ``window`` Jacobians ``U^T diag(1 - h_t^2)``, which is why it shrinks
    (or explodes) over long windows. Parameter names and shapes mirror ``nn.RNN`` (``weight_ih_l0`` is W,
    ``weight_hh_l0`` is U, ``bias_ih_l0 + bias_hh_l0`` is b), so weights copy across one to one.

    Example
    -------
    >>> layer = ElmanRNN(input_size=3, hidden_size=4)
    >>> out, h_n = layer(torch.zeros(2, 5, 3))  # [batch, time, features]
    >>> tuple(out.shape), tuple(h_n.shape)
    ((2, 5, 4), (1, 2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        bound = 1.0 / math.sqrt(hidden_size)  # the same initialisation as nn.RNN
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size
            for name, shape in (("weight_ih", (hidden_size, n_in)), ("weight_hh", (hidden_size, hidden_size)),
                                ("bias_ih", (hidden_size,)), ("bias_hh", (hidden_size,))):
                param = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
                self.register_parameter(f"{name}_l{layer}", param)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        # x: [batch, time, input_size]; h0: [num_layers, batch, hidden]
        batch, steps, _ = x.shape
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, batch, self.hidden_size)
        layer_input = x
        finals = []
        for layer in range(self.num_layers):
            W = getattr(self, f"weight_ih_l{layer}")  # [hidden, n_in]
            U = getattr(self, f"weight_hh_l{layer}")  # [hidden, hidden]
            b = getattr(self, f"bias_ih_l{layer}") + getattr(self, f"bias_hh_l{layer}")  # [hidden]
            h = h0[layer]  # [batch, hidden]
            outputs = []
            for t in range(steps):
                h = torch.tanh(layer_input[:, t] @ W.T + h @ U.T + b)  # h_t = tanh(W x_t + U h_{t-1} + b)
                outputs.append(h)
            layer_output = torch.stack(outputs, dim=1)  # [batch, time, hidden]
            finals.append(h)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_output = nn.functional.dropout(layer_output, self.dropout, training=True)
            layer_input = layer_output
        return layer_input, torch.stack(finals, dim=0)
