"""RNNForecaster safe by default: divergence is reported (not returned as forecasts), the caller's global random
generators are left alone, every parameter is checked before any work, and numpy scalars are accepted.

Models are tiny (hidden_size 4-8, at most 30 steps): these tests check behaviour, not accuracy.
"""

from __future__ import annotations

import os
import random

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError as SklearnNotFittedError  # what scikit-learn's own check raises
from sklearn.utils.validation import check_is_fitted

from tsrnn.errors import InvalidParameterError, TrainingDivergedError
from tsrnn.forecasters.rnn import RNNForecaster

TINY = dict(hidden_size=4, window=6, horizon=3, max_steps=3, batch_size=16, progress=False, random_state=0)


def tiny(**kw) -> RNNForecaster:
    return RNNForecaster(**{**TINY, **kw})


def trend(n: int = 60, level: float = 100.0, seed: int = 0) -> pd.Series:
    """A noisy upward line from ``level``: the data of the issue's example (100..134)."""
    rng = np.random.default_rng(seed)
    return pd.Series(level + 0.5 * np.arange(n) + rng.normal(0, 2, n),
                     index=pd.date_range("2020-01-01", periods=n, freq="MS"), name="s")


def two_series() -> pd.DataFrame:
    a, b = trend(40), trend(30, level=5.0, seed=1)
    return pd.concat([pd.DataFrame({"unique_id": "a", "ds": a.index, "y": a.to_numpy()}),
                      pd.DataFrame({"unique_id": "b", "ds": b.index, "y": b.to_numpy()})], ignore_index=True)


def assert_unfitted(model: RNNForecaster) -> None:
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(model)
    assert not [k for k in vars(model) if k.endswith("_")]


# --- item 3: divergence ------------------------------------------------------------------------------------------
def test_a_huge_learning_rate_raises_instead_of_returning_garbage():
    # The issue's case: learning_rate=1e3 drives the loss from ~4 to ~1e5 without ever reaching inf, and the
    # old code returned forecasts of +-1000 for data in 100..134.
    model = RNNForecaster(learning_rate=1e3, horizon=3, window=12, hidden_size=8, max_steps=30, progress=False,
                          random_state=0)
    with pytest.raises(TrainingDivergedError, match="learning_rate") as info:
        model.fit(trend())
    message = str(info.value)
    assert "times the larger of the losses of a network that outputs zeros" in message
    assert "gradient_clip_val" in message
    assert "largest gradient norm" in message  # the history it saw is summarised
    assert_unfitted(model)


@pytest.mark.parametrize("scaler", ["window", "standard", None])
@pytest.mark.parametrize("loss", ["mse", "mae", "quantile"])
def test_divergence_is_caught_whatever_the_scaler_and_loss(scaler, loss):
    with pytest.raises(TrainingDivergedError):
        tiny(learning_rate=1e3, scaler=scaler, loss=loss, max_steps=10).fit(two_series())


class _PoisonLastStep(pl.Callback):
    """A NaN update on the last step: the loss of every step was finite, the weights left behind are not."""

    def on_train_end(self, trainer, module):
        with torch.no_grad():
            next(module.net.parameters()).fill_(float("nan"))


def test_non_finite_final_weights_raise():
    # Before the fix this fit "succeeded" and predict() returned NaN.
    model = tiny(trainer_kwargs={"callbacks": [_PoisonLastStep()]})
    with pytest.raises(TrainingDivergedError, match="non-finite weights"):
        model.fit(two_series())
    assert_unfitted(model)


def test_the_weights_judged_are_the_ones_kept():
    # With a validation tail, the best validation weights are restored when training ends (after the poisoned last
    # update): the check runs on what the model keeps, so this fit is fine and forecasts finite values.
    model = tiny(validation_size=3, max_steps=6, trainer_kwargs={"callbacks": [_PoisonLastStep()]})
    model.fit(two_series())
    assert np.isfinite(model.predict()["y_pred"]).all()


