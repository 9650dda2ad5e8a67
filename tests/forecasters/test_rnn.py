"""RNNForecaster: every cell and strategy, the contract, persistence, scaling and transforms inverted by hand,
divergence, history, early stopping, covariates, forecasting from fresh history and the batched backtest path.

Models are tiny (hidden_size 4, a few optimiser steps): these tests check wiring and arithmetic, not accuracy.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError  # what scikit-learn's own check raises
from sklearn.utils.validation import check_is_fitted

from tsrnn.data import to_panel
from tsrnn.errors import DataError, IncompatibleModelError, NotFittedError, TrainingDivergedError
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.rnn import RNNForecaster

TINY = dict(hidden_size=4, window=6, horizon=3, max_steps=3, batch_size=16, progress=False, random_state=0, deseasonalize=None)


def tiny(**kw) -> RNNForecaster:
    return RNNForecaster(**{**TINY, **kw})


def series_frame(uid: str, n: int, start: str = "2018-01-01", freq: str = "MS", level: float = 10.0,
                 seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = level + np.sin(2 * np.pi * t / 12) * 2 + 0.05 * t + rng.normal(0, 0.2, n)
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=n, freq=freq), "y": y})


def panel2(**kw) -> pd.DataFrame:
    """Two ragged monthly series: "a" 40 points from 2018-01, "b" 30 points from 2019-03."""
    return pd.concat([series_frame("a", 40, **kw), series_frame("b", 30, "2019-03-01", level=5.0, seed=1, **kw)],
                     ignore_index=True)


def y_pred(forecast: pd.DataFrame) -> np.ndarray:
    return forecast["y_pred"].to_numpy()


# --- every cell x strategy ------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "elman"])
@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_every_cell_and_strategy_fits_and_predicts(cell, strategy):
    df = panel2()
    model = tiny(cell=cell, strategy=strategy, num_layers=2)
    assert model.fit(df) is model
    out = model.predict()
    assert list(out.columns) == ["unique_id", "ds", "y_pred"]
    assert out["unique_id"].tolist() == ["a"] * 3 + ["b"] * 3
    # "a" ends 2021-04, "b" ends 2021-08: each gets its own next three months.
    assert out["ds"].dt.strftime("%Y-%m").tolist() == ["2021-05", "2021-06", "2021-07",
                                                        "2021-09", "2021-10", "2021-11"]
    assert np.isfinite(y_pred(out)).all()
    assert len(model.predict(horizon=2)) == 4
    assert model.n_train_windows_ == (40 - 6 - 3 + 1) + (30 - 6 - 3 + 1)


def test_rnn_and_elman_cells_give_the_same_model():
    # Same seed, same parameter shapes and initialisation order: the from-scratch cell trains identically.
    df = panel2()
    a = tiny(cell="rnn").fit(df).predict()
    b = tiny(cell="elman").fit(df).predict()
    np.testing.assert_allclose(y_pred(a), y_pred(b), rtol=1e-5)


# --- contract, clone, reproducibility --------------------------------------------------------------------
@pytest.mark.parametrize("params", RNNForecaster.get_test_params(), ids=str)
def test_contract_suite(params):
    check_forecaster(RNNForecaster(**params))  # random_state left at None: the suite seeds it


def test_clone_and_get_params():
    kwargs = {"strategy": [1]}  # an object, to check identity: trainer_kwargs are stored as given
    model = tiny(trainer_kwargs=kwargs, quantiles=(0.2, 0.8), loss="quantile")
    params = model.get_params()
    assert params["trainer_kwargs"] is kwargs and params["quantiles"] == (0.2, 0.8)
    assert params["hidden_size"] == 4 and params["cell"] == "lstm" and len(params) == 40  # with deseasonalize, window_stats, symmetric, weight_averaging, nonnegative, linear_init, recurrent_window and the covariate roles
    model.set_params(trainer_kwargs=None).fit(panel2())
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not any(k.endswith("_") for k in vars(copy))
    with pytest.raises(NotFittedError):
        copy.predict()


def test_same_seed_same_forecast_other_seed_other_forecast():
    df = panel2()
    first = tiny(random_state=3).fit(df).predict()
    torch.manual_seed(123)  # the global RNG state in between must not matter
    torch.rand(10)
    again = tiny(random_state=3).fit(df).predict()
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    other = tiny(random_state=4).fit(df).predict()
    assert np.abs(y_pred(first) - y_pred(other)).max() > 1e-4


# --- persistence ----------------------------------------------------------------------------------------
def _payload(path):
    """The folder holding config.json, arrays.npz and weights.pt of a saved model (named by its manifest)."""
    return path / json.loads((path / "manifest.json").read_text())["payload"]


def _resign(path):
    """Record the current files of the payload in the manifest, as someone editing a folder carefully would."""
    manifest = json.loads((path / "manifest.json").read_text())
    for name in manifest["files"]:
        data = (_payload(path) / name).read_bytes()
        manifest["files"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_save_load_round_trip(tmp_path):
    df = panel2()
    model = tiny(loss="quantile", calendar_features=True, target_transform="log").fit(df)
    path = model.save(tmp_path / "model")
    loaded = RNNForecaster.load(path)
    pd.testing.assert_frame_equal(loaded.predict(), model.predict(), check_exact=True)
    fresh = df[df["unique_id"] == "b"].assign(unique_id="new")
    pd.testing.assert_frame_equal(loaded.predict(df=fresh), model.predict(df=fresh), check_exact=True)
    pd.testing.assert_frame_equal(loaded.history_, model.history_)
    assert loaded.get_params() == model.get_params()
    assert sorted(os.listdir(_payload(path))) == ["arrays.npz", "config.json", "weights.pt"]


def test_tampered_or_foreign_model_folders_are_refused(tmp_path):
    path = tiny().fit(panel2()).save(tmp_path / "model")
    tensors = _payload(path) / "weights.pt"
    good = tensors.read_bytes()

    tensors.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # one flipped bit
    with pytest.raises(IncompatibleModelError, match="checksum"):
        RNNForecaster.load(path)
    tensors.write_bytes(good)
    RNNForecaster.load(path)  # intact again

    config_file = _payload(path) / "config.json"
    config = json.loads(config_file.read_text())
    config_file.write_text(json.dumps(dict(config, ids=config["ids"][::-1])))  # swapped ids: caught by the manifest
    with pytest.raises(IncompatibleModelError, match="manifest"):
        RNNForecaster.load(path)
    manifest = json.loads((path / "manifest.json").read_text())
    (path / "manifest.json").write_text(json.dumps(dict(manifest, format_version=999)))
    with pytest.raises(IncompatibleModelError, match="format version 999"):
        RNNForecaster.load(path)
    (path / "manifest.json").write_text(json.dumps(manifest))
    config_file.write_text(json.dumps(dict(config, params=dict(config["params"], hidden_size=5))))
    _resign(path)
    with pytest.raises(IncompatibleModelError, match="not describe a valid RNNForecaster"):
        RNNForecaster.load(path)  # the weights do not fit the network the config describes


class _Payload:
    """Unpickling this runs ``os.system``; a safe loader must refuse it."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_load_never_unpickles_code(tmp_path):
    path = tiny().fit(panel2()).save(tmp_path / "model")
    marker = tmp_path / "code_ran"
    torch.save({"lstm.weight": _Payload(marker)}, _payload(path) / "weights.pt")
    _resign(path)  # the checksums pass
    with pytest.raises(IncompatibleModelError, match="plain tensors"):
        RNNForecaster.load(path)
    assert not marker.exists()


