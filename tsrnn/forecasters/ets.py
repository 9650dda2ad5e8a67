"""Exponential smoothing (ETS) state-space models on statsmodels, one per series, selected automatically.

The model family and selection follow Hyndman et al., *Forecasting with Exponential Smoothing* (2008), as R's
``forecast::ets`` implements it; the per-series machinery is shared with `tsrnn.forecasters.arima`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from .._schema import POINT, interval_column
from .._validation import check_bool, check_random_state
from ..data import Panel
from ..frequency import season_length_for
from .arima import _check_criterion, _information_criteria, _PerSeriesForecaster
from .base import check_positive_int

__all__ = ["ETSForecaster"]

_COMPONENTS = ("none", "add", "mul")
_LETTER = {"none": "N", "add": "A", "mul": "M"}


@dataclass(frozen=True)
class _EtsSpec:
    error: str | None
    trend: str | None
    damped_trend: bool | None
    seasonal: str | None
    m: int
    criterion: str
    approximation: bool


def _label(error: str, trend: str, damped: bool, seasonal: str) -> str:
    return f"ETS({_LETTER[error]},{_LETTER[trend]}{'d' if damped else ''},{_LETTER[seasonal]})"


def _n_params(trend: str, damped: bool, seasonal: str, m: int) -> int:
    """Free parameters as R's ets counts them: smoothing weights, damping, initial states (m - 1 seasonal
    ones, as they are normalised) and the innovation variance."""
    k = 2 + 1  # alpha, initial level, sigma
    if trend != "none":
        k += 2 + int(damped)  # beta, initial slope, phi
    if seasonal != "none":
        k += 1 + (m - 1)  # gamma, initial seasonal states
    return k


def _candidates(spec: _EtsSpec, positive: bool, seasonal_ok: bool, notes: list[str]) -> list[tuple]:
    """The (error, trend, damped, seasonal) models to compare for one series."""
    def pick(given, auto, what):
        if given is None:
            return [c for c in auto if c != "mul" or positive]
        if given == "mul" and not positive:
            notes.append(f"{what}='mul' needs strictly positive data; used 'add'")
            return ["add"]
        return [given]

    errors = pick(spec.error, ("add", "mul"), "error")
    trends = pick(spec.trend, ("none", "add"), "trend")  # a multiplicative trend only when asked for
    if spec.damped_trend is True and spec.trend is None:
        trends = [t for t in trends if t != "none"]
    if spec.m > 1 and seasonal_ok:
        seasonals = pick(spec.seasonal, _COMPONENTS, "seasonal")
    else:
        seasonals = ["none"]
    out = []
    for error, trend, seasonal in product(errors, trends, seasonals):
        dampings = [False] if trend == "none" else ([False, True] if spec.damped_trend is None else [spec.damped_trend])
        for damped in dampings:
            # forecast::ets's restrict=TRUE: additive errors with multiplicative components have infinite
            # forecast variance, so the search leaves them out unless the user asked for exactly that.
            asked = spec.error == "add" and (trend != "mul" or spec.trend == "mul") and (
                seasonal != "mul" or spec.seasonal == "mul")
            if error == "add" and "mul" in (trend, seasonal) and not asked:
                continue
            out.append((error, trend, damped, seasonal))
    return out


def _ets_model(y: np.ndarray, cand: tuple, m: int, initialization: str):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    error, trend, damped, seasonal = cand
    # A pandas endog: statsmodels' simulated prediction intervals need an index.
    return ETSModel(pd.Series(y), error=error, trend=None if trend == "none" else trend,
                    damped_trend=damped, seasonal=None if seasonal == "none" else seasonal,
                    seasonal_periods=m if seasonal != "none" else None, initialization_method=initialization)


def _ets_fit(y, cand, m, initialization, criterion):
    """Fit one candidate; returns ``(ic, result, converged)``."""
    result = _ets_model(y, cand, m, initialization).fit(disp=False)
    llf = float(result.llf)
    if not np.isfinite(llf):
        raise RuntimeError(f"the likelihood of {_label(*cand)} is not finite")
    ic = _information_criteria(llf, _n_params(cand[1], cand[2], cand[3], m), len(y))[criterion]
    retvals = result.mle_retvals if isinstance(result.mle_retvals, dict) else {}
    return ic, result, bool(retvals.get("converged", True))


def _ets_fit_one(y: np.ndarray, X, spec: _EtsSpec, notes: list[str]):
    n, m, status = len(y), spec.m, "ok"
    positive = bool(np.all(y > 0))
    seasonal_ok = n >= 2 * m + 2
    if m > 1 and not seasonal_ok and spec.seasonal != "none":
        notes.append(f"series has {n} observations, fewer than the {2 * m + 2} a seasonal model with "
                     f"season_length={m} needs; fitted a non-seasonal model")
        status = "reduced"
    n_notes = len(notes)
    candidates = _candidates(spec, positive, seasonal_ok, notes)
    if len(notes) > n_notes:
        status = "reduced"
    # R's ets skips models with too many parameters for the data.
    candidates = [c for c in candidates if n > _n_params(c[1], c[2], c[3], m) + 3]
    if not candidates:
        raise ValueError(f"{n} observations are too few for any of the requested ETS models")

    # Cheap search: initial states from the heuristic of Hyndman et al. (2008, sec. 2.6.1) instead of
    # estimating them (m + 2 fewer parameters for the optimiser), then the winner is refitted in full.
    search_init = "heuristic" if spec.approximation and n >= 10 else "estimated"
    scores = []
    for cand in candidates:
        try:
            ic, result, converged = _ets_fit(y, cand, m, search_init, spec.criterion)
        except Exception:
            if search_init == "estimated":
                continue
            try:  # the heuristic needs two full seasons; estimate the initial states instead
                ic, result, converged = _ets_fit(y, cand, m, "estimated", spec.criterion)
            except Exception:
                continue
        if np.isfinite(ic):
            scores.append((ic, cand, result, converged))
    if not scores:
        raise ValueError("no candidate ETS model could be estimated")
    scores.sort(key=lambda item: item[0])
    ic, cand, result, converged = scores[0]
    if result.model.initialization_method != "estimated":
        try:
            full_ic, full, full_converged = _ets_fit(y, cand, m, "estimated", spec.criterion)
            if full_ic <= ic or not converged:
                ic, result, converged = full_ic, full, full_converged
            else:
                notes.append(f"the full fit of {_label(*cand)} was worse than its heuristic start; kept the latter")
        except Exception as err:
            notes.append(f"the full fit of {_label(*cand)} failed ({type(err).__name__}: {err}); kept the "
                         "fit with heuristic initial states")
    if not converged:
        notes.append(f"the fit of {_label(*cand)} did not converge; kept the best parameters found")
    error, trend, damped, seasonal = cand
    info = {"model": _label(*cand), "error": error, "trend": trend, "damped_trend": damped,
            "seasonal": seasonal, "season_length": m if seasonal != "none" else 1, "ic": ic,
            "n_fits": len(candidates)}
    return "model", result, info, status


def _check_component(value, name: str, allowed: tuple[str, ...]):
    if value is not None and (not isinstance(value, str) or value not in allowed):
        raise ValueError(f"{name} must be None (select automatically) or one of {allowed}, got {value!r}")
    return value


class ETSForecaster(_PerSeriesForecaster):
    """Exponential smoothing state-space models (ETS) per series on statsmodels' ``ETSModel``.

    Each component left at None is selected per series by the information criterion (AICc by default), as
    R's ``forecast::ets`` does: error additive or multiplicative, trend none or additive, damped or not,
    seasonality none, additive or multiplicative. Multiplicative components are only tried on strictly
    positive series, and the automatic search leaves out additive errors with multiplicative components
    (their forecast variance is infinite). A multiplicative trend is used only when asked for
    (``trend="mul"``). The criterion counts the smoothing weights, the damping, the initial states and
    the variance.

    With ``approximation=True`` (the default) candidates are compared with heuristic initial states
    (Hyndman et al. 2008, sec. 2.6.1: fewer parameters, several times faster) and the winner is refitted
    with estimated initial states; ``approximation=False`` estimates them for every candidate.

    Prediction intervals come from statsmodels' prediction summary: exact for the additive models,
    simulated (1000 paths, seeded by ``random_state``) for the others. Warnings, the constant-series
    mean model, the non-seasonal reduction of short series and the seasonal-naive fallback are reported
    in ``fit_report_`` exactly as in `ARIMAForecaster`; ``fitted_models_`` shows the chosen model per series
    and ``models_[i].result`` holds the statsmodels results of series ``i``.

    Forecasting from fresh history (``predict(df=...)``, and every origin of a backtest): a series seen in
    ``fit`` keeps its model. History that continues its training data (the same start, more or the same values)
    is filtered with every fitted parameter, so the forecast at the fit's own end is ``predict()``'s; other
    history keeps the smoothing weights and re-estimates the initial states, starting from the fitted ones. An
    unseen series gets the full selection. Covariate columns are ignored (ETS has no regressors).

    Parameters
    ----------
    error : {"add", "mul"}, optional
    trend : {"none", "add", "mul"}, optional
    damped_trend : bool, optional
    seasonal : {"none", "add", "mul"}, optional
        Fix a component; None selects it per series.
    season_length : int, optional
        The seasonal period; None uses the frequency's usual period. Series shorter than ``2 m + 2``
        get a non-seasonal model (reported).
    information_criterion : {"aicc", "aic", "bic"}
    approximation : bool
        Compare candidates with heuristic initial states, then refit the winner in full.
    random_state : int, optional
        Seed of the simulated intervals of multiplicative models.
    n_jobs : int
        Series fitted in parallel (joblib processes); -1 uses every core.
    backend : {None, "loky", "multiprocessing", "threading", "dask", "ray"}
        Where the per-series fits run, as in `ARIMAForecaster`: ``"dask"`` uses the open
        ``dask.distributed.Client``'s cluster (``docs/scaling.md``).

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(48)
    >>> y = 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 1, 48)
    >>> s = pd.Series(y, index=pd.date_range("2016-01-01", periods=48, freq="MS"), name="sales")
    >>> model = ETSForecaster(error="add", trend="add", damped_trend=False).fit(s)
    >>> model.fitted_models_.loc[0, "model"]
    'ETS(A,A,A)'
    >>> model.predict(horizon=3, level=80).shape
    (3, 5)
    """

    _table_attr = "fitted_models_"
    _table_columns = ("model", "error", "trend", "damped_trend", "seasonal", "season_length", "ic", "n_fits")
    _fit_one = staticmethod(_ets_fit_one)

    def __init__(
        self,
        error: str | None = None,
        trend: str | None = None,
        damped_trend: bool | None = None,
        seasonal: str | None = None,
        season_length: int | None = None,
        information_criterion: str = "aicc",
        approximation: bool = True,
        random_state: int | None = None,
        n_jobs: int = 1,
        backend: str | None = None,
    ):
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.information_criterion = information_criterion
        self.approximation = approximation
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.backend = backend

    def _make_spec(self, panel: Panel) -> _EtsSpec:
        m = check_positive_int(self.season_length, "season_length", allow_none=True)
        damped = check_bool(self.damped_trend, "damped_trend", allow_none=True)
        if damped is True and self.trend == "none":
            raise ValueError("damped_trend=True needs a trend; set trend='add', 'mul' or None")
        check_random_state(self.random_state)
        return _EtsSpec(
            error=_check_component(self.error, "error", ("add", "mul")),
            trend=_check_component(self.trend, "trend", _COMPONENTS),
            damped_trend=damped,
            seasonal=_check_component(self.seasonal, "seasonal", _COMPONENTS),
            m=m if m is not None else season_length_for(panel.freq),
            criterion=_check_criterion(self.information_criterion),
            approximation=check_bool(self.approximation, "approximation"))

    def _forecast_model(self, result, horizon, x_future, levels):
        n = int(result.model.nobs)
        prediction = result.get_prediction(start=n, end=n + horizon - 1,
                                           rng=np.random.default_rng(self.random_state))
        out = {POINT: np.asarray(prediction.predicted_mean, dtype=np.float64)}
        for lv in levels or []:
            frame = prediction.summary_frame(alpha=1 - lv / 100.0)
            out[interval_column("lo", lv)] = frame["pi_lower"].to_numpy(dtype=np.float64)
            out[interval_column("hi", lv)] = frame["pi_upper"].to_numpy(dtype=np.float64)
        return out

    @classmethod
    def get_test_params(cls) -> list[dict]:
        return [{"error": "add", "trend": "add", "damped_trend": False, "seasonal": "add"},
                {"season_length": 1, "trend": "none"}]

    @staticmethod
    def _result_record(result) -> dict:
        return {"initialization": result.model.initialization_method}

    @staticmethod
    def _rebuild_result(record: dict, info: dict, theta, y, X, m_spec: int, where: str):
        from .io import _need

        n = len(y)
        error, trend, seasonal = info.get("error"), info.get("trend"), info.get("seasonal")
        damped, m = info.get("damped_trend"), info.get("season_length")
        init = record.get("initialization")
        _need(error in ("add", "mul") and trend in _COMPONENTS and seasonal in _COMPONENTS and isinstance(damped, bool)
              and init in ("estimated", "heuristic"), f"{where}: not an ETS model ({info!r})")
        _need(isinstance(m, int) and not isinstance(m, bool)
              and (m == 1 if seasonal == "none" else (m == m_spec and 2 <= m and 2 * m <= n)),
              f"{where}: season_length {m!r} does not fit the model or the season length {m_spec}")
        model = _ets_model(y, (error, trend, damped, seasonal), m, init)
        _need(len(theta) == len(model.param_names),
              f"{where}: {len(theta)} parameters for a model that has {len(model.param_names)}")
        result = model.smooth(theta)
        _need(bool(np.isfinite(result.llf)), f"{where}: the likelihood of its model is not finite")
        return result

    @staticmethod
    def _apply_model(result, y, X):
        """The fitted model of a series on new history ``y``. History that continues the training data (a later
        origin of a backtest, or the same data) is filtered with every fitted parameter, initial states included:
        the state at its end is then the one the fitted model reaches, as for ARIMA. Other history keeps the
        smoothing weights and re-estimates the initial states, starting from the fitted ones."""
        model = result.model
        cand = (model.error, model.trend or "none", bool(model.damped_trend), model.seasonal or "none")
        m = model.seasonal_periods or 1
        seen = np.asarray(model.endog, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64)
        if len(y) >= len(seen) and np.array_equal(y[: len(seen)], seen):
            return _ets_model(y, cand, m, model.initialization_method).smooth(result.params)
        # Re-estimating the initial states from statsmodels' own start could end in an explosive optimum (a
        # damped multiplicative model forecasting -13,000 for a series near 700: benchmarks/RESULTS.md, "ETS on
        # history that continues its training data").
        new = _ets_model(y, cand, m, "estimated")
        fixed = {name: value for name, value in zip(result.param_names, result.params, strict=True)
                 if name.startswith(("smoothing_", "damping_"))}
        start = None
        if model.initialization_method == "estimated" and list(new.param_names) == list(result.param_names):
            start = np.asarray(result.params, dtype=np.float64)
        with new.fix_params(fixed):
            return new.fit(disp=False, start_params=start)
