"""RegressionForecaster: a scikit-learn regressor on lag windows, as a full forecaster."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.multioutput import MultiOutputRegressor

import tsrnn
from tsrnn import NaiveForecaster, RegressionForecaster, compare
from tsrnn.errors import DataError, IncompatibleModelError, InvalidParameterError
from tsrnn.forecasters.checks import check_forecaster


@pytest.mark.parametrize("params", RegressionForecaster.get_test_params())
def test_contract(params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the synthetic frame's promo column, unused by one set
        check_forecaster(RegressionForecaster(**params))


def _daily(values, name="s", start="2024-01-01"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="D"),
                     name=name)


def test_a_straight_line_is_continued_exactly():
    # Normalised by each window's mean and spread, every window of a line is the same row and the next values
    # are the same targets: a least-squares fit continues the line.
    model = RegressionForecaster(LinearRegression(), window=4, horizon=3).fit(_daily(np.arange(30.0)))
    np.testing.assert_allclose(model.predict()["y_pred"], [30.0, 31.0, 32.0], atol=1e-6)
    # Another level and slope on fresh history: the same normalised row, so again exact.
    other = model.predict(df=_daily(100 + 5 * np.arange(10.0), name="t"))
    np.testing.assert_allclose(other["y_pred"], [150.0, 155.0, 160.0], atol=1e-6)


def test_future_covariates_drive_the_forecast():
    rng = np.random.default_rng(0)
    promo = rng.integers(0, 2, 200).astype(float)
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=200), "y": 5.0 + 3.0 * promo,
                       "promo": promo})
    model = RegressionForecaster(LinearRegression(), window=3, horizon=2, future_covariates=["promo"],
                                 scaler=None).fit(df.iloc[:-2])
    future = df.iloc[-2:][["unique_id", "ds", "promo"]].assign(promo=[1.0, 0.0])
    np.testing.assert_allclose(model.predict(X_future=future)["y_pred"], [8.0, 5.0], atol=1e-6)
    assert model.known_covariates_ == ("promo",)
    with pytest.raises(DataError, match="X_future is required"):
        model.predict()


def test_unnamed_columns_are_ignored_with_one_message():
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=30), "y": np.arange(30.0),
                       "volume": np.arange(30.0) ** 2, "note": "text, not a number"})
    with pytest.warns(UserWarning, match=r"ignores column\(s\) \['volume', 'note'\]") as caught:
        model = RegressionForecaster(window=4, horizon=2).fit(df)
    assert len([w for w in caught if "ignores" in str(w.message)]) == 1
    assert model.n_features_in_ == 4  # the lags only
    past = RegressionForecaster(window=4, horizon=2, past_covariates=["volume"]).fit(df.drop(columns="note"))
    assert past.n_features_in_ == 8  # 4 lags of y + 4 lags of volume


def test_static_covariates_one_value_per_series():
    t = np.arange(40.0)
    df = pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=40),
                                  "y": size * (10 + np.sin(t)), "size": size}) for uid, size in (("a", 1.0), ("b", 3.0))])
    model = RegressionForecaster(window=5, horizon=2, static_covariates=["size"]).fit(df)
    assert model.n_features_in_ == 6
    assert model.predict().shape == (4, 3)
    changing = df.assign(size=np.where(np.arange(len(df)) == 50, 9.0, df["size"]))
    with pytest.raises(DataError, match=r"static covariate 'size' changes within series 'b' \(from 3 to 9 at "
                                        r"2024-01-11"):
        RegressionForecaster(window=5, horizon=2, static_covariates=["size"]).fit(changing)


def test_a_regressor_without_several_outputs_is_wrapped_one_model_per_step():
    y = _daily(np.sin(np.arange(60) / 4.0) + 3)
    gbr = GradientBoostingRegressor(n_estimators=10, random_state=0)
    assert isinstance(RegressionForecaster(gbr, window=6, horizon=3).fit(y).estimator_, MultiOutputRegressor)
    assert isinstance(RegressionForecaster(gbr, window=6, horizon=1).fit(y).estimator_, GradientBoostingRegressor)
    assert isinstance(RegressionForecaster(Ridge(), window=6, horizon=3).fit(y).estimator_, Ridge)


def test_parameters_are_checked():
    y = _daily(np.arange(30.0))
    with pytest.raises(InvalidParameterError, match="'promo' is named in both past_covariates and future_covariates"):
        RegressionForecaster(past_covariates=["promo"], future_covariates=["promo"]).fit(y)
    with pytest.raises(InvalidParameterError, match="estimator must be a scikit-learn regressor"):
        RegressionForecaster(estimator="ridge").fit(y)
    with pytest.raises(DataError, match="reads covariate column"):
        RegressionForecaster(window=3, future_covariates=["promo"]).fit(y.rename("y").reset_index().rename(
            columns={"index": "ds"}).assign(unique_id="s"))
    with pytest.raises(ValueError, match="trained for horizon=1"):
        RegressionForecaster(window=3).fit(y).predict(horizon=2)


def test_save_and_load_rebuilds_the_estimator(tmp_path):
    y = _daily(np.sin(np.arange(60) / 4.0) + 3)
    model = RegressionForecaster(Ridge(alpha=2.5), window=6, horizon=3).fit(y)
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    assert isinstance(loaded.estimator, Ridge) and loaded.estimator.alpha == 2.5
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())

    class Custom(Ridge):
        pass

    Custom.__module__ = "my_package.models"
    with pytest.raises(ValueError, match="cannot be saved"):
        RegressionForecaster(Custom(), window=6, horizon=3).fit(y).save(tmp_path / "c")
    # A folder describing an estimator outside scikit-learn & co is refused before anything is imported.
    from tsrnn.forecasters.io import read_model_folder, restore

    config, arrays = read_model_folder(tmp_path / "m")
    config["params"]["estimator"]["module"] = "os"
    with pytest.raises(IncompatibleModelError, match="estimator module 'os' is not one of"):
        restore(RegressionForecaster, config, arrays, tmp_path / "m")


def test_compared_with_the_naive_forecast_on_the_same_origins():
    t = np.arange(120.0)
    df = pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=120),
                                  "y": level + 2 * np.sin(2 * np.pi * t / 7)}) for uid, level in (("a", 10), ("b", 50))])
    result = compare({"ridge": RegressionForecaster(LinearRegression(), window=14, horizon=7),
                      "naive": NaiveForecaster()}, df, horizon=7, folds=2, progress=False)
    board = result.leaderboard
    assert board.loc["ridge", "MAE"] < 1e-6 < board.loc["naive", "MAE"]  # the weekly cycle is linear in its lags


def test_a_backtest_says_which_columns_a_model_leaves_out():
    t = np.arange(60.0)
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=60), "y": 10 + np.sin(t),
                       "volume": t})
    with pytest.warns(UserWarning, match=r"RegressionForecaster ignores column\(s\) \['volume'\]"):
        result = tsrnn.backtest(RegressionForecaster(window=5, horizon=2), df, horizon=2, folds=2, progress=False)
    assert result.metrics()["n"].iloc[0] == 4


def test_tune_searches_the_window_by_default():
    from optuna.trial import FixedTrial

    from tsrnn.tuning import regression_space

    assert regression_space(FixedTrial({"window": 14, "scaler": None}), season_length=7) == {"window": 14,
                                                                                            "scaler": None}
    t = np.arange(80.0)
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=80), "y": 10 + np.sin(t)})
    result = tsrnn.tune(RegressionForecaster(horizon=7), df, horizon=7, folds=2, n_trials=2, progress=False,
                        random_state=0)
    assert set(result.best_params_) == {"window", "scaler"} and result.best_params_["window"] % 7 == 0


def test_categorical_covariates_are_one_hot_encoded():
    rng = np.random.default_rng(0)
    kinds = rng.choice(["normal", "holiday", "sale"], 200)
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=200),
                       "y": 10 + 5 * (kinds == "sale") - 3 * (kinds == "holiday"), "day": pd.Categorical(kinds)})
    model = RegressionForecaster(LinearRegression(), window=3, horizon=2, future_covariates=["day"],
                                 categorical_covariates=["day"], scaler=None).fit(df.iloc[:-2])
    assert model.n_features_in_ == 3 + 2 * 3  # the lags, and 3 categories at each of the 2 steps
    plan = df.iloc[-2:][["unique_id", "ds"]].assign(day=pd.Categorical(["sale", "holiday"]))
    np.testing.assert_allclose(model.predict(X_future=plan)["y_pred"], [15.0, 7.0], atol=1e-6)
    # A category never seen in training is all zeros: the forecast falls back on the lags and the intercept.
    unseen = model.predict(X_future=plan.assign(day=pd.Categorical(["strike", "strike"])))
    assert np.isfinite(unseen["y_pred"]).all()
    with pytest.raises(InvalidParameterError, match=r"categorical_covariates \['day'\] have no role"):
        RegressionForecaster(categorical_covariates=["day"]).fit(df)
