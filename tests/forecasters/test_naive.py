"""The naive family: forecasts and intervals worked out by hand (FPP3 section 5.5), timestamps, errors, contract."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tsrnn.errors import DataError, NotFittedError
from tsrnn.forecasters.base import BaseForecaster
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.naive import DriftForecaster, MeanForecaster, NaiveForecaster, SeasonalNaiveForecaster

# Standard normal quantiles: z(0.90) for 80% intervals, z(0.975) for 95% intervals.
Z80 = 1.2815515655446004
Z95 = 1.959963984540054

Y5 = [3.0, 5.0, 4.0, 8.0, 6.0]  # T = 5


def monthly(values, uid="a", start="2020-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"), name=uid)


def interval_columns(forecast: pd.DataFrame, level: int) -> tuple[np.ndarray, np.ndarray]:
    return forecast[f"y_pred_lo_{level}"].to_numpy(), forecast[f"y_pred_hi_{level}"].to_numpy()


# --- point forecasts and intervals by hand ------------------------------------------------------------------
def test_naive_forecast_and_intervals():
    # Residuals are the one-step changes 2, -1, 4, -2: sigma = sqrt(25 / 4) = 2.5 (T - K - M = 5 - 0 - 1).
    out = NaiveForecaster().fit(monthly(Y5)).predict(3, level=[80, 95])
    assert out["y_pred"].tolist() == [6.0, 6.0, 6.0]
    sigma_h = 2.5 * np.sqrt([1.0, 2.0, 3.0])
    lo, hi = interval_columns(out, 80)
    np.testing.assert_allclose(lo, 6.0 - Z80 * sigma_h, rtol=1e-12)
    np.testing.assert_allclose(hi, 6.0 + Z80 * sigma_h, rtol=1e-12)
    np.testing.assert_allclose(interval_columns(out, 95)[1][0], 6.0 + 1.959963984540054 * 2.5, rtol=1e-12)
    assert hi[0] == pytest.approx(9.203878913861502)  # 6 + 1.28155 * 2.5


def test_seasonal_naive_forecast_and_intervals():
    y = [1.0, 2.0, 3.0, 4.0, 6.0, 5.0, 7.0]  # T = 7, m = 3: the last season is 6, 5, 7
    out = SeasonalNaiveForecaster(season_length=3).fit(monthly(y)).predict(5, level=80)
    assert out["y_pred"].tolist() == [6.0, 5.0, 7.0, 6.0, 5.0]
    # Residuals y[t] - y[t-3] = 3, 4, 2, 3: sigma = sqrt(38 / 4) (T - K - M = 7 - 0 - 3).
    # sigma_h = sigma * sqrt(k + 1), k = floor((h - 1) / 3): 1, 1, 1, sqrt(2), sqrt(2).
    sigma_h = math.sqrt(9.5) * np.sqrt([1, 1, 1, 2, 2])
    lo, hi = interval_columns(out, 80)
    np.testing.assert_allclose(hi - out["y_pred"], Z80 * sigma_h, rtol=1e-12)
    np.testing.assert_allclose(out["y_pred"] - lo, Z80 * sigma_h, rtol=1e-12)


def test_drift_forecast_and_intervals():
    # slope = (6 - 3) / (5 - 1) = 0.75; residuals (changes - slope) 1.25, -1.75, 3.25, -2.75:
    # sigma^2 = 22.75 / 3 (T - K - M = 5 - 1 - 1); sigma_h = sigma * sqrt(h * (1 + h / (T - 1))).
    out = DriftForecaster().fit(monthly(Y5)).predict(3, level=95)
    np.testing.assert_allclose(out["y_pred"], [6.75, 7.5, 8.25], rtol=1e-12)
    sigma_h = math.sqrt(22.75 / 3) * np.sqrt([1 * 1.25, 2 * 1.5, 3 * 1.75])
    lo, hi = interval_columns(out, 95)
    np.testing.assert_allclose(hi, out["y_pred"] + Z95 * sigma_h, rtol=1e-12)
    np.testing.assert_allclose(lo, out["y_pred"] - Z95 * sigma_h, rtol=1e-12)


def test_mean_forecast_and_intervals():
    # mean 26 / 5 = 5.2; residuals -2.2, -0.2, -1.2, 2.8, 0.8: sigma^2 = 14.8 / 4 (T - K - M = 5 - 1 - 0);
    # sigma_h = sigma * sqrt(1 + 1 / T) = sqrt(3.7 * 1.2), the same for every h.
    out = MeanForecaster().fit(monthly(Y5)).predict(2, level=80)
    np.testing.assert_allclose(out["y_pred"], [5.2, 5.2], rtol=1e-6)
    lo, hi = interval_columns(out, 80)
    np.testing.assert_allclose(hi - lo, 2 * Z80 * math.sqrt(4.44) * np.ones(2), rtol=1e-6)


def test_each_series_of_a_panel_is_forecast_on_its_own():
    df = pd.concat([monthly(Y5, "a").rename("y").rename_axis("ds").reset_index().assign(unique_id="a"),
                    monthly([10.0, 20.0], "b", start="2020-06-01").rename("y").rename_axis("ds").reset_index()
                    .assign(unique_id="b")], ignore_index=True)
    out = DriftForecaster().fit(df).predict(2)
    assert out["unique_id"].tolist() == ["a", "a", "b", "b"]
    assert out["ds"].dt.strftime("%Y-%m").tolist() == ["2020-06", "2020-07", "2020-08", "2020-09"]
    np.testing.assert_allclose(out["y_pred"], [6.75, 7.5, 30.0, 40.0])


# --- timestamps ----------------------------------------------------------------------------------------------
def test_seasonal_naive_repeats_the_last_year_on_the_next_month_starts():
    values = np.round(np.random.default_rng(7).uniform(100, 200, size=36), 1)
    y = monthly(values, "sales", start="2019-01-01")  # ends 2021-12
    out = SeasonalNaiveForecaster().fit(y).predict(12)  # season_length from the monthly frequency: 12
    assert out["y_pred"].tolist() == pytest.approx(values[-12:].tolist(), rel=1e-6)
    assert out["ds"].dt.strftime("%Y-%m-%d").tolist() == [f"2022-{m:02d}-01" for m in range(1, 13)]


def test_seasonal_naive_on_wineind():
    try:
        from tsrnn.datasets import load_dataset

        df = load_dataset("wineind")
    except (ImportError, FileNotFoundError, ValueError) as err:
        pytest.skip(f"wineind dataset not available: {err}")
    out = SeasonalNaiveForecaster().fit(df).predict(12)
    # The last 12 months of the shipped file, 1993-09 to 1994-08.
    assert out["y_pred"].tolist() == [22724.0, 28496.0, 32857.0, 37198.0, 13652.0, 22784.0, 23565.0, 26323.0,
                                      23779.0, 27549.0, 29660.0, 23356.0]
    assert out["ds"].dt.strftime("%Y-%m-%d").tolist() == (
        [f"1994-{m:02d}-01" for m in range(9, 13)] + [f"1995-{m:02d}-01" for m in range(1, 9)])


def test_business_day_forecasts_skip_the_weekend():
    y = pd.Series(np.arange(10.0), index=pd.bdate_range("2024-01-01", periods=10), name="stock")  # ends Fri 12th
    out = NaiveForecaster().fit(y).predict(4)
    assert out["ds"].dt.strftime("%a %d").tolist() == ["Mon 15", "Tue 16", "Wed 17", "Thu 18"]
    assert out["y_pred"].tolist() == [9.0] * 4
    weekly = SeasonalNaiveForecaster().fit(y).predict(5)  # season_length 5 for business days
    assert weekly["y_pred"].tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]


def test_predict_on_new_series_uses_their_history_and_timestamps():
    model = NaiveForecaster().fit(monthly(Y5, "train"))
    fresh = pd.DataFrame({
        "unique_id": ["x", "x", "x", "z", "z"],
        "ds": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2019-05-01", "2019-06-01"]),
        "y": [1.0, 2.0, 7.0, 4.0, 5.0],
    })
    out = model.predict(2, df=fresh)
    assert out["unique_id"].tolist() == ["x", "x", "z", "z"]
    assert out["ds"].dt.strftime("%Y-%m").tolist() == ["2021-04", "2021-05", "2019-07", "2019-08"]
    assert out["y_pred"].tolist() == [7.0, 7.0, 5.0, 5.0]
    assert model.predict(1)["unique_id"].tolist() == ["train"]  # the training history is kept


def test_predict_on_new_series_with_another_frequency_is_an_error():
    model = NaiveForecaster().fit(monthly(Y5))
    daily = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2021-01-01", periods=3, freq="D"), name="d")
    with pytest.raises(DataError, match="'d'"):
        model.predict(1, df=daily)


def test_predict_on_new_series_shorter_than_a_season_names_it():
    model = SeasonalNaiveForecaster().fit(monthly(np.arange(24.0)))  # season_length_ = 12
    with pytest.raises(DataError, match=r"series 'short' has 5 observation\(s\) but at least 12"):
        model.predict(3, df=monthly(np.arange(5.0), "short"))


# --- intervals ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [NaiveForecaster, SeasonalNaiveForecaster, DriftForecaster, MeanForecaster])
def test_interval_columns_are_ordered_and_nested(cls):
    values = 50 + np.arange(30.0) + 5 * np.sin(np.arange(30.0)) + np.random.default_rng(1).normal(0, 1, 30)
    out = cls().fit(monthly(values)).predict(6, level=[95, 80])
    assert list(out.columns) == ["unique_id", "ds", "y_pred", "y_pred_lo_95", "y_pred_hi_95",
                                 "y_pred_lo_80", "y_pred_hi_80"]
    lo95, hi95 = interval_columns(out, 95)
    lo80, hi80 = interval_columns(out, 80)
    assert np.all(lo95 < lo80) and np.all(lo80 < out["y_pred"]) and np.all(out["y_pred"] < hi80)
    assert np.all(hi80 < hi95)
    np.testing.assert_allclose((hi95 - lo95) / (hi80 - lo80), Z95 / Z80, rtol=1e-9)  # same sigma, two z


def test_fractional_level_names_its_columns():
    out = NaiveForecaster().fit(monthly(Y5)).predict(1, level=97.5)
    assert list(out.columns[3:]) == ["y_pred_lo_97.5", "y_pred_hi_97.5"]


def test_no_level_means_no_interval_columns():
    assert list(NaiveForecaster().fit(monthly(Y5)).predict(2).columns) == ["unique_id", "ds", "y_pred"]


# --- errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("horizon", [0, -1, 2.5, 3.0, True, "3"])
def test_bad_horizon_is_named(horizon):
    model = NaiveForecaster().fit(monthly(Y5))
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        model.predict(horizon)


def test_missing_horizon_is_asked_for():
    with pytest.raises(ValueError, match="horizon="):
        NaiveForecaster().fit(monthly(Y5)).predict()


@pytest.mark.parametrize("level", [0, 100, 150, -5, [80, 100], True])
def test_level_out_of_range_is_an_error(level):
    model = NaiveForecaster().fit(monthly(Y5))
    with pytest.raises(ValueError, match="strictly between 0 and 100"):
        model.predict(2, level=level)


def test_season_length_longer_than_a_series_names_both_lengths():
    with pytest.raises(DataError, match=r"series 'a' has 8 observation\(s\) but at least 12"):
        SeasonalNaiveForecaster(season_length=12).fit(monthly(np.arange(8.0)))
    with pytest.raises(ValueError, match=r"series 'a' has 8 observations but season_length=12"):
        SeasonalNaiveForecaster().fit(monthly(np.arange(8.0)))  # 12 from the monthly frequency


@pytest.mark.parametrize("season_length", [0, -2, 1.5])
def test_bad_season_length_is_named(season_length):
    with pytest.raises(ValueError, match="season_length must be a positive integer"):
        SeasonalNaiveForecaster(season_length=season_length).fit(monthly(Y5))


def test_drift_needs_two_observations():
    with pytest.raises(DataError, match=r"series 'a' has 1 observation\(s\) but at least 2"):
        DriftForecaster().fit(monthly([1.0]), freq="MS")


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        MeanForecaster().predict(3)


def test_failed_refit_leaves_no_fitted_state():
    model = SeasonalNaiveForecaster(season_length=4).fit(monthly(np.arange(12.0)))
    with pytest.raises(DataError):
        model.fit(monthly(np.arange(3.0)))
    with pytest.raises(NotFittedError):
        model.predict(1)


# --- the shared contract --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [NaiveForecaster, SeasonalNaiveForecaster, DriftForecaster, MeanForecaster],
                         ids=lambda c: c.__name__)
def test_check_forecaster(cls):
    for params in cls.get_test_params():
        check_forecaster(cls(**params))
        check_forecaster(cls(**params), df=monthly(Y5 * 3, "only"), horizon=13)


@pytest.mark.parametrize("cls", [NaiveForecaster, SeasonalNaiveForecaster, DriftForecaster, MeanForecaster],
                         ids=lambda c: c.__name__)
def test_forecast_at_is_vectorised_and_equals_predict_from_each_history(cls):
    df = monthly(np.r_[Y5, Y5 * 2, Y5 * 3], "s")
    model = cls().fit(df)
    panel = model.panel_
    cutoffs = np.array([20, 27, 30])
    out = model.forecast_at(panel, [0, 0, 0], cutoffs, horizon=4)
    for k, c in enumerate(cutoffs):
        want = model.predict(4, df=df.iloc[:c])["y_pred"].to_numpy()
        np.testing.assert_array_equal(out["y_pred"][k], want)
    # Intervals go through each history's residuals (the default loop over _predict).
    with_levels = model.forecast_at(panel, [0], [27], horizon=2, level=80)
    np.testing.assert_allclose(with_levels["y_pred_hi_80"][0],
                               model.predict(2, df=df.iloc[:27], level=80)["y_pred_hi_80"], rtol=1e-12)


# Each of these breaks one rule of the contract; check_forecaster must say which.
class _FitReturnsNone(NaiveForecaster):
    def fit(self, df, **kwargs):
        super().fit(df, **kwargs)


class _MutatesInput(NaiveForecaster):
    def fit(self, df, **kwargs):
        df["seen"] = True
        return super().fit(df.drop(columns="seen"), **kwargs)


class _Noisy(NaiveForecaster):
    def _predict(self, panel, horizon, X_future, levels):
        out = super()._predict(panel, horizon, X_future, levels)
        return {"y_pred": out["y_pred"] + np.random.default_rng().normal(size=out["y_pred"].shape)}


class _Seeded(NaiveForecaster):
    def __init__(self, random_state=None):
        self.random_state = random_state

    def _predict(self, panel, horizon, X_future, levels):
        out = super()._predict(panel, horizon, X_future, levels)
        return {"y_pred": out["y_pred"] + np.random.default_rng(self.random_state).normal(size=(panel.n_series, horizon))}

    # Its noise lives in _predict: forecasts at many origins must go through it (the vectorised naive path does not).
    _predict_at = BaseForecaster._predict_at


class _ShiftedTimestamps(NaiveForecaster):
    def _format(self, panel, horizon, out):
        frame = super()._format(panel, horizon, out)
        frame["ds"] = frame["ds"] + pd.Timedelta(days=1)
        return frame


class _NanForecast(NaiveForecaster):
    def _predict(self, panel, horizon, X_future, levels):
        return {"y_pred": np.full((panel.n_series, horizon), np.nan)}


class _WrongColumn(NaiveForecaster):
    def _predict(self, panel, horizon, X_future, levels):
        return {"yhat": super()._predict(panel, horizon, X_future, levels)["y_pred"]}


class _HandsOutItsState(NaiveForecaster):
    def _fit(self, panel):
        super()._fit(panel)
        self.table_ = None

    def _predict(self, panel, horizon, X_future, levels):
        if self.table_ is None:  # computed once and kept: every forecast frame must hold a copy of it
            self.table_ = super()._predict(panel, horizon, X_future, levels)["y_pred"]
        return {"y_pred": self.table_}

    def _format(self, panel, horizon, out):  # the frame adopts the model's own array, as a careless _format might
        frame = super()._format(panel, horizon, out)
        return pd.DataFrame({**{c: frame[c].to_numpy() for c in frame.columns[:2]}, "y_pred": out["y_pred"].ravel()},
                            copy=False)


class _ValidatesInInit(NaiveForecaster):
    def __init__(self, alpha=0.5):
        if not 0 < alpha < 1:
            raise ValueError("alpha")
        self.alpha = alpha


class _ExtraAttribute(NaiveForecaster):
    def __init__(self, alpha=0.5):
        self.alpha = alpha
        self.cache = {}


class _ChangesParams(NaiveForecaster):
    def __init__(self, alpha=0.5):
        self.alpha = alpha

    def _fit(self, panel):
        self.alpha = 1.0
        super()._fit(panel)


class _AlwaysFitted(NaiveForecaster):
    def __sklearn_is_fitted__(self):
        return True


def test_check_forecaster_accepts_scikit_learns_not_fitted_error():
    # A subclass may guard predict with scikit-learn's own check_is_fitted, which raises scikit-learn's class.
    from sklearn.utils.validation import check_is_fitted as sklearn_check_is_fitted

    class Guarded(NaiveForecaster):
        def predict(self, *args, **kwargs):
            sklearn_check_is_fitted(self)
            return super().predict(*args, **kwargs)

    check_forecaster(Guarded())


@pytest.mark.parametrize(
    ("forecaster", "message"),
    [
        (_FitReturnsNone(), "fit must return self"),
        (_MutatesInput(), "modified the caller's data"),
        (_Noisy(), "fitted twice on the same data gave different forecasts"),
        (_ShiftedTimestamps(), "timestamps of series 'a'"),
        (_NanForecast(), "missing or infinite value: series 'a'"),
        (_WrongColumn(), "columns must start with"),
        (_HandsOutItsState(), "predict after the caller wrote into an earlier forecast frame"),
        (_ValidatesInInit(), "fails on placeholder values"),
        (_ExtraAttribute(), "sets ['cache']"),
        (_ChangesParams(), "fit changed its parameters: alpha=1.0"),
        (_AlwaysFitted(), "before fit must raise NotFittedError, it raised AttributeError"),
    ],
    ids=lambda x: type(x).__name__ if not isinstance(x, str) else "",
)
def test_check_forecaster_reports_each_breach(forecaster, message):
    with pytest.raises(AssertionError) as info:
        check_forecaster(forecaster)
    assert message in str(info.value)


def test_check_forecaster_seeds_a_random_state_left_at_none():
    check_forecaster(_Seeded())  # random_state=None is set to 0 for the comparisons, so the forecasts match
    check_forecaster(_Seeded(random_state=5))
