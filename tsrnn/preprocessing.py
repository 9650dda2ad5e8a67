"""Per-series scalers, target transforms and calendar features, all as pure numpy functions.

Everything here is fitted on training history only and inverted exactly on forecasts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .frequency import calendar_fields

__all__ = [
    "SCALERS",
    "TARGET_TRANSFORMS",
    "fit_scaler",
    "transform_shift",
    "apply_transform",
    "invert_transform",
    "calendar_features",
    "calendar_feature_names",
    "DESEASONALIZE",
    "seasonal_strength",
    "is_seasonal",
    "seasonal_indices",
    "fit_seasonality",
    "seasonal_factors",
]

SCALERS = ("standard", "robust", "minmax", "window", None)
TARGET_TRANSFORMS = ("log", "diff", "log_return", "seasonal_diff", "log_seasonal_diff", None)


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


def transform_shift(kind: str | None, season_length: int = 1) -> int:
    """How many leading observations a target transform consumes: 1 for "diff"/"log_return", the season
    length for the seasonal differences, 0 otherwise.

    Example
    -------
    >>> transform_shift("diff"), transform_shift("seasonal_diff", 12), transform_shift("log")
    (1, 12, 0)
    """
    if kind in ("diff", "log_return"):
        return 1
    if kind in ("seasonal_diff", "log_seasonal_diff"):
        return int(season_length)
    return 0


def apply_transform(y: np.ndarray, kind: str | None, *, series: object = None, season_length: int = 1) -> np.ndarray:
    """Transform one series: "log" -> log y; "diff" -> y[t] - y[t-1]; "log_return" -> log(y[t] / y[t-1]);
    "seasonal_diff" -> y[t] - y[t-m]; "log_seasonal_diff" -> log y[t] - log y[t-m] (m = ``season_length``).

    The differences return `transform_shift` values fewer than they get. The log transforms need strictly
    positive values; the error names the series.

    Example
    -------
    >>> apply_transform(np.array([1.0, 2.0, 4.0]), "diff").tolist()
    [1.0, 2.0]
    >>> np.round(apply_transform(np.array([1.0, 2.0, 4.0]), "log_return"), 4).tolist()
    [0.6931, 0.6931]
    >>> apply_transform(np.array([1.0, 5.0, 2.0, 7.0]), "seasonal_diff", season_length=2).tolist()
    [1.0, 2.0]
    """
    if kind not in TARGET_TRANSFORMS:
        raise ValueError(f"unknown target_transform {kind!r}; valid ones are {list(TARGET_TRANSFORMS)}")
    y = np.asarray(y, dtype=np.float64)
    if kind in ("log", "log_return", "log_seasonal_diff") and np.any(y <= 0):
        at = int(np.flatnonzero(y <= 0)[0])
        raise ValueError(f"target_transform={kind!r} needs strictly positive values, but series {series!r} has "
                         f"{y[at]} at position {at}; use target_transform=None, 'diff' or 'seasonal_diff'")
    if kind in ("log", "log_return", "log_seasonal_diff"):
        y = np.log(y)
    lag = transform_shift(kind, season_length)
    if lag:
        return y[lag:] - y[:-lag]
    return y


def invert_transform(z: np.ndarray, kind: str | None, last: np.ndarray, season_length: int = 1) -> np.ndarray:
    """Turn forecasts ``z`` (``[n, horizon]``, transformed scale) back into levels.

    ``last`` holds the last observed levels of each series: ``[n]`` (the last one) or ``[n, k]`` (the last
    ``k``, oldest first); the seasonal differences need the last ``season_length`` of them.

    Example
    -------
    >>> invert_transform(np.array([[1.0, 2.0]]), "diff", np.array([10.0])).tolist()
    [[11.0, 13.0]]
    >>> invert_transform(np.array([[1.0, 2.0, 3.0]]), "seasonal_diff", np.array([[10.0, 20.0]]), 2).tolist()
    [[11.0, 22.0, 14.0]]
    """
    z = np.asarray(z, dtype=np.float64)
    last = np.asarray(last, dtype=np.float64)
    last = last.reshape(len(last), -1)  # [n, k]
    if kind in ("log", "log_return", "log_seasonal_diff"):
        last = np.log(last)
    lag = transform_shift(kind, season_length)
    if kind in ("diff", "log_return"):
        out = last[:, -1:] + np.cumsum(z, axis=1)
    elif lag:
        if last.shape[1] < lag:
            raise ValueError(f"inverting {kind!r} needs the last {lag} observations, got {last.shape[1]}")
        levels = np.concatenate([last[:, -lag:], np.zeros_like(z)], axis=1)  # [n, lag + horizon]
        for h in range(z.shape[1]):  # a step more than one season ahead adds to an earlier forecast
            levels[:, lag + h] = levels[:, h] + z[:, h]
        out = levels[:, lag:]
    else:
        out = z
    return np.exp(out) if kind in ("log", "log_return", "log_seasonal_diff") else out


def calendar_feature_names(freq: pd.DateOffset) -> list[str]:
    """The calendar features generated for a frequency: month of year, plus day of week below weekly.

    Example
    -------
    >>> calendar_feature_names(pd.tseries.frequencies.to_offset("MS"))
    ['month_sin', 'month_cos']
    """
    return [f"{field}_{part}" for field in calendar_fields(freq) for part in ("sin", "cos")]


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


# ----------------------------------------------------------------------------------------------------------
# Deseasonalisation: classical decomposition on training data, inverted exactly on forecasts
# ----------------------------------------------------------------------------------------------------------

DESEASONALIZE = ("auto", "multiplicative", "additive", None)


def _centred_trend(y: np.ndarray, period: int) -> np.ndarray:
    """The centred moving average of ``y`` over one period (2 x m for an even period m): ``len(y) - 2 * half``
    values, for positions ``half .. len(y) - half - 1``."""
    weights = (np.r_[0.5, np.ones(period - 1), 0.5] if period % 2 == 0 else np.ones(period)) / period
    return np.convolve(y, weights, mode="valid")


# forecast::nsdiffs's threshold on the same measure (Wang, Smith & Hyndman 2006), also ARIMAForecaster's.
SEASONAL_STRENGTH_THRESHOLD = 0.64
# Seasonal indices come from at most this many whole seasons at the end of the training data, so that a pattern
# that drifts (decades of weekly data) is removed as it is now, not as it averaged.
RECENT_SEASONS = 10


def seasonal_strength(y: np.ndarray, period: int) -> float:
    """How much of ``y``'s variation around its trend a fixed seasonal pattern explains, in [0, 1]:
    ``max(0, 1 - var(R) / var(S + R))`` (Wang, Smith & Hyndman 2006) from a classical decomposition, where
    ``S + R`` is the series less its centred moving average and ``S`` the mean of that per position in the
    season. Positive series are measured on their logarithm, so a seasonal swing that grows with the level
    counts in full. NaN for fewer than two seasons.

    Example
    -------
    >>> t = np.arange(48)
    >>> round(seasonal_strength(10 + np.sin(2 * np.pi * t / 12), 12), 3), seasonal_strength(t - 10.0, 12)
    (1.0, 0.0)
    """
    y = np.asarray(y, dtype=np.float64)
    if period < 2 or len(y) < 2 * period + 1:
        return float("nan")
    if np.all(y > 0):
        y = np.log(y)
    half = period // 2
    detrended = y[half : len(y) - half] - _centred_trend(y, period)
    positions = np.arange(half, len(y) - half) % period
    means = np.bincount(positions, weights=detrended, minlength=period) / np.bincount(positions, minlength=period)
    remainder = detrended - (means - means.mean())[positions]
    total = float(np.var(detrended))
    return max(0.0, 1.0 - float(np.var(remainder)) / total) if total > 1e-12 * (1.0 + float(np.mean(y * y))) else 0.0


def is_seasonal(y: np.ndarray, period: int) -> bool:
    """Whether ``y`` has three seasons of data and a `seasonal_strength` of at least 0.64.

    The M4 benchmarks' autocorrelation test on the raw levels was tried first and dropped: a trend alone
    passes it (every lag is strongly autocorrelated), and in development it flagged smooth, seasonally
    adjusted series (price indices, population) as seasonal, which made their forecasts worse.

    Example
    -------
    >>> t = np.arange(48)
    >>> bool(is_seasonal(10 + np.sin(2 * np.pi * t / 12), 12)), bool(is_seasonal(np.ones(48), 12))
    (True, False)
    """
    if period < 2 or len(y) < 3 * period:
        return False
    return bool(seasonal_strength(y, period) >= SEASONAL_STRENGTH_THRESHOLD)


def seasonal_indices(y: np.ndarray, period: int, multiplicative: bool) -> np.ndarray:
    """Classical-decomposition seasonal indices of ``y``: ``[period]``, entry ``k`` for the positions ``t``
    (counted from the first value) with ``t % period == k``. The trend is a centred moving average (2 x m
    for an even period m); the indices are the mean ratio (multiplicative) or difference (additive) of ``y``
    to it per position, normalised to mean 1 (or 0).

    Example
    -------
    >>> y = np.tile([1.0, 3.0], 6)  # level 2, seasonal ratios 0.5 and 1.5
    >>> seasonal_indices(y, 2, multiplicative=True).tolist()
    [0.5, 1.5]
    """
    y = np.asarray(y, dtype=np.float64)
    trend = _centred_trend(y, period)
    half = period // 2
    inner = y[half : half + len(trend)]
    detrended = np.full(len(y), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero trend gives inf/NaN, dropped below
        detrended[half : half + len(trend)] = inner / trend if multiplicative else inner - trend
    detrended[~np.isfinite(detrended)] = np.nan
    with warnings.catch_warnings():  # a position never covered by the moving average gives NaN: no effect
        warnings.simplefilter("ignore", RuntimeWarning)
        index = np.array([np.nanmean(detrended[k::period]) for k in range(period)])
    neutral = 1.0 if multiplicative else 0.0
    index = np.where(np.isfinite(index), index, neutral)
    if multiplicative:
        index = np.where(index > 0, index, 1.0)
        return index / index.mean()
    return index - index.mean()


def fit_seasonality(y: np.ndarray, periods, mode: str | None, *, series: object = None):
    """The seasonal profile of one series: ``(multiplicative, {period: indices})`` for the periods that pass
    `is_seasonal`, tested and removed one after the other, shortest first (hourly data: the day, then the
    week); ``(False, {})`` when none does or ``mode`` is None.

    ``mode`` "auto" is multiplicative when every value is positive, additive otherwise; "multiplicative"
    needs positive values (the error names the series); "additive" always works. The test reads the whole
    series; the indices come from its last `RECENT_SEASONS` whole seasons (all of it when shorter), so they
    follow a pattern that drifts: on M4 Weekly, whose seasonal series span decades, sMAPE 6.37 -> 6.24
    (benchmarks/RESULTS.md, "Seasonal indices from the last ten seasons").

    Example
    -------
    >>> t = np.arange(60)
    >>> mult, index = fit_seasonality(10 + 3 * np.sin(2 * np.pi * t / 12), (12,), "auto")
    >>> mult, sorted(index), index[12].shape
    (True, [12], (12,))
    """
    if mode not in DESEASONALIZE:
        raise ValueError(f"unknown deseasonalize {mode!r}; valid values are {list(DESEASONALIZE)}")
    y = np.asarray(y, dtype=np.float64)
    if mode is None or len(y) == 0:
        return False, {}
    positive = bool(np.all(y > 0))
    if mode == "multiplicative" and not positive:
        at = int(np.flatnonzero(y <= 0)[0])
        raise ValueError(f"deseasonalize='multiplicative' needs strictly positive values, but series {series!r} has "
                         f"{y[at]} at position {at}; use 'additive' or 'auto'")
    multiplicative = mode == "multiplicative" or (mode == "auto" and positive)
    profile: dict[int, np.ndarray] = {}
    adjusted = y
    for period in sorted({int(p) for p in periods if int(p) > 1}):
        if not is_seasonal(adjusted, period):
            continue
        # Whole seasons, so that entry k of the indices still belongs to the positions t with t % period == k.
        start = max(0, (len(adjusted) - RECENT_SEASONS * period) // period * period)
        index = seasonal_indices(adjusted[start:], period, multiplicative)
        profile[period] = index
        pos = np.arange(len(y)) % period
        adjusted = adjusted / index[pos] if multiplicative else adjusted - index[pos]
    return multiplicative, profile


def seasonal_factors(profile, positions: np.ndarray) -> np.ndarray:
    """The combined seasonal factor (``multiplicative``) or offset (additive) of a profile at ``positions``
    (integers counted from the first value the profile was fitted on; any shape, negative allowed).

    Example
    -------
    >>> seasonal_factors((True, {2: np.array([0.5, 1.5])}), np.array([0, 1, 2, -1])).tolist()
    [0.5, 1.5, 0.5, 1.5]
    """
    multiplicative, index = profile
    positions = np.asarray(positions, dtype=np.int64)
    out = np.ones(positions.shape) if multiplicative else np.zeros(positions.shape)
    for period, values in index.items():
        part = values[np.mod(positions, period)]
        out = out * part if multiplicative else out + part
    return out
