"""tsrnn: time-series forecasting with recurrent neural networks, honest baselines and backtests.

Public names are imported lazily, so ``import tsrnn`` stays light (torch loads on first use of a neural model).
"""

from __future__ import annotations

import importlib

from .registry import FORECASTERS

__version__ = "0.1.0"

# public name -> module that defines it, or (module, name there)
_LAZY = {
    "Panel": "tsrnn.data",
    "to_panel": "tsrnn.data",
    "load_dataset": "tsrnn.datasets",
    "list_datasets": "tsrnn.datasets",
    "dataset_info": "tsrnn.datasets",
    "BaseForecaster": "tsrnn.forecasters.base",
    **{entry.class_name: entry.module for entry in FORECASTERS},  # every registered forecaster
    "load": ("tsrnn.forecasters.io", "load_forecaster"),
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
        target = _LAZY[name]
        module, attr = target if isinstance(target, tuple) else (target, name)
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tsrnn' has no attribute {name!r}")


def __dir__():
    return __all__
