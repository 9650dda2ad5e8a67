"""The one table of forecasters: every entry loads, feeds the public names, the CLI, load() and the tuner."""

from __future__ import annotations

import pytest

import tsrnn
from tsrnn import registry
from tsrnn.cli import _MODELS
from tsrnn.forecasters.base import BaseForecaster
from tsrnn.tuning import _probe, default_space


@pytest.mark.parametrize("entry", registry.FORECASTERS, ids=lambda e: e.class_name)
def test_every_entry_is_a_public_forecaster_with_test_params(entry):
    cls = entry.load_class()
    assert issubclass(cls, BaseForecaster) and cls.__module__ == entry.module
    assert getattr(tsrnn, entry.class_name) is cls and entry.class_name in tsrnn.__all__
    params = entry.test_params()
    assert params and all(isinstance(p, dict) for p in params)
    for p in params:
        cls(**p)
    for alias, fixed in entry.aliases.items():
        assert _MODELS[alias] == (entry.class_name, dict(fixed))


def test_the_cli_offers_exactly_the_registered_aliases():
    assert set(_MODELS) == {alias for e in registry.FORECASTERS for alias in e.aliases}


@pytest.mark.parametrize("entry", registry.FORECASTERS, ids=lambda e: e.class_name)
def test_default_spaces_name_only_parameters_of_their_forecaster(entry):
    model = entry.load_class()()
    data = tsrnn.load_dataset("airpassengers")
    if entry.space is None:
        with pytest.raises(ValueError, match="has no default search space"):
            default_space(model, data, horizon=12)
        return
    space = default_space(model, data, horizon=12)
    names = _probe(space, model)  # raises when a name is not a parameter
    assert names and set(names) <= set(model.get_params())


def test_a_subclass_shares_its_base_entry_and_unknown_names_are_refused():
    class Mine(tsrnn.ARIMAForecaster):
        pass

    assert registry.entry_for_class(Mine).class_name == "ARIMAForecaster"
    assert registry.entry_for_class(int) is None
    with pytest.raises(KeyError):
        registry.load_class("Popen")
