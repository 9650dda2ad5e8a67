"""Self-contained HTML reports of backtests: one file, inline CSS, plots embedded as base64 PNG, no network.

A report is a title and a list of ``(title, content)`` sections; the tuning module adds its own sections.
"""

from __future__ import annotations

import html
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from .._files import atomic_write_text

__all__ = ["render_report", "write_report", "table_html", "backtest_sections"]

_MAX_ROWS = 200  # rows of a per-series table shown in a report

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #eee; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .3em .6em; text-align: right; }
th { background: #f4f4f4; }
td.label, th.label { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; display: block; margin: .6em 0; }
p.meta { color: #666; font-size: .85em; }
.note { color: #555; font-size: .9em; }
"""


def _format(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.3e}"
        return f"{value:.4g}" if abs(value) >= 1000 else f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    return str(value)


def table_html(frame: pd.DataFrame, index: bool = True) -> str:
    """An HTML ``<table>`` of ``frame`` with every label and value escaped and numbers rounded for reading.

    Example
    -------
    >>> import pandas as pd
    >>> print(table_html(pd.DataFrame({"MAE": [1.23456]}, index=["<b>x</b>"])))
    <table><thead><tr><th class="label"></th><th>MAE</th></tr></thead><tbody><tr><td class="label">&lt;b&gt;x&lt;/b&gt;</td><td>1.2346</td></tr></tbody></table>
    """
    head = ['<th class="label">' + html.escape(str(frame.index.name or "")) + "</th>"] if index else []
    head += [f"<th>{html.escape(str(c))}</th>" for c in frame.columns]
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        cells = [f'<td class="label">{html.escape(_format(label))}</td>'] if index else []
        cells += [f"<td>{html.escape(_format(v))}</td>" for v in values]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<table><thead><tr>" + "".join(head) + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _content_html(content) -> str:
    """HTML for one piece of section content: a Figure (embedded PNG), a DataFrame, an HTML string or a list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content  # a trusted fragment built by tsrnn (or escaped by its caller)
    if isinstance(content, pd.DataFrame):
        return table_html(content)
    if isinstance(content, pd.Series):
        return table_html(content.to_frame())
    if hasattr(content, "savefig"):
        from ..plotting import figure_to_data_uri

        return f'<img alt="figure" src="{figure_to_data_uri(content)}">'
    if isinstance(content, list | tuple):
        return "\n".join(_content_html(part) for part in content)
    raise TypeError(f"a report section holds HTML text, a DataFrame, a matplotlib Figure or a list of them, "
                    f"not {type(content).__name__}")


def render_report(title: str, sections: Iterable[tuple[str, object]], subtitle: str | None = None) -> str:
    """The report as one HTML document string.

    ``sections`` are ``(title, content)`` pairs; content is an HTML fragment (inserted as it is: escape user
    text with ``html.escape``), a DataFrame (a table), a matplotlib Figure (an embedded PNG) or a list of
    those. Titles are escaped here. Nothing refers to a file or a network address.

    Example
    -------
    >>> page = render_report("Sales <2024>", [("Notes", "<p>ok</p>")])
    >>> "<h1>Sales &lt;2024&gt;</h1>" in page, "<h2>Notes</h2>" in page
    (True, True)
    """
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(str(title))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(str(title))}</h1>",
        f'<p class="meta">{html.escape(subtitle) + " &middot; " if subtitle else ""}generated by tsrnn, {stamp}</p>',
    ]
    for section_title, content in sections:
        parts.append(f"<section><h2>{html.escape(str(section_title))}</h2>")
        parts.append(_content_html(content))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(path: str | os.PathLike, title: str, sections: Iterable[tuple[str, object]],
                 subtitle: str | None = None):
    """Render the report (see `render_report`) and write it atomically to ``path``; returns the Path.

    Example
    -------
    >>> import tempfile
    >>> p = write_report(tempfile.mkdtemp() + "/r.html", "Empty", [])
    >>> "<h1>Empty</h1>" in p.read_text(encoding="utf-8")
    True
    """
    return atomic_write_text(path, render_report(title, sections, subtitle))


def _settings_html(result) -> str:
    settings = pd.DataFrame(
        {"value": [result.horizon, result.step, result.gap, str(result.refit), result.season_length,
                   _freq_str(result.freq), int(result.origins["unique_id"].nunique()), len(result.timings)]},
        index=pd.Index(["horizon", "step", "gap", "refit", "season_length", "freq", "series", "folds"],
                       name="setting"))
    return table_html(settings)


def _freq_str(freq) -> str:
    return getattr(freq, "freqstr", str(freq))


def backtest_sections(results: Mapping[str, object], leaderboard: pd.DataFrame | None = None,
                      max_series: int = 4, finance: bool | None = None) -> list[tuple[str, object]]:
    """The standard sections for one or several backtest results of the same origins, by model name.

    Leaderboard (or summary), settings, metrics per series (MASE per model, or the full table for one model),
    forecast plots of the first ``max_series`` series, error by horizon step, per-fold timings, recorded
    errors, and for price data (``finance=None``: when every result `is_price_like`) the trading statistics
    and equity curves against buy-and-hold.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.evaluation import backtest
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> y = pd.Series(range(10), index=pd.date_range("2024-01-01", periods=10), name="s", dtype=float)
    >>> res = backtest(NaiveForecaster(), y, horizon=2, folds=2, progress=False, season_length=1)
    >>> [title for title, _ in backtest_sections({"naive": res})]
    ['Summary', 'Settings', 'Metrics per series', 'Forecasts', 'Error by horizon step', 'Timings per fold']
    """
    from ..plotting import plot_equity, plot_error_by_horizon, plot_forecasts

    results = dict(results)
    if not results:
        raise ValueError("a report needs at least one backtest result")
    names = list(results)
    first = results[names[0]]
    sections: list[tuple[str, object]] = []
    if leaderboard is None:
        leaderboard = pd.concat([r.summary().set_axis([name]) for name, r in results.items()])
    sections.append(("Leaderboard" if len(results) > 1 else "Summary", leaderboard))
    sections.append(("Settings", _settings_html(first)))

    scored = {name: r for name, r in results.items() if len(r.forecasts)}
    if scored:
        if len(scored) == 1:
            title, per_series = "Metrics per series", next(iter(scored.values())).metrics(by="series")
        else:
            title = "MASE per series"
            per_series = pd.concat({name: r.metrics(by="series")["MASE"] for name, r in scored.items()}, axis=1)
            per_series.index.name = "unique_id"
        if len(per_series) > _MAX_ROWS:  # thousands of series would bury the rest of the report
            note = (f'<p class="note">The first {_MAX_ROWS} of {len(per_series)} series; '
                    "<code>result.metrics(by=&quot;series&quot;)</code> has them all.</p>")
            sections.append((title, [table_html(per_series.head(_MAX_ROWS)), note]))
        else:
            sections.append((title, per_series))

    if scored:
        ids = list(pd.unique(first.actuals["unique_id"]))[: max(1, int(max_series))]
        fig = plot_forecasts(first.actuals, {name: r.plot_frame() for name, r in scored.items()}, series=ids,
                             context=first._context())
        shown = "" if len(ids) == first.actuals["unique_id"].nunique() else \
            f'<p class="note">The first {len(ids)} series are shown.</p>'
        sections.append(("Forecasts", [shown, fig] if shown else fig))
        by_step = {name: r.metrics(by="horizon_step") for name, r in scored.items()}
        sections.append(("Error by horizon step", plot_error_by_horizon(by_step, "MAE")))

    if finance is None:
        finance = bool(scored) and all(r.is_price_like() for r in scored.values())
    if finance and scored:
        tables = {name: r.finance() for name, r in scored.items()}
        sections.append(("Trading statistics (first forecast step of each fold, no costs)",
                         pd.concat(tables, names=["model", "unique_id"]).reset_index().set_index("model")))
        trades = {name: r.trades() for name, r in scored.items()}
        figs = []
        for uid in list(pd.unique(first.actuals["unique_id"]))[: max(1, int(max_series))]:
            per_model = {name: t[t["unique_id"] == uid] for name, t in trades.items()}
            ref = next(iter(per_model.values()))
            if len(ref) == 0 or any(len(t) != len(ref) for t in per_model.values()):
                continue
            figs.append(plot_equity({name: t["strategy_return"].to_numpy() for name, t in per_model.items()},
                                    ref["buy_and_hold_return"].to_numpy(), index=ref["ds"].tolist(),
                                    title=f"{uid}: equity against buy-and-hold"))
        if figs:
            sections.append(("Equity curves", figs))

    timings = pd.concat({name: r.timings.set_index("fold") for name, r in results.items()}, names=["model"])
    sections.append(("Timings per fold", timings.reset_index().set_index("model") if len(results) > 1
                     else timings.droplevel(0)))
    errors = [r.errors.assign(model=name) for name, r in results.items() if len(r.errors)]
    if errors:
        sections.append(("Errors", pd.concat(errors).set_index("model")))
    return sections
