"""tsrnn: time-series forecasting with recurrent neural networks, honest baselines and backtests.

Public names are imported lazily, so ``import tsrnn`` stays light (torch loads on first use of a neural model).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "Panel": "tsrnn.data",
    "to_panel": "tsrnn.data",
    "load_dataset": "tsrnn.datasets",
    "list_datasets": "tsrnn.datasets",
    "dataset_info": "tsrnn.datasets",
    "BaseForecaster": "tsrnn.forecasters.base",
    "NaiveForecaster": "tsrnn.forecasters.naive",
    "SeasonalNaiveForecaster": "tsrnn.forecasters.naive",
    "DriftForecaster": "tsrnn.forecasters.naive",
    "MeanForecaster": "tsrnn.forecasters.naive",
    "RNNForecaster": "tsrnn.forecasters.rnn",
    "LinearForecaster": "tsrnn.forecasters.linear",
    "ARIMAForecaster": "tsrnn.forecasters.arima",
    "ETSForecaster": "tsrnn.forecasters.ets",
    "SlidingWindowTransformer": "tsrnn.windows",
    "RollingOrigin": "tsrnn.evaluation.splits",
    "backtest": "tsrnn.evaluation.backtest",
    "compare": "tsrnn.evaluation.backtest",
    "BacktestResult": "tsrnn.evaluation.result",
    "tune": "tsrnn.tuning",
    "TuningResult": "tsrnn.tuning",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsrnn' has no attribute {name!r}")


def __dir__():
    return __all__
