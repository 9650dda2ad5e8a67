"""Rolling-origin (time-series cross-validation) splits of one series into train and test positions.

Pure index arithmetic: no data is touched, so the same splits serve every forecaster in a backtest.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .._validation import check_int

__all__ = ["RollingOrigin"]

_WINDOWS = ("expanding", "sliding")


class _Settings(NamedTuple):
    horizon: int
    folds: int | None
    step: int
    min_cutoff: int
    window: str
    train_size: int | None
    gap: int


def _series_length(X) -> int:
    """The number of observations: ``X`` itself when it is an integer, else ``len(X)``."""
    if isinstance(X, numbers.Integral) and not isinstance(X, bool):
        return check_int(X, "the series length n", low=0)
    try:
        if isinstance(X, str):
            raise TypeError
        return len(X)
    except TypeError:
        raise ValueError(
            f"expected the series length as an int or an array-like/Series of one series, got {type(X).__name__}"
        ) from None


class RollingOrigin:
    """Rolling-origin evaluation: forecast ``horizon`` steps from several cutoffs, anchored at the end.

    For one series of length ``n`` (positions ``0 .. n-1``), a fold has a cutoff ``c``, the number
    of observations available at the forecast origin:

    - training positions ``[0, c)`` (``window="expanding"``) or ``[c - train_size, c)``
      (``window="sliding"``);
    - test positions ``[c + gap, c + gap + horizon)``; ``gap`` skips observations that would not
      be known yet when the forecast is made (e.g. publication delay).

    The last fold's test ends exactly at ``n`` (``c_last = n - gap - horizon``); earlier cutoffs go
    back by ``step`` (default ``horizon``, so test windows tile without overlap):
    ``c_k = c_last - k * step``. A fold fits when ``c >= initial`` and, for sliding windows,
    ``c >= train_size``. ``initial`` defaults to ``horizon`` for expanding windows (the smallest
    training part that is as long as what it forecasts; forecasters needing more history, such as
    an RNN with a long input window, should pass ``initial``) and to ``train_size`` for sliding ones.

    ``folds=None`` takes every fold that fits. With ``folds`` given the last ``folds`` cutoffs are
    used, and a series too short for them raises ``ValueError`` saying how many fit.

    ``__init__`` only stores the arguments; they are validated when a method is called.

    Parameters
    ----------
    horizon : int
        Number of test positions per fold (positive).
    folds : int or None
        Number of folds to keep (the last ones), or None for all that fit.
    step : int or None
        Distance between consecutive cutoffs; None means ``horizon``.
    initial : int or None
        Smallest cutoff allowed (minimum number of observations before the first origin).
    window : {"expanding", "sliding"}
        Whether training starts at 0 or keeps the last ``train_size`` observations.
    train_size : int or None
        Training length of a sliding window; required for, and only allowed with, ``"sliding"``.
    gap : int
        Observations skipped between the cutoff and the first test position (>= 0).

    Example
    -------
    >>> cv = RollingOrigin(horizon=2, folds=3)
    >>> cv.cutoffs(10)
    array([4, 6, 8])
    >>> for train, test in cv.split(10):
    ...     print(train, test)
    [0 1 2 3] [4 5]
    [0 1 2 3 4 5] [6 7]
    [0 1 2 3 4 5 6 7] [8 9]
    >>> cv.min_length()  # initial 2 (= horizon) + gap 0 + horizon 2 + 2 more steps of 2
    8
    >>> sliding = RollingOrigin(horizon=2, step=1, window="sliding", train_size=5, gap=1)
    >>> sliding.cutoffs(10)  # c_last = 10 - 1 - 2 = 7, first cutoff >= train_size = 5
    array([5, 6, 7])
    >>> [(train.tolist(), test.tolist()) for train, test in sliding.split(10)][0]
    ([0, 1, 2, 3, 4], [6, 7])
    """

    def __init__(
        self,
        horizon: int,
        folds: int | None = None,
        step: int | None = None,
        initial: int | None = None,
        window: str = "expanding",
        train_size: int | None = None,
        gap: int = 0,
    ):
        self.horizon = horizon
        self.folds = folds
        self.step = step
        self.initial = initial
        self.window = window
        self.train_size = train_size
        self.gap = gap

    def __repr__(self) -> str:
        params = ("horizon", "folds", "step", "initial", "window", "train_size", "gap")
        return f"RollingOrigin({', '.join(f'{name}={getattr(self, name)!r}' for name in params)})"

    def _settings(self) -> _Settings:
        """Validate the stored arguments and resolve their defaults."""
        horizon = check_int(self.horizon, "horizon", low=1)
        folds = None if self.folds is None else check_int(self.folds, "folds", low=1)
        step = horizon if self.step is None else check_int(self.step, "step", low=1)
        initial = None if self.initial is None else check_int(self.initial, "initial", low=1)
        gap = check_int(self.gap, "gap", low=0)
        if self.window not in _WINDOWS:
            raise ValueError(f"window must be 'expanding' or 'sliding', got {self.window!r}")
        if self.window == "sliding":
            if self.train_size is None:
                raise ValueError("window='sliding' needs train_size, the number of training observations")
            train_size = check_int(self.train_size, "train_size", low=1)
            min_cutoff = train_size if initial is None else max(initial, train_size)
        else:
            if self.train_size is not None:
                raise ValueError(
                    f"train_size={self.train_size!r} is only used with window='sliding'; "
                    f"set window='sliding' or train_size=None"
                )
            train_size = None
            min_cutoff = horizon if initial is None else initial
        return _Settings(horizon, folds, step, min_cutoff, self.window, train_size, gap)

    def min_length(self) -> int:
        """Shortest series that fits ``folds`` folds (one fold when ``folds`` is None).

        ``min_length = initial + gap + horizon + (folds - 1) * step``, with ``initial`` the effective
        smallest cutoff (see the class docstring).

        Example
        -------
        >>> RollingOrigin(horizon=3, folds=4, initial=10, gap=1).min_length()  # 10 + 1 + 3 + 3 * 3
        23
        """
        s = self._settings()
        return s.min_cutoff + s.gap + s.horizon + ((s.folds or 1) - 1) * s.step

    def cutoffs(self, n) -> np.ndarray:
        """Cutoffs (number of observations before each forecast origin), ascending.

        ``n`` is the series length, or an array-like/Series whose ``len`` is used.

        Example
        -------
        >>> RollingOrigin(horizon=3, step=2, initial=4).cutoffs(12)  # 9, 7, 5 fit; 3 < initial
        array([5, 7, 9])
        """
        s = self._settings()
        n = _series_length(n)
        last = n - s.gap - s.horizon
        fit = (last - s.min_cutoff) // s.step + 1 if last >= s.min_cutoff else 0
        if fit == 0:
            raise ValueError(
                f"{self!r} fits no fold in a series of length {n}: one fold needs at least "
                f"{s.min_cutoff + s.gap + s.horizon} observations (smallest cutoff {s.min_cutoff} + gap "
                f"{s.gap} + horizon {s.horizon}); lower horizon, gap, initial or train_size, or use a longer series"
            )
        if s.folds is not None and s.folds > fit:
            needed = s.min_cutoff + s.gap + s.horizon + (s.folds - 1) * s.step
            raise ValueError(
                f"{self!r} fits only {fit} fold{'s' if fit > 1 else ''} in a series of length {n}, "
                f"but folds={s.folds} was asked; {s.folds} folds need a series of at least {needed} "
                f"observations. Ask for folds <= {fit}, lower step, initial or train_size, or use a longer series"
            )
        count = fit if s.folds is None else s.folds
        return last - s.step * np.arange(count - 1, -1, -1, dtype=np.int64)

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_idx, test_idx)`` integer position arrays, one pair per fold, oldest first.

        ``X`` is the series length or an array-like/Series of one series (its ``len`` is used);
        ``y`` and ``groups`` are ignored, for scikit-learn compatibility.

        Example
        -------
        >>> [test.tolist() for _, test in RollingOrigin(horizon=2, gap=1, folds=2).split(range(9))]
        [[5, 6], [7, 8]]
        """
        s = self._settings()
        for cutoff in self.cutoffs(X):
            start = 0 if s.window == "expanding" else cutoff - s.train_size
            train = np.arange(start, cutoff, dtype=np.int64)
            test = np.arange(cutoff + s.gap, cutoff + s.gap + s.horizon, dtype=np.int64)
            yield train, test

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """Number of folds for a series of length ``X`` (an int or an array-like/Series).

        Example
        -------
        >>> RollingOrigin(horizon=2).get_n_splits(10)  # cutoffs 2, 4, 6, 8
        4
        """
        if X is None:
            raise ValueError(
                "get_n_splits needs the series (or its length): the number of folds depends on it"
            )
        return len(self.cutoffs(X))
