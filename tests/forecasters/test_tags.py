"""Declared capabilities: the tags every forecaster reports through scikit-learn, and the read-only contract
properties the layers above use instead of private attributes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sklearn.utils import get_tags

from tsrnn import (
    ARIMAForecaster,
    DriftForecaster,
    ETSForecaster,
    LinearForecaster,
    NaiveForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
)
from tsrnn.forecasters.tags import ForecasterTags, get_forecaster_tags


@pytest.mark.parametrize(("forecaster", "expected"), [
    (NaiveForecaster(), ForecasterTags(intervals=True, batch_origins=True)),
    (ARIMAForecaster(), ForecasterTags(intervals=True, batch_origins=True)),  # one Kalman filter per series
    (ARIMAForecaster(exog=["promo"]), ForecasterTags(intervals=True, known_covariates=True, batch_origins=True)),
    (ETSForecaster(), ForecasterTags(intervals=True)),
    (RNNForecaster(), ForecasterTags(batch_origins=True, needs_torch=True)),
    (RNNForecaster(loss="quantile", future_covariates=["promo"], early_stopping=True),
     ForecasterTags(intervals=True, quantiles=True, known_covariates=True, batch_origins=True, needs_torch=True,
                    validation_loss=True)),
    (LinearForecaster(validation_size=4), ForecasterTags(batch_origins=True, needs_torch=True, validation_loss=True)),
], ids=lambda x: repr(x) if not isinstance(x, ForecasterTags) else "")
def test_tags_follow_the_parameters(forecaster, expected):
    def capabilities(tags):  # the class-level declarations are checked below
        return replace(tags, horizon_param=None, execution_params=())

    assert capabilities(get_forecaster_tags(forecaster)) == expected
    tags = get_tags(forecaster)  # scikit-learn's own accessor sees them too
    assert capabilities(tags.forecaster_tags) == expected and tags.target_tags.required
    assert tags.non_deterministic is expected.needs_torch


@pytest.mark.parametrize(("forecaster", "horizon_param", "execution_params"), [
    (NaiveForecaster(), None, ()),
    (ARIMAForecaster(), None, ("n_jobs", "backend")),
    (ETSForecaster(), None, ("n_jobs", "backend")),
    (RNNForecaster(), "horizon", ("progress", "accelerator", "devices")),
    (LinearForecaster(), "horizon", ("progress", "accelerator", "devices")),
], ids=lambda x: repr(x) if not isinstance(x, str | tuple | type(None)) else "")
def test_the_horizon_and_execution_parameters_are_declared(forecaster, horizon_param, execution_params):
    tags = get_forecaster_tags(forecaster)
    assert (tags.horizon_param, tags.execution_params) == (horizon_param, execution_params)
    params = forecaster.get_params(deep=False)
    assert all(name in params for name in execution_params) and (horizon_param is None or horizon_param in params)


def test_the_lengths_a_model_needs_are_public_and_read_only():
    assert (NaiveForecaster().min_train_length, DriftForecaster().min_train_length) == (1, 2)
    assert SeasonalNaiveForecaster(season_length=7).min_history == 7
    rnn = RNNForecaster(window=12, horizon=3, target_transform="diff")
    assert rnn.min_train_length == 12 + 3 + 1  # window + horizon + the differenced step
    assert rnn.default_horizon == 3 and NaiveForecaster().default_horizon is None
    with pytest.raises(AttributeError):
        rnn.min_train_length = 5


def test_check_level_says_why_a_model_has_no_intervals_before_any_fit():
    assert ARIMAForecaster().check_level(95) == [95.0] and NaiveForecaster().check_level(None) is None
    with pytest.raises(ValueError, match="does not produce prediction intervals"):
        RNNForecaster().check_level(80)
    with pytest.raises(ValueError, match="strictly between 0 and 100"):
        NaiveForecaster().check_level(120)


def test_scikit_learn_tags_of_a_forecaster_pickle():
    # The tags class is built when scikit-learn's tools first ask for it; its instances still pickle.
    import pickle

    tags = get_tags(NaiveForecaster())
    assert pickle.loads(pickle.dumps(tags)).forecaster_tags == tags.forecaster_tags
