"""`NetworkConfig`: everything that describes a `ForecastNet`'s architecture, as plain JSON-serialisable values.

The forecaster fills one in; `ForecastNet.from_config` builds the network from it (one builder, no long
positional argument lists). Torch-free, so configs can be made, compared and saved without loading torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .choices import CELLS, LINEAR_CELL, STRATEGIES

__all__ = ["NetworkConfig", "MIRRORS"]

# None: no mirroring; "reverse": the outputs of a mirrored window are negated and their order reversed (a point
# forecast, or quantiles symmetric about the median); "location": only the first output, a distribution's
# location, is negated (its scale and shape are unchanged).
MIRRORS = (None, "reverse", "location")


@dataclass(frozen=True)
class NetworkConfig:
    """The architecture of one forecasting network.

    ``n_features`` input columns (the target first), of which ``known_idx`` are known for the horizon;
    ``n_outputs`` channels per step (1, or one per quantile, ``feedback_index`` being the one fed back by
    the recursive and seq2seq strategies); ``window`` is needed by the ``linear_skip`` path.

    Example
    -------
    >>> config = NetworkConfig(cell="gru", strategy="direct", n_features=3, known_idx=(2,), hidden_size=8,
    ...                        horizon=4, window=12, linear_skip=True)
    >>> NetworkConfig.from_dict(config.to_dict()) == config
    True
    >>> config.to_dict()["known_idx"]
    [2]
    """

    cell: str
    strategy: str
    n_features: int
    horizon: int
    known_idx: tuple[int, ...] = field(default_factory=tuple)
    hidden_size: int = 32
    num_layers: int = 1
    dropout: float = 0.0
    n_outputs: int = 1
    window_norm: bool = True
    feedback_index: int = 0
    linear_skip: bool = False
    window: int | None = None
    window_stats: bool = False  # False for folders saved before it existed: their heads have no such inputs
    # How the outputs of a mirrored window map back (`ForecastNet`'s ``mirror``); None, for folders saved before it
    # existed too: no mirroring.
    mirror: str | None = None
    # The lag the linear path starts from: 1 repeats the last value (the random walk), a seasonal period m repeats
    # the last season (the seasonal naive forecast). Only the untrained network depends on it; 1 for folders saved
    # before it existed, which is what they were trained from.
    skip_lag: int = 1
    # How many of the window's last steps the recurrent network reads (the linear path reads the whole window);
    # None, the whole window, for folders saved before it existed.
    recurrent_window: int | None = None

    def __post_init__(self):
        if self.cell not in (*CELLS, LINEAR_CELL):
            raise ValueError(f"unknown cell {self.cell!r}; valid cells are {[*CELLS, LINEAR_CELL]}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; valid strategies are {list(STRATEGIES)}")
        if self.mirror not in MIRRORS:
            raise ValueError(f"unknown mirror {self.mirror!r}; valid values are {list(MIRRORS)}")
        object.__setattr__(self, "known_idx", tuple(int(i) for i in self.known_idx))
        if int(self.skip_lag) < 1 or (self.linear_skip and self.window is not None and self.skip_lag > self.window):
            raise ValueError(f"skip_lag must be between 1 and the window ({self.window}), got {self.skip_lag}")
        object.__setattr__(self, "skip_lag", int(self.skip_lag))
        if self.recurrent_window is not None:
            steps = int(self.recurrent_window)
            if steps < 1 or (self.window is not None and steps > self.window):
                raise ValueError(f"recurrent_window must be between 1 and the window ({self.window}), got {steps}")
            object.__setattr__(self, "recurrent_window", steps)

    def to_dict(self) -> dict:
        """Plain JSON values (lists for tuples)."""
        out = asdict(self)
        out["known_idx"] = list(self.known_idx)
        return out

    @classmethod
    def from_dict(cls, values: dict) -> NetworkConfig:
        """The config `to_dict` wrote."""
        return cls(**values)
