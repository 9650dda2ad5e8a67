"""Parameter checks (tsrnn._validation) and their use by the classical forecasters and interval levels: the class of
bug where 1 passes for True, "promo" is read as five column names, or a numpy scalar crashes later."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn._validation import (
    check_bool,
    check_choice,
    check_int,
    check_random_state,
    check_real,
    check_str_list,
)
from tsrnn.errors import InvalidParameterError
from tsrnn.forecasters.arima import ARIMAForecaster
from tsrnn.forecasters.base import check_levels
from tsrnn.forecasters.ets import ETSForecaster
from tsrnn.forecasters.naive import NaiveForecaster, SeasonalNaiveForecaster


def series(n: int = 36) -> pd.DataFrame:
    t = np.arange(n)
    y = 10 + np.sin(2 * np.pi * t / 12) + 0.1 * np.random.default_rng(0).normal(size=n)
    return pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=n, freq="MS"), "y": y,
                         "price": np.linspace(1, 2, n)})


# --- the checks ------------------------------------------------------------------------------------------------------
def test_numpy_scalars_come_back_as_python_values():
    assert type(check_int(np.int32(3), "k", low=1)) is int
    assert type(check_real(np.float32(0.25), "r")) is float
    assert type(check_bool(np.bool_(True), "b")) is bool
    assert type(check_random_state(np.uint64(5))) is int
    assert check_str_list(np.array(["a", "b"]), "cols") == ["a", "b"]
    assert check_choice("gru", "cell", ("lstm", "gru")) == "gru" and check_choice(None, "scaler", ("a", None)) is None


@pytest.mark.parametrize("check, value", [
    (lambda v: check_bool(v, "flag"), 1), (lambda v: check_bool(v, "flag"), "True"),
    (lambda v: check_bool(v, "flag"), None),
    (lambda v: check_int(v, "flag", low=1), True), (lambda v: check_int(v, "flag", low=1), 2.0),
    (lambda v: check_int(v, "flag", low=1), "2"), (lambda v: check_int(v, "flag", low=0, high=3), 4),
    (lambda v: check_real(v, "flag"), float("nan")), (lambda v: check_real(v, "flag"), -float("inf")),
    (lambda v: check_real(v, "flag"), False), (lambda v: check_real(v, "flag", low=0, low_open=True), 0.0),
    (lambda v: check_choice(v, "flag", ("a", "b")), ["a"]), (lambda v: check_choice(v, "flag", ("a",)), None),
    (lambda v: check_str_list(v, "flag"), "ab"), (lambda v: check_str_list(v, "flag"), ["a", "a"]),
    (lambda v: check_str_list(v, "flag"), {"a"}), (lambda v: check_str_list(v, "flag"), [1]),
    (lambda v: check_random_state(v, "flag"), 2**32), (lambda v: check_random_state(v, "flag"), -1),
])
def test_each_check_refuses_and_names_the_parameter(check, value):
    with pytest.raises(InvalidParameterError, match="flag"):
        check(value)


def test_the_error_is_a_value_error_and_a_type_error():
    assert issubclass(InvalidParameterError, ValueError) and issubclass(InvalidParameterError, TypeError)


# --- the classical forecasters -------------------------------------------------------------------------------------
@pytest.mark.parametrize("params, match", [
    ({"stepwise": "no"}, "stepwise must be True or False"),
    ({"approximation": 1}, "approximation must be True or False"),
    ({"include_constant": 1}, "include_constant must be None, True or False"),
    ({"exog": ["price", "price"]}, r"exog lists \['price'\] more than once"),
    ({"exog": [1]}, "exog must hold column names"),
    ({"exog": 5}, "exog must be a list of column names"),
    ({"information_criterion": np.array(["aic"])}, "information_criterion must be one of"),
])
def test_arima_parameters_of_the_wrong_type(params, match):
    with pytest.raises(ValueError, match=match):
        ARIMAForecaster(**params).fit(series())


@pytest.mark.parametrize("params, match", [
    ({"damped_trend": 1}, "damped_trend must be None, True or False"),
    ({"damped_trend": 0}, "damped_trend must be None, True or False"),
    ({"approximation": "yes"}, "approximation must be True or False"),
    ({"random_state": -1}, "random_state must be an integer or None"),
    ({"random_state": "abc"}, "random_state must be an integer or None"),
    ({"random_state": True}, "random_state must be an integer or None"),
    ({"error": np.array(["add"])}, "error must be None"),
])
def test_ets_parameters_of_the_wrong_type(params, match):
    with pytest.raises(ValueError, match=match):
        ETSForecaster(**params).fit(series())


def test_classical_models_take_numpy_scalars_and_bools():
    df = series()
    fixed = dict(order=(1, 0, 0), season_length=np.int64(1), stepwise=np.bool_(True),
                 approximation=np.bool_(False), include_constant=np.bool_(True))
    a = ARIMAForecaster(**fixed, exog=("price",)).fit(df)
    assert a.exog_names_ == ("price",)
    e = ETSForecaster(error="add", trend="add", damped_trend=np.bool_(False), seasonal="none",
                      random_state=np.int64(3)).fit(df)
    assert e.fitted_models_.loc[0, "model"] == "ETS(A,A,N)"
    assert SeasonalNaiveForecaster(season_length=np.int64(12)).fit(df).season_length_ == 12


# --- interval levels -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("level, match", [
    ("80", "level must be a percentage or a list of them"),  # once read as the levels 8 and 0
    (True, "strictly between 0 and 100, got True"),
    ([80, 80.0], r"level lists \[80.0\] more than once"),
    ([80, float("nan")], "strictly between 0 and 100"),
    ({80}, "level must be a percentage"),
])
def test_interval_levels_of_the_wrong_type(level, match):
    model = NaiveForecaster().fit(series())
    with pytest.raises(InvalidParameterError, match=match):
        model.predict(3, level=level)


def test_interval_levels_accept_numpy():
    assert check_levels(np.float64(80)) == [80.0] and check_levels(np.array([80, 95])) == [80.0, 95.0]
