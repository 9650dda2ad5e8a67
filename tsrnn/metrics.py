"""Forecast accuracy metrics: point, scaled, probabilistic and financial.

Pure numpy functions over array-likes; each docstring gives the formula it computes.

Conventions
-----------
- Inputs are array-likes of any shape; the arrays compared must have exactly the same shape (no
  silent broadcasting of a ``(n,)`` against an ``(n, 1)``), otherwise ``ValueError``. Empty inputs
  raise ``ValueError``. Scores are averaged over every element.
- A NaN anywhere in the inputs gives a NaN score (drop or impute missing values before scoring).
- Percent metrics (``mape``, ``smape``) are in percent; ``wape``, ``coverage`` and the financial
  returns are fractions.
- Scalar scores are returned as Python ``float``; per-period returns as ``numpy.ndarray``.

Intermittent (zero-heavy) series
--------------------------------
Sales of slow-moving items are mostly zeros. On such series:

- ``mape`` is undefined at every zero actual. It skips those periods, so it scores only the few
  non-zero periods (and is NaN when every actual is zero); do not use it to rank models there.
- ``smape`` counts a correctly forecast zero (0/0) as a perfect term but any forecast above a zero
  actual as the maximal 200 %, so it punishes forecasts that are right on average.
- ``wape`` (total absolute error over total volume) and ``mase``/``rmsse`` (errors scaled by the
  in-sample seasonal naive error) stay defined and comparable across series: prefer them.
- ``mase``/``rmsse`` are infinite when the training part is constant (for instance all zeros), the
  scale being 0; they are NaN when the forecast is also perfect.
- ``mae`` favours forecasts of the median, which is often 0 on intermittent data; pair it with
  ``bias`` to see whether a model simply under-forecasts.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from ._validation import check_positive_int

__all__ = [
    "mae",
    "rmse",
    "mape",
    "smape",
    "wape",
    "bias",
    "mase",
    "rmsse",
    "pinball_loss",
    "coverage",
    "interval_width",
    "interval_score",
    "msis",
    "crps_from_samples",
    "directional_accuracy",
    "strategy_returns",
    "buy_and_hold_returns",
    "cumulative_return",
    "sharpe_ratio",
    "max_drawdown",
    "sharpe_ratio_se",
    "hit_rate_pvalue",
    "POINT_METRICS",
    "get_metric",
]


# --------------------------------------------------------------------------- validation helpers


def _as_array(values, name: str) -> np.ndarray:
    """Convert to a float64 array, refusing empty inputs."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric, could not convert it to floats: {err}") from err
    if array.size == 0:
        raise ValueError(f"{name} is empty; a metric needs at least one value")
    return array


def _same_shape(**arrays) -> list[np.ndarray]:
    """Convert each keyword argument to an array and check that all shapes are equal."""
    converted = {name: _as_array(values, name) for name, values in arrays.items()}
    shapes = {name: array.shape for name, array in converted.items()}
    if len(set(shapes.values())) > 1:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        names = list(shapes)
        raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} must have the same shape, got {described}")
    return list(converted.values())


def _origin(y_last, target: np.ndarray, name: str = "y_last") -> np.ndarray:
    """Convert the last observed value(s) and check they broadcast to ``target``'s shape."""
    last = _as_array(y_last, name)
    try:
        shape = np.broadcast_shapes(last.shape, target.shape)
    except ValueError:
        shape = None
    if shape != target.shape:
        raise ValueError(
            f"{name} with shape {last.shape} does not broadcast to y_true's shape {target.shape}; "
            f"pass one value per forecast origin, e.g. shape (n_origins, 1) for (n_origins, horizon) targets"
        )
    return last


