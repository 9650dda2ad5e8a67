"""The estimator contract every tsrnn forecaster follows.

`BaseForecaster` does the shared path once (validate -> `_fit` -> `_predict` -> long frame, and the same for
many origins with `forecast_at` -> `_predict_at`); subclasses write only the small underscore methods and
declare what they can do (`ForecasterTags`).
"""

from __future__ import annotations

import contextlib
import numbers
import os
from dataclasses import fields, replace
from statistics import NormalDist

import numpy as np
import pandas as pd

from .._estimator import Estimator, check_is_fitted
from .._schema import POINT, interval_column
from .._validation import check_nonnegative, check_positive_int
from ..data import Panel, as_pandas, future_covariates, split_ids, to_panel
from ..errors import DataError, InvalidParameterError
from ..frequency import TRADING
from .tags import ForecasterTags, _sklearn_forecaster_tags

__all__ = ["BaseForecaster", "check_positive_int", "check_levels", "normal_interval"]


def check_levels(level) -> list[float]:
    """Validate interval levels given in percent, e.g. ``[80, 95]``.

    Example
    -------
    >>> check_levels(95)
    [95.0]
    """
    if isinstance(level, numbers.Real | np.bool_):  # a bool is then refused as a level below
        levels = [level]
    elif isinstance(level, list | tuple | np.ndarray | pd.Index | pd.Series) and np.ndim(level) == 1:
        levels = list(level)
    else:  # a string would otherwise be read character by character
        raise InvalidParameterError(f"level must be a percentage or a list of them, e.g. [80, 95], got {level!r}")
    for lv in levels:
        if isinstance(lv, bool | np.bool_) or not isinstance(lv, numbers.Real) or not 0 < lv < 100:
            raise InvalidParameterError(f"interval levels are percentages strictly between 0 and 100, got {lv!r}")
    out = [float(lv) for lv in levels]
    if len(set(out)) != len(out):
        raise InvalidParameterError(f"level lists {sorted({v for v in out if out.count(v) > 1})} more than once")
    return out


def normal_interval(mean: np.ndarray, sigma: np.ndarray, levels: list[float]) -> dict[str, np.ndarray]:
    """Gaussian prediction intervals ``mean -/+ z * sigma`` as ``y_pred_lo_L`` / ``y_pred_hi_L`` columns.

    Example
    -------
    >>> out = normal_interval(np.array([[10.0]]), np.array([[1.0]]), [95])
    >>> round(float(out["y_pred_hi_95"][0, 0]), 2)
    11.96
    """
    out = {}
    for lv in levels:
        z = NormalDist().inv_cdf(0.5 + lv / 200.0)
        out[interval_column("lo", lv)] = mean - z * sigma
        out[interval_column("hi", lv)] = mean + z * sigma
    return out


