"""Parameter checks shared by every estimator: type and range, with errors that name the parameter.

Each check returns the value as a plain Python object (numpy scalars become int/float/bool/str), so fitted
attributes never hold numpy scalars that torch, Lightning or JSON would choke on.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from .errors import InvalidParameterError

__all__ = ["check_bool", "check_choice", "check_int", "check_n_jobs", "check_nonnegative", "check_positive_int",
           "check_real", "check_random_state", "check_str_list", "paired_quantiles"]

MAX_SEED = 2**32 - 1  # numpy's legacy seeding and Lightning's seed_everything accept [0, 2**32 - 1]


def check_bool(value, name: str, *, allow_none: bool = False) -> bool | None:
    """``value`` as a bool; 0/1, strings and other truthy things are refused, numpy bools accepted.

    Example
    -------
    >>> check_bool(np.True_, "progress")
    True
    >>> check_bool("yes", "calendar_features")
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: calendar_features must be True or False, got 'yes'
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        raise InvalidParameterError(f"{name} must be {'None, True or False' if allow_none else 'True or False'}, "
                                    f"got {value!r}")
    return bool(value)


def _range_text(low, high) -> str:
    if low == 1 and high is None:
        return "a positive integer"
    if low == 0 and high is None:
        return "a non-negative integer"
    if high is None:
        return f"an integer >= {low}"
    return f"an integer in [{low}, {high}]"


def check_int(value, name: str, *, low: int | None = None, high: int | None = None,
              allow_none: bool = False) -> int | None:
    """``value`` as an int in ``[low, high]``; bools, floats and strings are refused, numpy integers accepted.

    Example
    -------
    >>> check_int(np.int64(4), "hidden_size", low=1)
    4
    >>> check_int(True, "hidden_size", low=1)
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: hidden_size must be a positive integer, got True
    """
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if ok:
        value = int(value)
        ok = (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        raise InvalidParameterError(f"{name} must be {_range_text(low, high)}{' or None' if allow_none else ''}, "
                                    f"got {value!r}")
    return value


def check_positive_int(value, name: str, *, allow_none: bool = False) -> int | None:
    """Return ``value`` as an int, or raise an `InvalidParameterError` (a ValueError) that names the parameter.

    Example
    -------
    >>> check_positive_int(3, "horizon")
    3
    >>> check_positive_int(0, "horizon")
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: horizon must be a positive integer, got 0
    """
    return check_int(value, name, low=1, allow_none=allow_none)


def check_n_jobs(n_jobs) -> int:
    """joblib's ``n_jobs``: a non-zero integer (-1 uses every core), None meaning 1.

    Example
    -------
    >>> check_n_jobs(None), check_n_jobs(-1)
    (1, -1)
    """
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool | np.bool_) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise InvalidParameterError(f"n_jobs must be a non-zero integer (-1 uses every core), got {n_jobs!r}")
    return int(n_jobs)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_none: bool = False) -> float | None:
    """``value`` as a finite float in the interval given (``low_open``: ``low`` itself excluded).

    Example
    -------
    >>> check_real(np.float32(0.5), "dropout", low=0, high=1, high_open=True)
    0.5
    >>> check_real(float("inf"), "learning_rate", low=0, low_open=True)
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: learning_rate must be a finite number > 0, got inf
    """
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_) and math.isfinite(value)
    if ok:
        value = float(value)
        ok = ((low is None or (value > low if low_open else value >= low))
              and (high is None or (value < high if high_open else value <= high)))
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            bounds.append(f"{'<' if high_open else '<='} {high:g}")
        raise InvalidParameterError(f"{name} must be a finite number{' ' + ' and '.join(bounds) if bounds else ''}"
                                    f"{' or None' if allow_none else ''}, got {value!r}")
    return value


def check_choice(value, name: str, choices) -> str | None:
    """``value`` if it is one of ``choices`` (strings, possibly None); the error lists the valid values.

    Example
    -------
    >>> check_choice("gru", "cell", ("lstm", "gru"))
    'gru'
    >>> check_choice(["gru"], "cell", ("lstm", "gru"))
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: unknown cell ['gru']; valid values are ['lstm', 'gru']
    """
    # Only strings (and None) are compared: a list or an array must not be matched element-wise.
    if (value is None and None in choices) or (isinstance(value, str) and value in choices):
        return None if value is None else str(value)
    raise InvalidParameterError(f"unknown {name} {value!r}; valid values are {list(choices)}")


def check_nonnegative(value) -> bool | str:
    """``nonnegative`` (the forecasters' floor at zero) as "auto", True or False; anything else is refused by name.

    Example
    -------
    >>> check_nonnegative(np.bool_(True)), check_nonnegative("auto")
    (True, 'auto')
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str) and value == "auto":
        return "auto"
    raise InvalidParameterError(f"nonnegative must be 'auto', True or False, got {value!r}")


def check_str_list(value, name: str, *, allow_none: bool = True) -> list[str] | None:
    """``value`` as a list of distinct strings; a single string is refused (it would be read as characters).

    Example
    -------
    >>> check_str_list(("promo", "price"), "future_covariates")
    ['promo', 'price']
    >>> check_str_list("promo", "exog")
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: exog must be a list of column names, got the string 'promo'; write ['promo']
    """
    if value is None and allow_none:
        return None
    if isinstance(value, str | bytes):
        raise InvalidParameterError(f"{name} must be a list of column names, got the string {value!r}; "
                                    f"write [{value!r}]")
    if not isinstance(value, list | tuple | np.ndarray | pd.Index | pd.Series):
        raise InvalidParameterError(f"{name} must be a list of column names{' or None' if allow_none else ''}, "
                                    f"got {value!r}")
    names = list(value)
    bad = [v for v in names if not isinstance(v, str)]
    if bad:
        raise InvalidParameterError(f"{name} must hold column names (strings), got {bad[0]!r}")
    dup = sorted({v for v in names if names.count(v) > 1})
    if dup:
        raise InvalidParameterError(f"{name} lists {dup} more than once")
    return [str(v) for v in names]


def check_random_state(value, name: str = "random_state") -> int | None:
    """``value`` as a seed in ``[0, 2**32 - 1]`` or None (fresh entropy).

    Example
    -------
    >>> check_random_state(np.int64(7)), check_random_state(None)
    (7, None)
    >>> check_random_state(-1)
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: random_state must be an integer or None (a seed in [0, 4294967295]), got -1
    """
    if value is None:
        return None
    if (isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral)
            or not 0 <= value <= MAX_SEED):
        raise InvalidParameterError(f"{name} must be an integer or None (a seed in [0, {MAX_SEED}]), got {value!r}")
    return int(value)


def paired_quantiles(levels) -> bool:
    """Whether quantile ``levels`` (sorted) are symmetric about the median, each ``q`` with ``1 - q``: what a
    mirrored forecast needs (the q-quantile of -Y is minus the (1 - q)-quantile of Y). No levels (a point
    forecast) pass.

    Example
    -------
    >>> paired_quantiles([0.1, 0.5, 0.9]), paired_quantiles([0.5, 0.9]), paired_quantiles([])
    (True, False, True)
    """
    levels = np.asarray(levels, dtype=np.float64)
    return bool(np.allclose(levels + levels[::-1], 1.0, atol=1e-9))