# --- quantiles --------------------------------------------------------------------------------------------
def test_quantile_loss_columns_and_order():
    out = tiny(loss="quantile", max_steps=5).fit(panel2()).predict()
    assert list(out.columns) == ["unique_id", "ds", "y_pred", "y_pred_q10", "y_pred_q50", "y_pred_q90"]
    q10, q50, q90 = (out[c].to_numpy() for c in ("y_pred_q10", "y_pred_q50", "y_pred_q90"))
    assert np.all(q10 <= q50) and np.all(q50 <= q90) and np.all(q10 < q90)
    np.testing.assert_array_equal(y_pred(out), q50)  # the point forecast is the median


def test_quantiles_without_median_are_sorted_and_averaged():
    out = tiny(loss="quantile", quantiles=[0.75, 0.25]).fit(panel2()).predict()
    assert list(out.columns) == ["unique_id", "ds", "y_pred", "y_pred_q25", "y_pred_q75"]
    np.testing.assert_allclose(y_pred(out), (out["y_pred_q25"] + out["y_pred_q75"]) / 2)


# --- scalers and target transforms ----------------------------------------------------------------------------
@pytest.mark.parametrize("scaler", ["standard", "robust", "minmax", None, "window"])
@pytest.mark.parametrize("transform", [None, "log", "diff", "log_return"])
def test_scalers_and_transforms_fit_and_predict(scaler, transform):
    out = tiny(scaler=scaler, target_transform=transform, max_steps=2).fit(panel2()).predict()
    assert len(out) == 6 and np.isfinite(y_pred(out)).all()