class BaseForecaster(Estimator):
    """Shared fit/predict path of every forecaster (the template method).

    Subclasses implement

    - ``_fit(panel)``, which sets attributes ending in ``_``;
    - ``_predict(panel, horizon, future, levels)``, which returns ``{"y_pred": [n_series, horizon], ...}`` for
      the series of ``panel`` (the training panel or fresh history). ``future`` holds the values of the
      model's ``known_covariates_`` for the steps after each series' end, ``[n_series, span, k]`` (``span``
      is ``horizon``, or what ``_future_span`` asks for), or None when the model reads no covariate ahead:
      it receives arrays only, never a user's frame;

    and may override ``_predict_at`` (forecasts at many origins: the default loops over ``_predict``),
    ``_tags`` (the declared capabilities), ``_min_length`` / ``_min_history`` (how long a series must be to
    fit / to forecast from) and ``get_test_params`` (small parameters for the contract suite).

    Example
    -------
    >>> from tsrnn import NaiveForecaster
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="s")
    >>> NaiveForecaster().fit(y).predict(horizon=2)
      unique_id         ds  y_pred
    0         s 2024-01-04     3.0
    1         s 2024-01-05     3.0
    """

    # -- what subclasses provide ----------------------------------------------------------------------
    def _fit(self, panel: Panel) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _predict(self, panel: Panel, horizon: int, future: np.ndarray | None,
                 levels: list[float] | None) -> dict[str, np.ndarray]:
        raise NotImplementedError  # pragma: no cover - abstract

    # Declared by each class, published in its tags (see `ForecasterTags`).
    _horizon_param: str | None = None
    _execution_params: tuple[str, ...] = ()

    def _tags(self) -> ForecasterTags:
        return ForecasterTags()

    def _floored(self, outputs: dict[str, np.ndarray], panel: Panel, series, ends) -> dict[str, np.ndarray]:
        """The forecast columns (``[n, H]`` each, row ``r`` from the first ``ends[r]`` values of series
        ``series[r]`` of ``panel``) floored at zero as the forecaster's ``nonnegative`` parameter says: on every row
        (True), on the rows whose history has no negative value ("auto"), or on none (False, or a forecaster
        without the parameter). The forecasters that have it call this on their way out; `ConformalIntervals`
        calls its wrapped model's on its bounds."""
        mode = check_nonnegative(getattr(self, "nonnegative", False))
        if mode is False:
            return outputs
        rows = np.ones(len(series), dtype=bool)
        if mode == "auto":
            negatives = np.concatenate([[0], np.cumsum(panel.values < 0)])  # negative values before each position
            starts = panel.offsets[np.asarray(series)]
            rows = negatives[starts + np.asarray(ends)] == negatives[starts]
            if not rows.any():
                return outputs
        return {column: np.where(rows[:, None], np.maximum(values, 0.0), values) for column, values in outputs.items()}

    def _min_length(self) -> int:
        return 1

    def _min_length_reason(self) -> str:
        """Why a series must be that long, for the error message (e.g. "window=24 + horizon=12")."""
        return ""

    def _min_history(self) -> int:
        """The shortest history ``predict(df=...)`` accepts; a model with a lookback window may need less
        than it needs to fit (an RNN forecasts from ``window`` points but trains on ``window + horizon``)."""
        return self._min_length()

    def _default_horizon(self) -> int | None:
        return getattr(self, "horizon", None)

    def _used_covariates(self) -> list[str] | None:
        """The covariate columns this model reads, by name, when its parameters name them (past, future and
        static covariates); None when every extra column of the data is used. Columns of a frame that are
        not listed are dropped before the data is validated (with one message), so they may hold anything."""
        return None

    def _future_span(self, horizon: int) -> int:
        """How many steps of known covariates a forecast of ``horizon`` steps reads (an RNN: its own horizon)."""
        return horizon

    def _check_levels_supported(self, levels: list[float]) -> None:
        """Raise when the model cannot produce these interval levels (they are already valid percentages)."""
        if not self._tags().intervals:
            raise ValueError(f"{type(self).__name__} does not produce prediction intervals; drop level=")

    def _predict_at(self, panel: Panel, series: np.ndarray, cutoffs: np.ndarray, horizon: int,
                    future: np.ndarray | None, levels: list[float] | None = None) -> dict[str, np.ndarray]:
        """Forecasts from the first ``cutoffs[k]`` observations of series ``series[k]``: ``{column: [n, horizon]}``.

        The default cuts the panel and calls ``_predict``, one round per occurrence of a series (so a round
        holds every series at most once and is forecast in one call).
        """
        n = len(series)
        out: dict[str, np.ndarray] = {}
        order = np.argsort(series, kind="stable")
        sorted_series = series[order]
        first = np.searchsorted(sorted_series, sorted_series, side="left")
        occurrence = np.empty(n, dtype=np.int64)
        occurrence[order] = np.arange(n) - first  # how many earlier pairs have the same series
        for r in range(int(occurrence.max()) + 1 if n else 0):
            idx = np.flatnonzero(occurrence == r)
            cut = panel.select(series[idx]).slice(0, cutoffs[idx])
            part = self._predict(cut, horizon, None if future is None else future[idx], levels)
            for name, values in part.items():
                if name not in out:
                    out[name] = np.full((n, horizon), np.nan)
                out[name][idx] = values
        return out

    def _saved_state(self) -> tuple[dict, dict, dict | None]:
        """What `tsrnn.forecasters.io` saves beside the parameters and the training data: ``(config entries
        (JSON values), numpy arrays, torch state dict or None)``. By default nothing: the model is refitted on
        its data when loaded (right for models that only keep the data)."""
        return {"refit_on_load": True}, {}, None

    def _restore_state(self, config: dict, arrays: dict, panel: Panel, data_kwargs: dict) -> None:
        """Make this freshly built model the fitted one a folder describes (``_saved_state``'s counterpart);
        raise `IncompatibleModelError` (or ValueError/KeyError...) for anything malformed."""
        self.fit(panel, **data_kwargs)

    @classmethod
    def get_test_params(cls) -> list[dict]:
        """Parameter sets that keep `tsrnn.forecasters.checks.check_forecaster` fast on this forecaster (the
        contract suite runs once per set); the defaults by default.

        Example
        -------
        >>> from tsrnn import NaiveForecaster
        >>> NaiveForecaster.get_test_params()
        [{}]
        """
        return [{}]

    # -- declared capabilities (public, read-only) -----------------------------------------------------
    def _declared_tags(self) -> ForecasterTags:
        """The capabilities `get_forecaster_tags` reports (scikit-learn's ``get_tags`` finds them too)."""
        return replace(self._tags(), horizon_param=self._horizon_param, execution_params=self._execution_params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        cls = _sklearn_forecaster_tags()
        tags = cls(**{f.name: getattr(tags, f.name) for f in fields(tags)}, forecaster_tags=self._declared_tags())
        tags.target_tags.required = True  # a forecaster learns from the target itself
        tags.non_deterministic = tags.forecaster_tags.needs_torch
        return tags

    @property
    def min_train_length(self) -> int:
        """The fewest observations a series needs for ``fit`` with these parameters (validates them first).

        Example
        -------
        >>> from tsrnn import DriftForecaster
        >>> DriftForecaster().min_train_length
        2
        """
        return int(self._min_length())

    @property
    def min_history(self) -> int:
        """The fewest observations a series needs to be forecast from (``predict(df=...)``, ``forecast_at``).

        Example
        -------
        >>> from tsrnn import SeasonalNaiveForecaster
        >>> SeasonalNaiveForecaster(season_length=4).min_history
        4
        """
        return int(self._min_history())

    @property
    def default_horizon(self) -> int | None:
        """The horizon ``predict()`` uses when none is given (a model trained for a horizon), else None.

        Example
        -------
        >>> from tsrnn import NaiveForecaster
        >>> NaiveForecaster().default_horizon is None
        True
        """
        return self._default_horizon()

    @property
    def known_covariates_(self) -> tuple[str, ...]:
        """The covariate columns the fitted model reads for the forecast horizon: ``predict`` needs their
        future values in ``X_future``, and backtests pass exactly these beyond a cutoff. None by default.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn import NaiveForecaster
        >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="s")
        >>> NaiveForecaster().fit(y).known_covariates_
        ()
        """
        check_is_fitted(self)
        return ()

    @property
    def categorical_covariates_(self) -> tuple[str, ...]:
        """The covariate columns the fitted model reads as categories (pandas categoricals; a file that stores
        them as text must convert them again before ``predict``). None by default.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn import NaiveForecaster
        >>> y = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="s")
        >>> NaiveForecaster().fit(y).categorical_covariates_
        ()
        """
        check_is_fitted(self)
        return ()

    def check_level(self, level) -> list[float] | None:
        """``level`` as a list of percentages this forecaster can produce intervals for; None for None.

        Raises an error saying why when the model gives no intervals, or not at these levels (a quantile
        model answers only the levels its quantiles bound). Backtests call it before any fit.

        Example
        -------
        >>> from tsrnn import NaiveForecaster
        >>> NaiveForecaster().check_level([80, 95])
        [80.0, 95.0]
        """
        if level is None:
            return None
        levels = check_levels(level)
        self._check_levels_supported(levels)
        return levels

    # -- the shared path -------------------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "panel_")

    def _clear_fitted(self) -> None:
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)

    def fit(
        self,
        df,
        *,
        id_col: str | list[str] = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
        freq: str | None = None,
        fill_missing: str | dict | None = None,
    ):
        """Validate ``df`` through the data contract (`tsrnn.data.to_panel`), learn, and return ``self``.

        ``df`` is a long frame, a wide frame, a Series, a `Panel`, a numpy ``[series, time]`` array (with
        ``freq``) or a polars frame; the column names and the missing-value policy are passed on to `to_panel`
        (and remembered: ``predict``'s ``df`` and ``X_future`` use the same names). ``id_col`` may list several
        columns (forecasts then carry them), ``fill_missing`` may give each column its policy (a dict), and
        ``freq="NYSE"`` / ``"trading"`` puts stock series on trading days. Covariate columns the model does not
        read (see its ``past_covariates`` / ``future_covariates`` / ``static_covariates``) are dropped first,
        with one warning naming them. The caller's frame is not modified.
        """
        self._clear_fitted()
        if isinstance(id_col, list | tuple):
            id_col = list(id_col)
        data_kwargs = dict(id_col=id_col, time_col=time_col, target_col=target_col, freq=freq,
                           fill_missing=fill_missing)
        df, fill = self._select_columns(df, data_kwargs, warn=True)
        panel = to_panel(df, min_length=self._min_length(), why=self._min_length_reason(),
                         **{**data_kwargs, "fill_missing": fill})
        used = self._used_covariates()
        if isinstance(df, Panel) and used is not None:  # a backtest's panel: the columns a model leaves are said too
            _warn_ignored(self, [c for c in panel.covariate_names if c not in used], stacklevel=3)
        if freq is not None and not isinstance(freq, str):
            # An offset or Timedelta given as freq is kept as its alias when that says the same thing, so the
            # model can be saved (JSON) and predict(df=...) parses new history the same way.
            from pandas.tseries.frequencies import to_offset

            alias = panel.freq.freqstr
            with contextlib.suppress(ValueError, TypeError):
                if to_offset(alias) == panel.freq:
                    data_kwargs["freq"] = alias
        try:
            self._fit(panel)
        except BaseException:
            self._clear_fitted()
            raise
        self.panel_ = panel
        self.freq_ = panel.freq
        self.data_kwargs_ = data_kwargs
        return self

    def predict(self, horizon: int | None = None, df=None, X_future=None, level=None) -> pd.DataFrame:
        """Forecast ``horizon`` steps after the end of each series.

        Returns a long frame ``unique_id, ds, y_pred`` (plus ``y_pred_lo_80``-style interval columns when
        ``level`` is given, or quantile columns for quantile models) with real future timestamps.
        ``df`` forecasts from fresh history instead of the training data; ``X_future`` holds the future
        values of the model's ``known_covariates_``, as a long frame with the id and time columns named as
        in ``fit``; it is ignored by a model that reads no covariate ahead. Raises ``NotFittedError``
        before ``fit``.
        """
        check_is_fitted(self)
        if horizon is None:
            horizon = self._default_horizon()
            if horizon is None:
                raise ValueError(f"{type(self).__name__}.predict needs horizon= (a positive integer)")
        horizon = check_positive_int(horizon, "horizon")
        levels = self.check_level(level)
        panel = self._history(df)
        out = self._predict(panel, horizon, self._future_values(X_future, panel, horizon), levels)
        if self.data_kwargs_.get("freq") == TRADING:
            import warnings

            warnings.warn("freq='trading': the model counts trading days and knows no future holiday, so the "
                          "forecast's ds are the next weekdays, i.e. steps 1, 2, ... ahead rather than dates; pass "
                          "freq='NYSE' (or a pandas CustomBusinessDay) for the exchange's next trading days",
                          UserWarning, stacklevel=2)
        return self._format(panel, horizon, out)

    def forecast_at(self, panel: Panel, series, cutoffs, horizon: int | None = None, future=None,
                    level=None) -> dict[str, np.ndarray]:
        """Forecasts from many (series, cutoff) pairs of ``panel`` without refitting: ``{column: [n, horizon]}``.

        ``cutoffs[k]`` is the number of observations of series ``series[k]`` (a position in ``panel``) the
        forecast may use. ``future`` gives the known covariates after each cutoff, ``[n, span, k]``; left at
        None they are read from the panel itself (then they must lie inside the series). This is the fast
        path of ``backtest(refit=False)``: models tagged ``batch_origins`` forecast every pair in a few
        batched passes; the others loop over their ``predict``.

        Example
        -------
        >>> import numpy as np, pandas as pd
        >>> from tsrnn import NaiveForecaster
        >>> from tsrnn.data import to_panel
        >>> panel = to_panel(pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.date_range("2024-01-01", periods=4), name="s"))
        >>> NaiveForecaster().fit(panel).forecast_at(panel, [0, 0], [2, 3], horizon=2)["y_pred"].tolist()
        [[2.0, 2.0], [3.0, 3.0]]
        """
        check_is_fitted(self)
        if horizon is None:
            horizon = self._default_horizon()
            if horizon is None:
                raise ValueError(f"{type(self).__name__}.forecast_at needs horizon= (a positive integer)")
        horizon = check_positive_int(horizon, "horizon")
        levels = self.check_level(level)
        series = np.asarray(series, dtype=np.int64).ravel()
        cutoffs = np.asarray(cutoffs, dtype=np.int64).ravel()
        if len(series) != len(cutoffs):
            raise ValueError(f"series and cutoffs must pair up, got {len(series)} series and {len(cutoffs)} cutoffs")
        if len(series) and (series.min() < 0 or series.max() >= panel.n_series):
            raise ValueError(f"series must be positions in the panel, 0 to {panel.n_series - 1}")
        if len(series) and (np.any(cutoffs < 1) or np.any(cutoffs > panel.lengths[series])):
            raise ValueError("every cutoff must lie within its series: 1 <= cutoff <= length")
        names = self.known_covariates_
        span = self._future_span(horizon)
        if not names:
            future = None
        elif future is None:
            future = _panel_future(panel, series, cutoffs, span, names)
        else:
            future = np.asarray(future, dtype=np.float32)
            if future.shape != (len(series), span, len(names)):
                raise ValueError(f"future must have shape {(len(series), span, len(names))} (pairs, steps, "
                                 f"known covariates {list(names)}), got {future.shape}")
        return self._predict_at(panel, series, cutoffs, horizon, future, levels)

    def plot(self, horizon: int | None = None, level=None, df=None, X_future=None, series=None,
             context: int | None = None, ax=None):
        """Draw one series' history and its forecast with interval bands (``level``); returns the matplotlib Axes.

        Forecasts as ``predict(horizon, df, X_future, level)`` does; ``series`` picks the id (default: the
        first), ``context`` keeps the last values of the history only, ``ax`` draws on existing axes.

        Example
        -------
        >>> import pandas as pd
        >>> from tsrnn import NaiveForecaster
        >>> y = pd.Series([1.0, 3.0, 2.0, 4.0], index=pd.date_range("2024-01-01", periods=4), name="s")
        >>> ax = NaiveForecaster().fit(y).plot(horizon=3, level=80)
        >>> ax.get_title(), len(ax.collections)  # the series, and one shaded 80 % band
        ('s', 1)
        """
        from ..plotting import plot_forecast

        forecast = self.predict(horizon=horizon, df=df, X_future=X_future, level=level)
        history = self._history(df).to_frame()
        return plot_forecast(forecast, history, series=series, context=context, ax=ax)

    def save(self, path: str | os.PathLike, *, overwrite: bool = False, horizon: int | None = None):
        """Save the fitted model to a model folder (see `tsrnn.forecasters.io`); returns its path.

        ``path`` may be new or an empty folder. An existing tsrnn model folder is replaced only with
        ``overwrite=True``, atomically (after a crash at any moment the old or the new model loads); a file
        or any other non-empty folder is never replaced (`OutputExistsError`). ``horizon`` records the
        horizon the model is meant to forecast. Load it back with ``tsrnn.load(path)``.

        Example
        -------
        >>> import tempfile, pandas as pd, tsrnn
        >>> from tsrnn import DriftForecaster
        >>> y = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2024-01-01", periods=3, freq="D"), name="d")
        >>> path = DriftForecaster().fit(y).save(tempfile.mkdtemp() + "/drift")
        >>> tsrnn.load(path).predict(2)["y_pred"].tolist()
        [5.5, 7.0]
        """
        from .io import save_forecaster

        return save_forecaster(self, path, horizon=horizon, overwrite=overwrite)

    def with_training_callbacks(self, callbacks: list) -> BaseForecaster:
        """An unfitted copy that also runs ``callbacks`` during training (forecasters tagged
        ``validation_loss``; the tuner's pruning callback goes in this way)."""
        raise TypeError(f"{type(self).__name__} has no training loop to add callbacks to")

    def _history(self, df) -> Panel:
        if df is None:
            return self.panel_
        kwargs = {k: v for k, v in self.data_kwargs_.items() if k != "freq"}
        df, kwargs["fill_missing"] = self._select_columns(df, self.data_kwargs_, warn=False)
        # freq="trading" reads the holidays from the data: new history brings its own (later) ones.
        trading = self.data_kwargs_.get("freq") == TRADING
        panel = to_panel(df, min_length=self._min_history(), freq=TRADING if trading else self.freq_, **kwargs)
        if panel.freq != self.freq_ and not trading:
            raise DataError(f"df has frequency {panel.freq.freqstr!r} but the model was fitted on "
                            f"{self.freq_.freqstr!r} data")
        fitted_tz, given_tz = self.panel_.starts.tz, panel.starts.tz
        if (fitted_tz is None) != (given_tz is None) or str(fitted_tz) != str(given_tz):
            # A different zone moves every timestamp (and the calendar features) by hours: refuse, never guess.
            raise DataError(f"df has timestamps in time zone {given_tz} but the model was fitted on time zone "
                            f"{fitted_tz}; convert them first, e.g. df['ds'].dt.tz_localize('{fitted_tz}') or "
                            f".dt.tz_convert(...)" if fitted_tz is not None else
                            f"df has timestamps in time zone {given_tz} but the model was fitted on naive "
                            "timestamps; drop the zone first, e.g. df['ds'].dt.tz_localize(None)")
        return panel

    def _select_columns(self, df, data_kwargs: dict, *, warn: bool):
        """``df`` keeping only the covariates the model reads (`_used_covariates`), and the fill policies of the
        columns kept; warns once (``warn``) about the columns left out. Other inputs pass unchanged."""
        used = self._used_covariates()
        fill = data_kwargs["fill_missing"]
        df = as_pandas(df, data_kwargs.get("freq"))
        time_col, target_col = data_kwargs["time_col"], data_kwargs["target_col"]
        if used is None or not isinstance(df, pd.DataFrame) or time_col not in df.columns:
            return df, fill
        ids = data_kwargs["id_col"] if isinstance(data_kwargs["id_col"], list) else [data_kwargs["id_col"]]
        absent = [c for c in used if c not in df.columns]
        if absent:
            raise DataError(f"{type(self).__name__} reads covariate column(s) {absent} that the data does not have; "
                            f"it has columns {list(df.columns)}")
        keep = list(dict.fromkeys([*ids, time_col, target_col, *used]))
        ignored = [c for c in df.columns if c not in keep]
        if warn:
            _warn_ignored(self, ignored, stacklevel=5)
        if isinstance(fill, dict):
            fill = {k: v for k, v in fill.items() if k in keep}
        return df.loc[:, [c for c in df.columns if c in keep]], fill

    def _future_values(self, X_future, panel: Panel, horizon: int) -> np.ndarray | None:
        """``X_future`` as ``[n_series, span, k]`` values of the known covariates, read once with the column
        names of ``fit``; None when the model reads no covariate ahead."""
        names = self.known_covariates_
        if not names:
            return None
        return future_covariates(X_future, panel, self._future_span(horizon), names,
                                 id_col=self.data_kwargs_["id_col"], time_col=self.data_kwargs_["time_col"])

    def _format(self, panel: Panel, horizon: int, out: dict[str, np.ndarray]) -> pd.DataFrame:
        ids = np.repeat(panel.ids, horizon)
        columns = {**split_ids(ids, self.data_kwargs_["id_col"]), "ds": panel.future_timestamps(horizon)}
        if POINT in out:  # the point forecast first, whatever order the subclass built its columns in
            out = {POINT: out[POINT], **{k: v for k, v in out.items() if k != POINT}}
        for name, arr in out.items():
            arr = np.array(arr, dtype=np.float64)  # a copy: the frame never shares memory with the model's state
            if arr.shape != (panel.n_series, horizon):  # a bug in a subclass, not a user error
                raise AssertionError(f"{name} has shape {arr.shape}, expected {(panel.n_series, horizon)}")
            columns[name] = arr.ravel()
        # One construction, adopting the fresh arrays above (copy=False): column by column, or copying them
        # again, cost 0.05-0.1 ms more per predict (issue 14).
        return pd.DataFrame(columns, copy=False)