@pytest.mark.parametrize("kw", [
    dict(),                                                   # the defaults of the tests: 3 steps
    dict(max_steps=1),                                        # one step
    dict(max_steps=30, learning_rate=0.1),                    # a high but workable learning rate
    dict(max_steps=30, batch_size=1),                         # single-window batches: the noisiest losses
    dict(max_steps=30, scaler=None),                          # the loss in the data's units
    dict(max_steps=30, loss="quantile"),
    dict(max_steps=30, dropout=0.5, num_layers=2),
])
def test_legitimate_short_fits_do_not_trip_the_check(kw):
    model = tiny(**kw).fit(two_series())
    assert np.isfinite(model.predict()["y_pred"]).all()


@pytest.mark.parametrize("level", [0.0, 5.0, 1e-3])
@pytest.mark.parametrize("scaler", ["window", "standard", None])
def test_constant_and_tiny_series_do_not_trip_the_check(level, scaler):
    # A constant series is exactly zero in the net's units: the reference is then the untrained network's loss.
    y = pd.Series(np.full(30, level), index=pd.date_range("2020-01-01", periods=30, freq="D"), name="c")
    model = tiny(scaler=scaler, max_steps=30, learning_rate=0.01).fit(y)
    assert np.isfinite(model.predict()["y_pred"]).all()
    short = pd.Series([1.0, 2.0, 3.0, 2.0, 1.0], index=pd.date_range("2020-01-01", periods=5, freq="D"), name="t")
    RNNForecaster(horizon=1, window=2, hidden_size=4, max_steps=5, scaler=scaler, progress=False,
                  random_state=0).fit(short)


# --- item 15: the caller's global random state ----------------------------------------------------------------
def _draws() -> tuple:
    return random.random(), float(np.random.random()), float(torch.rand(1))


