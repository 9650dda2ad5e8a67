"""`LinearForecaster`: the linear window model, the recurrent network's own baseline.

It is `RNNForecaster` with the recurrent part taken out: the same windows, scaling, target transforms, loss and
training loop, and only the linear path from the (normalised) window to the horizon, so that comparing the two
measures exactly what the recurrence adds.
"""

from __future__ import annotations

from ..nn.choices import LINEAR_CELL
from .rnn import DEFAULT_DESEASONALIZE, DEFAULT_WEIGHT_AVERAGING, RNNForecaster

__all__ = ["LinearForecaster"]


class LinearForecaster(RNNForecaster):
    """A linear autoregression on each (normalised) input window, global over all series, trained like the RNN.

    The forecast is ``W @ window + b`` in the window's normalised units (plus a linear term in the known future
    covariates and calendar features, if any; past covariates are not used), with ``W`` starting as the random
    walk (or as the seasonal naive forecast: ``linear_init``) and trained with the same loss, steps and optimiser
    as `RNNForecaster`. It is the linear path of the RNN's hybrid (``linear_skip=True``) on its own:
    ``compare({"rnn": RNNForecaster(h), "linear": LinearForecaster(h)}, df)`` shows what the recurrent network earns (benchmarks/RESULTS.md does, on every
    shipped dataset and on M4 Weekly). A few times faster to fit than the default RNN.

    The parameters are those of `RNNForecaster` that do not describe the recurrent network (``cell``,
    ``hidden_size``, ``num_layers``, ``dropout``, ``strategy``, ``linear_skip``, ``window_stats`` and ``n_models``
    are fixed).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.sin(np.arange(60) / 3.0) + 2, index=pd.date_range("2020-01-01", periods=60, freq="MS"),
    ...               name="s")
    >>> model = LinearForecaster(horizon=3, window=12, max_steps=5, progress=False, random_state=0).fit(y)
    >>> model.predict().shape, sum(p.numel() for p in model.net_.parameters())  # 12 x 3 weights + 3 biases
    ((3, 3), 39)
    """

    _cells = (LINEAR_CELL,)

    def __init__(
        self,
        window: int | None = None,
        horizon: int = 1,
        season_length: int | None = None,
        scaler: str | None = "window",
        target_transform: str | None = None,
        deseasonalize: str | None = DEFAULT_DESEASONALIZE,
        loss: str = "mae",
        quantiles: tuple[float, ...] | None = None,
        learning_rate: float = 3e-3,
        batch_size: int = 128,
        max_steps: int | None = None,
        max_epochs: int | None = None,
        gradient_clip_val: float | None = 1.0,
        early_stopping: bool | int = False,
        validation_size: int | float | None = None,
        future_covariates: list[str] | None = None,
        calendar_features: bool = False,
        random_state: int | None = None,
        accelerator: str = "auto",
        devices: int | str = "auto",
        precision: str | int = "32-true",
        num_threads: int | None = None,
        progress: bool = True,
        trainer_kwargs: dict | None = None,
        symmetric: bool = False,
        weight_averaging: float = DEFAULT_WEIGHT_AVERAGING,
        nonnegative: bool | str = "auto",
        linear_init: str = "auto",
    ):
        self.window = window
        self.horizon = horizon
        self.season_length = season_length
        self.scaler = scaler
        self.target_transform = target_transform
        self.deseasonalize = deseasonalize
        self.loss = loss
        self.quantiles = quantiles
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.max_epochs = max_epochs
        self.gradient_clip_val = gradient_clip_val
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.future_covariates = future_covariates
        self.calendar_features = calendar_features
        self.random_state = random_state
        self.accelerator = accelerator
        self.devices = devices
        self.precision = precision
        self.num_threads = num_threads
        self.progress = progress
        self.trainer_kwargs = trainer_kwargs
        self.symmetric = symmetric
        self.weight_averaging = weight_averaging
        self.nonnegative = nonnegative
        self.linear_init = linear_init

    @classmethod
    def get_test_params(cls) -> list[dict]:
        tiny = dict(window=6, horizon=3, max_steps=3, batch_size=16, progress=False, accelerator="cpu")
        return [tiny, {**tiny, "future_covariates": ["promo"], "loss": "quantile"}]

    # The architecture is fixed: read-only, so they are neither parameters nor settable.
    cell = property(lambda self: LINEAR_CELL)
    hidden_size = property(lambda self: 1)
    num_layers = property(lambda self: 1)
    dropout = property(lambda self: 0.0)
    strategy = property(lambda self: "direct")
    linear_skip = property(lambda self: True)
    window_stats = property(lambda self: False)  # nothing but the linear path, which reads the window alone
    recurrent_window = property(lambda self: None)
    n_models = property(lambda self: 1)
