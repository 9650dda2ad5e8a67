"""Window index arithmetic (pure numpy) and `SlidingWindowTransformer` for scikit-learn regressors.

The neural training path uses only the index functions: windows are gathered per batch, never stored.
"""

from __future__ import annotations

import numpy as np

from ._estimator import Estimator, check_is_fitted
from .data import Panel, check_positive_int, to_panel

__all__ = ["window_origins", "gather", "SlidingWindowTransformer"]


def window_origins(
    lengths: np.ndarray, window: int, horizon: int, stride: int = 1, *, last: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every (series, origin) pair with a full input window and a full target span.

    An origin ``t`` is the position of the first forecast step: inputs are ``[t - window, t)`` and
    targets ``[t, t + horizon)``. Origins run from the end of each series backwards in steps of
    ``stride`` (so the most recent window is always included), and are returned in ascending order.
    ``last`` (per series) caps the origins: ``t <= last`` (used to hold out a validation tail).

    Example
    -------
    >>> s, t = window_origins(np.array([6, 4]), window=2, horizon=2)
    >>> s.tolist(), t.tolist()
    ([0, 0, 0, 1], [2, 3, 4, 2])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    top = lengths - horizon if last is None else np.minimum(lengths - horizon, np.asarray(last, dtype=np.int64))
    counts = np.where(top >= window, (top - window) // stride + 1, 0)  # [n_series] origins per series
    series = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)  # [n_windows]
    # Position of each window within its series, counted from that series' first origin.
    rank = np.arange(len(series), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    origins = top[series] - stride * (counts[series] - 1 - rank)
    return series, origins


def gather(values: np.ndarray, offsets: np.ndarray, series: np.ndarray, origins: np.ndarray, before: int,
           after: int) -> np.ndarray:
    """Rows ``[origin - before, origin + after)`` of each (series, origin) from a concatenated array.

    ``values`` is ``[total, ...]``; the result is ``[n, before + after, ...]``.

    Example
    -------
    >>> gather(np.arange(10.0), np.array([0, 5, 10]), np.array([1]), np.array([3]), 2, 1).tolist()
    [[6.0, 7.0, 8.0]]
    """
    start = offsets[series] + origins - before  # [n]
    rows = start[:, None] + np.arange(before + after)[None, :]  # [n, before + after]
    return values[rows]


class SlidingWindowTransformer(Estimator):
    """Cut series into lookback windows (features) and the values that follow them (targets).

    ``transform(data)`` returns ``X``: ``[n_windows, window]`` (the target's lags, oldest first, then each
    covariate's lags); ``transform_xy(data)`` also returns ``Y``: ``[n_windows, horizon]``. ``data`` is anything
    `tsrnn.data.to_panel` accepts. Feed ``X, Y`` to any scikit-learn regressor or pipeline: that is a
    direct multi-output "regression on windows" baseline. A scikit-learn transformer by its methods and tags (it
    does not import scikit-learn: the RNN's training path uses this module's index functions).

    Example
    -------
    >>> import pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> y = pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10, freq="D"), name="s")
    >>> X, Y = SlidingWindowTransformer(window=3, horizon=2).fit(y).transform_xy(y)
    >>> X.shape, Y.shape, X[0].tolist(), Y[0].tolist()
    ((6, 3), (6, 2), [0.0, 1.0, 2.0], [3.0, 4.0])
    >>> model = Ridge(alpha=1e-6).fit(X, Y)
    >>> np.round(model.predict(np.array([[7.0, 8.0, 9.0]])), 3).tolist()
    [[10.0, 11.0]]
    """

    def __init__(self, window: int = 12, horizon: int = 1, stride: int = 1):
        self.window = window
        self.horizon = horizon
        self.stride = stride

    def _panel(self, data) -> Panel:
        for name in ("window", "horizon", "stride"):
            check_positive_int(getattr(self, name), name)
        if isinstance(data, np.ndarray):
            raise TypeError("SlidingWindowTransformer takes a DataFrame, Series or Panel (time-indexed), not an array")
        return to_panel(data, min_length=self.window + self.horizon)

    def fit(self, X, y=None):
        """Check the parameters and the data; remember the covariate names."""
        panel = self._panel(X)
        self.covariate_names_ = panel.covariate_names
        self.n_features_out_ = self.window * (1 + len(panel.covariate_names))
        return self

    def transform(self, X):
        """The lookback windows of every (series, origin): ``[n_windows, window * (1 + n_covariates)]``."""
        return self.transform_xy(X)[0]

    def fit_transform(self, X, y=None):
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.transformer_tags = TransformerTags()
        return tags

    def transform_xy(self, X):
        """Lookback windows and the ``horizon`` values after each: ``(X [n, window * k], Y [n, horizon])``."""
        check_is_fitted(self)
        panel = self._panel(X)
        if panel.covariate_names != self.covariate_names_:
            raise ValueError(f"covariates {panel.covariate_names} differ from those seen in fit {self.covariate_names_}")
        series, origins = window_origins(panel.lengths, self.window, self.horizon, self.stride)
        feats = np.concatenate([panel.values[:, None], panel.covariates], axis=1)  # [total, 1 + k]
        win = gather(feats, panel.offsets, series, origins, self.window, 0)  # [n, window, 1 + k]
        X_out = win.transpose(0, 2, 1).reshape(len(series), -1)  # feature-major: all y lags, then covariates
        Y = gather(panel.values, panel.offsets, series, origins, 0, self.horizon)  # [n, horizon]
        return X_out.astype(np.float64), Y.astype(np.float64)
