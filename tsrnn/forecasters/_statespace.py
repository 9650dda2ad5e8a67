"""A fitted ARIMA's forecast, from its state at the end of the data, without statsmodels.

Out of sample, a linear Gaussian state-space model makes no more measurement updates: the forecast is a
fixed recursion of the one-step-ahead state ``a`` and its covariance ``P`` at the first step past the data,

    y[h] = Z a[h] + d[h]            Var y[h] = Z P[h] Z' + H
    a[h+1] = T a[h] + c             P[h+1] = T P[h] T' + R Q R'

where ``d[h]`` is the regression part of the observation intercept (the constant or drift, and the exogenous
regressors times their coefficients). A saved ARIMA stores these few arrays beside its parameters, so loading
it and forecasting needs no model to be rebuilt and no pass of the Kalman filter over the history; the
statsmodels results are rebuilt from the parameters only when something needs them (new history, inspection).
The recursion is the one statsmodels' own ``get_forecast`` runs: the two agree to rounding (see the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .._schema import POINT, interval_column

# The arrays of one snapshot, in the order a model folder stores them, one vector per series.
FIELDS = ("a", "P", "Z", "T", "RQR", "c", "obs", "beta")


def _constant(array, name: str, ndim: int) -> np.ndarray:
    """A statsmodels system matrix (``ndim`` 2) or vector (``ndim`` 1) that must not vary over time."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == ndim + 1:
        if array.shape[-1] != 1 and not np.all(array == array[..., :1]):
            raise ValueError(f"the state-space {name} varies over time")
        array = array[..., 0]
    return array.copy()


@dataclass(frozen=True)
class StateSnapshot:
    """The state of one fitted ARIMA at the end of its data, enough to forecast it (see the module's text)."""

    a: np.ndarray  # [k] one-step-ahead state for the first step past the data
    P: np.ndarray  # [k, k] its covariance (scale included)
    Z: np.ndarray  # [k] design row
    T: np.ndarray  # [k, k] transition
    RQR: np.ndarray  # [k, k] state noise covariance R Q R' (scale included)
    c: np.ndarray  # [k] state intercept
    obs: np.ndarray  # [3]: observation noise variance H, the trend part of the intercept at the last two steps
    beta: np.ndarray  # [n_exog] coefficients of the user's exogenous regressors

    @classmethod
    def from_result(cls, result, n_exog: int, X: np.ndarray | None) -> StateSnapshot:
        """The snapshot of statsmodels ARIMA results fitted to data with ``n_exog`` regressors ``X``;
        ``ValueError`` when the model is not one this recursion forecasts (time-varying system matrices)."""
        fr = result.filter_results
        model = result.model
        n_reg = int(model.k_trend) + int(model.k_exog)  # regression coefficients lead the parameter vector
        beta = np.asarray(result.params, dtype=np.float64)[n_reg - n_exog:n_reg] if n_exog else np.zeros(0)
        intercept = np.asarray(fr.obs_intercept, dtype=np.float64)[0]
        trend = intercept - (X @ beta if n_exog else 0.0)  # constant or linear: extrapolated from its last two
        last, prev = (trend[-1], trend[-2]) if len(trend) > 1 else (trend[-1], trend[-1])
        selection = _constant(fr.selection, "selection", 2)
        return cls(a=np.asarray(fr.predicted_state[:, -1], dtype=np.float64).copy(),
                   P=np.asarray(fr.predicted_state_cov[:, :, -1], dtype=np.float64).copy(),
                   Z=_constant(fr.design, "design", 2)[0], T=_constant(fr.transition, "transition", 2),
                   RQR=selection @ _constant(fr.state_cov, "state covariance", 2) @ selection.T,
                   c=_constant(fr.state_intercept, "state intercept", 1),
                   obs=np.array([_constant(fr.obs_cov, "observation covariance", 2)[0, 0], last, prev]), beta=beta)

    def pack(self) -> np.ndarray:
        """The snapshot as one vector (the fields in `FIELDS` order, flattened): one array per series in a folder."""
        return np.concatenate([np.ravel(getattr(self, name)) for name in FIELDS]).astype(np.float64)

    @classmethod
    def unpack(cls, vector: np.ndarray, states: int, n_exog: int) -> StateSnapshot:
        """A snapshot read back from `pack`'s vector; ``ValueError`` says what does not fit a model with ``states``
        states and ``n_exog`` regressors."""
        shapes = {"a": (states,), "P": (states, states), "Z": (states,), "T": (states, states),
                  "RQR": (states, states), "c": (states,), "obs": (3,), "beta": (n_exog,)}
        sizes = [int(np.prod(shape)) for shape in shapes.values()]
        if vector.ndim != 1 or len(vector) != sum(sizes):
            raise ValueError(f"its forecast state has {vector.size} values; a model with {states} states and "
                             f"{n_exog} regressors has {sum(sizes)}")
        if not np.all(np.isfinite(vector)):
            raise ValueError("its forecast state is not finite")
        arrays, start = {}, 0
        for (name, shape), size in zip(shapes.items(), sizes, strict=True):
            arrays[name] = vector[start:start + size].reshape(shape).copy()
            start += size
        for name in ("P", "RQR"):  # covariances: rounding may leave a diagonal a hair below zero, no more
            diagonal = np.diag(arrays[name])
            if np.any(diagonal < -1e-8 * (1.0 + np.abs(diagonal).max())):
                raise ValueError(f"its forecast state {name!r} has a negative variance")
        if arrays["obs"][0] < 0:
            raise ValueError("its forecast state has a negative observation variance")
        return cls(**{name: arrays[name] for name in FIELDS})

    def forecast(self, horizon: int, x_future: np.ndarray | None, levels) -> dict[str, np.ndarray]:
        """Point forecasts and Gaussian intervals, as ``{column: [horizon]}``."""
        h_var, last, prev = self.obs
        a, P = self.a.copy(), self.P.copy()
        mean, var = np.empty(horizon), np.empty(horizon)
        for h in range(horizon):
            d = last + (last - prev) * (h + 1)
            if len(self.beta):
                d += float(x_future[h] @ self.beta)
            mean[h] = self.Z @ a + d
            var[h] = self.Z @ P @ self.Z + h_var
            a = self.T @ a + self.c
            P = self.T @ P @ self.T.T + self.RQR
        out = {POINT: mean}
        std = np.sqrt(np.maximum(var, 0.0))
        for lv in levels or []:
            z = NormalDist().inv_cdf(0.5 + lv / 200.0)
            out[interval_column("lo", lv)] = mean - z * std
            out[interval_column("hi", lv)] = mean + z * std
        return out