Y_HAND = np.array([4.0, 5.0, 7.0, 6.0, 8.0, 9.0, 12.0, 10.0, 11.0, 13.0, 16.0, 14.0])  # exact in float32
OUT_HAND = np.array([0.5, -1.0, 2.0])  # what the fake network returns, in per-series scaled units


def _hand_levels(scaler, transform):
    """The forecast worked out from first principles for the fake network output OUT_HAND."""
    y = Y_HAND
    z = {None: y, "log": np.log(y), "diff": np.diff(y), "log_return": np.diff(np.log(y))}[transform]
    if scaler == "standard":
        loc, scale = z.mean(), z.std()  # population standard deviation
    elif scaler == "robust":
        q1, med, q3 = np.percentile(z, [25, 50, 75])
        loc, scale = med, q3 - q1
    elif scaler == "minmax":
        loc, scale = z.min(), z.max() - z.min()
    else:
        loc, scale = 0.0, 1.0
    zf = OUT_HAND * scale + loc
    if transform == "log":
        return np.exp(zf)
    if transform == "diff":
        return y[-1] + np.cumsum(zf)
    if transform == "log_return":
        return y[-1] * np.exp(np.cumsum(zf))
    return zf


@pytest.mark.parametrize("scaler", ["standard", "robust", "minmax", None])
@pytest.mark.parametrize("transform", [None, "log", "diff", "log_return"])
def test_inverse_scaling_and_transform_by_hand(scaler, transform):
    y = pd.Series(Y_HAND, index=pd.date_range("2020-01-01", periods=12, freq="MS"), name="s")
    # The hand-made outputs go below zero: the floor (nonnegative) is tested on its own.
    model = tiny(scaler=scaler, target_transform=transform, window=4, max_steps=1, nonnegative=False).fit(y)
    seen = {}

    def fake_forward(data, starts):
        seen["last_input"] = data[starts + model.window_ - 1, 0]
        return np.tile(OUT_HAND[None, :, None], (len(starts), 1, 1))

    model._forward = fake_forward
    out = model.predict()
    np.testing.assert_allclose(y_pred(out), _hand_levels(scaler, transform), rtol=1e-6)
    # The window handed to the network ends at the last observation (scaled): the forecast starts there.
    z_last = {None: 14.0, "log": np.log(14.0), "diff": -2.0, "log_return": np.log(14 / 16)}[transform]
    stats = model.stats_
    np.testing.assert_allclose(seen["last_input"], (z_last - stats["loc"][0]) / stats["scale"][0], rtol=1e-5)


