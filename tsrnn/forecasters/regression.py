"""`RegressionForecaster`: any scikit-learn regressor as a global, direct multi-output forecaster.

Each (series, cutoff) becomes one row: the window's lags (normalised), past covariate lags, known future
covariates over the horizon and static covariates; the regressor learns all ``horizon`` steps at once.
"""

from __future__ import annotations

import importlib
import numbers

import numpy as np

from .._estimator import check_is_fitted
from .._schema import POINT
from .._validation import check_choice, check_nonnegative, check_positive_int, check_str_list
from ..data import Panel, static_values
from ..errors import DataError, InvalidParameterError
from ..windows import window_origins
from .base import BaseForecaster
from .tags import ForecasterTags

__all__ = ["RegressionForecaster"]

# Only estimators of these packages are rebuilt from a saved model folder (by class name and parameters).
_LOADABLE_PACKAGES = ("sklearn", "lightgbm", "xgboost", "catboost")


def _window_stats(lags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each window ``[n, window]`` -> ``([n, 1], [n, 1])``; a flat window gets
    scale 1 (its values are then only shifted), so no division by zero."""
    loc = lags.mean(axis=1, keepdims=True)
    scale = lags.std(axis=1, keepdims=True)
    flat = scale <= 1e-8 * (1.0 + np.abs(loc))
    return loc, np.where(flat, 1.0, scale)


class RegressionForecaster(BaseForecaster):
    """Any scikit-learn regressor as a forecaster: a direct multi-output regression on lag windows.

    Every (series, cutoff) of the training data is one row: the last ``window`` values (normalised by the
    window's own mean and standard deviation with ``scaler="window"``, so one model serves series of any
    level), the lags of the ``past_covariates``, the ``horizon`` future values of the ``future_covariates``
    and the ``static_covariates``; the targets are the next ``horizon`` values in the same units. A regressor
    that cannot fit several outputs (LightGBM, gradient boosting) is wrapped in
    `sklearn.multioutput.MultiOutputRegressor`, one model per step. It is global over all series, like
    skforecast's ``ForecasterDirectMultiVariate`` or darts' ``RegressionModel``, and fits the same backtests,
    comparisons and reports as the RNN and ARIMA.

    Parameters
    ----------
    estimator : scikit-learn regressor, optional
        Cloned at each fit; None uses ``Ridge(alpha=1.0)``.
    window : int
        Lags of the target (and of each past covariate) per row.
    horizon : int
        Steps forecast at once (predict may ask for fewer).
    past_covariates, future_covariates, static_covariates : list of str, optional
        Covariate columns by role: past ones are read over the window, future ones (known ahead, given to
        ``predict`` in ``X_future``) over the horizon, static ones (one value per series) once. Columns not
        named are not used (``fit`` says so once).
    scaler : {"window", None}
        "window" normalises each row's lags and targets by the window's mean and standard deviation.
    categorical_covariates : list of str, optional
        Which of the covariates above are categories (pandas categoricals, or integer codes): each is one-hot
        encoded over the categories seen in training (one unseen later is all zeros).
    nonnegative : {"auto", True, False}
        Floor the forecasts at zero: "auto" (the default) for each series whose history before the forecast origin
        has no negative value, True for every series, False for none (as `RNNForecaster`'s). On the intermittent
        `pbs_immune_sera` it took Ridge's MASE from 0.183 to 0.158 and gradient boosting's from 0.203 to 0.038
        (benchmarks/RESULTS.md, "Non-negative forecasts").

    A model is saved with its training data and the estimator's class and parameters (estimators of
    scikit-learn, LightGBM, XGBoost or CatBoost with plain parameters: no pickle), and refitted when loaded.

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> y = pd.Series(np.arange(30.0), index=pd.date_range("2024-01-01", periods=30, freq="D"), name="s")
    >>> model = RegressionForecaster(Ridge(alpha=1e-6), window=4, horizon=2).fit(y)
    >>> model.predict()["y_pred"].round(3).tolist()
    [30.0, 31.0]
    """

    _horizon_param = "horizon"  # the horizon it is trained for (the command line's --horizon sets it)

    def __init__(
        self,
        estimator=None,
        window: int = 12,
        horizon: int = 1,
        past_covariates: list[str] | None = None,
        future_covariates: list[str] | None = None,
        static_covariates: list[str] | None = None,
        scaler: str | None = "window",
        categorical_covariates: list[str] | None = None,
        nonnegative: bool | str = "auto",
    ):
        self.estimator = estimator
        self.window = window
        self.horizon = horizon
        self.past_covariates = past_covariates
        self.future_covariates = future_covariates
        self.static_covariates = static_covariates
        self.scaler = scaler
        self.categorical_covariates = categorical_covariates
        self.nonnegative = nonnegative

    # -- parameters ----------------------------------------------------------------------------------------
    def _roles(self) -> tuple[list[str], list[str], list[str]]:
        roles = [check_str_list(getattr(self, name), name) or []
                 for name in ("past_covariates", "future_covariates", "static_covariates")]
        seen: dict[str, str] = {}
        for name, columns in zip(("past_covariates", "future_covariates", "static_covariates"), roles):
            for col in columns:
                if col in seen:
                    raise InvalidParameterError(f"column {col!r} is named in both {seen[col]} and {name}: give each "
                                                "covariate one role")
                seen[col] = name
        return roles[0], roles[1], roles[2]

    def _check_params(self) -> None:
        check_positive_int(self.window, "window")
        check_positive_int(self.horizon, "horizon")
        check_choice(self.scaler, "scaler", ("window", None))
        check_nonnegative(self.nonnegative)
        roles = [c for role in self._roles() for c in role]
        stray = [c for c in check_str_list(self.categorical_covariates, "categorical_covariates") or []
                 if c not in roles]
        if stray:
            raise InvalidParameterError(f"categorical_covariates {stray} have no role: name them in past_covariates, "
                                        "future_covariates or static_covariates too")
        est = self.estimator
        if est is not None and not (hasattr(est, "fit") and hasattr(est, "predict")):
            raise InvalidParameterError(f"estimator must be a scikit-learn regressor (with fit and predict), got "
                                        f"{type(est).__name__}")

    def _used_covariates(self) -> list[str]:
        past, future, static = self._roles()
        return [*past, *future, *static]

    def _min_length(self) -> int:
        self._check_params()
        return int(self.window) + int(self.horizon)

    def _min_length_reason(self) -> str:
        return f"window={self.window} + horizon={self.horizon}: one training row; use a shorter window"

    def _min_history(self) -> int:
        return int(self.window)

    def _future_span(self, horizon: int) -> int:
        return int(self.horizon)  # the regressor reads the whole horizon of known covariates, whatever is kept

    def _tags(self) -> ForecasterTags:
        return ForecasterTags(known_covariates=bool(self.future_covariates), batch_origins=True)

    @property
    def categorical_covariates_(self) -> tuple[str, ...]:
        """The covariates the fitted model one-hot encodes (``categorical_covariates``)."""
        check_is_fitted(self)
        return tuple(self.categorical_covariates or [])

    @property
    def known_covariates_(self) -> tuple[str, ...]:
        """The future covariates of the fitted model: ``predict`` needs their values for the horizon."""
        check_is_fitted(self)
        return tuple(self._roles()[1])

    @classmethod
    def get_test_params(cls) -> list[dict]:
        return [{"window": 6, "horizon": 3}, {"window": 6, "horizon": 3, "future_covariates": ["promo"]}]

    # -- rows ------------------------------------------------------------------------------------------------
    def _columns(self, panel: Panel) -> tuple[list[int], list[int], list[int]]:
        """Positions in ``panel.covariates`` of the past, future and static covariates."""
        roles = self._roles()
        absent = [c for role in roles for c in role if c not in panel.covariate_names]
        if absent:
            raise DataError(f"covariate column(s) {absent} named in the parameters are not in the data; its "
                            f"covariate columns are {list(panel.covariate_names)}")
        return tuple([panel.covariate_names.index(c) for c in role] for role in roles)

    def _rows(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, future: np.ndarray | None):
        """Features of each (series, cutoff) and the window statistics that undo the scaling:
        ``(X [n, features], loc [n, 1], scale [n, 1])``."""
        past, fut, static = self._columns(panel)
        w = self.window_
        rows = (panel.offsets[series] + cutoffs)[:, None] - w + np.arange(w)  # [n, window]
        lags = panel.values[rows].astype(np.float64)  # [n, window]
        if self.scaler == "window":
            loc, scale = _window_stats(lags)
        else:
            loc, scale = np.zeros((len(series), 1)), np.ones((len(series), 1))
        parts = [(lags - loc) / scale]
        names = self._roles()
        if past:
            block = panel.covariates[rows][:, :, past].astype(np.float64)  # [n, window, k_past]
            parts += [self._encoded(block[:, :, j], name) for j, name in enumerate(names[0])]  # covariate-major
        if fut:
            block = np.asarray(future, dtype=np.float64)  # [n, horizon, k_future]
            parts += [self._encoded(block[:, :, j], name) for j, name in enumerate(names[1])]
        if static:
            block = static_values(panel, names[2])[series]  # [n, k_static]
            parts += [self._encoded(block[:, j : j + 1], name) for j, name in enumerate(names[2])]
        return np.concatenate(parts, axis=1), loc, scale

    def _encoded(self, values: np.ndarray, name: str) -> np.ndarray:
        """One covariate's values ``[n, steps]`` as features: as they are, or one-hot over the training
        categories for a categorical covariate (``[n, steps * n_categories]``)."""
        vocab = self.categories_.get(name)
        if vocab is None:
            return values
        return (values[:, :, None] == vocab[None, None, :]).reshape(len(values), -1).astype(np.float64)

    # -- fit / predict -----------------------------------------------------------------------------------------
    def _fit(self, panel: Panel) -> None:
        from sklearn.base import clone
        from sklearn.linear_model import Ridge
        from sklearn.multioutput import MultiOutputRegressor
        from sklearn.utils import get_tags

        self._check_params()
        self.window_, self.horizon_ = int(self.window), int(self.horizon)
        _, fut, _ = self._columns(panel)
        self.categories_ = {}  # the categories seen in training (their codes), per categorical covariate
        for name in self.categorical_covariates or []:
            codes = panel.covariates[:, panel.covariate_names.index(name)].astype(np.float64)
            self.categories_[name] = np.unique(codes[np.isfinite(codes)])
        series, origins = window_origins(panel.lengths, self.window_, self.horizon_)
        ahead = (panel.offsets[series] + origins)[:, None] + np.arange(self.horizon_)  # [n, horizon]
        future = panel.covariates[ahead][:, :, fut] if fut else None  # [n, horizon, k_future]
        X, loc, scale = self._rows(panel, series, origins, future)
        Y = (panel.values[ahead].astype(np.float64) - loc) / scale  # [n, horizon]
        est = Ridge(alpha=1.0) if self.estimator is None else clone(self.estimator)
        try:
            multi = bool(get_tags(est).target_tags.multi_output)
        except Exception:  # noqa: BLE001 - an estimator outside scikit-learn's tag system: one model per step
            multi = False
        if self.horizon_ > 1 and not multi:
            est = MultiOutputRegressor(est)
        est.fit(X, Y if self.horizon_ > 1 else Y.ravel())
        self.estimator_ = est
        self.n_features_in_ = X.shape[1]
        self.n_train_rows_ = len(X)

    def _forecast(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int, future):
        if horizon > self.horizon_:
            raise ValueError(f"the model was trained for horizon={self.horizon_}; it cannot forecast {horizon} "
                             f"steps. Refit with horizon={horizon}")
        short = np.flatnonzero(cutoffs < self.window_)
        if len(short):
            k = short[0]
            raise ValueError(f"series {panel.ids[series[k]]!r} has {cutoffs[k]} observations before the forecast; "
                             f"the model reads window={self.window_}")
        X, loc, scale = self._rows(panel, series, cutoffs, future)
        pred = np.asarray(self.estimator_.predict(X), dtype=np.float64).reshape(len(X), self.horizon_)
        return self._floored({POINT: (pred * scale + loc)[:, :horizon]}, panel, series, cutoffs)

    def _predict(self, panel: Panel, horizon: int, future, levels) -> dict[str, np.ndarray]:
        return self._forecast(panel, np.arange(panel.n_series), panel.lengths.copy(), horizon, future)

    def _predict_at(self, panel: Panel, series, cutoffs, horizon, future, levels=None) -> dict[str, np.ndarray]:
        return self._forecast(panel, series, cutoffs, horizon, future)

    # -- persistence ---------------------------------------------------------------------------------------------
    def _saved_state(self) -> tuple[dict, dict, None]:
        from .io import _plain

        params = self.get_params(deep=False)
        est = self.estimator
        if est is not None:
            module = type(est).__module__
            if module.split(".")[0] not in _LOADABLE_PACKAGES:
                raise ValueError(f"the estimator {type(est).__name__} ({module}) cannot be saved: a saved model "
                                 f"rebuilds estimators of {list(_LOADABLE_PACKAGES)} only")
            params["estimator"] = {"module": module, "class": type(est).__name__,
                                   "params": _plain(est.get_params(deep=False),
                                                    f"the parameters of the estimator {type(est).__name__}")}
        return {"refit_on_load": True, "params": _plain(params, "the parameters of RegressionForecaster")}, {}, None

    def _restore_state(self, config: dict, arrays: dict, panel: Panel, data_kwargs: dict) -> None:
        spec = self.estimator
        if spec is not None:
            from sklearn.base import BaseEstimator

            from .io import _need

            _need(isinstance(spec, dict) and set(spec) == {"module", "class", "params"}
                  and isinstance(spec["module"], str) and isinstance(spec["class"], str)
                  and isinstance(spec["params"], dict), f"estimator must describe a class, got {spec!r}")
            _need(spec["module"].split(".")[0] in _LOADABLE_PACKAGES,
                  f"estimator module {spec['module']!r} is not one of {list(_LOADABLE_PACKAGES)}")
            cls = getattr(importlib.import_module(spec["module"]), spec["class"], None)
            _need(isinstance(cls, type) and issubclass(cls, BaseEstimator),
                  f"{spec['module']}.{spec['class']} is not a scikit-learn estimator")
            params = {k: tuple(v) if isinstance(v, list) and not isinstance(v, numbers.Number) else v
                      for k, v in spec["params"].items()}
            self.set_params(estimator=cls(**params))
        self.fit(panel, **data_kwargs)
