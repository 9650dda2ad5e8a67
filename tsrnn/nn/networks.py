"""Plain ``nn.Module`` forecasting networks: a recurrent encoder plus a direct, recursive or seq2seq head.

Every network maps ``past [batch, window, features]`` and ``future_known [batch, horizon, n_known]`` to
``[batch, horizon, n_outputs]`` forecasts in normalised units, with the (loc, scale) used to normalise.
"""

from __future__ import annotations

import torch
from torch import nn

from .cells import ElmanRNN

__all__ = ["CELLS", "STRATEGIES", "make_rnn", "ForecastNet"]

CELLS = ("lstm", "gru", "rnn", "elman")
STRATEGIES = ("direct", "recursive", "seq2seq")


def make_rnn(cell: str, input_size: int, hidden_size: int, num_layers: int, dropout: float) -> nn.Module:
    """A batch-first recurrent layer stack: ``module(x [batch, time, input_size], state) -> (out, state)``.

    Example
    -------
    >>> rnn = make_rnn("gru", 2, 8, 1, 0.0)
    >>> tuple(rnn(torch.zeros(3, 5, 2))[0].shape)
    (3, 5, 8)
    """
    drop = dropout if num_layers > 1 else 0.0  # torch applies dropout between layers only
    if cell == "lstm":
        return nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=drop)
    if cell == "gru":
        return nn.GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=drop)
    if cell == "rnn":
        return nn.RNN(input_size, hidden_size, num_layers, batch_first=True, dropout=drop, nonlinearity="tanh")
    if cell == "elman":
        return ElmanRNN(input_size, hidden_size, num_layers, dropout=drop)
    raise ValueError(f"unknown cell {cell!r}; valid cells are {list(CELLS)}")


class ForecastNet(nn.Module):
    """Recurrent encoder and one of three heads.

    - "direct" (many-to-many): the encoder's last hidden state, with the known future features of the
      whole horizon, goes through one linear layer that emits all ``horizon`` steps at once.
    - "recursive" (many-to-one, applied repeatedly): one network predicts the next step; its prediction is
      fed back as the next input ``horizon`` times. Inputs are the target and the known features.
    - "seq2seq": a separate decoder RNN, started from the encoder's state, unrolls over the horizon taking
      the previous prediction and that step's known future features.

    ``window_norm`` normalises each input window by its own mean and standard deviation of the target
    (as RevIN does); outputs are in those normalised units and are returned with ``loc, scale``.

    Example
    -------
    >>> net = ForecastNet("lstm", "seq2seq", n_features=3, known_idx=[2], hidden_size=8, num_layers=1,
    ...                   dropout=0.0, horizon=4, n_outputs=1, window_norm=True)
    >>> out, loc, scale = net(torch.randn(5, 10, 3), torch.randn(5, 4, 1))
    >>> tuple(out.shape), tuple(loc.shape)
    ((5, 4, 1), (5, 1, 1))
    """

    def __init__(self, cell: str, strategy: str, n_features: int, known_idx: list[int], hidden_size: int,
                 num_layers: int, dropout: float, horizon: int, n_outputs: int, window_norm: bool,
                 feedback_index: int = 0):
        super().__init__()
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; valid strategies are {list(STRATEGIES)}")
        self.strategy = strategy
        self.horizon = horizon
        self.n_outputs = n_outputs
        self.window_norm = window_norm
        self.feedback_index = feedback_index
        self.register_buffer("known_idx", torch.as_tensor(known_idx, dtype=torch.long), persistent=False)
        n_known = len(known_idx)
        if strategy == "recursive":
            self.encoder = make_rnn(cell, 1 + n_known, hidden_size, num_layers, dropout)
            self.head = nn.Linear(hidden_size, n_outputs)
        elif strategy == "seq2seq":
            self.encoder = make_rnn(cell, n_features, hidden_size, num_layers, dropout)
            self.decoder = make_rnn(cell, 1 + n_known, hidden_size, num_layers, dropout)
            self.head = nn.Linear(hidden_size, n_outputs)
        else:
            self.encoder = make_rnn(cell, n_features, hidden_size, num_layers, dropout)
            self.head = nn.Linear(hidden_size + horizon * n_known, horizon * n_outputs)

    def forward(self, past: torch.Tensor, future_known: torch.Tensor):
        # past: [batch, window, features] (channel 0 is the target); future_known: [batch, horizon, n_known]
        y = past[..., :1]  # [batch, window, 1]
        if self.window_norm:
            loc = y.mean(dim=1, keepdim=True).detach()  # [batch, 1, 1]
            scale = y.std(dim=1, keepdim=True, unbiased=False).detach().clamp_min(1e-5)
        else:
            loc = torch.zeros_like(y[:, :1])
            scale = torch.ones_like(y[:, :1])
        y = (y - loc) / scale
        horizon = future_known.shape[1]
        if self.strategy == "direct":
            _, state = self.encoder(torch.cat([y, past[..., 1:]], dim=-1))
            last = _top_hidden(state)  # [batch, hidden]
            flat = torch.cat([last, future_known.reshape(len(last), -1)], dim=-1)
            out = self.head(flat).view(len(last), self.horizon, self.n_outputs)[:, :horizon]
            return out, loc, scale
        if self.strategy == "recursive":
            known = torch.cat([past[..., self.known_idx], future_known], dim=1)  # [batch, window + horizon, k]
            window = past.shape[1]
            # Each input pairs y_s with the known features of the step being predicted, s + 1.
            enc_out, state = self.encoder(torch.cat([y, known[:, 1 : window + 1]], dim=-1))
            step_out = self.head(enc_out[:, -1])  # [batch, n_outputs]
            outs = [step_out]
            for k in range(1, horizon):
                inp = torch.cat([step_out[:, self.feedback_index : self.feedback_index + 1],
                                 known[:, window + k]], dim=-1)  # [batch, 1 + k]
                dec_out, state = self.encoder(inp.unsqueeze(1), state)
                step_out = self.head(dec_out[:, -1])
                outs.append(step_out)
            return torch.stack(outs, dim=1), loc, scale  # [batch, horizon, n_outputs]
        # seq2seq
        _, state = self.encoder(torch.cat([y, past[..., 1:]], dim=-1))
        prev = y[:, -1]  # [batch, 1]: the last observed value starts the decoder
        outs = []
        for k in range(horizon):
            dec_out, state = self.decoder(torch.cat([prev, future_known[:, k]], dim=-1).unsqueeze(1), state)
            step_out = self.head(dec_out[:, -1])  # [batch, n_outputs]
            outs.append(step_out)
            prev = step_out[:, self.feedback_index : self.feedback_index + 1]
        return torch.stack(outs, dim=1), loc, scale


def _top_hidden(state) -> torch.Tensor:
    h = state[0] if isinstance(state, tuple) else state  # LSTM state is (h, c); [layers, batch, hidden]
    return h[-1]
