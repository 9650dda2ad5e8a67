"""Rolling-origin (time-series cross-validation) splits: the one place where forecast origins are computed.

Pure index arithmetic: no data is touched, so the same plan serves every forecaster of a backtest, `compare`, `tune`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._validation import check_int

__all__ = ["RollingOrigin", "OriginPlan"]

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


def _fold_counts(last: np.ndarray, min_cutoff: int, step: int) -> np.ndarray:
    """How many cutoffs ``last, last - step, ...`` stay at or above ``min_cutoff`` (0 when none does)."""
    return np.where(last >= min_cutoff, (last - min_cutoff) // step + 1, 0)


def _cutoff_grid(last: np.ndarray, count: int, step: int) -> np.ndarray:
    """``[len(last), count]`` cutoffs, ascending, the last of each row being ``last``."""
    return last[:, None] - step * np.arange(count - 1, -1, -1, dtype=np.int64)[None, :]


@dataclass(frozen=True)
class OriginPlan:
    """The forecast origins of every series, as `RollingOrigin.plan` computes them.

    Attributes
    ----------
    cutoffs : ndarray, ``[n_series, n_folds]`` int64
        Observations available at each origin (the training part ends at position ``cutoff - 1``).
    train_starts : ndarray, ``[n_series, n_folds]`` int64
        First training position (0 for an expanding window, ``cutoff - train_size`` for a sliding one).
    horizon, gap, step : int
        The settings: fold ``k`` of series ``i`` is scored on positions ``cutoffs[i, k] + gap + [0, horizon)``.

    Example
    -------
    >>> plan = RollingOrigin(horizon=2, folds=2).plan([8, 11])
    >>> plan.cutoffs.tolist(), plan.n_folds
    ([[4, 6], [7, 9]], 2)
    """

    cutoffs: np.ndarray
    train_starts: np.ndarray
    horizon: int
    gap: int
    step: int

    @property
    def n_series(self) -> int:
        return int(self.cutoffs.shape[0])

    @property
    def n_folds(self) -> int:
        return int(self.cutoffs.shape[1])

    def test_positions(self) -> np.ndarray:
        """``[n_series, n_folds, horizon]`` positions (within each series) scored at each fold.

        Example
        -------
        >>> RollingOrigin(horizon=2, gap=1, folds=1).plan([6]).test_positions().tolist()
        [[[4, 5]]]
        """
        return self.cutoffs[:, :, None] + self.gap + np.arange(self.horizon)


class RollingOrigin:
    """Rolling-origin evaluation: forecast ``horizon`` steps from several cutoffs, anchored at the end.

    For one series of length ``n`` (positions ``0 .. n-1``), a fold has a cutoff ``c``, the number
    of observations available at the forecast origin:

    - training positions ``[0, c)`` (an expanding window, ``train_size=None``) or ``[c - train_size, c)``
      (a sliding window, as scikit-learn's ``TimeSeriesSplit(max_train_size=)``);
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

    `plan` gives the cutoffs of many series at once (what `tsrnn.evaluation.backtest`, ``compare`` and
    `tsrnn.tuning.tune` use, and the only place they are computed); `cutoffs` and `split` serve one series.

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
    train_size : int or None
        Training length of a sliding window; None (the default) trains on everything before the cutoff.
    window : {"expanding", "sliding"} or None
        Kept for compatibility: None follows ``train_size``; ``"sliding"`` needs ``train_size`` and
        ``"expanding"`` refuses it.
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
    >>> sliding = RollingOrigin(horizon=2, step=1, train_size=5, gap=1)
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
        window: str | None = None,
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
        window = self.window
        if window is None:
            window = "expanding" if self.train_size is None else "sliding"
        if window not in _WINDOWS:
            raise ValueError(f"window must be 'expanding' or 'sliding', got {self.window!r}")
        if window == "sliding":
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
        return _Settings(horizon, folds, step, min_cutoff, window, train_size, gap)

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
        last = np.array([n - s.gap - s.horizon], dtype=np.int64)
        fit = int(_fold_counts(last, s.min_cutoff, s.step)[0])
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
        return _cutoff_grid(last, count, s.step)[0]

    def plan(self, lengths: Sequence[int] | np.ndarray, min_train_length: int = 1, ids=None) -> OriginPlan:
        """The cutoffs and training starts of every series (lengths ``lengths``), each anchored at its own end.

        ``min_train_length`` (a forecaster's ``min_train_length``) raises the smallest cutoff of an
        expanding window when ``initial`` is None, so every fold can be fitted. With ``folds=None`` every
        series gets the number of folds that fit the shortest. A series too short raises ``ValueError``
        naming it (by ``ids[i]`` when given) and saying how many folds fit.

        Example
        -------
        >>> cv = RollingOrigin(horizon=2, folds=2)
        >>> plan = cv.plan([8, 11], min_train_length=3)  # a: 6, 4 ; b: 9, 7
        >>> plan.cutoffs.tolist(), plan.train_starts.tolist()
        ([[4, 6], [7, 9]], [[0, 0], [0, 0]])
        >>> RollingOrigin(horizon=1, train_size=3).plan([6]).train_starts.tolist()  # cutoffs 3, 4, 5
        [[0, 1, 2]]
        """
        s = self._settings()
        min_train_length = check_int(min_train_length, "min_train_length", low=1)
        lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
        min_cutoff = s.min_cutoff
        if s.window == "expanding" and self.initial is None:
            min_cutoff = max(min_cutoff, min_train_length)  # the shortest training part the model can fit
        last = lengths - s.gap - s.horizon
        fits = _fold_counts(last, min_cutoff, s.step)
        n_folds = s.folds if s.folds is not None else (int(fits.min()) if len(fits) else 0)
        wanted = max(n_folds, 1)
        short = np.flatnonzero(fits < wanted)
        if len(short):
            worst = short[np.argmin(fits[short])]
            name = repr(ids[worst]) if ids is not None else f"at position {worst}"
            needed = min_cutoff + s.gap + s.horizon + (wanted - 1) * s.step
            others = f" ({len(short)} series are too short)" if len(short) > 1 else ""
            raise ValueError(
                f"{wanted} fold(s) of horizon {s.horizon} (step {s.step}, gap {s.gap}, smallest cutoff {min_cutoff}) "
                f"need series of at least {needed} observations, but series {name} has {int(lengths[worst])}: "
                f"only {int(fits[worst])} fold(s) fit there{others}. Ask for folds <= {int(fits.min())}, lower "
                "horizon, step or initial, or drop the short series")
        cutoffs = _cutoff_grid(last, n_folds, s.step)
        starts = np.zeros_like(cutoffs) if s.train_size is None else cutoffs - s.train_size
        return OriginPlan(cutoffs, starts, s.horizon, s.gap, s.step)

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
