"""The one table of forecasters: name -> class, command-line names, default search space and test parameters.

It feeds the lazy imports of `tsrnn`, the CLI's ``--model``, `tsrnn.load` (only registered classes are ever
built from a model folder) and ``tune(space=None)``. Adding a forecaster is one entry here. Strings and plain
functions only: importing the registry imports no forecaster (and so neither torch nor statsmodels).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["ForecasterEntry", "FORECASTERS", "entry", "entry_for_class", "load_class", "is_registered",
           "cli_models", "space_for"]


@dataclass(frozen=True)
class ForecasterEntry:
    """One forecaster: its class (by module, imported on first use), its command-line names with the parameters
    each fixes, and how ``tune`` builds its default search space.

    ``space`` names a function of `tsrnn.tuning` (``trial, **kwargs -> dict``); ``space_args(forecaster,
    context)`` binds it to the data (``context``: ``season_length``, ``max_window``, ``positive``,
    ``covariates``), returning its keyword arguments, or None when there is nothing to search on this data.

    Example
    -------
    >>> entry("ARIMAForecaster").module, sorted(entry("RNNForecaster").aliases)
    ('tsrnn.forecasters.arima', ['elman', 'gru', 'lstm', 'rnn'])
    """

    class_name: str
    module: str
    aliases: Mapping[str, Mapping] = field(default_factory=dict)
    space: str | None = None
    space_args: Callable | None = None

    def load_class(self) -> type:
        """The forecaster class (imports its module)."""
        return getattr(importlib.import_module(self.module), self.class_name)

    def test_params(self) -> list[dict]:
        """The parameter sets the contract suite runs (the class's ``get_test_params()``)."""
        return self.load_class().get_test_params()


def _mirrorable(forecaster, c: dict) -> bool:
    """Whether ``symmetric=True`` can work here: the target alone as input, quantiles symmetric about the median."""
    from ._validation import paired_quantiles

    params = forecaster.get_params(deep=False)
    return (not c["covariates"] and not params.get("calendar_features")
            and paired_quantiles(sorted(params.get("quantiles") or [])))


def _rnn_space_args(forecaster, c: dict) -> dict:
    known = set(forecaster.get_params(deep=False)["future_covariates"] or [])
    return dict(season_length=c["season_length"], max_window=c["max_window"], positive=c["positive"],
                recursive=not any(name not in known for name in c["covariates"]),  # past covariates: not recursive
                symmetric=_mirrorable(forecaster, c))


def _linear_space_args(forecaster, c: dict) -> dict:
    return dict(season_length=c["season_length"], max_window=c["max_window"], positive=c["positive"],
                symmetric=_mirrorable(forecaster, c))


FORECASTERS: tuple[ForecasterEntry, ...] = (
    ForecasterEntry("RNNForecaster", "tsrnn.forecasters.rnn",
                    aliases={cell: MappingProxyType({"cell": cell}) for cell in ("lstm", "gru", "rnn", "elman")},
                    space="rnn_space", space_args=_rnn_space_args),
    ForecasterEntry("LinearForecaster", "tsrnn.forecasters.linear", aliases={"linear": MappingProxyType({})},
                    space="linear_space", space_args=_linear_space_args),
    ForecasterEntry("ARIMAForecaster", "tsrnn.forecasters.arima", aliases={"arima": MappingProxyType({})},
                    space="arima_space", space_args=lambda f, c: dict(season_length=c["season_length"])),
    ForecasterEntry("ETSForecaster", "tsrnn.forecasters.ets", aliases={"ets": MappingProxyType({})},
                    space="ets_space",
                    space_args=lambda f, c: dict(season_length=c["season_length"], positive=c["positive"])),
    ForecasterEntry("SeasonalNaiveForecaster", "tsrnn.forecasters.naive", aliases={"snaive": MappingProxyType({})},
                    space="seasonal_naive_space",
                    space_args=lambda f, c: dict(season_length=c["season_length"]) if c["season_length"] > 1
                    else None),
    ForecasterEntry("RegressionForecaster", "tsrnn.forecasters.regression",
                    aliases={"regression": MappingProxyType({})}, space="regression_space",
                    space_args=lambda f, c: dict(season_length=c["season_length"], max_window=c["max_window"])),
    ForecasterEntry("NaiveForecaster", "tsrnn.forecasters.naive", aliases={"naive": MappingProxyType({})}),
    ForecasterEntry("DriftForecaster", "tsrnn.forecasters.naive", aliases={"drift": MappingProxyType({})}),
    ForecasterEntry("MeanForecaster", "tsrnn.forecasters.naive", aliases={"mean": MappingProxyType({})}),
    ForecasterEntry("CrostonForecaster", "tsrnn.forecasters.intermittent",
                    aliases={"croston": MappingProxyType({}), "sba": MappingProxyType({"method": "sba"}),
                             "tsb": MappingProxyType({"method": "tsb"})},
                    space="croston_space", space_args=lambda f, c: {}),
    ForecasterEntry("ConformalIntervals", "tsrnn.forecasters.conformal"),  # a wrapper: no CLI name, no space
)
_BY_NAME = {e.class_name: e for e in FORECASTERS}


def entry(class_name: str) -> ForecasterEntry:
    """The entry of a registered forecaster class, by class name (KeyError otherwise).

    Example
    -------
    >>> entry("ETSForecaster").space
    'ets_space'
    """
    return _BY_NAME[class_name]


def load_class(class_name: str) -> type:
    """The registered forecaster class named ``class_name``; a KeyError for any other name, so nothing else is
    ever imported or built from a name read in a file.

    Example
    -------
    >>> load_class("NaiveForecaster").__module__
    'tsrnn.forecasters.naive'
    """
    return _BY_NAME[class_name].load_class()


def is_registered(cls: type) -> bool:
    """Whether ``cls`` is the very class registered under its name: what a model folder can rebuild (a subclass
    is not, since loading would build its base).

    Example
    -------
    >>> from tsrnn import NaiveForecaster
    >>> is_registered(NaiveForecaster), is_registered(type("Mine", (NaiveForecaster,), {}))
    (True, False)
    """
    entry = _BY_NAME.get(getattr(cls, "__name__", None))
    return entry is not None and entry.load_class() is cls


def entry_for_class(cls: type) -> ForecasterEntry | None:
    """The entry of ``cls`` or of its nearest registered base class (a user's subclass of a registered
    forecaster shares its search space); None when nothing in its hierarchy is registered.

    Example
    -------
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> class MyNaive(NaiveForecaster):
    ...     pass
    >>> entry_for_class(MyNaive).class_name
    'NaiveForecaster'
    """
    for klass in cls.__mro__:
        found = _BY_NAME.get(klass.__name__)
        if found is not None and klass.__module__ == found.module:
            return found
    return None


def cli_models() -> dict[str, tuple[str, dict]]:
    """Command-line model names -> (class name, fixed parameters), in the registry's order.

    Example
    -------
    >>> cli_models()["gru"]
    ('RNNForecaster', {'cell': 'gru'})
    """
    return {alias: (e.class_name, dict(fixed)) for e in FORECASTERS for alias, fixed in e.aliases.items()}


def space_for(forecaster, context: dict) -> tuple[str, dict] | None:
    """``(space function name in tsrnn.tuning, keyword arguments)`` for ``forecaster`` on data described by
    ``context``; None when it has no default space there.

    Example
    -------
    >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
    >>> space_for(SeasonalNaiveForecaster(), {"season_length": 12})
    ('seasonal_naive_space', {'season_length': 12})
    """
    found = entry_for_class(type(forecaster))
    if found is None or found.space is None:
        return None
    kwargs = found.space_args(forecaster, context)
    return None if kwargs is None else (found.space, kwargs)
