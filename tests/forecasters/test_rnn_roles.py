"""RNNForecaster: covariates by role (past, future, static) and updating a fitted model."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn.errors import DataError, InvalidParameterError

TINY = dict(hidden_size=4, window=6, horizon=2, max_steps=3, batch_size=16, progress=False, accelerator="cpu",
            random_state=0, deseasonalize=None)


def _ohlcv(n=60, tickers=("AAA", "BBB")):
    rng = np.random.default_rng(0)
    parts = []
    for k, t in enumerate(tickers):
        close = 50.0 * (k + 1) + np.cumsum(rng.normal(0, 1, n))
        parts.append(pd.DataFrame({"ticker": t, "date": pd.date_range("2024-01-01", periods=n, freq="B"),
                                   "close": close, "open": close + rng.normal(0, 0.5, n),
                                   "volume": rng.integers(1000, 5000, n).astype(float),
                                   "sector": float(k + 1)}))
    return pd.concat(parts, ignore_index=True)


COLS = dict(id_col="ticker", time_col="date", target_col="close")


def test_two_models_on_one_frame_read_different_columns():
    df = _ohlcv()
    # 40 steps, not TINY's 3: the recurrent head starts at zero, so after 3 steps both forecasts are still close
    # to the same random walk, whatever columns the encoders read.
    params = {**TINY, "max_steps": 40}
    with pytest.warns(UserWarning, match=r"ignores column\(s\) \['open', 'volume', 'sector'\]"):
        close_only = RNNForecaster(past_covariates=[], **params).fit(df, **COLS)
    with_ohlcv = RNNForecaster(past_covariates=["open", "volume"], **params).fit(df.drop(columns="sector"), **COLS)
    assert close_only.feature_names_ == ["y"]
    assert with_ohlcv.feature_names_ == ["y", "open", "volume"]
    assert not np.allclose(close_only.predict()["y_pred"], with_ohlcv.predict()["y_pred"])


def test_without_roles_every_column_is_a_past_covariate_and_fit_says_so():
    df = _ohlcv().drop(columns="sector")
    with pytest.warns(UserWarning, match=r"reads column\(s\) \['open', 'volume'\] as past covariates"):
        model = RNNForecaster(**TINY).fit(df, **COLS)
    assert model.feature_names_ == ["y", "open", "volume"]


def test_static_covariates_are_inputs_scaled_across_series():
    df = _ohlcv()
    model = RNNForecaster(past_covariates=[], static_covariates=["sector"], **TINY).fit(
        df.drop(columns=["open", "volume"]), **COLS)
    assert model.feature_names_ == ["y", "sector"] and model.known_covariates_ == ()
    # One location and scale for every series (sector 1 and 2: mean 1.5, sd 0.5), not a per-series scaler that
    # would turn each constant into 0.
    assert model.stats_["cov_loc"][:, 0].tolist() == [1.5, 1.5]
    assert model.stats_["cov_scale"][:, 0].tolist() == [0.5, 0.5]
    out = model.predict()  # no X_future: a static covariate's future is its value
    assert len(out) == 4
    # The same history under another sector value is another input: another forecast.
    history = df[df["ticker"] == "AAA"].drop(columns=["open", "volume"])
    a = model.predict(df=history)["y_pred"].to_numpy()
    b = model.predict(df=history.assign(sector=2.0))["y_pred"].to_numpy()
    assert not np.allclose(a, b)


def test_static_covariates_are_checked():
    df = _ohlcv().drop(columns=["open", "volume"])
    df.loc[5, "sector"] = 7.0
    with pytest.raises(DataError, match="static covariate 'sector' changes within series 'AAA'"):
        RNNForecaster(static_covariates=["sector"], **TINY).fit(df, **COLS)
    with pytest.raises(InvalidParameterError, match="named in both future_covariates and static_covariates"):
        RNNForecaster(future_covariates=["sector"], static_covariates=["sector"], **TINY).fit(df, **COLS)


def test_update_continues_from_the_current_weights():
    df = _ohlcv(80)
    old = df[df["date"] < "2024-03-20"]
    model = RNNForecaster(past_covariates=[], learning_rate=1e-3, **TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the columns left out
        model.fit(old.drop(columns=["open", "volume", "sector"]), **COLS)
        before = {k: v.clone() for k, v in model.net_.state_dict().items()}
        steps_before = len(model.history_)
        model.update(df.drop(columns=["open", "volume", "sector"]), steps=1)
    after = model.net_.state_dict()
    # One more Adam step moves each weight by lr * m / sqrt(v): at most a few learning rates, so training went on
    # from the fitted weights (a fresh network would differ everywhere by far more).
    moved = max(float((after[k] - before[k]).abs().max()) for k in before)
    assert 0 < moved <= 4e-3
    # ... and with the fitted optimiser: Adam's step count goes on from the fit's 3 steps.
    assert {int(v["step"]) for v in model.optimizer_states_[0]["state"].values()} == {TINY["max_steps"] + 1}
    assert len(model.history_) == steps_before + 1 and model.history_["step"].iloc[-1] == steps_before
    assert model.predict()["ds"].iloc[0] == df["date"].max() + pd.offsets.BDay(1)  # forecasts from the new end


def test_update_learns_new_series_and_refuses_short_ones(tmp_path):
    import tsrnn

    df = _ohlcv(60, tickers=("AAA", "BBB", "CCC")).drop(columns=["open", "volume", "sector"])
    model = RNNForecaster(past_covariates=[], **TINY).fit(df[df["ticker"] != "CCC"], **COLS)
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    model.update(df, steps=2)
    assert list(model.ids_) == ["AAA", "BBB", "CCC"] and model.stats_["loc"].shape == (3,)
    assert model.predict()["unique_id"].nunique() == 3
    # A loaded model keeps its weights but not its optimiser: Adam starts afresh.
    loaded.update(df, steps=2)
    assert {int(v["step"]) for v in loaded.optimizer_states_[0]["state"].values()} == {2}
    with pytest.raises(ValueError, match="update trains on whole windows and needs window=6 \\+ horizon=2"):
        model.update(df.groupby("ticker").head(5), steps=1)
    with pytest.raises(InvalidParameterError, match="steps"):
        model.update(df, steps=0)


def test_predict_from_new_history_does_not_train():
    df = _ohlcv(70).drop(columns=["open", "volume", "sector"])
    model = RNNForecaster(past_covariates=[], **TINY).fit(df[df["date"] < "2024-03-01"], **COLS)
    weights = {k: v.clone() for k, v in model.net_.state_dict().items()}
    out = model.predict(df=df)
    assert out["ds"].min() == df["date"].max() + pd.offsets.BDay(1)
    assert all(bool((model.net_.state_dict()[k] == v).all()) for k, v in weights.items())


def _day_types(n=300, seed=0):
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["normal", "holiday", "sale"], n, p=[0.7, 0.15, 0.15])
    y = 10 + 5 * (kinds == "sale") - 3 * (kinds == "holiday") + rng.normal(0, 0.2, n)
    return pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=n), "y": y,
                         "day": pd.Categorical(kinds)})


def test_categorical_covariates_are_embedded_and_learnt(tmp_path):
    import tsrnn
    from tsrnn.nn.embedding import EmbeddedNet

    df = _day_types()
    model = RNNForecaster(window=7, horizon=2, hidden_size=8, max_steps=150, learning_rate=1e-2,
                          future_covariates=["day"], categorical_covariates=["day"], progress=False, random_state=0,
                          accelerator="cpu").fit(df.iloc[:-2])
    assert isinstance(model.net_, EmbeddedNet) and len(model.categories_["day"]) == 3

    def plan(*days):
        return pd.DataFrame({"unique_id": "s", "ds": df["ds"].iloc[-2:], "day": pd.Categorical(list(days))})

    # Sales days lift the target by 5 and holidays lower it by 3: the embeddings carry that.
    sale_first = model.predict(X_future=plan("sale", "holiday"))["y_pred"].to_numpy()
    holiday_first = model.predict(X_future=plan("holiday", "sale"))["y_pred"].to_numpy()
    assert sale_first[0] - holiday_first[0] > 4 and holiday_first[1] - sale_first[1] > 4
    unseen = model.predict(X_future=plan("normal", "a day never seen"))  # the shared "unknown" vector
    assert np.isfinite(unseen["y_pred"]).all()
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(X_future=plan("sale", "normal")),
                                  model.predict(X_future=plan("sale", "normal")))


def test_categorical_columns_must_be_categories_with_a_role():
    df = _day_types(40)
    with pytest.raises(DataError, match=r"covariate column 'day' is not numeric: .*astype\('category'\)"):
        RNNForecaster(future_covariates=["day"], categorical_covariates=["day"], **TINY).fit(
            df.astype({"day": "object"}))
    with pytest.raises(ValueError, match=r"categorical_covariates \['day'\] are not among the covariates"):
        RNNForecaster(past_covariates=[], categorical_covariates=["day"], **TINY).fit(df)