# --- divergence ----------------------------------------------------------------------------------------------
def test_divergence_raises_and_leaves_nothing_fitted():
    df = panel2()
    model = tiny(scaler=None, loss="mse").fit(df)  # fitted once: the failed refit must remove that state too
    huge = df.assign(y=df["y"] * 1e20)  # squared errors overflow float32: the loss is inf at once
    with pytest.raises(TrainingDivergedError, match=r"became inf at step 0"):
        model.fit(huge)
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(model)
    assert not [k for k in vars(model) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        model.predict()


# --- history, validation, early stopping ----------------------------------------------------------------------
def test_history_has_one_row_per_step():
    model = tiny(max_steps=7).fit(panel2())
    h = model.history_
    assert list(h.columns) == ["step", "train_loss", "grad_norm", "val_loss"]
    assert h["step"].tolist() == list(range(7))
    assert np.isfinite(h["train_loss"]).all() and np.isfinite(h["grad_norm"]).all() and (h["grad_norm"] > 0).all()
    assert h["val_loss"].isna().all()  # no validation asked for


def test_history_records_validation_loss_at_each_check():
    # 2 x 6-step validation tails leave (40-6-3-6+1) + (30-6-3-6+1) = 26 + 16 = 42 training windows:
    # 3 batches of 16 per epoch, so the validation loss is measured every 3 steps.
    model = tiny(max_steps=10, validation_size=6).fit(panel2())
    h = model.history_
    assert len(h) == 10 and model.n_train_windows_ == 42
    checked = h["val_loss"].notna().to_numpy()
    assert checked.tolist() == [(s + 1) % 3 == 0 for s in range(10)]
    assert np.isfinite(h["val_loss"][checked]).all() and (h["val_loss"][checked] > 0).all()
    frac = tiny(max_steps=3, validation_size=0.2).fit(panel2())
    # ceil(0.2 * 40) = 8 and ceil(0.2 * 30) = 6 validation steps.
    assert frac.n_train_windows_ == (40 - 3 - 8 - 6 + 1) + (30 - 3 - 6 - 6 + 1)


def test_early_stopping_stops_and_restores_the_best_weights():
    # A noisy series, a high learning rate and patience 2: the validation loss soon stops improving.
    rng = np.random.default_rng(0)
    y = pd.Series(np.sin(np.arange(60) / 3) + rng.normal(0, 0.3, 60),
                  index=pd.date_range("2020-01-01", periods=60, freq="MS"), name="s")
    model = tiny(scaler=None, horizon=1, window=4, hidden_size=8, learning_rate=0.05, batch_size=64,
                 validation_size=6, early_stopping=2, max_steps=300, loss="mse").fit(y)
    h = model.history_
    assert len(h) < 300  # stopped early (one step per epoch, a validation check after each)
    best = h["val_loss"].min()
    assert h["val_loss"].iloc[-1] > best  # the last weights were not the best ones...
    # ...yet the fitted network scores the best validation loss: recompute it on the 6 held-out origins.
    panel = to_panel(y)
    cutoffs = np.arange(54, 60)
    pred = model.forecast_at(panel, np.zeros(6, dtype=np.int64), cutoffs)["y_pred"][:, 0]
    mse = np.mean((pred - panel.values[cutoffs]) ** 2)  # scaler=None: the loss is in the data's units
    assert mse == pytest.approx(best, rel=1e-4)


# --- covariates and calendar ------------------------------------------------------------------------------
def with_covariates(seed=0) -> pd.DataFrame:
    df = panel2()
    rng = np.random.default_rng(seed)
    return df.assign(x=rng.normal(size=len(df)), promo=rng.integers(0, 2, len(df)).astype(float))


def future_frame(model, df, values=None) -> pd.DataFrame:
    panel = to_panel(df.drop(columns=[c for c in df.columns if c not in ("unique_id", "ds", "y")]))
    ds = panel.future_timestamps(model.horizon)
    promo = np.zeros(len(ds)) if values is None else np.asarray(values, dtype=float)
    return pd.DataFrame({"unique_id": np.repeat(panel.ids, model.horizon), "ds": ds, "promo": promo})


def test_past_covariate_history_changes_the_forecast_only_inside_the_window():
    df = with_covariates().drop(columns="promo")
    model = tiny(max_steps=5).fit(df)
    assert model.feature_names_ == ["y", "x"]
    base = y_pred(model.predict())
    last = df.index[df["unique_id"] == "a"][-1]
    inside = df.copy()
    inside.loc[last - 2, "x"] += 3.0  # 3rd-last point of "a": inside its 6-step window
    changed = y_pred(model.predict(df=inside))
    assert np.abs(changed[:3] - base[:3]).max() > 1e-5
    np.testing.assert_array_equal(changed[3:], base[3:])  # series "b" is untouched
    outside = df.copy()
    outside.loc[last - 10, "x"] += 3.0  # before the window: the forecast cannot see it
    np.testing.assert_array_equal(y_pred(model.predict(df=outside)), base)


def test_future_covariates_need_x_future():
    df = with_covariates()
    model = tiny(future_covariates=["promo"], max_steps=5).fit(df)
    assert model.feature_names_ == ["y", "x", "promo"]
    with pytest.raises(DataError, match=r"X_future is required.*\['promo'\]"):
        model.predict()
    X = future_frame(model, df)
    with pytest.raises(DataError, match=r"missing column\(s\) \['promo'\]"):
        model.predict(X_future=X.drop(columns="promo"))
    shifted = X.assign(ds=X["ds"] + pd.DateOffset(months=1))
    with pytest.raises(DataError, match=r"no row for series 'a' at 2021-05-01"):
        model.predict(X_future=shifted)
    off = y_pred(model.predict(X_future=X))
    on = y_pred(model.predict(X_future=X.assign(promo=1.0)))
    assert np.abs(on - off).max() > 1e-5  # the known future values reach the forecast
    with pytest.raises(ValueError, match=r"future_covariates \['price'\] are not columns.*\['x', 'promo'\]"):
        tiny(future_covariates=["price"]).fit(df)


@pytest.mark.parametrize("freq, names", [("MS", ["month_sin", "month_cos"]),
                                         ("B", ["month_sin", "month_cos", "dow_sin", "dow_cos"])])
def test_calendar_features(freq, names):
    df = panel2(freq=freq)
    model = tiny(calendar_features=True).fit(df)
    assert model.feature_names_ == ["y", *names]
    out = model.predict()
    assert np.isfinite(y_pred(out)).all()
    if freq == "B":
        assert (out["ds"].dt.day_of_week < 5).all()
        # 2018-01-01 + 39 business days = 2018-02-23 (a Friday): the forecast skips the weekend.
        assert out["ds"].iloc[0] == pd.Timestamp("2018-02-26")


# --- forecasting from fresh history, and the batched backtest path --------------------------------------------
@pytest.mark.parametrize("scaler", ["standard", "window"])
def test_predict_on_unseen_series_without_refit(scaler):
    df = panel2()
    model = tiny(scaler=scaler).fit(df)
    renamed = df.assign(unique_id=df["unique_id"].map({"a": "new_a", "b": "new_b"}))
    out = model.predict(df=renamed)
    assert out["unique_id"].tolist() == ["new_a"] * 3 + ["new_b"] * 3
    # New series are scaled by their own history, which here is the training history: same forecast.
    np.testing.assert_allclose(y_pred(out), y_pred(model.predict()), rtol=1e-6)
    pd.testing.assert_series_equal(out["ds"], model.predict()["ds"])


def test_predict_from_a_history_of_exactly_one_window():
    df = panel2()
    model = tiny(target_transform="diff").fit(df)
    a = df[df["unique_id"] == "a"]
    short = model.predict(df=a.iloc[-7:])  # window 6 + 1 for the differencing; less than window + horizon
    np.testing.assert_allclose(y_pred(short), y_pred(model.predict())[:3], rtol=1e-6)
    with pytest.raises(ValueError, match=r"series 'a' has 6 observations; the model needs at least 7"):
        model.predict(df=a.iloc[-6:])


def test_x_future_uses_the_column_names_of_fit():
    # Before issue 12 the RNN read X_future with the default names whatever fit was told.
    df = with_covariates().drop(columns="x")
    model = tiny(future_covariates=["promo"]).fit(df)
    future = future_frame(model, df, values=[1, 0, 1, 0, 1, 0])
    custom = {"unique_id": "store", "ds": "month", "y": "sales"}
    named = tiny(future_covariates=["promo"]).fit(df.rename(columns=custom), id_col="store", time_col="month",
                                                  target_col="sales")
    out = named.predict(X_future=future.rename(columns=custom))
    np.testing.assert_allclose(y_pred(out), y_pred(model.predict(X_future=future)), rtol=1e-6)
    with pytest.raises(DataError, match=r"X_future is missing column\(s\) \['store', 'month'\]"):
        named.predict(X_future=future)


def test_a_quantile_model_answers_levels_its_quantiles_bound():
    df = panel2()
    model = tiny(loss="quantile", max_steps=5).fit(df)  # quantiles 0.1, 0.5, 0.9
    out = model.predict(level=80)
    np.testing.assert_array_equal(out["y_pred_lo_80"], out["y_pred_q10"])
    np.testing.assert_array_equal(out["y_pred_hi_80"], out["y_pred_q90"])
    assert list(out.columns[:3]) == ["unique_id", "ds", "y_pred"]
    with pytest.raises(ValueError, match=r"level=95 from its quantiles 0.025 and 0.975, but it was trained for "
                                         r"the quantiles \['0.1', '0.5', '0.9'\]: add \['0.025', '0.975'\]"):
        model.predict(level=95)
    with pytest.raises(ValueError, match=r"does not produce prediction intervals with loss='mae'.*quantiles=\(0.1"):
        tiny().check_level(80)
    assert tiny(loss="quantile", quantiles=(0.025, 0.5, 0.975)).check_level(95) == [95.0]


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_forecast_at_equals_predict_on_the_cut_panel(strategy):
    df = with_covariates()
    if strategy == "recursive":  # it feeds back its predictions, so it takes no past covariates
        df = df.drop(columns="x")
    model = tiny(strategy=strategy, target_transform="diff", scaler="standard", calendar_features=True,
                 future_covariates=["promo"], loss="quantile", max_steps=5).fit(df)
    panel = to_panel(df)
    series = np.array([0, 0, 1, 1, 0])
    cutoffs = np.array([7, 20, 9, 27, 37])  # >= window + 1 before, >= horizon after
    fast = model.forecast_at(panel, series, cutoffs)
    assert set(fast) == {"y_pred", "y_pred_q10", "y_pred_q50", "y_pred_q90"}
    for k, (s, c) in enumerate(zip(series, cutoffs)):
        cut = panel.select([s]).slice([0], [c])
        rows = panel.offsets[s] + c + np.arange(3)
        X = pd.DataFrame({"unique_id": panel.ids[s], "ds": cut.future_index(0, 3),
                          "promo": panel.covariates[rows, panel.covariate_names.index("promo")]})
        slow = model.predict(df=cut, X_future=X)
        for name in fast:
            np.testing.assert_allclose(fast[name][k], slow[name].to_numpy(), rtol=1e-5, atol=1e-6)
    fewer = model.forecast_at(panel, series, cutoffs, horizon=2)
    np.testing.assert_array_equal(fewer["y_pred"], fast["y_pred"][:, :2])


# --- bad inputs -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["window", "horizon"])
@pytest.mark.parametrize("value", [0, -2, 2.5, True, "6"])
def test_window_and_horizon_must_be_positive_ints(name, value):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        tiny(**{name: value}).fit(panel2())


def test_window_longer_than_the_shortest_series_names_it():
    with pytest.raises(ValueError, match=r"series 'b' has 30 observation\(s\) but at least 31 are needed"):
        tiny(window=28).fit(panel2())


@pytest.mark.parametrize("param, value, valid", [
    ("cell", "transformer", "['lstm', 'gru', 'rnn', 'elman']"),
    ("strategy", "mimo", "['direct', 'recursive', 'seq2seq']"),
    ("scaler", "zscore", "['standard', 'robust', 'minmax', 'window', None]"),
    ("loss", "rmse", "['mse', 'mae', 'huber', 'mase', 'quantile', 'normal', 'student_t']"),
    ("target_transform", "sqrt", "['log', 'diff', 'log_return', 'seasonal_diff', 'log_seasonal_diff', None]"),
])
def test_unknown_choices_list_the_valid_ones(param, value, valid):
    with pytest.raises(ValueError, match=f"unknown {param} '{value}'; valid values are {valid}".replace("[", r"\[")):
        tiny(**{param: value}).fit(panel2())


@pytest.mark.parametrize("quantiles", [(0.0, 0.5), (0.5, 1.0), (-0.1,), (1.5,)])
def test_quantiles_outside_zero_one(quantiles):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        tiny(loss="quantile", quantiles=quantiles).fit(panel2())
    with pytest.raises(ValueError, match="only with loss='quantile'"):
        tiny(quantiles=(0.5,)).fit(panel2())


def test_predict_before_fit_and_beyond_the_trained_horizon():
    with pytest.raises(NotFittedError):
        tiny().predict()
    with pytest.raises(NotFittedError):
        tiny().forecast_at(to_panel(panel2()), [0], [10])
    model = tiny().fit(panel2())
    with pytest.raises(ValueError, match=r"trained for horizon=3; it cannot forecast 4 steps"):
        model.predict(horizon=4)
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        model.predict(horizon=0)


def test_forecast_at_the_series_end_equals_predict_and_allows_a_shorter_horizon():
    df = panel2()
    model = tiny(horizon=4, calendar_features=True).fit(df)
    panel = to_panel(df)
    series = np.arange(panel.n_series)
    at_end = model.forecast_at(panel, series, panel.lengths)["y_pred"]
    np.testing.assert_allclose(at_end, y_pred(model.predict()).reshape(panel.n_series, 4), rtol=1e-5)
    # Two steps before the end a 2-step forecast needs no rows beyond the data; a 4-step one would.
    near_end = model.forecast_at(panel, series, panel.lengths - 2, horizon=2)["y_pred"]
    cut = panel.slice(0, panel.lengths - 2)
    np.testing.assert_allclose(near_end, y_pred(model.predict(2, df=cut)).reshape(panel.n_series, 2), rtol=1e-5)


# --- short series under the automatic window ------------------------------------------------------------
def short_panel() -> pd.DataFrame:
    """Twenty monthly series of 60 points, one of 8 (shorter than window + horizon) and one of 3 (<= horizon):
    under one series in ten is short, so the window is set by the long ones."""
    frames = [series_frame(f"s{i}", 60, seed=i) for i in range(20)]
    frames += [series_frame("short", 8, "2022-05-01", seed=20), series_frame("tiny", 3, "2022-10-01", seed=21)]
    return pd.concat(frames, ignore_index=True)


def test_a_few_short_series_neither_fail_nor_shrink_the_automatic_window():
    df = short_panel()
    model = tiny(window=None, horizon=3).fit(df)
    long_only = tiny(window=None, horizon=3).fit(df[~df["unique_id"].isin(["short", "tiny"])])
    assert model.window_ == long_only.window_ == 24  # two seasons; the minimum length would have given 1
    out = model.predict()
    assert out.groupby("unique_id").size().to_dict() == {uid: 3 for uid in df["unique_id"].unique()}
    assert np.isfinite(out["y_pred"]).all()
    with pytest.raises(DataError, match="has 8 observation"):  # an explicit window still asks for its length
        tiny(window=24, horizon=3).fit(df)


def test_padding_repeats_the_first_value_back_in_time_and_stays_out_of_the_statistics():
    df = short_panel()
    panel = to_panel(df)
    model = tiny(window=None, horizon=3).fit(df)
    padded, pads = model._left_padded(panel, 27)
    i = list(panel.ids).index("short")
    assert pads[i] == 19 and pads[0] == 0 and padded.lengths[i] == 27
    np.testing.assert_array_equal(padded.series(i)[:20], np.full(20, panel.series(i)[0]))
    np.testing.assert_array_equal(padded.series(i)[19:], panel.series(i))
    assert padded.starts[i] == panel.starts[i] - 19 * panel.freq and padded.end(i) == panel.end(i)
    # a new short series: its scale comes from its own 8 values, not from the repeated first one
    new = df[df["unique_id"] == "short"].assign(unique_id="new")
    stats = model._series_stats(padded.select([i]), skip=pads[[i]])
    direct = model._series_stats(to_panel(new))
    np.testing.assert_allclose(stats[0], direct[0]) and np.testing.assert_allclose(stats[1], direct[1])
    assert np.isfinite(y_pred(model.predict(df=new))).all()


def test_histories_shorter_than_the_window_are_forecast_at_once_and_one_by_one_alike():
    df = short_panel()
    model = tiny(window=None, horizon=3).fit(df)
    panel = to_panel(df)
    series = np.array([0, 0, 1])
    cutoffs = np.array([10, 40, 5])  # 10 and 5 are shorter than the window of 24: padded
    fast = model.forecast_at(panel, series, cutoffs)
    for k, (s, c) in enumerate(zip(series, cutoffs)):
        slow = model.predict(df=panel.select([s]).slice([0], [c]))
        np.testing.assert_allclose(fast["y_pred"][k], y_pred(slow), rtol=1e-5, atol=1e-6)


def test_the_window_scaler_trains_alike_at_any_magnitude():
    base = 1 + 0.1 * np.sin(np.arange(80) / 2)
    forecasts = []
    for magnitude in (1e-12, 1.0, 1e12):
        y = pd.Series(magnitude * base, index=pd.date_range("2020-01-01", periods=80), name="s")
        forecasts.append(y_pred(tiny(max_steps=20).fit(y).predict()) / magnitude)
    # before, a series of 1e-12 had every window's spread floored at 1e-5 and forecast about 1e-5
    np.testing.assert_allclose(forecasts[0], forecasts[1], rtol=1e-4)
    np.testing.assert_allclose(forecasts[2], forecasts[1], rtol=1e-4)


def test_one_short_series_in_ten_leaves_the_window_alone():
    frames = [series_frame(f"s{i}", 40, freq="D", seed=i) for i in range(9)] + [series_frame("short", 5, freq="D")]
    model = tiny(window=None, horizon=3)
    assert model._default_window(to_panel(pd.concat(frames, ignore_index=True))) == 16
    assert model._default_window(to_panel(pd.concat(frames[:9], ignore_index=True))) == 16


def test_short_series_with_a_validation_tail_and_covariates_keep_finite_statistics(tmp_path):
    import tsrnn

    frames = [series_frame(f"s{i}", 40, freq="D", seed=i) for i in range(9)] + [series_frame("short", 3, freq="D")]
    df = pd.concat(frames, ignore_index=True)
    df["x"] = np.arange(len(df), dtype=float) % 5
    model = tiny(window=None, horizon=3, early_stopping=True, past_covariates=["x"]).fit(df)
    assert all(np.isfinite(v).all() for v in model.stats_.values())
    out = model.predict()
    assert np.isfinite(out["y_pred"]).all() and len(out) == 30
    pd.testing.assert_frame_equal(tsrnn.load(model.save(tmp_path / "m")).predict(), out)


def test_a_series_too_short_for_the_differencing_is_refused_by_fit_not_by_predict():
    frames = [series_frame(f"s{i}", 40, freq="D", seed=i) for i in range(9)] + [series_frame("short", 4, freq="D")]
    model = tiny(window=None, horizon=3, target_transform="seasonal_diff", season_length=7)
    with pytest.raises(DataError, match="'short' has 4 observation"):
        model.fit(pd.concat(frames, ignore_index=True))


@pytest.mark.parametrize("deseasonalize", [None, "both"])
def test_update_continues_on_the_fit_data_with_padded_short_series(deseasonalize):
    frames = [series_frame(f"s{i}", 40, freq="D", seed=i) for i in range(9)] + [series_frame("short", 5, freq="D")]
    df = pd.concat(frames, ignore_index=True)
    model = tiny(window=None, horizon=3, deseasonalize=deseasonalize).fit(df)
    steps = len(model.history_)
    model.update(df, steps=2)
    assert len(model.history_) == steps + 2 * (2 if deseasonalize == "both" else 1)
    assert np.isfinite(model.predict()["y_pred"]).all()