def _positive_prices(y_last: np.ndarray) -> None:
    """Simple returns y / y_last - 1 need positive prices at the origin."""
    bad = ~(y_last > 0) & ~np.isnan(y_last)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at position {first}" if first else ""
        raise ValueError(
            f"y_last must be positive prices to compute simple returns, got {y_last[first]}{where}; "
            f"pass prices, not returns or differences"
        )


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator with x/0 = inf (x > 0) and 0/0 = nan, without numpy warnings."""
    if denominator == 0:
        return float("nan") if numerator == 0 or np.isnan(numerator) else float("inf")
    return float(numerator / denominator)


def _any_nan(*arrays: np.ndarray) -> bool:
    return any(bool(np.isnan(array).any()) for array in arrays)


# --------------------------------------------------------------------------- point metrics


def mae(y_true, y_pred) -> float:
    """Mean absolute error.

    ``MAE = mean(|y_true - y_pred|)``

    Example
    -------
    >>> mae([1, 2, 3, 4, 5], [2, 3, 4, 5, 9])
    1.6
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error.

    ``RMSE = sqrt(mean((y_true - y_pred)^2))``

    Example
    -------
    >>> rmse([1, 2, 3, 4, 5], [2, 3, 4, 5, 9])  # sqrt((1 + 1 + 1 + 1 + 16) / 5)
    2.0
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error, in percent.

    ``MAPE = 100 * mean over {t : y_true[t] != 0} of |y_true[t] - y_pred[t]| / |y_true[t]|``

    Periods where the actual is 0 have no defined percentage error and are left out of the mean
    (they are neither counted as 0 nor as infinite). When every actual is 0 the result is NaN.
    Use ``wape`` or ``mase`` on series with zeros.

    Example
    -------
    >>> mape([100, 200, 0], [150, 150, 5])  # (50 % + 25 %) / 2, the zero actual is skipped
    37.5
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    if _any_nan(y_true, y_pred):
        return float("nan")
    nonzero = y_true != 0
    if not nonzero.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs(y_true[nonzero] - y_pred[nonzero]) / np.abs(y_true[nonzero])))


def smape(y_true, y_pred) -> float:
    """Symmetric mean absolute percentage error, in percent, between 0 and 200.

    ``sMAPE = 200 * mean(|y_true - y_pred| / (|y_true| + |y_pred|))``, a term with both values 0
    (0/0) counting as 0, a perfect forecast.

    Example
    -------
    >>> smape([1, 0, 0], [3, 0, 2])  # 200 * (2/4 + 0 + 2/2) / 3
    100.0
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    numerator = np.abs(y_true - y_pred)
    denominator = np.abs(y_true) + np.abs(y_pred)
    terms = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)
    # `where` leaves a NaN numerator over a NaN denominator at 0: restore the NaN.
    terms[np.isnan(denominator)] = np.nan
    return float(200.0 * np.mean(terms))


def wape(y_true, y_pred) -> float:
    """Weighted absolute percentage error, as a fraction (multiply by 100 for percent).

    ``WAPE = sum(|y_true - y_pred|) / sum(|y_true|)``

    Also called MAD/mean ratio. Defined on zero-heavy series as long as some actual is non-zero;
    when every actual is 0 it is ``inf`` if any error is non-zero and NaN if the forecast is
    perfect (0/0).

    Example
    -------
    >>> wape([10, 0, 30], [12, 1, 27])  # (2 + 1 + 3) / (10 + 0 + 30)
    0.15
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    return _ratio(float(np.sum(np.abs(y_true - y_pred))), float(np.sum(np.abs(y_true))))


