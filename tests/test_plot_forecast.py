"""plot() on a forecaster: history, forecast and one shaded band per interval level, on a matplotlib Axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tsrnn import ConformalIntervals, NaiveForecaster
from tsrnn.plotting import plot_forecast, plot_series_grid


def _two_series():
    idx = pd.date_range("2024-01-01", periods=30)
    return pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(idx, 2),
                         "y": np.concatenate([np.arange(30.0), 100 - np.arange(30.0) % 7])})


def test_forecaster_plot_returns_axes_with_history_forecast_and_bands():
    model = ConformalIntervals(NaiveForecaster(), horizon=3, n_windows=19).fit(_two_series())
    ax = model.plot(level=[80, 95], series="b", context=10)
    assert isinstance(ax, Axes) and ax.get_title() == "b"
    history, forecast = ax.lines
    assert len(history.get_xdata()) == 10 and list(forecast.get_ydata()) == [100 - 29 % 7] * 3
    assert len(ax.collections) == 2  # the 95 % and the 80 % band
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["history", "forecast", "95% interval",
                                                                    "80% interval"]
    fig = Figure()
    own = fig.subplots()
    assert model.plot(ax=own) is own and own.get_title() == "a"


def test_plot_forecast_names_a_missing_series():
    fc = NaiveForecaster().fit(_two_series()).predict(horizon=2)
    with pytest.raises(ValueError, match="series 'zz' is not in the forecast"):
        plot_forecast(fc, series="zz")


def test_small_multiples_hide_spare_panels():
    df = _two_series()
    fc = df[df["ds"] > "2024-01-25"].assign(cutoff=pd.Timestamp("2024-01-25"), y_pred=1.0, horizon_step=1)
    fig = plot_series_grid(df, fc, ["a", "b", "a"], titles=["best: a", "worst: b", "again: a"], ncols=2)
    assert len(fig.axes) == 4  # a 2 x 2 grid: the fourth panel is hidden
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["best: a", "worst: b", "again: a"]
