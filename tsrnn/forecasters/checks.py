"""The shared contract suite every forecaster's tests run, like scikit-learn's ``check_estimator``.

`check_forecaster` raises an AssertionError that names the broken rule; it imports no test framework.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from .._estimator import check_is_fitted
from .._schema import POINT
from ..data import Panel, to_panel
from ..errors import NotFittedError
from .base import _panel_future

__all__ = ["check_forecaster", "synthetic_panel", "synthetic_future"]

# "Not fitted" as tsrnn says it, or as scikit-learn's own check_is_fitted does (a subclass may call that one).
_NOT_FITTED = (NotFittedError, SklearnNotFittedError)

# Forecasts of two fits are compared with this tolerance: exact for closed-form models, and loose enough
# only for the last-bit differences of threaded float32 reductions in neural models.
_RTOL, _ATOL = 1e-5, 1e-6


_SERIES = (("a", "2015-01-01", 48, 100.0), ("b", "2015-05-01", 44, 20.0), ("c", "2016-01-01", 48, 50.0))


def _synthetic(seed: int, covariate: bool, extra: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for uid, start, length, level in _SERIES:
        n = length + extra
        t = np.arange(n, dtype=np.float64)
        y = level + 0.5 * t + 0.1 * level * np.sin(2 * np.pi * t / 12) + rng.normal(0.0, 0.02 * level, n)
        part = pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=n, freq="MS"), "y": y})
        if covariate:  # a promotion every fifth month, known in advance, that lifts sales by a tenth
            promo = (np.arange(n) % 5 == 0).astype(np.float64)
            part["y"] += 0.1 * level * promo
            part["promo"] = promo
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def synthetic_panel(seed: int = 0, covariate: bool = False) -> pd.DataFrame:
    """Three monthly series (trend + yearly season + noise) with different starts and ends, as a long frame.

    Lengths are 48, 44 and 48; series ``"c"`` ends a year after the other two, so per-series future
    timestamps are exercised. ``covariate=True`` adds a column ``promo`` (1 every fifth month, lifting the
    target by a tenth of its level) that is known in advance: `synthetic_future` gives its future values.

    Example
    -------
    >>> df = synthetic_panel()
    >>> for uid, ds in df.groupby("unique_id")["ds"]:
    ...     print(uid, len(ds), ds.min().date(), ds.max().date())
    a 48 2015-01-01 2018-12-01
    b 44 2015-05-01 2018-12-01
    c 48 2016-01-01 2019-12-01
    >>> list(synthetic_panel(covariate=True).columns)
    ['unique_id', 'ds', 'y', 'promo']
    """
    return _synthetic(seed, covariate, 0)


def synthetic_future(horizon: int, seed: int = 0) -> pd.DataFrame:
    """``X_future`` for ``synthetic_panel(seed, covariate=True)``: ``unique_id, ds, promo`` for the ``horizon``
    months after each series' end.

    Example
    -------
    >>> synthetic_future(2).groupby("unique_id")["ds"].min().dt.strftime("%Y-%m").tolist()
    ['2019-01', '2019-01', '2020-01']
    """
    full = _synthetic(seed, True, horizon)
    lengths = {uid: length for uid, _, length, _ in _SERIES}
    position = full.groupby("unique_id").cumcount()
    future = full[position.to_numpy() >= full["unique_id"].map(lengths).to_numpy()]
    return future[["unique_id", "ds", "promo"]].reset_index(drop=True)


def check_forecaster(forecaster, df=None, horizon: int = 3, X_future=None) -> None:
    """Run the estimator contract (DESIGN.md, rule 11) on ``forecaster``; raise AssertionError on a breach.

    Checked, in this order: ``__init__`` stores its keyword arguments unchanged and nothing else (compared
    with its signature); ``clone`` gives an unfitted copy with equal parameters; ``get_params`` /
    ``set_params`` round-trip; ``predict`` before ``fit`` raises ``NotFittedError``; ``fit`` returns
    ``self``, leaves the parameters and the input frame unchanged (so does ``predict``); the forecast has
    the columns ``unique_id, ds, y_pred`` first, ``n_series * horizon`` rows, the timestamps that follow
    each series' end on its frequency grid, and no NaN in ``y_pred``; fitting twice gives the same
    forecast, and so do two independent clones with the same parameters. A ``random_state`` left at None
    is set to 0 for these comparisons (a seed is what makes them comparable). Then the array contract:
    ``forecast_at`` (the batched ``_predict_at``) at two cutoffs of every series equals ``_predict`` on the
    panel cut at those cutoffs; and the data's own column names work: the same data with the id, time and
    target columns renamed, fitted with ``id_col=``/``time_col=``/``target_col=`` and forecast with an
    ``X_future`` under the same names, gives the same forecast.

    ``df`` is any input ``fit`` accepts with the default column names, and ``X_future`` the future values of
    its known covariates (default: `synthetic_panel` with its ``promo`` covariate and `synthetic_future`:
    three monthly series of 44-48 points). Run it over the forecaster's ``get_test_params()`` to keep it fast.

    Example
    -------
    >>> from tsrnn.forecasters.naive import NaiveForecaster, SeasonalNaiveForecaster
    >>> check_forecaster(NaiveForecaster())
    >>> check_forecaster(SeasonalNaiveForecaster(season_length=12), horizon=14)
    >>> class Forgetful(NaiveForecaster):  # breaks the contract: __init__ drops its argument
    ...     def __init__(self, scale=1.0):
    ...         pass
    >>> check_forecaster(Forgetful())
    Traceback (most recent call last):
    ...
    AssertionError: Forgetful.__init__ must store its argument 'scale' as self.scale (house rule 1); it did not
    """
    if df is None:
        df = synthetic_panel(covariate=True)
        X_future = synthetic_future(horizon) if X_future is None else X_future
    name = type(forecaster).__name__
    _check_init(forecaster, name)
    _check_clone(forecaster, name)
    _check_get_set_params(forecaster, name)
    _check_not_fitted(forecaster, name, horizon)

    seeded = clone(forecaster)
    if "random_state" in seeded.get_params(deep=False) and seeded.get_params(deep=False)["random_state"] is None:
        seeded.set_params(random_state=0)
    params_before = seeded.get_params(deep=False)
    snapshot = _snapshot(df)

    model = clone(seeded)
    returned = model.fit(df)
    if returned is not model:
        raise AssertionError(f"{name}.fit must return self, it returned {type(returned).__name__}")
    try:
        check_is_fitted(model)
    except _NOT_FITTED:
        raise AssertionError(f"{name} is not fitted after fit (check_is_fitted fails)") from None
    _assert_same_params(params_before, model.get_params(deep=False), f"{name}.fit changed its parameters")
    future_snapshot = None if X_future is None else X_future.copy(deep=True)
    first = model.predict(horizon=horizon, X_future=X_future)
    _assert_unchanged(df, snapshot, name)
    if X_future is not None:
        _assert_unchanged(X_future, future_snapshot, name)
    _check_output(first, df, horizon, name)

    model.fit(df)
    _assert_same_forecast(first, model.predict(horizon=horizon, X_future=X_future),
                          f"{name} fitted twice on the same data")
    other = clone(seeded).fit(df)
    _assert_same_forecast(first, other.predict(horizon=horizon, X_future=X_future),
                          f"two clones of {name} with the same parameters (random_state included)")
    scribbled = model.predict(horizon=horizon, X_future=X_future)  # the user's frame to change as they like
    for k in np.flatnonzero(scribbled.dtypes.map(lambda t: t.kind == "f").to_numpy()):
        scribbled.iloc[:, k] = -1e9  # in place: a frame sharing memory with the model's arrays would leak it
    _assert_same_forecast(first, model.predict(horizon=horizon, X_future=X_future),
                          f"{name}.predict after the caller wrote into an earlier forecast frame")
    _assert_unchanged(df, snapshot, name)
    _check_predict_at(model, df, horizon, name)
    _check_custom_columns(seeded, df, X_future, horizon, first, name)


def _check_predict_at(model, df, horizon: int, name: str) -> None:
    """``forecast_at`` at two cutoffs per series equals ``_predict`` on the panel cut at each cutoff."""
    panel = df if isinstance(df, Panel) else to_panel(df)
    names = model.known_covariates_
    span = model._future_span(horizon)
    n = panel.n_series
    rows = np.arange(n)
    rounds = [panel.lengths - span, panel.lengths - span - 1]
    if min(int(c.min()) for c in rounds) < max(model.min_history, 1):
        return  # the series are too short to cut: nothing to compare
    try:
        got = model.forecast_at(panel, np.tile(rows, 2), np.concatenate(rounds), horizon)
    except Exception as err:  # noqa: BLE001 - any failure breaks the contract
        raise AssertionError(f"{name}.forecast_at fails where predict works: {type(err).__name__}: {err}") from err
    for k, cutoffs in enumerate(rounds):
        future = _panel_future(panel, rows, cutoffs, span, names) if names else None
        want = model._predict(panel.slice(0, cutoffs), horizon, future, None)
        if sorted(want) != sorted(got):
            raise AssertionError(f"{name}.forecast_at returns the columns {sorted(got)}, _predict {sorted(want)}")
        for column, values in want.items():
            part = np.asarray(got[column])[k * n : (k + 1) * n]
            if not np.allclose(part, values, rtol=_RTOL, atol=_ATOL, equal_nan=True):
                raise AssertionError(f"{name}._predict_at differs from _predict on the panel cut at the same "
                                     f"cutoffs ({column}, cutoffs {cutoffs.tolist()}): {part.tolist()} != "
                                     f"{np.asarray(values).tolist()}")


_CUSTOM = {"unique_id": "store", "ds": "week", "y": "sales"}


def _check_custom_columns(seeded, df, X_future, horizon: int, expected: pd.DataFrame, name: str) -> None:
    """The same data and ``X_future`` under other column names, named in ``fit``, give the same forecast."""
    if not isinstance(df, pd.DataFrame) or not set(_CUSTOM) <= set(df.columns) or set(_CUSTOM.values()) & set(df.columns):
        return  # a Series, a wide frame or a Panel has no id/time columns to rename
    renamed = df.rename(columns=_CUSTOM)
    future = None if X_future is None else X_future.rename(columns=_CUSTOM)
    try:
        model = clone(seeded).fit(renamed, id_col="store", time_col="week", target_col="sales")
        got = model.predict(horizon=horizon, X_future=future)
    except Exception as err:  # noqa: BLE001 - any failure breaks the contract
        raise AssertionError(f"{name} fails with the data's own column names (id_col='store', time_col='week', "
                             f"target_col='sales', X_future named alike): {type(err).__name__}: {err}") from err
    _assert_same_forecast(expected, got, f"{name} fitted and forecast with custom column names")


def _init_parameters(cls) -> list[inspect.Parameter]:
    if cls.__init__ is object.__init__:
        return []
    return [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]


def _check_init(forecaster, name: str) -> None:
    cls = type(forecaster)
    parameters = _init_parameters(cls)
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise AssertionError(f"{name}.__init__ takes *{p.name}; list every parameter explicitly (house rule 1)")
        if p.default is p.empty:
            raise AssertionError(f"{name}.__init__ parameter {p.name!r} has no default (house rule 1)")
    names = [p.name for p in parameters]

    # Instances built with sentinel objects must hold exactly those objects: no copy, no conversion.
    sentinels = {n: _Sentinel(n) for n in names}
    try:
        built = cls(**sentinels)
    except Exception as err:  # noqa: BLE001 - any use of the arguments in __init__ breaks the contract
        raise AssertionError(f"{name}.__init__ must only store its arguments, but it fails on placeholder "
                             f"values: {type(err).__name__}: {err}. Validate in fit (house rule 1)") from err
    for n, sentinel in sentinels.items():
        if getattr(built, n, None) is not sentinel:
            raise AssertionError(f"{name}.__init__ must store its argument {n!r} as self.{n} (house rule 1); "
                                 "it did not")
    params = forecaster.get_params(deep=False)
    if sorted(params) != sorted(names):
        raise AssertionError(f"{name}.get_params() returns {sorted(params)} but __init__ takes {sorted(names)}")
    default = cls()
    for p in parameters:
        if getattr(default, p.name) is not p.default:
            raise AssertionError(f"{name}() stores {getattr(default, p.name)!r} as {p.name}, not the default "
                                 f"{p.default!r} of the signature")
    extra = sorted(k for k in vars(default) if not k.startswith("_") and k not in names)
    if extra:
        raise AssertionError(f"{name}.__init__ sets {extra}, which are not parameters; derive them in fit "
                             "with a trailing underscore")


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<sentinel for {self.name}>"


def _check_clone(forecaster, name: str) -> None:
    try:
        copy = clone(forecaster)
    except Exception as err:  # noqa: BLE001 - any failure of clone breaks the contract
        raise AssertionError(f"clone({name}) fails: {type(err).__name__}: {err}") from err
    if type(copy) is not type(forecaster) or copy is forecaster:
        raise AssertionError(f"clone({name}) must return a new {name}")
    _assert_same_params(forecaster.get_params(deep=False), copy.get_params(deep=False),
                        f"clone({name}) changed the parameters")
    if any(k.endswith("_") and not k.startswith("_") for k in vars(copy)):
        raise AssertionError(f"clone({name}) carries fitted attributes: {sorted(vars(copy))}")


def _check_get_set_params(forecaster, name: str) -> None:
    params = forecaster.get_params(deep=False)
    target = clone(forecaster)
    returned = target.set_params(**params)
    if returned is not target:
        raise AssertionError(f"{name}.set_params must return self")
    _assert_same_params(params, target.get_params(deep=False), f"{name}.set_params(**get_params()) round trip")
    for key, value in params.items():
        if getattr(target, key) is not value:
            raise AssertionError(f"{name}.set_params({key}=...) did not store the given object as self.{key}")


def _check_not_fitted(forecaster, name: str, horizon: int) -> None:
    try:
        clone(forecaster).predict(horizon=horizon)
    except _NOT_FITTED:
        return
    except Exception as err:  # noqa: BLE001 - the wrong exception type is the failure being reported
        kind = type(err).__name__ if type(err).__module__ == "builtins" else f"{type(err).__module__}.{type(err).__name__}"
        raise AssertionError(f"{name}.predict before fit must raise NotFittedError, it raised {kind}: {err}") from err
    raise AssertionError(f"{name}.predict before fit must raise NotFittedError, it returned a forecast")


def _check_output(forecast, df, horizon: int, name: str) -> None:
    if not isinstance(forecast, pd.DataFrame):
        raise AssertionError(f"{name}.predict must return a DataFrame, got {type(forecast).__name__}")
    head = list(forecast.columns[:3])
    if head != ["unique_id", "ds", POINT]:
        raise AssertionError(f"{name}.predict columns must start with ['unique_id', 'ds', 'y_pred'], got "
                             f"{list(forecast.columns)}")
    panel = to_panel(df)
    if len(forecast) != panel.n_series * horizon:
        raise AssertionError(f"{name}.predict(horizon={horizon}) returned {len(forecast)} rows for "
                             f"{panel.n_series} series; expected {panel.n_series * horizon}")
    for i, uid in enumerate(panel.ids):
        rows = forecast.iloc[i * horizon : (i + 1) * horizon]
        if list(rows["unique_id"]) != [uid] * horizon:
            raise AssertionError(f"{name}.predict rows {i * horizon}..{(i + 1) * horizon - 1} must hold series "
                                 f"{uid!r} (series after series, in the panel's order); got "
                                 f"{rows['unique_id'].unique().tolist()}")
        want = panel.future_index(i, horizon)
        got = pd.DatetimeIndex(rows["ds"])
        if not (len(got) == len(want) and (got == want).all()):
            raise AssertionError(f"{name}.predict timestamps of series {uid!r} are {got.tolist()}; the "
                                 f"{horizon} steps after its end {panel.end(i)} on the "
                                 f"{panel.freq.freqstr!r} grid are {want.tolist()}")
    y_pred = pd.to_numeric(forecast[POINT], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(y_pred).all():
        bad = int(np.flatnonzero(~np.isfinite(y_pred))[0])
        raise AssertionError(f"{name}.predict y_pred has a missing or infinite value: series "
                             f"{forecast['unique_id'].iloc[bad]!r} at {forecast['ds'].iloc[bad]}")


def _snapshot(df):
    if isinstance(df, Panel):
        return Panel(df.ids.copy(), df.values.copy(), df.offsets.copy(), df.starts.copy(), df.freq,
                     df.covariates.copy(), df.covariate_names)
    return df.copy(deep=True)


def _assert_unchanged(df, snapshot, name: str) -> None:
    if isinstance(df, Panel):
        if not df.equals(snapshot):
            raise AssertionError(f"{name} modified the Panel it was given")
        return
    try:
        if isinstance(df, pd.Series):
            pd.testing.assert_series_equal(df, snapshot, check_exact=True, check_freq=True)
        else:
            pd.testing.assert_frame_equal(df, snapshot, check_exact=True, check_freq=True)
    except AssertionError as err:
        raise AssertionError(f"{name} modified the caller's data (house rule 4): {err}") from None


def _assert_same_forecast(expected: pd.DataFrame, got: pd.DataFrame, what: str) -> None:
    try:
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=_RTOL, atol=_ATOL)
    except AssertionError as err:
        raise AssertionError(f"{what} gave different forecasts: {err}") from None


def _same_value(a, b) -> bool:
    if a is b:
        return True
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        return type(a) is type(b) and _same_params(a.get_params(deep=False), b.get_params(deep=False))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - objects without a usable == are compared by identity above
        return False


def _same_params(a: dict, b: dict) -> bool:
    return sorted(a) == sorted(b) and all(_same_value(a[k], b[k]) for k in a)


def _assert_same_params(expected: dict, got: dict, what: str) -> None:
    if sorted(expected) != sorted(got):
        raise AssertionError(f"{what}: parameter names {sorted(got)} != {sorted(expected)}")
    for key in expected:
        if not _same_value(expected[key], got[key]):
            raise AssertionError(f"{what}: {key}={got[key]!r}, expected {expected[key]!r}")