def _warn_ignored(model, ignored: list, stacklevel: int) -> None:
    """The one message about the columns of the data ``model`` does not read (none: no message). Identical for
    every fit of a backtest, so Python shows it once."""
    if ignored:
        import warnings

        warnings.warn(f"{type(model).__name__} ignores column(s) {list(ignored)}: name them in past_covariates=, "
                      "future_covariates= or static_covariates= to use them", UserWarning, stacklevel=stacklevel)


def _panel_future(panel: Panel, series: np.ndarray, cutoffs: np.ndarray, span: int, names) -> np.ndarray:
    """The known covariates ``names`` of the ``span`` rows after each cutoff, read from the panel:
    ``[n, span, k]`` float32."""
    missing = [c for c in names if c not in panel.covariate_names]
    if missing:
        raise DataError(f"the panel has no covariate column(s) {missing} the model reads ahead; it has "
                        f"{list(panel.covariate_names)}")
    if np.any(cutoffs + span > panel.lengths[series]):
        k = int(np.flatnonzero(cutoffs + span > panel.lengths[series])[0])
        raise ValueError(f"the known covariates {list(names)} are needed for {span} steps after each cutoff, but "
                         f"series {panel.ids[series[k]]!r} ends {int(panel.lengths[series[k]] - cutoffs[k])} steps "
                         "after its cutoff; pass future=")
    columns = [panel.covariate_names.index(c) for c in names]
    rows = (panel.offsets[series] + cutoffs)[:, None] + np.arange(span)  # [n, span]
    return panel.covariates[rows][:, :, columns].astype(np.float32)
