"""Who draws progress: an outer loop (a backtest over folds, a search over trials) silences the bars of the
fits it runs, so the user sees one bar, not one per fold. A leaf module: no heavy imports."""

from __future__ import annotations

import contextlib
import threading

__all__ = ["outer_progress", "inner_progress_allowed"]

_lock = threading.Lock()
_depth = 0  # process-wide, not per thread: fits in worker threads are silenced too


@contextlib.contextmanager
def outer_progress():
    """Inside this block, training bars of individual fits stay silent (`inner_progress_allowed` is False).

    Example
    -------
    >>> inner_progress_allowed()
    True
    >>> with outer_progress():
    ...     inner_progress_allowed()
    False
    """
    global _depth
    with _lock:
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1


def inner_progress_allowed() -> bool:
    """False while a backtest or a search is running its own progress bar (see `outer_progress`).

    Example
    -------
    >>> inner_progress_allowed()  # no backtest running here
    True
    """
    return _depth == 0
