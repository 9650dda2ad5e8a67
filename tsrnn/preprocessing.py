"""Per-series scalers, target transforms and calendar features, all as pure numpy functions.

Everything here is fitted on training history only and inverted exactly on forecasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "SCALERS",
    "TARGET_TRANSFORMS",
    "fit_scaler",
    "apply_transform",
    "invert_transform",
    "calendar_features",
    "calendar_feature_names",
]

SCALERS = ("standard", "robust", "minmax", "window", None)
TARGET_TRANSFORMS = ("log", "diff", "log_return", None)


def fit_scaler(values: np.ndarray, kind: str | None) -> tuple[float, float]:
    """Location and scale of one series for ``kind`` (``x_scaled = (x - loc) / scale``).

    "standard": mean and standard deviation; "robust": median and interquartile range; "minmax":
    minimum and range; "window" and None: (0, 1) here, since window scaling happens inside the network.
    A zero scale (a constant series) becomes 1 so that scaling never divides by zero.

    Example
    -------
    >>> fit_scaler(np.array([1.0, 2.0, 3.0, 4.0]), "minmax")
    (1.0, 3.0)
    >>> fit_scaler(np.array([5.0, 5.0]), "standard")
    (5.0, 1.0)
    """
    if kind not in SCALERS:
        raise ValueError(f"unknown scaler {kind!r}; valid scalers are {list(SCALERS)}")
    x = np.asarray(values, dtype=np.float64)
    if kind == "standard":
        loc, scale = x.mean(), x.std()
    elif kind == "robust":
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        loc, scale = med, q3 - q1
        if scale <= 0:  # more than half the values are equal: fall back to the spread of all of them
            scale = x.std()
    elif kind == "minmax":
        loc, scale = x.min(), x.max() - x.min()
    else:
        loc, scale = 0.0, 1.0
    if not np.isfinite(scale) or scale <= 1e-12:
        scale = 1.0
    return float(loc), float(scale)


def apply_transform(y: np.ndarray, kind: str | None, *, series: object = None) -> np.ndarray:
    """Transform one series: "log" -> log y; "diff" -> y[t] - y[t-1]; "log_return" -> log(y[t] / y[t-1]).

    "diff" and "log_return" return one value fewer than they get. "log" and "log_return" need strictly
    positive values; the error names the series.

    Example
    -------
    >>> apply_transform(np.array([1.0, 2.0, 4.0]), "diff").tolist()
    [1.0, 2.0]
    >>> np.round(apply_transform(np.array([1.0, 2.0, 4.0]), "log_return"), 4).tolist()
    [0.6931, 0.6931]
    """
    if kind not in TARGET_TRANSFORMS:
        raise ValueError(f"unknown target_transform {kind!r}; valid ones are {list(TARGET_TRANSFORMS)}")
    y = np.asarray(y, dtype=np.float64)
    if kind in ("log", "log_return") and np.any(y <= 0):
        at = int(np.flatnonzero(y <= 0)[0])
        raise ValueError(f"target_transform={kind!r} needs strictly positive values, but series {series!r} has "
                         f"{y[at]} at position {at}; use target_transform=None or 'diff'")
    if kind == "log":
        return np.log(y)
    if kind == "diff":
        return np.diff(y)
    if kind == "log_return":
        return np.diff(np.log(y))
    return y


def invert_transform(z: np.ndarray, kind: str | None, last: np.ndarray) -> np.ndarray:
    """Turn forecasts ``z`` (``[n, horizon]``, transformed scale) back into levels.

    ``last`` (``[n]``) is the last observed level of each series, needed by "diff" and "log_return".

    Example
    -------
    >>> invert_transform(np.array([[1.0, 2.0]]), "diff", np.array([10.0])).tolist()
    [[11.0, 13.0]]
    """
    z = np.asarray(z, dtype=np.float64)
    last = np.asarray(last, dtype=np.float64).reshape(-1, *([1] * (z.ndim - 1)))
    if kind == "log":
        return np.exp(z)
    if kind == "diff":
        return last + np.cumsum(z, axis=1)
    if kind == "log_return":
        return last * np.exp(np.cumsum(z, axis=1))
    return z


def calendar_feature_names(freq: pd.DateOffset) -> list[str]:
    """The calendar features generated for a frequency: month of year, plus day of week below weekly.

    Example
    -------
    >>> calendar_feature_names(pd.tseries.frequencies.to_offset("MS"))
    ['month_sin', 'month_cos']
    """
    rule = freq.rule_code.split("-")[0]
    if rule in ("YS", "YE", "Y", "A", "AS"):
        return []
    names = ["month_sin", "month_cos"]
    if rule in ("B", "C", "D", "h", "H", "min", "T", "s", "S"):
        names += ["dow_sin", "dow_cos"]
    return names


def calendar_features(ds: pd.DatetimeIndex, freq: pd.DateOffset) -> np.ndarray:
    """Cyclical (sin, cos) encodings of the calendar for timestamps ``ds``: ``[len(ds), n_features]`` float32.

    Example
    -------
    >>> f = calendar_features(pd.date_range("2024-01-01", periods=2, freq="MS"), pd.tseries.frequencies.to_offset("MS"))
    >>> f.shape
    (2, 2)
    """
    names = calendar_feature_names(freq)
    cols = []
    month = (ds.month.to_numpy() - 1) / 12.0
    dow = ds.day_of_week.to_numpy() / 7.0
    for name in names:
        base = month if name.startswith("month") else dow
        cols.append(np.sin(2 * np.pi * base) if name.endswith("sin") else np.cos(2 * np.pi * base))
    if not cols:
        return np.zeros((len(ds), 0), dtype=np.float32)
    return np.stack(cols, axis=1).astype(np.float32)
