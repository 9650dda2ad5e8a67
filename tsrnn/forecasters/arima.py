"""ARIMA forecasts on statsmodels, one model per series, with the Hyndman-Khandakar automatic order search.

Also home of the per-series machinery the statsmodels forecasters share (warning capture, fit report,
seasonal-naive fallback, parallel fits), which `tsrnn.forecasters.ets` reuses.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.signal import lfilter
from threadpoolctl import ThreadpoolController

from .._estimator import check_is_fitted
from .._parallel import check_backend, map_jobs
from .._schema import POINT, interval_column, interval_column_names
from .._validation import check_bool, check_int, check_n_jobs, check_str_list
from ..data import Panel
from ..errors import DataError
from ..frequency import season_length_for
from . import _statespace
from .base import BaseForecaster, check_positive_int
from .naive import MeanForecaster, SeasonalNaiveForecaster
from .tags import ForecasterTags

__all__ = ["ARIMAForecaster"]

_CRITERIA = ("aicc", "aic", "bic")
_KPSS_CRITICAL_5PCT = 0.463  # level-stationarity KPSS test, 5% (Kwiatkowski et al. 1992, table 1)
_SEASONAL_STRENGTH_THRESHOLD = 0.64  # forecast::nsdiffs(test="seas")
_MAX_STEPWISE_MODELS = 94  # forecast::auto.arima's nmodels
_MAX_EXACT_TRIES = 3  # best-ranked candidates tried in turn when the exact fit of the winner fails
# Restoring an ARIMA runs one Kalman filter per series, whose cost grows as states**3 * observations. A fitted
# model of this size would have taken far longer to fit; a saved model asking for more is refused as implausible.
_MAX_FILTER_COST = 4e9


# ----------------------------------------------------------------------------------------------------------
# Shared per-series machinery (also used by ets.py)
# ----------------------------------------------------------------------------------------------------------


@dataclass
class _SeriesFit:
    """What fitting one series produced: a statsmodels result, a mean model or a seasonal-naive fallback.

    A model loaded from a folder may carry only ``snapshot`` (its state at the end of the data, enough to
    forecast: `tsrnn.forecasters._statespace`) and ``rebuild``, which builds the statsmodels results from the
    saved parameters the first time ``result`` is read (to apply the model to new history, or to inspect it).
    """

    kind: str  # "model" | "mean" | "naive"
    _result: object = None  # statsmodels results for kind == "model"
    info: dict = field(default_factory=dict)  # the series' row of the fitted-model table
    status: str = "ok"  # "ok" | "reduced" | "fallback"
    message: str = ""
    n_warnings: int = 0
    snapshot: object = None  # a StateSnapshot, when the model was loaded and not rebuilt yet
    rebuild: object = field(default=None, repr=False)  # () -> statsmodels results

    @property
    def result(self):
        if self._result is None and self.rebuild is not None:
            self._result, self.rebuild = self.rebuild(), None
        return self._result

    @result.setter
    def result(self, value) -> None:
        self._result = value

    @property
    def built(self) -> bool:
        """Whether the statsmodels results exist (or need no rebuilding)."""
        return self._result is not None or self.rebuild is None


@functools.lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()  # finding the BLAS libraries reads /proc maps (ms): done once per process


def _one_blas_thread():
    """A context running BLAS on one thread: the matrices of one series are tiny, so threads only add
    synchronisation (OpenBLAS's default threads made 8 wineind fits 13x slower on a busy 2-core machine)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def _summarise_warnings(caught) -> str:
    counts = Counter(f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}" for w in caught)
    return "; ".join(text if n == 1 else f"{text} (x{n})" for text, n in counts.items())


def _fit_captured(fit_one, y: np.ndarray, X: np.ndarray | None, spec) -> _SeriesFit:
    """Run ``fit_one(y, X, spec, notes)`` with every warning recorded instead of printed.

    A constant series gets the mean model; anything ``fit_one`` raises turns into the seasonal-naive
    fallback. ``fit_one`` returns ``(kind, result, info, status)`` and appends explanations to ``notes``.
    """
    notes: list[str] = []
    # The matrices of one series are tiny: BLAS threads only add synchronisation (OpenBLAS's default threads
    # made 8 wineind fits 13x slower on a busy 2-core machine), so each fit runs on one BLAS thread.
    with warnings.catch_warnings(record=True) as caught, _one_blas_thread():
        warnings.simplefilter("always")
        if np.ptp(y) == 0:
            fit = _SeriesFit("mean", info={"model": "Mean"}, status="reduced")
            notes.append("constant series: forecast with the mean model (zero-width intervals)")
        else:
            try:
                kind, result, info, status = fit_one(y, X, spec, notes)
                fit = _SeriesFit(kind, result, info, status)
            except Exception as err:  # any failure of the model becomes the documented fallback
                fit = _SeriesFit("naive", info={"model": "SeasonalNaive"}, status="fallback")
                notes.append(f"fit failed ({type(err).__name__}: {err}); forecast with seasonal naive")
    fit.n_warnings = len(caught)
    fit.message = "; ".join(notes + ([_summarise_warnings(caught)] if caught else []))
    return fit


def _apply_captured(apply_model, result, y: np.ndarray, X: np.ndarray | None):
    """``apply_model(result, y, X)`` (a fitted model on new history), warnings silenced, on one BLAS thread; an
    exception is returned, not raised, so that the caller can name the series."""
    try:
        with warnings.catch_warnings(), _one_blas_thread():
            warnings.simplefilter("ignore")
            return apply_model(result, y, X)
    except Exception as err:  # noqa: BLE001 - statsmodels raises many types; the caller re-raises with context
        return _picklable_error(err)


def _picklable_error(err: Exception) -> Exception:
    """``err`` when it survives pickling (joblib workers send it back), else a RuntimeError saying what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(err).__name__}: {err}")


def _map_series(n_jobs, func, arg_list: list[tuple], backend=None) -> list:
    """``[func(*args) for args in arg_list]``: here, on ``n_jobs`` joblib workers, or on the cluster that
    ``backend`` names (`tsrnn._parallel.map_jobs`)."""
    return map_jobs(func, arg_list, n_jobs, backend)


def _check_criterion(value) -> str:
    if not isinstance(value, str) or value not in _CRITERIA:
        raise ValueError(f"information_criterion must be one of {_CRITERIA}, got {value!r}")
    return value


class _FittedTable:
    """A fitted table (``fit_report_``, ``fitted_orders_``, ...) built from ``models_`` when first read and kept:
    loading a saved model builds no DataFrame nobody asks for."""

    def __init__(self, build: str):
        self.build = build

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if "models_" not in obj.__dict__ or self.name not in ("fit_report_", type(obj)._table_attr):
            raise AttributeError(f"{type(obj).__name__!r} object has no attribute {self.name!r}")
        table = getattr(obj, self.build)()
        obj.__dict__[self.name] = table
        return table


class _PerSeriesForecaster(BaseForecaster):
    """One statsmodels model per series, fitted independently (in parallel when ``n_jobs != 1``).

    Subclasses provide ``_make_spec(panel)``, the module-level ``_fit_one`` function, ``_forecast_model``,
    ``_apply_model``, ``_table_attr`` and ``_table_columns``.
    """

    _table_attr = "fitted_models_"
    _table_columns: tuple[str, ...] = ("model",)
    _execution_params = ("n_jobs", "backend")
    fit_report_ = _FittedTable("_fit_report")
    fitted_models_ = _FittedTable("_fitted_table")

    def _tags(self) -> ForecasterTags:
        return ForecasterTags(intervals=True)

    def _min_length(self) -> int:
        return 3

    def _exog_names(self, panel: Panel) -> tuple[str, ...]:
        return ()

    @property
    def known_covariates_(self) -> tuple[str, ...]:
        """The exogenous regressors of the fitted model: their future values are needed to forecast."""
        check_is_fitted(self)
        return tuple(self.exog_names_)

    def _series_inputs(self, panel: Panel, i: int, names: tuple[str, ...]):
        y = panel.series(i).astype(np.float64)
        if not names:
            return y, None
        missing = [n for n in names if n not in panel.covariate_names]
        if missing:
            raise DataError(f"the data has no covariate column(s) {missing} the model was fitted with; "
                            f"it has {list(panel.covariate_names)}")
        cols = [panel.covariate_names.index(n) for n in names]
        return y, panel.covariates_of(i)[:, cols].astype(np.float64)

    def _fit(self, panel: Panel) -> None:
        n_jobs = check_n_jobs(self.n_jobs)
        backend = check_backend(self.backend)
        spec = self._make_spec(panel)
        names = self._exog_names(panel)
        args = [(type(self)._fit_one, *self._series_inputs(panel, i, names), spec) for i in range(panel.n_series)]
        self._set_fits(panel, spec, names, _map_series(n_jobs, _fit_captured, args, backend))

    def _set_fits(self, panel: Panel, spec, names: list[str], fits: list) -> None:
        """The fitted attributes, from one fit per series (by `_fit`, or restored from a saved folder)."""
        self.spec_ = spec
        self.season_length_ = spec.m
        self.exog_names_ = names
        self.models_ = fits
        self._fit_ids = panel.ids
        for name in ("fit_report_", self._table_attr):  # built again from these fits when first read
            self.__dict__.pop(name, None)

    def _fitted_table(self) -> pd.DataFrame:
        """The chosen model per series (``fitted_models_`` / ``fitted_orders_``)."""
        columns = {"unique_id": list(self._fit_ids)}  # built column by column: ids may be tuples
        for c in self._table_columns:
            columns[self.spec_.criterion if c == "ic" else c] = [fit.info.get(c) for fit in self.models_]
        return pd.DataFrame(columns)

    def _fit_report(self) -> pd.DataFrame:
        """One row per series: how its fit went (``fit_report_``)."""
        fits = self.models_
        return pd.DataFrame({"unique_id": self._fit_ids, "status": [f.status for f in fits],
                             "n_warnings": [f.n_warnings for f in fits], "message": [f.message for f in fits]})

    def _predict(self, panel: Panel, horizon: int, future, levels):
        names = self.exog_names_
        x_future = None if future is None else np.asarray(future, dtype=np.float64)  # [n_series, horizon, k]
        with _one_blas_thread():
            if panel is self.panel_:
                fits = self.models_
            else:
                fits = self._fits_for_history(panel, names)
            return self._forecast_all(panel, fits, horizon, x_future, levels)

    def _forecast_all(self, panel: Panel, fits, horizon: int, x_future, levels):
        columns = [POINT, *(interval_column_names(levels) if levels else [])]
        out = {c: np.empty((panel.n_series, horizon)) for c in columns}
        simple: dict[tuple[str, int], list[int]] = {}
        for i, fit in enumerate(fits):
            if fit.kind == "model":
                xf = None if x_future is None else x_future[i]
                snapshot = self._snapshot_of(fit, self._series_inputs(panel, i, self.exog_names_)[1])
                if snapshot is not None:  # the state at the end of the data: the forecast statsmodels would make
                    one = snapshot.forecast(horizon, xf, levels)
                else:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        one = self._forecast_model(fit.result, horizon, xf, levels)
                for c in columns:
                    out[c][i] = one[c]
            else:
                m = self.season_length_ if fit.kind == "naive" and panel.lengths[i] >= self.season_length_ else 1
                simple.setdefault((fit.kind, m), []).append(i)
        for (kind, m), rows in simple.items():
            baseline = MeanForecaster() if kind == "mean" else SeasonalNaiveForecaster(season_length=m)
            frame = baseline.fit(panel.select(rows)).predict(horizon, level=levels)
            for c in columns:
                out[c][rows] = frame[c].to_numpy().reshape(len(rows), horizon)
        return out

    # -- persistence (tsrnn.forecasters.io writes and reads the folder) ----------------------------------------
    def _saved_state(self) -> tuple[dict, dict, None]:
        """Each series' fitted model as a JSON record and its parameter vector (empty for mean/naive fallbacks):
        loading filters with these parameters instead of searching again."""
        from .io import _plain

        records, arrays = [], {}
        for i, fit in enumerate(self.models_):
            record = {"kind": fit.kind, "status": fit.status, "message": str(fit.message),
                      "n_warnings": int(fit.n_warnings), "info": _plain(fit.info, "the fitted-model table")}
            theta = []
            if fit.kind == "model":
                record.update(self._result_record(fit.result))
                theta = list(map(float, fit.result.params))
                snapshot = self._snapshot_of(fit, self._series_inputs(self.panel_, i, self.exog_names_)[1])
                if snapshot is not None:
                    arrays[f"fit_state_{i}"] = snapshot.pack()
            records.append(record)
            arrays[f"fit_params_{i}"] = np.asarray(theta, dtype=np.float64)
        return {"refit_on_load": False, "fits": records}, arrays, None

    def _snapshot_of(self, fit: _SeriesFit, X):
        """A fitted model's state at the end of its data (``X``: its regressors), from which it forecasts and
        which is saved beside its parameters so that loading need not filter; ``None`` where the model has no
        such state (it forecasts with statsmodels and is rebuilt by filtering when loaded)."""
        return None

    @staticmethod
    def _result_record(result) -> dict:
        """What, beside the parameters, rebuilds a series' statsmodels results (subclasses add to it)."""
        return {}

    def _restore_state(self, config: dict, arrays: dict, panel: Panel, data_kwargs: dict) -> None:
        from .io import _CONFIG, _array, _entry, _need

        spec = self._make_spec(panel)  # the parameters, validated as fit validates them
        names = self._exog_names(panel)
        records = _entry(config, "fits", list, _CONFIG)
        _need(len(records) == panel.n_series, f"there must be one fitted model per series ({panel.n_series})")
        fits = []
        # One filtering pass per series, on one BLAS thread (tiny matrices, as in fit).
        with warnings.catch_warnings(), _one_blas_thread():
            warnings.simplefilter("ignore")
            for i, record in enumerate(records):
                where = f"series {panel.ids[i]!r}"
                theta = _array(arrays, f"fit_params_{i}", np.float64, 1, finite=True)
                y, X = self._series_inputs(panel, i, names)
                # Folders written before version 0.2, or by models that save none, have no forecast state.
                state = _array(arrays, f"fit_state_{i}", np.float64, 1) if f"fit_state_{i}" in arrays else None
                fits.append(self._restore_fit(record, theta, y, X, spec.m, where, state))
        # The fitted attributes _fit and BaseForecaster.fit set.
        self._set_fits(panel, spec, names, fits)
        self.panel_ = panel
        self.freq_ = panel.freq
        self.data_kwargs_ = data_kwargs

    def _restore_fit(self, record, theta, y, X, m_spec: int, where: str, state=None) -> _SeriesFit:
        """The `_SeriesFit` a record describes, its statsmodels results rebuilt by filtering with fixed parameters
        (deferred until they are needed when the record comes with its saved forecast ``state``)."""
        from ..errors import IncompatibleModelError
        from .io import _entry, _need

        _need(isinstance(record, dict), f"{where}: its fitted model is not a record")
        kind = _entry(record, "kind", str, where)
        status = _entry(record, "status", str, where)
        _need(kind in ("model", "mean", "naive") and status in ("ok", "reduced", "fallback"),
              f"{where}: unknown model kind {kind!r} or status {status!r}")
        info = dict(_entry(record, "info", dict, where))
        fit = _SeriesFit(kind, None, info, status, _entry(record, "message", str, where),
                         _entry(record, "n_warnings", int, where))
        if kind != "model":
            _need(len(theta) == 0, f"{where}: a {kind} model has no parameters")
            return fit
        def rebuild():
            try:
                with warnings.catch_warnings(), _one_blas_thread():
                    warnings.simplefilter("ignore")
                    return self._rebuild_result(record, info, theta, y, X, m_spec, where)
            except IncompatibleModelError:
                raise
            except Exception as err:  # noqa: BLE001 - statsmodels raises many types (LinAlgError, ValueError...)
                raise IncompatibleModelError(f"{where}: its model cannot be rebuilt ({type(err).__name__}: "
                                             f"{err})") from None

        if state is not None:
            fit.snapshot = self._restore_snapshot(record, info, theta, state, y, X, m_spec, where)
            fit.rebuild = rebuild
        else:
            fit.result = rebuild()
        return fit

    def _restore_snapshot(self, record, info, theta, state, y, X, m_spec: int, where: str):
        raise NotImplementedError  # only models whose `_snapshot_of` saves a state are restored from one

    def _fits_for_history(self, panel: Panel, names) -> list[_SeriesFit]:
        """Models for fresh history: a trained series keeps its model (see ``_apply_model``), an unseen
        series gets the full fit (the automatic search when the model is automatic)."""
        trained = self.panel_.id_position()
        fits: list[_SeriesFit | None] = [None] * panel.n_series
        unseen, applied, args = [], [], []
        for i, uid in enumerate(panel.ids):
            if uid not in trained:
                unseen.append(i)
                continue
            old = self.models_[trained[uid]]
            if old.kind != "model":
                fits[i] = old
                continue
            applied.append(i)
            args.append((type(self)._apply_model, old.result, *self._series_inputs(panel, i, names)))
        # Per series and independent, like the fits: on the same joblib workers or cluster (n_jobs, backend).
        outcomes = _map_series(check_n_jobs(self.n_jobs), _apply_captured, args, check_backend(self.backend))
        for i, outcome, (_, _, y, _) in zip(applied, outcomes, args, strict=True):
            old = self.models_[trained[panel.ids[i]]]
            if isinstance(outcome, Exception):
                raise ValueError(f"cannot apply the fitted {old.info.get('model')} of series {panel.ids[i]!r} to "
                                 f"the new history of {len(y)} observations: {outcome}") from outcome
            fits[i] = _SeriesFit("model", outcome, old.info)
        if unseen:
            args = [(type(self)._fit_one, *self._series_inputs(panel, i, names), self.spec_) for i in unseen]
            fitted = _map_series(check_n_jobs(self.n_jobs), _fit_captured, args, check_backend(self.backend))
            for i, fit in zip(unseen, fitted, strict=True):
                fits[i] = fit
        return fits


# ----------------------------------------------------------------------------------------------------------
# ARIMA: tests for d and D, the conditional-sum-of-squares search, the final maximum-likelihood fit
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ArimaSpec:
    order: tuple[int, int, int] | None
    seasonal_order: tuple[int, int, int] | None  # (P, D, Q); the period is m
    m: int
    d: int | None
    D: int | None
    max_p: int
    max_q: int
    max_P: int
    max_Q: int
    max_d: int
    max_D: int
    max_order: int
    stepwise: bool
    criterion: str
    include_constant: bool | None
    approximation: bool


def _difference(x: np.ndarray, d: int, D: int, m: int) -> np.ndarray:
    for _ in range(D):
        x = x[m:] - x[:-m]
    for _ in range(d):
        x = x[1:] - x[:-1]
    return x


def _kpss_statistic(x: np.ndarray) -> float:
    """KPSS level-stationarity statistic with the Bartlett window of ``trunc(3 sqrt(n) / 13)`` lags
    (``ur.kpss(type="mu", use.lag=trunc(3 * sqrt(n) / 13))``, forecast::ndiffs's default)."""
    n = len(x)
    e = x - x.mean()
    lags = min(int(3 * np.sqrt(n) / 13), n - 1)
    s2 = e @ e / n
    for k in range(1, lags + 1):
        s2 += 2 * (1 - k / (lags + 1)) * (e[k:] @ e[:-k]) / n
    partial = np.cumsum(e)
    return float(partial @ partial / (n * n * s2)) if s2 > 0 else 0.0


def _choose_d(x: np.ndarray, max_d: int) -> int:
    d = 0
    while d < max_d and len(x) > 3 and np.ptp(x) > 0 and _kpss_statistic(x) > _KPSS_CRITICAL_5PCT:
        x = np.diff(x)
        d += 1
    return d


def _seasonal_strength(x: np.ndarray, m: int) -> float:
    """Wang, Smith & Hyndman (2006) seasonal strength ``max(0, 1 - var(R) / var(S + R))`` from an STL fit with
    the seasonal settings forecast::nsdiffs(test="seas") gets from forecast::mstl: seasonal window 11 (mstl's
    ``s.window = 7 + 4 * seq(6)``, first period) and locally constant seasonal fits (stl's ``s.degree = 0``).
    statsmodels' low-pass window (at least ``m + 1``) and its jumps (1) still differ slightly from R's."""
    from statsmodels.tsa.seasonal import STL

    parts = STL(x, period=m, seasonal=11, seasonal_deg=0).fit()
    total = np.var(parts.seasonal + parts.resid)
    return max(0.0, 1.0 - np.var(parts.resid) / total) if total > 0 else 0.0


def _choose_D(x: np.ndarray, m: int, max_D: int) -> int:
    D = 0
    while D < max_D and len(x) >= 2 * m + 1 and np.ptp(x) > 0 and _seasonal_strength(x, m) > _SEASONAL_STRENGTH_THRESHOLD:
        x = x[m:] - x[:-m]
        D += 1
    return D


def _expand_poly(short: np.ndarray, seasonal: np.ndarray, m: int) -> np.ndarray:
    """Coefficients (in powers of the backshift B) of ``(1 + sum short_i B^i)(1 + sum seasonal_j B^(j m))``."""
    a = np.concatenate([[1.0], short])
    b = np.zeros(len(seasonal) * m + 1)
    b[0] = 1.0
    b[m::m] = seasonal
    return np.convolve(a, b)


def _min_root(poly: np.ndarray) -> float:
    """Smallest root modulus of ``poly`` (ascending powers); 2 when it has no root."""
    nz = np.flatnonzero(np.abs(poly[1:]) > 1e-8)
    if len(nz) == 0:
        return 2.0
    return float(np.min(np.abs(np.roots(poly[: nz[-1] + 2][::-1]))))


def _information_criteria(loglik: float, n_params: int, n_obs: int) -> dict[str, float]:
    """AIC, AICc and BIC with ``n_params`` estimated parameters (including the innovation variance)."""
    aic = -2.0 * loglik + 2.0 * n_params
    denom = n_obs - n_params - 1
    aicc = aic + 2.0 * n_params * (n_params + 1) / denom if denom > 0 else np.inf
    bic = aic + n_params * (np.log(n_obs) - 2.0)
    return {"aic": aic, "aicc": aicc, "bic": bic}


class _CSS:
    """Conditional-sum-of-squares fits of ARMA(p, q)(P, Q)[m] to the differenced series (regression with
    ARMA errors when there are exogenous columns): the fast estimator of the order search.

    The information criteria follow R's ``arima(method="CSS")`` as auto.arima uses it: ``sigma2 = SSQ / nu``
    over the ``nu`` residuals after the first ``ncond`` (at least ``p + P m``), the likelihood scaled to the
    ``n*`` differenced observations.
    """

    def __init__(self, w: np.ndarray, Xw: np.ndarray | None, m: int, ncond: int | None = None):
        self.w = w
        self.Xw = Xw
        self.m = m
        self.ncond = ncond

    def fit(self, p: int, q: int, P: int, Q: int, constant: bool, criterion: str):
        """``(ic, params)`` with params in statsmodels ARIMA order (constant, exog, ar, ma, sar, sma);
        ``(inf, None)`` when the model cannot be estimated or is not stationary/invertible."""
        w, Xw, m = self.w, self.Xw, self.m
        kx = 0 if Xw is None else Xw.shape[1]
        k0 = int(constant) + kx
        n_arma = p + q + P + Q
        ncond = p + P * m if self.ncond is None else max(self.ncond, p + P * m)
        nu = len(w) - ncond
        n_params = k0 + n_arma + 1
        if nu <= n_params + 1:
            return np.inf, None
        design = [np.ones((len(w), 1))] if constant else []
        if kx:
            design.append(Xw)
        if design:
            design = np.hstack(design)
            beta0 = np.linalg.lstsq(design, w, rcond=None)[0]
        else:
            design, beta0 = None, np.zeros(0)
        cuts = np.cumsum([k0, p, q, P])

        def polys(theta):
            phi = _expand_poly(-theta[cuts[0]:cuts[1]], np.zeros(0), m)
            sphi = _expand_poly(np.zeros(0), -theta[cuts[2]:cuts[3]], m)
            th = _expand_poly(theta[cuts[1]:cuts[2]], np.zeros(0), m)
            sth = _expand_poly(np.zeros(0), theta[cuts[3]:], m)
            return phi, sphi, th, sth

        def residuals(theta):
            phi, sphi, th, sth = polys(theta)
            x = w - design @ theta[:k0] if k0 else w
            return lfilter(np.convolve(phi, sphi), np.convolve(th, sth), x)[ncond:]

        def jacobian(theta):
            # e = A(B) x / M(B) with A = phi(B) Phi(B^m), M = theta(B) Theta(B^m): every derivative is
            # another filter of x or e, shifted by the lag of the parameter.
            phi, sphi, th, sth = polys(theta)
            a, ma = np.convolve(phi, sphi), np.convolve(th, sth)
            x = w - design @ theta[:k0] if k0 else w
            e = lfilter(a, ma, x)
            cols = []
            if k0:
                cols.append(-lfilter(a, ma, design, axis=0))
            for base, lag, count in ((lfilter(sphi, ma, x), 1, p), (lfilter(sth, ma, e), 1, q),
                                     (lfilter(phi, ma, x), m, P), (lfilter(th, ma, e), m, Q)):
                for j in range(1, count + 1):
                    shifted = np.zeros(len(base))
                    shifted[j * lag:] = base[: len(base) - j * lag]
                    cols.append(-shifted[:, None])
            return np.hstack(cols)[ncond:]

        x0 = np.concatenate([beta0, np.zeros(n_arma)])
        with np.errstate(all="ignore"):
            if n_arma == 0:  # plain least squares
                theta = x0
            else:
                theta = least_squares(residuals, x0, jac=jacobian, method="lm", x_scale="jac").x
            resid = residuals(theta)
        ssq = float(resid @ resid)
        if not np.isfinite(ssq):
            return np.inf, None
        ar = _expand_poly(-theta[cuts[0]:cuts[1]], -theta[cuts[2]:cuts[3]], m)
        ma = _expand_poly(theta[cuts[1]:cuts[2]], theta[cuts[3]:], m)
        if _min_root(ar) < 1.01 or _min_root(ma) < 1.01:  # auto.arima's unit-root guard
            return np.inf, None
        n_star = len(w)
        sigma2 = max(ssq / nu, np.finfo(float).tiny)
        loglik = -0.5 * n_star * (np.log(2 * np.pi * sigma2) + 1.0)
        return _information_criteria(loglik, n_params, n_star)[criterion], theta


def _trend_for(d: int, D: int, constant: bool) -> str:
    if not constant:
        return "n"
    return "c" if d + D == 0 else "t"


def _to_statsmodels_params(theta: np.ndarray, d: int, D: int, m: int, constant: bool) -> np.ndarray:
    """CSS parameters -> start parameters of statsmodels' ARIMA (regression with ARIMA errors).

    The CSS constant is the mean of the differenced series; statsmodels' trend ``"t"`` is the slope of a
    linear trend in levels, so a seasonal difference (lag m) turns the slope into ``m`` times it.
    """
    theta = theta.copy()
    if constant and d + D == 1:
        theta[0] /= m if D == 1 else 1
    return theta


def _model_label(order, seasonal, m, constant) -> str:
    p, d, q = order
    text = f"ARIMA({p},{d},{q})"
    if m > 1 and any(seasonal):
        text += f"({seasonal[0]},{seasonal[1]},{seasonal[2]})[{m}]"
    if constant:
        text += " with non-zero mean" if d + seasonal[1] == 0 else " with drift"
    return text


def _ml_fit(y, X, order, seasonal, m, constant, start=None):
    """Exact maximum likelihood fit; returns ``(statsmodels results of the model in levels, converged)``.

    The likelihood is maximised for the ARMA model of the differenced, standardised series (a smaller state
    than the integrated model and a well-scaled constant, so the optimiser needs fewer and cheaper steps);
    the exact likelihood of the differenced data is the diffuse likelihood of the levels, so filtering the
    levels model with those parameters gives the same fit, and it forecasts and applies in levels.
    ``start`` are CSS parameters (differenced space, original units).
    """
    from statsmodels.tsa.arima.model import ARIMA

    p, d, q = order
    P, D, Q = seasonal
    w = _difference(y, d, D, m)
    Xw = None if X is None else _difference(X, d, D, m)
    scale = float(np.std(w)) or 1.0
    k0 = int(constant) + (0 if X is None else X.shape[1])
    if start is not None:
        start = start.copy()
        start[:k0] /= scale
    arma = ARIMA(w / scale, exog=Xw, order=(p, 0, q), seasonal_order=(P, 0, Q, m) if m > 1 else (0, 0, 0, 0),
                 trend="c" if constant else "n", concentrate_scale=True)
    if arma.k_params == 0:  # white noise after differencing: nothing to estimate
        params, converged = np.zeros(0), True
    else:
        fitted = arma.fit(start_params=start, cov_type="none", method_kwargs={"maxiter": 100})
        params = np.asarray(fitted.params, dtype=np.float64).copy()
        converged = bool(fitted.mle_retvals.get("converged", True))
    params[:k0] *= scale
    levels = ARIMA(y, exog=X, order=order, seasonal_order=(*seasonal, m) if m > 1 else (0, 0, 0, 0),
                   trend=_trend_for(d, D, constant), concentrate_scale=True)
    result = levels.filter(_to_statsmodels_params(params, d, D, m, constant), cov_type="none")
    if not np.isfinite(result.llf):
        raise RuntimeError(f"the likelihood of {_model_label(order, seasonal, m, constant)} is not finite")
    return result, converged


def _search_bounds(spec: _ArimaSpec, m: int, n: int):
    """Largest p, q, P, Q of the search, capped for short series as auto.arima does."""
    max_p = min(spec.max_p, n // 3)
    max_q = min(spec.max_q, n // 3)
    max_P = min(spec.max_P, n // 3 // m) if m > 1 else 0
    max_Q = min(spec.max_Q, n // 3 // m) if m > 1 else 0
    return max_p, max_q, max_P, max_Q


def _stepwise(evaluate, bounds, constant: bool, toggle: bool) -> None:
    """Hyndman & Khandakar (2008) stepwise search; ``evaluate`` caches and records every model.

    Candidates are ``(p, q, P, Q, constant)``; ``toggle`` allows moves that add or drop the constant.
    """
    max_p, max_q, max_P, max_Q = bounds
    starts = [(min(2, max_p), min(2, max_q), min(1, max_P), min(1, max_Q), constant), (0, 0, 0, 0, constant),
              (min(1, max_p), 0, min(1, max_P), 0, constant), (0, min(1, max_q), 0, min(1, max_Q), constant)]
    if toggle and constant:
        starts.append((0, 0, 0, 0, False))
    best = min(starts, key=evaluate)  # evaluates every start (in order), keeps the first best
    best_ic = evaluate(best)
    moves = [(0, 0, -1, 0), (0, 0, 0, -1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, -1, -1), (0, 0, -1, 1),
             (0, 0, 1, -1), (0, 0, 1, 1), (-1, 0, 0, 0), (0, -1, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0),
             (-1, -1, 0, 0), (-1, 1, 0, 0), (1, -1, 0, 0), (1, 1, 0, 0)]
    improved = True
    while improved and evaluate.count < _MAX_STEPWISE_MODELS:
        improved = False
        p, q, P, Q, c = best
        neighbours = [(p + a, q + b, P + e, Q + f, c) for a, b, e, f in moves]
        if toggle:
            neighbours.append((p, q, P, Q, not c))
        for cand in neighbours:
            if not (0 <= cand[0] <= max_p and 0 <= cand[1] <= max_q and 0 <= cand[2] <= max_P
                    and 0 <= cand[3] <= max_Q):
                continue
            ic = evaluate(cand)
            if ic < best_ic:
                best, best_ic, improved = cand, ic, True
                break


def _exhaustive(evaluate, bounds, constant: bool, toggle: bool, max_order: int) -> None:
    """Every model with ``p + q + P + Q <= max_order`` (auto.arima's ``stepwise=FALSE``)."""
    max_p, max_q, max_P, max_Q = bounds
    constants = (True, False) if toggle else (constant,)
    for p in range(max_p + 1):
        for q in range(max_q + 1):
            for P in range(max_P + 1):
                for Q in range(max_Q + 1):
                    if p + q + P + Q <= max_order:
                        for c in constants:
                            evaluate((p, q, P, Q, c))


class _Evaluator:
    """Fits a candidate once (cached by order) and remembers its criterion."""

    def __init__(self, fit):
        self.fit = fit
        self.cache: dict[tuple, tuple[float, object]] = {}

    @property
    def count(self) -> int:
        return len(self.cache)

    def __call__(self, cand) -> float:
        if cand not in self.cache:
            try:
                self.cache[cand] = self.fit(cand)
            except Exception:  # a candidate that cannot be fitted is simply not chosen
                self.cache[cand] = (np.inf, None)
        return self.cache[cand][0]

    def ranked(self):
        """Finite candidates, best first: ``[(ic, cand, payload), ...]``."""
        return sorted(((v[0], k, v[1]) for k, v in self.cache.items() if np.isfinite(v[0])),
                      key=lambda item: item[0])


def _arima_fit_one(y: np.ndarray, X: np.ndarray | None, spec: _ArimaSpec, notes: list[str]):
    n = len(y)
    m, status = spec.m, "ok"
    if m > 1 and n < 2 * m + 1:
        notes.append(f"series has {n} observations, fewer than the {2 * m + 1} a seasonal model with "
                     f"season_length={m} needs; fitted a non-seasonal model")
        m, status = 1, "reduced"
    if spec.order is not None:
        return _arima_fixed(y, X, spec, m, status, notes)
    return _arima_auto(y, X, spec, m, status, notes)


def _css_start(y, X, order, seasonal, m, constant):
    """CSS estimates of a model, the start of its likelihood fit (None when CSS fails)."""
    p, d, q = order
    P, D, Q = seasonal
    try:
        css = _CSS(_difference(y, d, D, m), None if X is None else _difference(X, d, D, m), m)
        return css.fit(p, q, P, Q, constant, "aic")[1]
    except Exception:
        return None


def _info(order, seasonal, m, constant, result, criterion, n_fits) -> dict:
    return {"model": _model_label(order, seasonal, m, constant), "order": tuple(order),
            "seasonal_order": (*seasonal, m) if m > 1 else (0, 0, 0, 0), "constant": bool(constant),
            "ic": float(getattr(result, criterion)), "n_fits": n_fits}


def _arima_fixed(y, X, spec, m, status, notes):
    order = spec.order
    seasonal = spec.seasonal_order if (spec.seasonal_order is not None and m > 1) else (0, 0, 0)
    d, D = order[1], seasonal[1]
    constant = spec.include_constant if spec.include_constant is not None else d + D == 0
    if constant and d + D > 1:
        raise ValueError(f"include_constant=True needs d + D <= 1 (a constant with {d + D} differences is "
                         "a polynomial trend); set include_constant=False")
    result, converged = _ml_fit(y, X, order, seasonal, m, constant, _css_start(y, X, order, seasonal, m, constant))
    if not converged:
        notes.append("the maximum likelihood fit did not converge; kept the best parameters found")
    return "model", result, _info(order, seasonal, m, constant, result, spec.criterion, 1), status


def _arima_auto(y, X, spec, m, status, notes):
    n = len(y)
    # Unit-root tests run on the regression residuals when there are exogenous columns (as auto.arima does).
    if X is None:
        base = y
    else:
        design = np.column_stack([np.ones(n), X])
        base = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    D = 0 if m == 1 else (spec.D if spec.D is not None else _choose_D(base, m, spec.max_D))
    d = spec.d if spec.d is not None else _choose_d(_difference(base, 0, D, m), spec.max_d)
    if spec.include_constant is None:
        constant, toggle = d + D <= 1, d + D <= 1
    else:
        constant, toggle = spec.include_constant, False
        if constant and d + D > 1:
            raise ValueError(f"include_constant=True needs d + D <= 1, the search chose d={d}, D={D}; "
                             "set include_constant=None or fix d=/D=")
    w = _difference(y, d, D, m)
    Xw = None if X is None else _difference(X, d, D, m)
    if len(w) < 3:
        raise ValueError(f"{n} observations leave {len(w)} after differencing (d={d}, D={D}, m={m})")
    bounds = _search_bounds(spec, m, n)
    # Every candidate's CSS criterion is computed on the same residuals (those after the largest AR lag of the
    # search): with each model's own lags, models with seasonal AR terms would drop the badly predicted first
    # season and win unfairly against seasonal MA models.
    css = _CSS(w, Xw, m, ncond=bounds[0] + bounds[2] * m)

    if spec.approximation:
        def fit(cand):
            p, q, P, Q, c = cand
            return css.fit(p, q, P, Q, c, spec.criterion)
    else:
        def fit(cand):
            p, q, P, Q, c = cand
            start = _css_start(y, X, (p, d, q), (P, D, Q), m, c)
            result, converged = _ml_fit(y, X, (p, d, q), (P, D, Q), m, c, start)
            return float(getattr(result, spec.criterion)), (result, converged)

    evaluate = _Evaluator(fit)
    if spec.stepwise:
        _stepwise(evaluate, bounds, constant, toggle)
    else:
        _exhaustive(evaluate, bounds, constant, toggle, spec.max_order)
    ranked = evaluate.ranked()
    if not ranked:
        raise ValueError("no candidate ARIMA model could be estimated")

    # The winner is refitted by exact likelihood; when that fails or does not converge, the next ones are tried.
    kept = unconverged = None
    for rank, (_, (p, q, P, Q, c), payload) in enumerate(ranked[:_MAX_EXACT_TRIES]):
        label = _model_label((p, d, q), (P, D, Q), m, c)
        if spec.approximation:
            try:
                result, converged = _ml_fit(y, X, (p, d, q), (P, D, Q), m, c, payload)
            except Exception as err:
                notes.append(f"{label} failed its maximum likelihood fit ({type(err).__name__}: {err})")
                continue
        else:
            result, converged = payload
        if converged:
            kept = (rank, p, q, P, Q, c, result)
            break
        notes.append(f"the maximum likelihood fit of {label} did not converge")
        if unconverged is None:
            unconverged = (rank, p, q, P, Q, c, result)
    if kept is None:
        if unconverged is None:
            raise ValueError("the best candidate models all failed their maximum likelihood fit")
        kept = unconverged
        notes.append("kept its best parameters")
    rank, p, q, P, Q, c, result = kept
    if rank > 0:
        status = "reduced"
        notes.append(f"used the order ranked {rank + 1} by the search")
    return "model", result, _info((p, d, q), (P, D, Q), m, c, result, spec.criterion, evaluate.count), status


def _check_order(value, name: str, sizes: tuple[int, ...]):
    ok = (isinstance(value, tuple | list) and len(value) in sizes
          and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in value))
    if not ok:
        want = " or ".join(str(s) for s in sizes)
        raise ValueError(f"{name} must be a tuple of {want} non-negative integers, got {value!r}")
    return tuple(int(v) for v in value)


class ARIMAForecaster(_PerSeriesForecaster):
    """Seasonal ARIMA per series on statsmodels, with automatic order selection (Hyndman & Khandakar 2008).

    With ``order=None`` each series gets its own model, chosen the way R's ``forecast::auto.arima`` does:

    1. ``D`` (seasonal differences) from the STL seasonal strength (difference when > 0.64; STL with
       ``forecast::mstl``'s seasonal window 11 and constant seasonal fits, as ``nsdiffs(test="seas")``), then
       ``d`` from repeated KPSS tests at 5% (``trunc(3 sqrt(n) / 13)`` lags, as ``forecast::ndiffs``); with
       exogenous columns the tests run on the regression residuals.
    2. A stepwise search over ``(p, q, P, Q)`` and the constant (a mean when ``d + D = 0``, a drift when
       ``d + D = 1``) from the four usual starting models, moving one order by +-1 at a time while the
       information criterion improves; every order is fitted once (cached). ``stepwise=False`` tries every
       model with ``p + q + P + Q <= max_order`` instead. Models with an AR or MA root within 1.01 of the unit
       circle are rejected.
    3. With ``approximation=True`` (the default) the search ranks models by fast conditional-sum-of-squares
       (CSS) fits, all scored on the same residuals (those after the largest AR lag the search allows), and
       only the winner is fitted by exact maximum likelihood (statsmodels' state-space ``ARIMA``), started
       from its CSS estimates. If that fit fails or does not converge, the next-ranked order is
       used (status ``"reduced"``). ``approximation=False`` fits every candidate by exact likelihood
       (slower, as ``pmdarima.auto_arima``).

    A fixed ``order=(p, d, q)`` (with optional ``seasonal_order=(P, D, Q)`` or ``(P, D, Q, m)``) skips the
    search. Forecasts and intervals come from the fitted statsmodels model (``get_forecast(...).conf_int``).

    Every statsmodels warning is recorded, not printed: ``fit_report_`` has one row per series with
    ``status`` ("ok"; "reduced": a constant series got a mean model, a series too short for the seasonal
    model got a non-seasonal one, or a lower-ranked order was used; "fallback": the fit failed and the
    series is forecast by seasonal naive), ``n_warnings`` and ``message``. ``fitted_orders_`` shows the
    model chosen for each series (order, seasonal order, constant, criterion value, number of fits), and
    ``models_[i].result`` holds the statsmodels results of series ``i``.

    Forecasting from fresh history (``predict(df=...)``): a series seen in ``fit`` keeps its fitted orders
    and parameters, re-applied to the new data (statsmodels ``results.apply``, no refit); an unseen series is
    fitted from scratch with these settings (the automatic search when ``order=None``). Mean-model and
    fallback series use the mean / seasonal naive of the new history.

    Parameters
    ----------
    order : (p, d, q), optional
        A fixed order for every series; None searches.
    seasonal_order : (P, D, Q) or (P, D, Q, m), optional
        The seasonal part of a fixed order (only with ``order``); ``m`` must agree with ``season_length``.
    season_length : int, optional
        The seasonal period m; None uses the frequency's usual period (12 for monthly data...). 1 turns
        seasonality off. Series shorter than ``2 m + 1`` get a non-seasonal model (reported).
    information_criterion : {"aicc", "aic", "bic"}
        What the search minimises.
    max_p, max_q, max_P, max_Q, max_d, max_D : int
        Bounds of the search (as auto.arima; p and q are also capped at n / 3, P and Q at n / (3 m)).
    d, D : int, optional
        Fix the number of differences instead of testing for it.
    stepwise : bool
        The stepwise search (fast) or every model up to ``max_order`` (thorough).
    max_order : int
        The largest ``p + q + P + Q`` of the non-stepwise search.
    include_constant : bool, optional
        None lets the search decide (a fixed order includes a mean only when ``d + D = 0``); True/False
        forces it (only possible when ``d + D <= 1``).
    approximation : bool
        Search with conditional-sum-of-squares fits, then fit the winner by exact likelihood.
    exog : None, "all" or list of str
        Covariate columns of the data used as regressors (regression with ARIMA errors); their future
        values must be passed to ``predict`` as ``X_future``. Other columns are ignored.
    n_jobs : int
        Series fitted in parallel (joblib processes); -1 uses every core.
    backend : {None, "loky", "multiprocessing", "threading", "dask", "ray"}
        Where the per-series fits run: None is joblib's default (local processes when ``n_jobs != 1``);
        ``"dask"`` sends them to the cluster of the open ``dask.distributed.Client``, ``"ray"`` to Ray's
        (the cluster's workers then set the parallelism). The fitted models are the same everywhere
        (``docs/scaling.md``).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> e = rng.normal(size=121)
    >>> y = 10 + e[1:] + 0.8 * e[:-1]  # an MA(1) process around 10
    >>> s = pd.Series(y, index=pd.date_range("2015-01-01", periods=120, freq="MS"), name="ma1")
    >>> model = ARIMAForecaster(season_length=1).fit(s)
    >>> model.fitted_orders_.loc[0, "model"]
    'ARIMA(0,0,1) with non-zero mean'
    >>> model.predict(horizon=2, level=[95]).columns.tolist()
    ['unique_id', 'ds', 'y_pred', 'y_pred_lo_95', 'y_pred_hi_95']
    >>> model.fit_report_.loc[0, "status"]
    'ok'
    """

    _table_attr = "fitted_orders_"
    _table_columns = ("model", "order", "seasonal_order", "constant", "ic", "n_fits")
    fitted_orders_ = _FittedTable("_fitted_table")
    _fit_one = staticmethod(_arima_fit_one)

    def __init__(
        self,
        order: tuple[int, int, int] | None = None,
        seasonal_order: tuple[int, ...] | None = None,
        season_length: int | None = None,
        information_criterion: str = "aicc",
        max_p: int = 5,
        max_q: int = 5,
        max_P: int = 2,
        max_Q: int = 2,
        max_d: int = 2,
        max_D: int = 1,
        d: int | None = None,
        D: int | None = None,
        stepwise: bool = True,
        max_order: int = 5,
        include_constant: bool | None = None,
        approximation: bool = True,
        exog: str | list[str] | None = None,
        n_jobs: int = 1,
        backend: str | None = None,
    ):
        self.order = order
        self.seasonal_order = seasonal_order
        self.season_length = season_length
        self.information_criterion = information_criterion
        self.max_p = max_p
        self.max_q = max_q
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_d = max_d
        self.max_D = max_D
        self.d = d
        self.D = D
        self.stepwise = stepwise
        self.max_order = max_order
        self.include_constant = include_constant
        self.approximation = approximation
        self.exog = exog
        self.n_jobs = n_jobs
        self.backend = backend

    def _make_spec(self, panel: Panel) -> _ArimaSpec:
        criterion = _check_criterion(self.information_criterion)
        m = check_positive_int(self.season_length, "season_length", allow_none=True)
        order = None if self.order is None else _check_order(self.order, "order", (3,))
        seasonal = None
        if self.seasonal_order is not None:
            if order is None:
                raise ValueError("seasonal_order is only used with a fixed order=; to constrain the search use "
                                 "max_P=, max_Q= and D=")
            seasonal = _check_order(self.seasonal_order, "seasonal_order", (3, 4))
            if len(seasonal) == 4:
                if seasonal[3] < 1:
                    raise ValueError(f"the period of seasonal_order must be a positive integer, got {seasonal[3]}")
                if m is not None and m != seasonal[3]:
                    raise ValueError(f"seasonal_order has period {seasonal[3]} but season_length={m}; give one")
                m = seasonal[3]
                seasonal = seasonal[:3]
        if m is None:
            m = season_length_for(panel.freq)
        include_constant = check_bool(self.include_constant, "include_constant", allow_none=True)
        ints = {name: check_int(getattr(self, name), name, low=0)
                for name in ("max_p", "max_q", "max_P", "max_Q", "max_d", "max_D", "max_order")}
        return _ArimaSpec(
            order=order, seasonal_order=seasonal, m=m,
            d=check_int(self.d, "d", low=0, allow_none=True), D=check_int(self.D, "D", low=0, allow_none=True),
            stepwise=check_bool(self.stepwise, "stepwise"), criterion=criterion, include_constant=include_constant,
            approximation=check_bool(self.approximation, "approximation"), **ints)

    def _exog_names(self, panel: Panel) -> tuple[str, ...]:
        if self.exog is None:
            return ()
        if isinstance(self.exog, str):
            if self.exog != "all":
                raise ValueError(f"exog must be None, 'all' or a list of covariate names, got {self.exog!r}")
            return tuple(panel.covariate_names)
        names = tuple(check_str_list(self.exog, "exog", allow_none=False))
        missing = [n for n in names if n not in panel.covariate_names]
        if missing:
            raise DataError(f"exog names {missing} are not columns of the data; its covariates are "
                            f"{list(panel.covariate_names)}")
        return names

    @staticmethod
    def _forecast_model(result, horizon, x_future, levels):
        forecast = result.get_forecast(steps=horizon, exog=x_future)
        out = {POINT: np.asarray(forecast.predicted_mean, dtype=np.float64)}
        for lv in levels or []:
            bounds = np.asarray(forecast.conf_int(alpha=1 - lv / 100.0), dtype=np.float64)
            out[interval_column("lo", lv)] = bounds[:, 0]
            out[interval_column("hi", lv)] = bounds[:, 1]
        return out

    def _tags(self) -> ForecasterTags:
        return ForecasterTags(intervals=True, known_covariates=self.exog is not None, batch_origins=True)

    def _predict_at(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int, future,
                    levels=None) -> dict[str, np.ndarray]:
        """Point forecasts at many origins with the fitted parameters, one Kalman filter pass per series.

        A series seen in ``fit`` is filtered once over its data up to its last cutoff, with the fitted orders and
        parameters (no refit: what ``predict(df=history)`` applies to each cut history); the forecast from cutoff
        ``c`` runs the state-space recursion from the filter's one-step-ahead state at ``c``, which depends on
        the first ``c`` observations only. Intervals, unseen series and mean/fallback models go through the
        default loop over ``_predict``.
        """
        if levels:
            return super()._predict_at(panel, series, cutoffs, horizon, future, levels)
        trained = self.panel_.id_position()
        out = np.full((len(series), horizon), np.nan)
        rest = []  # pairs left to the default loop
        extend = []  # (pairs, series, snapshot, training row): continued from the end of the training data
        order = np.argsort(series, kind="stable")
        bounds = np.flatnonzero(np.diff(series[order])) + 1
        with warnings.catch_warnings(), _one_blas_thread():
            warnings.simplefilter("ignore")
            for pairs in np.split(order, bounds) if len(order) else []:
                i = int(series[pairs[0]])
                position = trained.get(panel.ids[i])
                fit = None if position is None else self.models_[position]
                if fit is None or fit.kind != "model":
                    rest.extend(pairs.tolist())
                    continue
                snapshot = self._continues_training(panel, i, position, fit, cutoffs[pairs])
                if snapshot is not None:
                    extend.append((pairs, i, snapshot, position))
                    continue
                x_future = None if future is None else np.asarray(future[pairs], dtype=np.float64)
                out[pairs] = self._filtered_forecasts(fit.result, panel, i, cutoffs[pairs], horizon, x_future)
        by_states: dict[int, list] = {}
        for entry in extend:  # series with as many states are filtered together, one time step at a time
            by_states.setdefault(len(entry[2].a), []).append(entry)
        for entries in by_states.values():
            self._extended_forecasts(panel, entries, cutoffs, horizon, future, out)
        if rest:
            rest = np.asarray(rest, dtype=np.int64)
            part = super()._predict_at(panel, series[rest], cutoffs[rest], horizon,
                                       None if future is None else future[rest], None)
            out[rest] = part[POINT]
        return {POINT: out}

    def _continues_training(self, panel: Panel, i: int, j: int, fit: _SeriesFit, cutoffs: np.ndarray):
        """The fitted state of training series ``j`` when series ``i`` of ``panel`` starts with exactly its training
        data and every cutoff lies at or after its end (a backtest without refitting), else None."""
        n_train = int(self.panel_.lengths[j])
        if (cutoffs.min() < n_train or panel.lengths[i] < n_train or panel.starts.asi8[i] != self.panel_.starts.asi8[j]
                or str(panel.starts.tz) != str(self.panel_.starts.tz)
                or not np.array_equal(panel.series(i)[:n_train], self.panel_.series(j))):
            return None
        X_train = None
        if self.exog_names_:
            X_train = self._series_inputs(self.panel_, j, self.exog_names_)[1]
            if not np.array_equal(self._series_inputs(panel, i, self.exog_names_)[1][:n_train], X_train):
                return None
        return self._snapshot_of(fit, X_train)

    def _extended_forecasts(self, panel: Panel, entries: list, cutoffs: np.ndarray, horizon: int, future,
                            out: np.ndarray) -> None:
        """Continue the Kalman filter of several series (same number of states) from the end of their training data
        to their cutoffs, all series at once, and forecast from each cutoff's one-step-ahead state into ``out``.

        The recursion is statsmodels' (update ``a += P Z' v / F``, ``P -= P Z' Z P / F``, then predict ``a = T a +
        c``, ``P = T P T' + R Q R'``) started where the training filter ended, so it equals filtering the whole
        history again (what ``predict(df=history)`` does) to rounding; the regression part of the intercept is
        the trend (constant or drift, extrapolated as `tsrnn.forecasters._statespace` does) plus ``x @ beta``.
        """
        snaps = [entry[2] for entry in entries]
        rows = np.array([entry[1] for entry in entries])  # [B] series of the panel
        n_train = self.panel_.lengths[[entry[3] for entry in entries]].astype(np.int64)  # [B]
        a = np.stack([s.a for s in snaps])  # [B, k]
        P = np.stack([s.P for s in snaps])  # [B, k, k]
        Z = np.stack([s.Z for s in snaps])  # [B, k]
        T = np.stack([s.T for s in snaps])  # [B, k, k]
        RQR = np.stack([s.RQR for s in snaps])  # [B, k, k]
        c = np.stack([s.c for s in snaps])  # [B, k]
        H, last, prev = np.stack([s.obs for s in snaps]).T  # [B] each
        beta = np.stack([s.beta for s in snaps])  # [B, n_exog]
        slope = last - prev
        steps = np.array([int(cutoffs[entry[0]].max()) for entry in entries]) - n_train  # [B] new observations
        S = int(steps.max())
        positions = np.minimum(n_train[:, None] + np.arange(S)[None, :], panel.lengths[rows][:, None] - 1)
        obs_rows = panel.offsets[rows][:, None] + positions  # [B, S]; past a series' last cutoff: never used
        y = panel.values[obs_rows].astype(np.float64)  # [B, S]
        n_exog = beta.shape[1]
        if n_exog:
            columns = [panel.covariate_names.index(name) for name in self.exog_names_]
            x = panel.covariates[obs_rows][:, :, columns].astype(np.float64)  # [B, S, n_exog]
        states = np.empty((len(entries), S + 1, a.shape[1]))  # [B, step, k]: state at n_train + step
        states[:, 0] = a
        with np.errstate(divide="ignore", invalid="ignore"):
            for t in range(S):
                d = last + slope * (t + 1) + ((x[:, t] * beta).sum(axis=1) if n_exog else 0.0)  # [B]
                PZ = np.einsum("bij,bj->bi", P, Z)  # [B, k]
                F = np.einsum("bk,bk->b", Z, PZ) + H  # [B]
                v = y[:, t] - np.einsum("bk,bk->b", Z, a) - d  # [B]
                a = a + PZ * (v / F)[:, None]
                P = P - PZ[:, :, None] * PZ[:, None, :] / F[:, None, None]
                a = np.einsum("bij,bj->bi", T, a) + c
                P = T @ P @ T.transpose(0, 2, 1) + RQR
                states[:, t + 1] = a
        pairs = np.concatenate([entry[0] for entry in entries])  # every pair of these series
        b = np.concatenate([np.full(len(entry[0]), k) for k, entry in enumerate(entries)])  # [pairs] its series
        state = states[b, cutoffs[pairs] - n_train[b]]  # [pairs, k]: the one-step-ahead state at each cutoff
        for h in range(horizon):
            d = last[b] + slope[b] * (cutoffs[pairs] + h - n_train[b] + 1)
            if n_exog:
                d = d + (np.asarray(future[pairs, h], dtype=np.float64) * beta[b]).sum(axis=1)
            out[pairs, h] = np.einsum("pk,pk->p", Z[b], state) + d
            state = np.einsum("pij,pj->pi", T[b], state) + c[b]

    def _filtered_forecasts(self, result, panel: Panel, i: int, cutoffs: np.ndarray, horizon: int,
                            x_future: np.ndarray | None) -> np.ndarray:
        """``[len(cutoffs), horizon]`` forecasts of series ``i`` from each cutoff (see `_predict_at`)."""
        last = int(cutoffs.max())
        y, X = self._series_inputs(panel, i, self.exog_names_)
        n_exog = 0 if X is None else X.shape[1]
        try:
            model = result.model.clone(y[:last], exog=None if X is None else X[:last])
            fr = model.filter(result.params, return_ssm=True)
        except Exception as err:
            raise ValueError(f"cannot apply the fitted ARIMA of series {panel.ids[i]!r} to its {last} observations "
                             f"before the last cutoff: {err}") from err
        n_reg = int(result.model.k_trend) + int(result.model.k_exog)  # regression coefficients lead the parameters
        beta = np.asarray(result.params, dtype=np.float64)[n_reg - n_exog:n_reg]
        intercept = np.broadcast_to(np.asarray(fr.obs_intercept, dtype=np.float64)[0], (last,))
        trend = intercept - (X[:last] @ beta if n_exog else 0.0)  # the constant or drift: at most linear in time
        slope = trend[1] - trend[0] if last > 1 else 0.0
        Z = np.asarray(fr.design, dtype=np.float64)[0, :, 0]  # [k]: ARIMA's system matrices do not vary in time
        T = np.asarray(fr.transition, dtype=np.float64)[:, :, 0]  # [k, k]
        c = np.asarray(fr.state_intercept, dtype=np.float64)[:, 0]  # [k]
        state = np.asarray(fr.predicted_state, dtype=np.float64)[:, cutoffs]  # [k, pairs]: state at t = c given y[:c]
        out = np.empty((len(cutoffs), horizon))
        for h in range(horizon):
            d = trend[0] + slope * (cutoffs + h)  # [pairs]
            if n_exog:
                d = d + x_future[:, h] @ beta
            out[:, h] = Z @ state + d
            state = T @ state + c[:, None]
        return out

    @classmethod
    def get_test_params(cls) -> list[dict]:
        return [{"order": (1, 1, 0), "seasonal_order": (0, 1, 0), "season_length": 12},
                {"season_length": 1, "max_p": 1, "max_q": 1},
                {"order": (1, 0, 0), "season_length": 1, "exog": ["promo"]}]

    @staticmethod
    def _apply_model(result, y, X):
        return result.apply(y, exog=X)

    def _snapshot_of(self, fit: _SeriesFit, X):
        if fit.snapshot is None:  # computed once per fitted series (the state is read off the filter's output)
            try:
                fit.snapshot = _statespace.StateSnapshot.from_result(fit.result, len(self.exog_names_), X)
            except ValueError:  # a time-varying system: forecast with statsmodels, filter again when loaded
                return None
        return fit.snapshot

    def _restore_snapshot(self, record, info, theta, state, y, X, m_spec: int, where: str):
        from .io import _need

        (p, _, q), (P, _, Q, _), constant, states = self._orders(info, m_spec, len(y), where)
        n_exog = 0 if X is None else X.shape[1]
        _need(len(theta) == p + q + P + Q + int(constant) + n_exog,
              f"{where}: {len(theta)} parameters for a model that has {p + q + P + Q + int(constant) + n_exog}")
        try:
            return _statespace.StateSnapshot.unpack(state, states, n_exog)
        except ValueError as err:
            _need(False, f"{where}: {err}")

    @staticmethod
    def _orders(info: dict, m_spec: int, n: int | None, where: str):
        """The orders, constant and number of states a record describes, checked (``n``: observations)."""
        from .io import _ints, _need

        order = _ints(info.get("order"), 3, f"{where}: order")
        seasonal = _ints(info.get("seasonal_order"), 4, f"{where}: seasonal_order")
        constant = info.get("constant")
        _need(isinstance(constant, bool), f"{where}: constant must be true or false")
        p, d, q = order
        P, D, Q, m = seasonal
        _need(seasonal == (0, 0, 0, 0) or m == m_spec > 1,
              f"{where}: seasonal_order {list(seasonal)} does not match the season length {m_spec}")
        states = max(p + P * m, q + Q * m + 1) + d + D * m
        _need(n is None or (states < n and states ** 3 * n <= _MAX_FILTER_COST),
              f"{where}: ARIMA{order}{seasonal} has {states} states for {n} observations, more than a model fitted to "
              "them can have")
        info["order"], info["seasonal_order"] = order, seasonal  # tuples, as fit records them
        return order, seasonal, constant, states

    @classmethod
    def _rebuild_result(cls, record: dict, info: dict, theta, y, X, m_spec: int, where: str):
        from statsmodels.tsa.arima.model import ARIMA

        from .io import _need

        order, seasonal, constant, _ = cls._orders(info, m_spec, len(y), where)
        p, d, q = order
        P, D, Q, m = seasonal
        model = ARIMA(y, exog=X, order=order, seasonal_order=seasonal, trend=_trend_for(d, D, constant),
                      concentrate_scale=True)
        _need(len(theta) == model.k_params, f"{where}: {len(theta)} parameters for a model that has {model.k_params}")
        result = model.filter(theta, cov_type="none")
        _need(bool(np.isfinite(result.llf)), f"{where}: the likelihood of its model is not finite")
        return result
