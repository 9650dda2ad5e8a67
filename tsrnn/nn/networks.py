"""Plain ``nn.Module`` forecasting networks: a recurrent encoder plus a direct, recursive or seq2seq head.

Every network maps ``past [batch, window, features]`` and ``future_known [batch, horizon, n_known]`` to
``[batch, horizon, n_outputs]`` forecasts in normalised units, with the (loc, scale) used to normalise.
"""

from __future__ import annotations

import torch
from torch import nn

from .cells import ElmanRNN
from .choices import CELLS, LINEAR_CELL, STRATEGIES
from .config import NetworkConfig

__all__ = ["CELLS", "STRATEGIES", "NetworkConfig", "make_rnn", "ForecastNet", "MedianEnsemble"]


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

    ``linear_skip`` adds a linear autoregressive path from the (normalised) target window straight to every
    horizon step and output, summed with the recurrent head (LSTNet's "highway"). The linear part carries
    what is simple and persistent (level, trend, seasonal lags); the recurrent part learns the rest.

    ``window_stats`` (with ``window_norm``, recurrent cells) gives the head what the window normalisation
    removed: the window's mean and the log of its standard deviation in the units the network receives (the
    series divided by its mean magnitude), so the network can tell a window far above its series' usual level
    from one at it, and learn mean reversion (as DeepAR and TFT feed the target's scale to the network).

    ``skip_lag`` is where the linear path starts: 1 repeats the window's last value at every step (the random
    walk), a seasonal period ``m`` repeats its last ``m`` values (the seasonal naive forecast: step ``j`` reads
    the value ``m * ceil(j / m)`` steps before its own time). Training moves it from there.

    ``mirror`` (`tsrnn.nn.config.MIRRORS`) makes the network mirror-symmetric in the normalised target: training
    shows about half of the windows negated and maps their outputs back ("reverse": negated and in reversed
    order, for a point forecast or quantiles symmetric about the median; "location": a distribution head's
    location negated); forecasting averages each window's output with the mapped-back output of its mirror.

    ``recurrent_window`` (None: the whole window) is how many of the window's last steps the recurrent network
    reads; the linear path and the window normalisation read the whole window. Sub-daily defaults look back a
    week so that the linear path reaches the same hour last week, while the recurrence reads the last days.

    Build it from a `NetworkConfig` with `from_config` (what `RNNForecaster` does); the keyword constructor
    takes the same fields.

    Example
    -------
    >>> config = NetworkConfig(cell="lstm", strategy="seq2seq", n_features=3, known_idx=(2,), hidden_size=8,
    ...                        horizon=4)
    >>> net = ForecastNet.from_config(config)
    >>> out, loc, scale = net(torch.randn(5, 10, 3), torch.randn(5, 4, 1))
    >>> tuple(out.shape), tuple(loc.shape), net.config == config
    ((5, 4, 1), (5, 1, 1), True)
    """

    window_stats = False  # what a network pickled before the option existed has (its head reads no statistics)
    mirror = None  # and what it has of mirroring: none

    def __init__(self, cell: str, strategy: str, n_features: int, known_idx: list[int], hidden_size: int,
                 num_layers: int, dropout: float, horizon: int, n_outputs: int, window_norm: bool,
                 feedback_index: int = 0, linear_skip: bool = False, window: int | None = None,
                 window_stats: bool = False, mirror: str | None = None, skip_lag: int = 1,
                 recurrent_window: int | None = None):
        super().__init__()
        self.config = NetworkConfig(cell=cell, strategy=strategy, n_features=n_features, horizon=horizon,
                                    known_idx=tuple(known_idx), hidden_size=hidden_size, num_layers=num_layers,
                                    dropout=dropout, n_outputs=n_outputs, window_norm=window_norm,
                                    feedback_index=feedback_index, linear_skip=linear_skip, window=window,
                                    window_stats=window_stats, mirror=mirror, skip_lag=skip_lag,
                                    recurrent_window=recurrent_window)
        self.mirror = mirror
        self.strategy = strategy
        self.horizon = horizon
        self.n_outputs = n_outputs
        self.window_norm = window_norm
        self.feedback_index = feedback_index
        self.register_buffer("known_idx", torch.as_tensor(known_idx, dtype=torch.long), persistent=False)
        n_known = len(known_idx)
        self.recurrent = cell != LINEAR_CELL
        # Without window normalisation the inputs keep each series' level already: nothing to add back.
        self.window_stats = bool(window_stats) and window_norm and self.recurrent
        n_stats = 2 if self.window_stats else 0
        if not self.recurrent:  # the linear window model: the skip path, plus the known future features
            if not linear_skip or strategy != "direct":
                raise ValueError("cell='linear' is the linear path alone: it needs linear_skip=True and "
                                 "strategy='direct'")
            self.head = nn.Linear(horizon * n_known, horizon * n_outputs) if n_known else None
        elif strategy == "recursive":
            self.encoder = make_rnn(cell, 1 + n_known, hidden_size, num_layers, dropout)
            self.head = nn.Linear(hidden_size + n_stats, n_outputs)
        elif strategy == "seq2seq":
            self.encoder = make_rnn(cell, n_features, hidden_size, num_layers, dropout)
            self.decoder = make_rnn(cell, 1 + n_known, hidden_size, num_layers, dropout)
            self.head = nn.Linear(hidden_size + n_stats, n_outputs)
        else:
            self.encoder = make_rnn(cell, n_features, hidden_size, num_layers, dropout)
            self.head = nn.Linear(hidden_size + horizon * n_known + n_stats, horizon * n_outputs)
        if linear_skip and self.recurrent:
            # The recurrent head starts at zero, so the hybrid starts exactly as the random walk of its linear
            # path and the recurrent part grows from nothing where the data reward it (a random head added
            # noise at the start): shipped sales mean MASE 1.18 -> 1.13, fertility 0.91 -> 0.85, M4 Weekly and
            # stocks unchanged, quarterly panels 2-3% worse (benchmarks/RESULTS.md, "A zero-initialised head").
            with torch.no_grad():
                self.head.weight.zero_()
                self.head.bias.zero_()
        self.skip = None
        if linear_skip:
            if window is None:
                raise ValueError("linear_skip needs the window length")
            # Starts as a naive forecast: "repeat the last value" (the random walk, skip_lag 1) or "repeat the last
            # season" (skip_lag m): training moves it from a sane forecast, and a network whose recurrent part
            # learns nothing is no worse than that naive forecast.
            self.skip = nn.Linear(window, horizon * n_outputs)
            lag = self.config.skip_lag
            with torch.no_grad():
                self.skip.weight.zero_()
                for step in range(1, horizon + 1):  # row (step, output) reads the window's column below
                    column = window - 1 + step - lag * -(-step // lag)
                    self.skip.weight[(step - 1) * n_outputs:step * n_outputs, column] = 1.0
                self.skip.bias.zero_()

    @classmethod
    def from_config(cls, config: NetworkConfig) -> ForecastNet:
        """The untrained network ``config`` describes."""
        return cls(**{name: getattr(config, name) for name in config.__dataclass_fields__})

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
        if self.mirror is None:
            return self._forecast(y, past, future_known, loc, scale), loc, scale
        if self.training:  # about half of the windows is shown mirrored, its forecasts mapped back
            flipped = self._mirrored_half(y)
            out = self._forecast(torch.where(flipped, -y, y), past, future_known, loc, scale)
            return torch.where(flipped, self._unmirror(out), out), loc, scale
        # Forecasting: the mean of the forecast and the mirrored window's forecast mapped back, in one batch.
        both = self._forecast(torch.cat([y, -y]), torch.cat([past, past]), torch.cat([future_known, future_known]),
                              torch.cat([loc, loc]), torch.cat([scale, scale]))
        out, out_mirrored = both.chunk(2)
        return 0.5 * (out + self._unmirror(out_mirrored)), loc, scale

    def _mirrored_half(self, y: torch.Tensor) -> torch.Tensor:
        """Which windows of a training batch to show mirrored, ``[batch, 1, 1]``: those whose float32 values have
        an odd number of odd last bits (a hash of the window: about half, unrelated to its shape), the choice
        flipped at every other training step so that a window comes in both orientations over the passes. No
        random generator: a window gets the same choice in whichever process sees it, so a DDP fit stays the
        fit of one process (`tsrnn.nn.datamodule.GlobalBatchSampler`)."""
        bits = y[..., 0].detach().float().contiguous().view(torch.int32)  # [batch, window]
        step = getattr(self, "_mirror_step", 0)
        self._mirror_step = step + 1
        return ((bits & 1).sum(dim=1) + step).remainder(2).eq(1).view(-1, 1, 1)

    def _unmirror(self, out: torch.Tensor) -> torch.Tensor:
        """The forecast of a window from that of its mirror image (the window negated around its mean)."""
        if self.mirror == "reverse":  # the q-quantile of -Y is minus the (1 - q)-quantile of Y
            return -out.flip(-1)
        return torch.cat([-out[..., :1], out[..., 1:]], dim=-1)  # "location": a distribution's loc only

    def _forecast(self, y, past, future_known, loc, scale):
        # y: [batch, window, 1], the normalised target (possibly mirrored); the rest as `forward` got them
        horizon = future_known.shape[1]
        base = torch.zeros(len(y), horizon, self.n_outputs, dtype=y.dtype, device=y.device)
        if self.skip is not None:
            base = self.skip(y[..., 0]).view(len(y), self.horizon, self.n_outputs)[:, :horizon]  # [batch, H, Q]
        stats = None
        if self.window_stats:  # clamped: a flat window's log-spread (the 1e-5 floor) must not dominate the head
            stats = torch.cat([loc[:, 0].clamp(-10.0, 10.0), scale[:, 0].log().clamp(-5.0, 5.0)], dim=-1)  # [batch, 2]
        # Every strategy adds the recurrent part to ``base``; recursive and seq2seq feed the sum back.
        return self._recurrent(y, past, future_known, base, stats)

    def _recurrent(self, y, past, future_known, base, stats=None):
        # y: [batch, window, 1] normalised target; past: [batch, window, features]; base: [batch, horizon, Q];
        # stats: [batch, 2] (the window's location and log-spread) or None
        horizon = future_known.shape[1]
        steps = self.config.recurrent_window
        if steps is not None and self.recurrent and y.shape[1] > steps:  # the recurrence reads the window's end
            y, past = y[:, -steps:], past[:, -steps:]

        def head(hidden):  # [batch, hidden(+known)] -> the head's outputs, with the window's statistics
            return self.head(hidden if stats is None else torch.cat([hidden, stats], dim=-1))
        if not self.recurrent:
            if self.head is None:
                return base
            flat = future_known.reshape(len(y), -1)  # [batch, horizon * n_known]
            return base + self.head(flat).view(len(y), self.horizon, self.n_outputs)[:, :horizon]
        if self.strategy == "direct":
            _, state = self.encoder(torch.cat([y, past[..., 1:]], dim=-1))
            last = _top_hidden(state)  # [batch, hidden]
            flat = torch.cat([last, future_known.reshape(len(last), -1)], dim=-1)
            return head(flat).view(len(last), self.horizon, self.n_outputs)[:, :horizon] + base
        if self.strategy == "recursive":
            known = torch.cat([past[..., self.known_idx], future_known], dim=1)  # [batch, window + horizon, k]
            window = past.shape[1]
            # Each input pairs y_s with the known features of the step being predicted, s + 1.
            enc_out, state = self.encoder(torch.cat([y, known[:, 1 : window + 1]], dim=-1))
            step_out = head(enc_out[:, -1]) + base[:, 0]  # [batch, n_outputs]
            outs = [step_out]
            for k in range(1, horizon):
                inp = torch.cat([step_out[:, self.feedback_index : self.feedback_index + 1],
                                 known[:, window + k]], dim=-1)  # [batch, 1 + k]
                dec_out, state = self.encoder(inp.unsqueeze(1), state)
                step_out = head(dec_out[:, -1]) + base[:, k]
                outs.append(step_out)
            return torch.stack(outs, dim=1)  # [batch, horizon, n_outputs]
        # seq2seq
        _, state = self.encoder(torch.cat([y, past[..., 1:]], dim=-1))
        prev = y[:, -1]  # [batch, 1]: the last observed value starts the decoder
        outs = []
        for k in range(horizon):
            dec_out, state = self.decoder(torch.cat([prev, future_known[:, k]], dim=-1).unsqueeze(1), state)
            step_out = head(dec_out[:, -1]) + base[:, k]  # [batch, n_outputs]
            outs.append(step_out)
            prev = step_out[:, self.feedback_index : self.feedback_index + 1]
        return torch.stack(outs, dim=1)


class MedianEnsemble(nn.Module):
    """Several trained `ForecastNet` of one architecture behind one forward: the median of their outputs.

    The members see the same windows, so their ``loc, scale`` (window normalisation) are identical and the
    median is taken in normalised units. The median, not the mean, so one badly trained member cannot pull
    the forecast away.

    Example
    -------
    >>> nets = [ForecastNet("gru", "direct", 1, [], 4, 1, 0.0, 2, 1, window_norm=True) for _ in range(3)]
    >>> out, loc, scale = MedianEnsemble(nets)(torch.randn(5, 6, 1), torch.zeros(5, 2, 0))
    >>> tuple(out.shape)
    (5, 2, 1)
    """

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, past: torch.Tensor, future_known: torch.Tensor):
        outs, loc, scale = [], None, None
        for net in self.members:
            out, loc, scale = net(past, future_known)
            outs.append(out)
        return torch.quantile(torch.stack(outs), 0.5, dim=0), loc, scale  # [batch, horizon, n_outputs]


def _top_hidden(state) -> torch.Tensor:
    h = state[0] if isinstance(state, tuple) else state  # LSTM state is (h, c); [layers, batch, hidden]
    return h[-1]