def _seed_globals(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@pytest.mark.parametrize("random_state", [0, None])
def test_fit_leaves_the_global_random_generators_alone(random_state):
    _seed_globals(123)
    expected = _draws()
    _seed_globals(123)
    env = os.environ.get("PL_GLOBAL_SEED")
    tiny(random_state=random_state, dropout=0.2, num_layers=2).fit(two_series())
    assert _draws() == expected
    assert os.environ.get("PL_GLOBAL_SEED") == env


def test_a_failed_fit_also_leaves_them_alone():
    _seed_globals(7)
    expected = _draws()
    _seed_globals(7)
    with pytest.raises(TrainingDivergedError):
        tiny(learning_rate=1e3, max_steps=10).fit(two_series())
    assert _draws() == expected


def test_the_seed_still_fixes_the_forecast_whatever_the_global_state():
    _seed_globals(1)
    first = tiny(dropout=0.3, num_layers=2, max_steps=10).fit(two_series()).predict()
    _seed_globals(2)
    second = tiny(dropout=0.3, num_layers=2, max_steps=10).fit(two_series()).predict()
    pd.testing.assert_frame_equal(first, second)
    third = tiny(dropout=0.3, num_layers=2, max_steps=10, random_state=1).fit(two_series()).predict()
    assert not np.allclose(first["y_pred"], third["y_pred"])


# --- item 18: every parameter checked, before any work ---------------------------------------------------------
_BAD = [
    ("future_covariates", "promo"), ("future_covariates", ["promo", "promo"]), ("future_covariates", [1]),
    ("future_covariates", 3),
    ("quantiles", "0.5"), ("quantiles", (0.5, 0.5)), ("quantiles", 0.5), ("quantiles", []),
    ("quantiles", [0.1, float("nan")]), ("quantiles", [True]),
    ("calendar_features", "yes"), ("calendar_features", 1), ("progress", "no"), ("linear_skip", None),
    ("random_state", -1), ("random_state", 2**40), ("random_state", "abc"), ("random_state", 1.5),
    ("random_state", True),
    ("accelerator", "tpu"), ("accelerator", "GPU "), ("accelerator", None),
    ("devices", 0), ("devices", "abc"), ("devices", True), ("devices", [0, 0]), ("devices", 1.5),
    ("precision", "bf17"), ("precision", 33), ("precision", 32.0),
    ("trainer_kwargs", {"max_steps": "x"}), ("trainer_kwargs", {"enable_progress_bar": True}),
    ("trainer_kwargs", {"max_step": 5}), ("trainer_kwargs", "max_steps=5"), ("trainer_kwargs", [("a", 1)]),
    ("trainer_kwargs", {"callbacks": [3]}),
    ("learning_rate", float("inf")), ("learning_rate", float("nan")), ("learning_rate", 0), ("learning_rate", "0.1"),
    ("learning_rate", True),
    ("dropout", 1.0), ("dropout", float("nan")), ("dropout", -0.1),
    ("gradient_clip_val", float("inf")), ("gradient_clip_val", 0),
    ("hidden_size", True), ("hidden_size", 4.0), ("hidden_size", np.float64(4)), ("num_layers", 0),
    ("batch_size", "16"), ("max_steps", 0), ("max_steps", 2.0), ("max_epochs", -1), ("n_models", 0),
    ("season_length", "12"), ("window", np.float64(6)), ("horizon", np.int64(0)),
    ("early_stopping", 0), ("early_stopping", 2.5), ("early_stopping", "yes"),
    ("validation_size", -1), ("validation_size", 1.0), ("validation_size", "3"), ("validation_size", True),
    ("cell", ["lstm"]), ("strategy", None), ("scaler", np.array(["window"])), ("loss", "MSE"),
    ("target_transform", 1),
]


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started before the parameters were checked")

    monkeypatch.setattr(pl.Trainer, "fit", refuse)


@pytest.mark.parametrize("name, value", _BAD, ids=[f"{n}={v!r}" for n, v in _BAD])
def test_bad_parameters_raise_a_tsrnn_error_naming_them_before_training(name, value, no_training):
    kw = {name: value}
    if name == "quantiles":
        kw["loss"] = "quantile"
    model = tiny(**kw)
    with pytest.raises(InvalidParameterError, match=name) as info:
        model.fit(two_series())
    assert isinstance(info.value, ValueError)
    assert model.get_params()[name] is value  # the parameter is left as given
    assert_unfitted(model)


def test_parameters_are_checked_before_the_data():
    with pytest.raises(InvalidParameterError, match="learning_rate"):
        tiny(learning_rate=float("inf")).fit(pd.DataFrame({"unique_id": [], "ds": [], "y": []}))


def test_a_setting_lightning_refuses_is_reported_as_a_parameter():
    with pytest.raises(InvalidParameterError, match=r"trainer_kwargs: ValueError: .*strategy='nope'"):
        tiny(trainer_kwargs={"strategy": "nope"}).fit(two_series())


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
@pytest.mark.parametrize("accelerator", ["gpu", "cuda"])
def test_a_missing_gpu_is_reported_as_the_accelerator_parameter(accelerator):
    with pytest.raises(InvalidParameterError, match=f"accelerator='{accelerator}' but torch sees no CUDA GPU"):
        tiny(accelerator=accelerator).fit(two_series())


@pytest.mark.parametrize("name, value", [
    ("future_covariates", ("promo",)), ("quantiles", np.array([0.9, 0.1])), ("trainer_kwargs", {"deterministic": True}),
    ("devices", "1"), ("precision", "32"), ("early_stopping", True), ("validation_size", 0.2),
    ("random_state", 2**32 - 1),
])
def test_valid_values_of_other_types_are_accepted(name, value):
    df = two_series()
    kw = {name: value, "max_steps": 2}
    if name == "quantiles":
        kw["loss"] = "quantile"
    if name == "future_covariates":
        df = df.assign(promo=np.arange(len(df)) % 2 * 1.0)
    model = tiny(**kw).fit(df)
    if name == "quantiles":
        assert model.quantile_levels_ == [0.1, 0.9]


# --- item 12 (part): numpy scalars ----------------------------------------------------------------------------
NUMPY_PARAMS = dict(hidden_size=np.int64(4), num_layers=np.int32(1), dropout=np.float32(0.0), window=np.int64(6),
                    horizon=np.int64(3), learning_rate=np.float32(0.01), batch_size=np.int64(16),
                    max_steps=np.int64(3), gradient_clip_val=np.float32(1.0), random_state=np.int64(0),
                    devices=np.int64(1), precision=np.int64(32), calendar_features=np.bool_(False),
                    progress=np.bool_(False))


def test_numpy_scalars_train_like_python_numbers():
    # Before the fix np.float32 gradient_clip_val, np.int64 random_state and devices crashed inside Lightning.
    df = two_series()
    model = RNNForecaster(**NUMPY_PARAMS).fit(df)
    plain = RNNForecaster(**{k: v.item() for k, v in NUMPY_PARAMS.items()}).fit(df)
    pd.testing.assert_frame_equal(model.predict(), plain.predict())
    assert type(model.window_) is int
    for name, value in NUMPY_PARAMS.items():  # the parameters themselves are not rewritten
        assert model.get_params()[name] is value


def test_numpy_max_epochs_validation_size_early_stopping_and_quantiles():
    model = tiny(max_steps=None, max_epochs=np.int64(1), validation_size=np.float64(0.2),
                 early_stopping=np.int64(2), loss="quantile", quantiles=np.array([0.1, 0.5, 0.9]),
                 window=None).fit(two_series())
    assert model.quantile_levels_ == [0.1, 0.5, 0.9] and all(type(q) is float for q in model.quantile_levels_)
    assert type(model.window_) is int


def test_a_model_that_cannot_be_saved_is_announced_before_training():
    """Issue 10, item 12: the reason save() would fail is given before the (long) training, not after it."""
    # Business hours of a short trading session: their alias "bh" does not say 10:00-14:00, so a folder could not
    # describe them (custom business days, the trading days of issue 15, do save their holidays).
    session = pd.offsets.BusinessHour(start="10:00", end="14:00")
    y = pd.Series(np.arange(40.0), index=pd.date_range("2024-01-01 10:00", periods=40, freq=session), name="s")
    with pytest.warns(UserWarning, match=r"cannot be saved: the frequency <BusinessHour"):
        RNNForecaster(horizon=2, window=4, hidden_size=4, max_steps=2, progress=False).fit(y, freq=session)


def test_a_forecast_that_overflows_raises_instead_of_returning_nan(tmp_path):
    """Issue 10 review: weights that overflow (here: set by hand, as a tampered folder could) must not give
    NaN or inf forecasts silently."""
    y = pd.Series(np.sin(np.arange(40) / 3) + 5, index=pd.date_range("2020-01-01", periods=40, freq="D"), name="s")
    model = RNNForecaster(horizon=2, window=5, hidden_size=4, max_steps=2, progress=False, random_state=0).fit(y)
    with torch.no_grad():
        for p in model.net_.parameters():
            p.fill_(1e38)
    with pytest.raises(ValueError, match="series number 0 .* is not finite"):
        model.predict()


def test_a_network_too_large_to_allocate_is_named_not_a_raw_torch_error():
    y = pd.Series(np.arange(30.0), index=pd.date_range("2020-01-01", periods=30), name="s")
    with pytest.raises(InvalidParameterError, match=r"hidden_size=10000000, num_layers=2 .* cannot be built"):
        RNNForecaster(hidden_size=10**7, window=5, horizon=2, progress=False).fit(y)


@pytest.mark.parametrize("kwargs", [{"accumulate_grad_batches": 0}, {"logger": "x"}])
def test_trainer_kwargs_that_fail_inside_training_are_named(kwargs):
    y = pd.Series(np.arange(30.0), index=pd.date_range("2020-01-01", periods=30), name="s")
    with pytest.raises(InvalidParameterError, match=r"training failed with the settings in trainer_kwargs="):
        RNNForecaster(hidden_size=4, window=5, horizon=2, max_steps=2, progress=False, trainer_kwargs=kwargs).fit(y)
