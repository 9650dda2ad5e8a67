"""Honest evaluation: rolling-origin splits, leakage-free backtests, their results and HTML reports."""

from .backtest import Comparison, backtest, compare
from .result import BacktestResult
from .splits import OriginPlan, RollingOrigin

__all__ = ["RollingOrigin", "OriginPlan", "backtest", "compare", "Comparison", "BacktestResult"]
