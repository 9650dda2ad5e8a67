"""tsrnn.plotting: the figures draw the numbers they are given, without pyplot, and encode to PNG data URIs."""

from __future__ import annotations

import base64
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from tsrnn.plotting import figure_to_data_uri, plot_equity, plot_error_by_horizon, plot_forecasts


def actuals(uid="a", n=8):
    return pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=n), "y": np.arange(n, dtype=float)})


def forecasts(uid="a"):
    return pd.DataFrame({"unique_id": uid, "cutoff": pd.to_datetime(["2024-01-04"] * 2 + ["2024-01-06"] * 2),
                         "ds": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"]),
                         "y_pred": [3.0, 3.0, 5.0, 5.0], "y_pred_lo_80": [2.0, 1.5, 4.0, 3.5],
                         "y_pred_hi_80": [4.0, 4.5, 6.0, 6.5]})


def test_forecast_plot_draws_each_cutoff_and_shades_the_interval():
    fig = plot_forecasts(actuals(), forecasts())
    (ax,) = fig.axes
    # the actuals, then one segment per cutoff, then a vertical marker per cutoff
    assert len(ax.lines) == 1 + 2 + 2
    assert [list(seg.get_ydata()) for seg in ax.lines[1:3]] == [[3.0, 3.0], [5.0, 5.0]]
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # one band per cutoff
    assert ax.get_legend_handles_labels()[1] == ["actual", "80% interval", "forecast"]


def test_forecast_plot_context_series_and_axes():
    both = pd.concat([actuals("a"), actuals("b")])
    fig = plot_forecasts(both, {"m1": forecasts("a"), "m2": forecasts("b")}, context=2)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    actual_line = fig.axes[0].lines[0]
    assert actual_line.get_ydata().tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]  # 2 before the first forecast
    ax = Figure().subplots()
    assert plot_forecasts(both, forecasts("b"), series=["b", "a"], ax=ax) is ax.figure and ax.get_title() == "b"
    # a plain predict() frame (no cutoff column) is one forecast
    single = forecasts().drop(columns="cutoff").iloc[:2]
    assert len(plot_forecasts(actuals(), single).axes) == 1


def test_error_by_horizon_plots_the_table():
    table = pd.DataFrame({"MAE": [1.0, 2.0, 4.0]}, index=pd.Index([1, 2, 3], name="horizon_step"))
    fig = plot_error_by_horizon({"x": table, "y": table * 2})
    lines = fig.axes[0].lines
    assert lines[1].get_xydata().tolist() == [[1, 2.0], [2, 4.0], [3, 8.0]]
    with pytest.raises(ValueError, match="no column 'RMSE'"):
        plot_error_by_horizon(table, metric="RMSE")


def test_equity_curves_compound_returns():
    fig = plot_equity({"s": [0.5, -0.5]}, [0.1, 0.1], index=pd.to_datetime(["2024-01-02", "2024-01-03"]))
    ax = fig.axes[0]
    by_label = dict(zip(ax.get_legend_handles_labels()[1], ax.get_legend_handles_labels()[0], strict=True))
    assert by_label["s"].get_ydata().tolist() == [1.0, 1.5, 0.75]
    assert np.allclose(by_label["buy and hold"].get_ydata(), [1.0, 1.1, 1.21])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-01-02", "2024-01-03"]
    with pytest.raises(ValueError, match="has 1 returns"):
        plot_equity({"s": [0.1]}, [0.1, 0.2])
    with pytest.raises(ValueError, match="index has 1 entries"):
        plot_equity([0.1, 0.2], [0.1, 0.2], index=[1])


def test_data_uri_is_a_png():
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1])
    uri = figure_to_data_uri(fig)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_plotting_never_loads_pyplot():
    code = ("import sys, pandas as pd\n"
            "from tsrnn.plotting import plot_equity, figure_to_data_uri\n"
            "figure_to_data_uri(plot_equity([0.1], [0.2]))\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def _texts(fig) -> list:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("name", ["net$_sales_$", "$\\frac{$", "_x"])
def test_user_names_are_drawn_verbatim_in_titles_and_legends(name):
    figs = [plot_forecasts(actuals(name), {name: forecasts(name)}),
            plot_error_by_horizon({name: pd.DataFrame({"MAE": [1.0, 2.0]}, index=[1, 2])}, metric="MAE"),
            plot_equity({name: [0.1, -0.05]}, [0.1, 0.05], index=["a$_b_$", "c"], title=f"{name}: equity")]
    for fig in figs:
        shown = [t.get_text().strip() for t in _texts(fig)]
        assert any(name in s for s in shown), shown  # in the title or the legend, not dropped (leading "_")
        for t in _texts(fig):
            if "$" in t.get_text():
                assert not t.get_parse_math()
        assert figure_to_data_uri(fig).startswith("data:image/png;base64,")
    assert figs[0].axes[0].get_title() == name


def test_data_uri_of_a_foreign_figure_with_bad_mathtext_still_renders():
    fig = Figure(figsize=(2, 1))
    ax = fig.subplots()
    ax.plot([0, 1], [1, 0], label="net$_sales_$")
    ax.set_title("net$_sales_$ and $x^2$")
    ax.legend()
    assert figure_to_data_uri(fig).startswith("data:image/png;base64,")
    assert not ax.title.get_parse_math()