def bias(y_true, y_pred) -> float:
    """Mean error, positive when the forecast is too high.

    ``bias = mean(y_pred - y_true)``

    Example
    -------
    >>> bias([1, 2, 3], [2, 2, 5])  # (1 + 0 + 2) / 3
    1.0
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    return float(np.mean(y_pred - y_true))


# --------------------------------------------------------------------------- scaled metrics


def _seasonal_differences(y_train, season_length) -> np.ndarray:
    """y_train[t] - y_train[t - m] for t = m .. n-1, validated."""
    season_length = check_positive_int(season_length, "season_length")
    y_train = _as_array(y_train, "y_train")
    if y_train.ndim != 1:
        raise ValueError(f"y_train must be one series (1-D), got shape {y_train.shape}")
    if len(y_train) < season_length + 1:
        raise ValueError(
            f"y_train has {len(y_train)} values but season_length={season_length} needs at least "
            f"{season_length + 1} to compute the seasonal naive scale; pass a longer training part "
            f"or a smaller season_length"
        )
    return y_train[season_length:] - y_train[:-season_length]


def mase(y_true, y_pred, y_train, season_length: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    ``MASE = mean(|y_true - y_pred|) / scale`` with
    ``scale = mean(|y_train[t] - y_train[t - m]|)`` over ``t = m .. len(y_train) - 1``,
    ``m = season_length``. The scale is the in-sample error of the seasonal naive forecast, computed
    from the training part only, so a MASE below 1 beats that benchmark (in-sample).

    ``y_train`` must be one series of at least ``m + 1`` values (else ``ValueError`` giving both).
    When the scale is 0 (a constant training part, e.g. all zeros on an intermittent series) the
    result is ``inf`` if any error is non-zero and NaN if the forecast is perfect (0/0).

    Example
    -------
    >>> # scale = (|3-1| + |2-3| + |4-2| + |3-4|) / 4 = 1.5 ; MAE = (1 + 0.5) / 2 = 0.75
    >>> mase([5, 6], [4, 5.5], y_train=[1, 3, 2, 4, 3])
    0.5
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    scale = float(np.mean(np.abs(_seasonal_differences(y_train, season_length))))
    return _ratio(float(np.mean(np.abs(y_true - y_pred))), scale)


def rmsse(y_true, y_pred, y_train, season_length: int = 1) -> float:
    """Root mean squared scaled error (the M5 competition's accuracy measure).

    ``RMSSE = sqrt(mean((y_true - y_pred)^2) / mean((y_train[t] - y_train[t - m])^2))`` over
    ``t = m .. len(y_train) - 1``, ``m = season_length``, the scale coming from the training part only.

    Same rules as ``mase``: ``y_train`` needs at least ``m + 1`` values; a zero scale gives ``inf``
    (errors > 0) or NaN (perfect forecast).

    Example
    -------
    >>> # scale = (4 + 1 + 4 + 1) / 4 = 2.5 ; MSE = (1 + 0.25) / 2 = 0.625 ; sqrt(0.625 / 2.5)
    >>> rmsse([5, 6], [4, 5.5], y_train=[1, 3, 2, 4, 3])
    0.5
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    scale = float(np.mean(_seasonal_differences(y_train, season_length) ** 2))
    return float(np.sqrt(_ratio(float(np.mean((y_true - y_pred) ** 2)), scale)))


# --------------------------------------------------------------------------- probabilistic metrics


def pinball_loss(y_true, y_quantile, quantile: float) -> float:
    """Mean pinball (quantile) loss of a forecast of the ``quantile``-th quantile.

    ``loss = mean(max(q * (y_true - y_quantile), (q - 1) * (y_true - y_quantile)))`` with
    ``0 < q < 1``: under-forecasts cost ``q`` per unit, over-forecasts ``1 - q``. At ``q = 0.5``
    it is half the MAE (no factor 2 is applied).

    Example
    -------
    >>> # 0.75 * (10 - 8) = 1.5 ; (0.75 - 1) * (10 - 13) = 0.75 ; mean 1.125
    >>> pinball_loss([10, 10], [8, 13], quantile=0.75)
    1.125
    """
    if isinstance(quantile, bool) or not isinstance(quantile, numbers.Real) or not 0 < quantile < 1:
        raise ValueError(f"quantile must be a number strictly between 0 and 1, got {quantile!r}")
    y_true, y_quantile = _same_shape(y_true=y_true, y_quantile=y_quantile)
    diff = y_true - y_quantile
    return float(np.mean(np.maximum(quantile * diff, (quantile - 1) * diff)))


def _interval(lower, upper, **others) -> list[np.ndarray]:
    arrays = _same_shape(**others, lower=lower, upper=upper)
    lower, upper = arrays[-2], arrays[-1]
    crossed = lower > upper
    if crossed.any():
        first = tuple(int(i) for i in np.argwhere(crossed)[0])
        raise ValueError(
            f"lower is above upper at {int(crossed.sum())} positions (first at {first}: "
            f"{lower[first]} > {upper[first]}); sort the quantiles before building intervals"
        )
    return arrays


def coverage(y_true, lower, upper) -> float:
    """Fraction of actuals inside their prediction interval, bounds included.

    ``coverage = mean(lower <= y_true <= upper)``; compare it with the nominal level (0.8 for an
    80 % interval). ``lower > upper`` anywhere raises ``ValueError``.

    Example
    -------
    >>> coverage([1, 5, 10, 3], lower=[0, 5, 11, 0], upper=[2, 6, 12, 3])  # 10 is outside
    0.75
    """
    y_true, lower, upper = _interval(lower, upper, y_true=y_true)
    if _any_nan(y_true, lower, upper):
        return float("nan")
    return float(np.mean((lower <= y_true) & (y_true <= upper)))


def interval_width(lower, upper) -> float:
    """Mean width of prediction intervals.

    ``width = mean(upper - lower)``; ``lower > upper`` anywhere raises ``ValueError``.

    Example
    -------
    >>> interval_width([0, 5, 11], [2, 6, 14])  # (2 + 1 + 3) / 3
    2.0
    """
    lower, upper = _interval(lower, upper)
    return float(np.mean(upper - lower))


def _alpha(level) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 100:
        raise ValueError(f"level must be a percentage strictly between 0 and 100 (e.g. 95), got {level!r}")
    return 1.0 - float(level) / 100.0


def interval_score(y_true, lower, upper, level: float) -> float:
    """Mean interval (Winkler) score of central ``level`` % prediction intervals; lower is better.

    ``IS = mean((upper - lower) + 2 / a * (lower - y) * [y < lower] + 2 / a * (y - upper) * [y > upper])``
    with ``a = 1 - level / 100``: the width, plus a penalty for every actual outside its interval that grows
    with the miss and with the level (Gneiting and Raftery 2007). It rewards narrow intervals only when they
    still cover. ``lower > upper`` anywhere raises ``ValueError``.

    Example
    -------
    >>> # widths 2 and 2; the second misses by 1 at a = 0.2: 2 + 2 / 0.2 * 1 = 12 ; mean (2 + 12) / 2
    >>> interval_score([1, 5], lower=[0, 2], upper=[2, 4], level=80)
    7.0
    """
    a = _alpha(level)
    y_true, lower, upper = _interval(lower, upper, y_true=y_true)
    penalty = (2.0 / a) * (np.maximum(lower - y_true, 0.0) + np.maximum(y_true - upper, 0.0))
    return float(np.mean(upper - lower + penalty))


def msis(y_true, lower, upper, y_train, level: float = 95, season_length: int = 1) -> float:
    """Mean scaled interval score, the interval metric of the M4 competition; lower is better.

    ``MSIS = interval_score(y_true, lower, upper, level) / mean(|y_train[t] - y_train[t - m]|)``: the
    `interval_score` divided by the in-sample MAE of the seasonal naive forecast (``m = season_length``),
    as MASE scales the absolute error. Infinite when the training part never changes.

    Example
    -------
    >>> # interval score 7 (see interval_score); scale mean(|2-1|, |4-2|) = 1.5
    >>> round(msis([1, 5], [0, 2], [2, 4], y_train=[1, 2, 4], level=80), 4)
    4.6667
    """
    score = interval_score(y_true, lower, upper, level)
    return _ratio(score, float(np.mean(np.abs(_seasonal_differences(y_train, season_length)))))


def crps_from_samples(y_true, samples) -> float:
    """Mean continuous ranked probability score of forecast distributions given by samples; lower is better.

    For each actual ``y`` with samples ``x_1 .. x_m`` (the last axis of ``samples``, whose other axes must
    match ``y_true``'s shape): ``CRPS = mean_i |x_i - y| - 1 / (2 m^2) * sum_ij |x_i - x_j|``, the energy
    form of the CRPS of the samples' empirical distribution (it equals the MAE for one sample, a point
    forecast). Computed from the sorted samples in ``O(m log m)``.

    Example
    -------
    >>> # samples 0 and 2 around y = 1: mean |x - y| = 1, pair term (0 + 2 + 2 + 0) / (2 * 4) = 0.5
    >>> crps_from_samples([1.0], [[0.0, 2.0]])
    0.5
    """
    y_true = _as_array(y_true, "y_true")
    samples = _as_array(samples, "samples")
    if samples.shape[:-1] != y_true.shape or samples.ndim != y_true.ndim + 1:
        raise ValueError(f"samples must have y_true's shape {y_true.shape} plus one axis of samples, got "
                         f"{samples.shape}")
    if _any_nan(y_true, samples):
        return float("nan")
    m = samples.shape[-1]
    x = np.sort(samples, axis=-1)
    spread = np.mean(np.abs(x - y_true[..., None]), axis=-1)
    weights = 2.0 * np.arange(1, m + 1) - m - 1  # sum_ij |x_i - x_j| = 2 * sum_i (2i - m - 1) x_(i)
    pairs = np.sum(weights * x, axis=-1) / (m * m)
    return float(np.mean(spread - pairs))


# --------------------------------------------------------------------------- financial metrics


def directional_accuracy(y_true, y_pred, y_last) -> float:
    """Hit rate of the predicted direction of moves from the forecast origin.

    ``DA = mean(sign(y_pred - y_last) == sign(y_true - y_last))``

    ``y_last`` is the last observed value at each forecast origin; it must broadcast to ``y_true``'s
    shape (a scalar for one origin, shape ``(n_origins, 1)`` for ``(n_origins, horizon)`` targets).
    Ties are a direction of their own: predicting no move (``y_pred == y_last``) is a hit only when
    the actual did not move either, and any predicted move is a miss when the actual stayed flat.

    Example
    -------
    >>> # true moves +, -, 0, + ; predicted +, +, 0, - : hits 1, 0, 1, 0
    >>> directional_accuracy([101, 99, 100, 102], [102, 101, 100, 99], y_last=100)
    0.5
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    y_last = _origin(y_last, y_true)
    if _any_nan(y_true, y_pred, y_last):
        return float("nan")
    return float(np.mean(np.sign(y_pred - y_last) == np.sign(y_true - y_last)))


def strategy_returns(y_true, y_pred, y_last) -> np.ndarray:
    """Per-period simple returns of a strategy that follows the forecast's direction.

    ``position = sign(y_pred - y_last)`` (+1 long when the forecast is above the last price, -1 short
    when below, 0 flat when equal) and ``return = position * (y_true / y_last - 1)``.

    Conventions: prices must be positive; positions are taken at ``y_last`` and closed at
    ``y_true``; no transaction costs, no financing cost of shorts, no compounding inside a period.
    With one-step forecasts from consecutive origins each element is one period's return, and
    ``cumulative_return``, ``sharpe_ratio`` and ``max_drawdown`` apply directly. With a longer
    horizon from one origin, element ``k`` is the return of holding from the origin to step ``k``,
    and those overlapping returns must not be compounded together.

    Example
    -------
    >>> # long 125/100 - 1 ; short -(150/200 - 1) ; long 50/50 - 1
    >>> strategy_returns([125, 150, 50], [110, 190, 60], y_last=[100, 200, 50])
    array([0.25, 0.25, 0.  ])
    """
    y_true, y_pred = _same_shape(y_true=y_true, y_pred=y_pred)
    y_last = _origin(y_last, y_true)
    _positive_prices(y_last)
    return np.sign(y_pred - y_last) * (y_true / y_last - 1.0)


def buy_and_hold_returns(y_true, y_last) -> np.ndarray:
    """Per-period simple returns of always holding the asset, the benchmark of ``strategy_returns``.

    ``return = y_true / y_last - 1``, with the same conventions as ``strategy_returns``.

    Example
    -------
    >>> buy_and_hold_returns([125, 150, 50], y_last=[100, 200, 50])
    array([ 0.25, -0.25,  0.  ])
    """
    y_true = _as_array(y_true, "y_true")
    y_last = _origin(y_last, y_true)
    _positive_prices(y_last)
    return y_true / y_last - 1.0


def _returns(returns) -> np.ndarray:
    returns = _as_array(returns, "returns")
    if returns.ndim != 1:
        raise ValueError(f"returns must be one sequence in time order (1-D), got shape {returns.shape}")
    return returns


def cumulative_return(returns) -> float:
    """Total compounded simple return of a sequence of per-period returns.

    ``cumulative = prod(1 + r) - 1``

    Example
    -------
    >>> cumulative_return([0.25, 0.25, 0.0])  # 1.25 * 1.25 * 1 - 1
    0.5625
    """
    return float(np.prod(1.0 + _returns(returns)) - 1.0)


def sharpe_ratio(returns, periods_per_year: int = 252, risk_free: float = 0.0) -> float:
    """Annualised Sharpe ratio of per-period simple returns.

    ``sharpe = mean(r - rf_p) / std(r - rf_p, ddof=1) * sqrt(periods_per_year)`` where
    ``rf_p = (1 + risk_free) ** (1 / periods_per_year) - 1`` turns the annual risk-free rate
    ``risk_free`` into a per-period one. Use 252 for daily, 52 weekly, 12 monthly data.

    The result is NaN when there are fewer than 2 returns or the excess returns are all equal
    (zero standard deviation).

    Example
    -------
    >>> # mean 0.02, std (ddof=1) 0.02, quarterly data: 0.02 / 0.02 * sqrt(4)
    >>> round(sharpe_ratio([0.02, 0.0, 0.04], periods_per_year=4), 6)
    2.0
    """
    returns = _returns(returns)
    periods_per_year = check_positive_int(periods_per_year, "periods_per_year")
    if isinstance(risk_free, bool) or not isinstance(risk_free, numbers.Real) or not risk_free > -1:
        raise ValueError(f"risk_free must be an annual rate above -1, got {risk_free!r}")
    excess = returns - ((1.0 + risk_free) ** (1.0 / periods_per_year) - 1.0)
    if len(excess) < 2 or np.ptp(excess) == 0:
        return float("nan")
    return float(np.mean(excess) / np.std(excess, ddof=1) * np.sqrt(periods_per_year))


def sharpe_ratio_se(returns, periods_per_year: int = 252, risk_free: float = 0.0) -> float:
    """Standard error of the annualised `sharpe_ratio` under independent returns (Lo 2002).

    With ``T`` returns and per-period Sharpe ratio ``SR`` (not annualised),
    ``se = sqrt((1 + SR^2 / 2) / T) * sqrt(periods_per_year)``: the asymptotic standard error of Lo (2002,
    "The Statistics of Sharpe Ratios", equation 9), annualised like the ratio. A Sharpe ratio within two
    standard errors of 0 is no evidence of skill. NaN where `sharpe_ratio` is NaN.

    Example
    -------
    >>> # per-period SR 1 over 3 returns: sqrt(1.5 / 3) * sqrt(4)
    >>> round(sharpe_ratio_se([0.02, 0.0, 0.04], periods_per_year=4), 6)
    1.414214
    """
    annual = sharpe_ratio(returns, periods_per_year, risk_free)
    if np.isnan(annual):
        return float("nan")
    n = len(_returns(returns))
    per_period = annual / np.sqrt(periods_per_year)
    return float(np.sqrt((1.0 + per_period**2 / 2.0) / n) * np.sqrt(periods_per_year))


def hit_rate_pvalue(hits: int, trades: int) -> float:
    """One-sided binomial p-value of a hit rate: ``P(X >= hits)`` for ``X ~ Binomial(trades, 0.5)``.

    The probability that a coin flip would call at least ``hits`` of ``trades`` directions right; below
    0.05 the hit rate is significantly better than chance. NaN for no trades.

    Example
    -------
    >>> hit_rate_pvalue(9, 10)  # (C(10, 9) + C(10, 10)) / 2^10 = 11 / 1024
    0.0107421875
    """
    for value, name in ((hits, "hits"), (trades, "trades")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    if hits > trades:
        raise ValueError(f"hits ({hits}) cannot exceed trades ({trades})")
    if trades == 0:
        return float("nan")
    k = np.arange(int(hits), int(trades) + 1)
    from math import lgamma, log

    log_terms = np.array([lgamma(trades + 1) - lgamma(i + 1) - lgamma(trades - i + 1) for i in k]) - trades * log(2)
    top = log_terms.max()
    return float(min(1.0, np.exp(top) * np.sum(np.exp(log_terms - top))))


def max_drawdown(returns) -> float:
    """Largest peak-to-trough fall of the equity curve, as a negative fraction (0 if none).

    ``equity = [1, cumprod(1 + r)]`` (starting equity 1 counts as a peak),
    ``max_drawdown = min(equity / running_max(equity) - 1)``

    Example
    -------
    >>> # equity 1, 1.25, 0.625, 0.9375 : from the peak 1.25 down to 0.625
    >>> max_drawdown([0.25, -0.5, 0.5])
    -0.5
    """
    equity = np.concatenate([[1.0], np.cumprod(1.0 + _returns(returns))])
    return float(np.min(equity / np.maximum.accumulate(equity) - 1.0))


# --------------------------------------------------------------------------- registry


POINT_METRICS: dict[str, Callable[..., float]] = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "smape": smape,
    "wape": wape,
    "bias": bias,
}
"""The metrics computed from ``(y_true, y_pred)`` alone, by name."""


def get_metric(name: str) -> Callable[..., float]:
    """Return the point metric called ``name`` from ``POINT_METRICS``.

    Example
    -------
    >>> get_metric("mae")([1, 2], [2, 4])
    1.5
    """
    try:
        return POINT_METRICS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown metric {name!r}; valid names are {', '.join(sorted(POINT_METRICS))}"
        ) from None
