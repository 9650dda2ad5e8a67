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

__all__ = ["render_report", "write_report", "table_html", "backtest_sections", "describe_params", "covariate_events"]

_MAX_ROWS = 200  # rows of a per-series table shown in a report

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #eee; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .9em; display: block; max-width: 100%;
        overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: .3em .6em; text-align: right; }
th { background: #f4f4f4; }
td.label, th.label { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; height: auto; display: block; margin: .6em 0; }
p.meta { color: #666; font-size: .85em; }
.note { color: #555; font-size: .9em; }
.verdict { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5em .8em; }
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
                      max_series: int = 4, finance: bool | None = None, baseline: str | None = None,
                      params: Mapping[str, Mapping] | None = None, cost_bps: float = 10.0,
                      events: pd.DataFrame | None = None) -> list[tuple[str, object]]:
    """The standard sections for one or several backtest results of the same origins, by model name.

    Leaderboard (or summary) with, when it has a ``DM_p`` column, a plain verdict on which models beat the
    ``baseline`` significantly; the models' parameters (``params``); settings; metrics per series (MASE per
    model, or the full table for one model); forecast plots with their interval bands: every series when
    there are at most ``max_series``, else small multiples of the best and worst series by MASE of the best
    model, with the days of ``events`` (`covariate_events`: promotion days...) shaded; error by horizon step;
    timings summarised per model; recorded errors; and for price data
    (``finance=None``: when every result `is_price_like`) the trading statistics of three strategies after
    ``cost_bps`` basis points of costs (`tsrnn.evaluation.finance.trading_summary`) and the equity curves of
    the every-step strategy after those costs.
    The page grows with the number of models, not with folds or series (tables are capped at 200 rows).

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.evaluation import backtest
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> y = pd.Series(range(10), index=pd.date_range("2024-01-01", periods=10), name="s", dtype=float)
    >>> res = backtest(NaiveForecaster(), y, horizon=2, folds=2, progress=False, season_length=1)
    >>> [title for title, _ in backtest_sections({"naive": res})]
    ['Summary', 'Settings', 'Metrics per series', 'Forecasts', 'Error by horizon step', 'Timings']
    """
    from ..plotting import plot_equity, plot_error_by_horizon

    results = dict(results)
    if not results:
        raise ValueError("a report needs at least one backtest result")
    names = list(results)
    first = results[names[0]]
    sections: list[tuple[str, object]] = []
    if leaderboard is None:
        from .probabilistic import interval_scores

        leaderboard = pd.concat([r.summary().set_axis([name]) for name, r in results.items()])
        scores = pd.DataFrame.from_dict({name: interval_scores(r) for name, r in results.items()}, orient="index")
        if len(scores.columns):
            leaderboard = leaderboard.join(scores)
    verdict = _verdict_html(leaderboard, baseline)
    sections.append(("Leaderboard" if len(results) > 1 else "Summary", [leaderboard, verdict] if verdict else leaderboard))
    if params:
        sections.append(("Models", _params_html(params)))
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
        sections.append(("Forecasts", _forecast_figures(scored, leaderboard, max(1, int(max_series)), events)))
        by_step = {name: r.metrics(by="horizon_step") for name, r in scored.items()}
        sections.append(("Error by horizon step", plot_error_by_horizon(by_step, "MAE")))

    if finance is None:
        finance = bool(scored) and all(r.is_price_like() for r in scored.values())
    if finance and scored:
        sections.append((f"Trading statistics ({_format(cost_bps)} bps costs per unit of turnover)",
                         _finance_html(scored, cost_bps)))
        from .finance import trading_periods

        trades = {name: trading_periods(r, "every_step", cost_bps) for name, r in scored.items()}
        figs = []
        for uid in list(pd.unique(first.actuals["unique_id"]))[: max(1, int(max_series))]:
            per_model = {name: t[t["unique_id"] == uid] for name, t in trades.items()}
            ref = next(iter(per_model.values()))
            if len(ref) == 0 or any(len(t) != len(ref) for t in per_model.values()):
                continue
            figs.append(plot_equity({name: t["net_return"].to_numpy() for name, t in per_model.items()},
                                    ref["buy_and_hold_return"].to_numpy(), index=ref["end"].tolist(),
                                    title=f"{uid}: every-step strategy after {_format(cost_bps)} bps against "
                                          "buy-and-hold"))
        if figs:
            sections.append(("Equity curves", figs))

    sections.append(("Timings", _timings_summary(results)))
    errors = [r.errors.assign(model=name) for name, r in results.items() if len(r.errors)]
    if errors:
        sections.append(("Errors", pd.concat(errors).set_index("model")))
    return sections


def describe_params(forecaster) -> dict[str, str]:
    """A forecaster's parameters as ``{name: repr}`` (nested models shown by their own repr), for reports.

    Example
    -------
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> describe_params(SeasonalNaiveForecaster(season_length=4))
    {'season_length': '4'}
    """
    return {str(k): repr(v) for k, v in forecaster.get_params(deep=False).items()}


def _params_html(params: Mapping[str, Mapping]) -> str:
    rows = ["<table><thead><tr><th class=\"label\">model</th><th class=\"label\">parameters</th></tr></thead><tbody>"]
    for name, values in params.items():
        text = ", ".join(f"{k}={v}" for k, v in values.items()) or "(defaults)"
        rows.append(f'<tr><td class="label">{html.escape(str(name))}</td>'
                    f'<td class="label"><code>{html.escape(text)}</code></td></tr>')
    return "".join(rows) + "</tbody></table>"


def _verdict_html(leaderboard: pd.DataFrame, baseline: str | None) -> str:
    """One plain sentence on whether any model beats the baseline significantly (Diebold-Mariano)."""
    from .significance import SIGNIFICANCE

    if baseline is None or "DM_p" not in leaderboard.columns:
        return ""
    p = leaderboard["DM_p"].drop(index=baseline, errors="ignore").dropna()
    better = p[p < SIGNIFICANCE].sort_values()
    base = html.escape(str(baseline))
    if len(better) == 0:
        return (f'<p class="verdict"><strong>No model beats the baseline {base} significantly</strong> '
                f"(one-sided Diebold-Mariano test with the Harvey correction, p &lt; {SIGNIFICANCE:g}, on scaled "
                "absolute errors per fold): differences in the scores below may be luck.</p>")
    names = ", ".join(f"{html.escape(str(n))} (p = {_format(float(v))})" for n, v in better.items())
    return (f'<p class="verdict">Significantly more accurate than the baseline {base} (one-sided Diebold-Mariano, '
            f"p &lt; {SIGNIFICANCE:g}): {names}. The others are not distinguishable from it.</p>")


def covariate_events(panel) -> pd.DataFrame | None:
    """The days on which each 0/1 covariate of ``panel`` is 1 (promotions, holidays...), as a long frame
    ``unique_id, ds, covariate``, for reports to shade; None when the panel has no such covariate.

    Example
    -------
    >>> from tsrnn.data import to_panel
    >>> df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2024-01-01", periods=4), "y": [1.0, 2, 3, 4],
    ...                    "promo": [0, 1, 1, 0], "price": [9.5, 9.0, 9.0, 9.5]})
    >>> covariate_events(to_panel(df))[["ds", "covariate"]]
              ds covariate
    0 2024-01-02     promo
    1 2024-01-03     promo
    """
    names = [n for j, n in enumerate(panel.covariate_names)
             if len(panel.covariates) and np.isin(panel.covariates[:, j], (0.0, 1.0)).all()
             and (panel.covariates[:, j] == 1.0).any()]
    if not names:
        return None
    frame = panel.to_frame()
    parts = [frame.loc[frame[n] == 1.0, ["unique_id", "ds"]].assign(covariate=n) for n in names]
    return pd.concat(parts, ignore_index=True)


def _mark(axes, series, events: pd.DataFrame | None) -> None:
    """Shade each series' event days on its panel, within what the panel shows."""
    if events is None or len(events) == 0:
        return
    from matplotlib.dates import num2date

    from ..plotting import mark_events

    for axis, uid in zip(axes, series, strict=False):
        lo, hi = (pd.Timestamp(num2date(x)).tz_localize(None) for x in axis.get_xlim())
        mine = events[events["unique_id"] == uid]
        drawn = 0
        for name, part in mine.groupby("covariate", sort=True):
            stamps = pd.DatetimeIndex(part["ds"])
            inside = stamps[(stamps.tz_localize(None) >= lo) & (stamps.tz_localize(None) <= hi)] \
                if stamps.tz is not None else stamps[(stamps >= lo) & (stamps <= hi)]
            drawn += mark_events(axis, inside, f"{name} = 1")
        axis.set_xlim(*axis.get_xlim())
        if drawn and axis.get_legend() is not None:
            axis.legend(loc="best", fontsize="small")


def _forecast_figures(scored: Mapping, leaderboard: pd.DataFrame, max_series: int,
                      events: pd.DataFrame | None = None) -> list:
    """Every series when there are few; else the best and worst series by MASE of the best model, small."""
    from ..plotting import plot_forecasts, plot_series_grid

    first = next(iter(scored.values()))
    ids = list(pd.unique(first.actuals["unique_id"]))
    if len(ids) <= max_series:
        frames = {name: r.plot_frame() for name, r in scored.items()}
        fig = plot_forecasts(first.actuals, frames, series=ids, context=first._context())
        _mark(fig.axes, ids, events)
        note = _events_note(events)
        return [f'<p class="note">{note.strip()}</p>', fig] if note else [fig]
    ranked = [n for n in leaderboard.index if n in scored] if "MASE" in leaderboard.columns else list(scored)
    best_model = ranked[0] if ranked else next(iter(scored))
    result = scored[best_model]
    mase = result.metrics(by="series")["MASE"].dropna().sort_values(kind="stable")
    k = max(1, min(3, len(mase) // 2))
    picks = [(uid, "best") for uid in mase.index[:k]] + [(uid, "worst") for uid in mase.index[::-1][:k]]
    titles = [f"{label}: {uid} (MASE {_format(float(mase[uid]))})" for uid, label in picks]
    fig = plot_series_grid(first.actuals, result.plot_frame(), [uid for uid, _ in picks], titles=titles,
                           context=result._context())
    _mark(fig.axes, [uid for uid, _ in picks], events)
    note = (f'<p class="note">{len(ids)} series: the {k} best and {k} worst by MASE of {html.escape(str(best_model))}, '
            "the best model, with its widest interval shaded. <code>result.plot(series=...)</code> draws any other."
            f"{_events_note(events)}</p>")
    return [note, fig]


def _events_note(events: pd.DataFrame | None) -> str:
    if events is None or len(events) == 0:
        return ""
    names = ", ".join(html.escape(str(n)) for n in pd.unique(events["covariate"]))
    return f" Orange bands: the days where {names} = 1."


def _timings_summary(results: Mapping) -> pd.DataFrame:
    """One row per model: folds, refits, failures, and fit / predict seconds summed, median and worst."""
    rows = {}
    for name, r in results.items():
        t = r.timings
        rows[name] = {"folds": len(t), "fits": int(t["refit"].sum()), "failed": int(t["failed"].sum()),
                      "fit_s_total": float(t["fit_time_s"].sum()),
                      "fit_s_median": float(t.loc[t["refit"], "fit_time_s"].median()) if t["refit"].any() else 0.0,
                      "fit_s_max": float(t["fit_time_s"].max()), "predict_s_total": float(t["predict_time_s"].sum()),
                      "predict_s_max": float(t["predict_time_s"].max())}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table


def _finance_html(scored: Mapping, cost_bps: float) -> list:
    import warnings

    from .finance import MIN_TRADES, STRATEGIES, trading_summary

    tables = {}
    for name, r in scored.items():
        for strategy in STRATEGIES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # the few_trades column says it in the table
                tables[(name, strategy)] = trading_summary(r, strategy, cost_bps=cost_bps, warn=False)
    table = pd.concat(tables, names=["model", "strategy", "unique_id"]).reset_index().set_index("model")
    parts = ['<p class="note">Strategies: <em>first</em> trades the first forecast step at each cutoff; '
             "<em>every_step</em> trades the forecast move of every horizon step; <em>cumulative</em> holds the "
             "direction of the h-step forecast for the whole horizon. hit_rate_p: the chance a coin flip calls as "
             "many directions right (binomial); sharpe_se: Lo (2002) standard error. Row <em>all</em>: the "
             "equal-weight portfolio of the series.</p>"]
    if table["few_trades"].any():
        parts.append(f'<p class="verdict"><strong>Warning:</strong> some rows rest on fewer than {MIN_TRADES} '
                     "trades (few_trades = yes): their hit rates and Sharpe ratios say little.</p>")
    if len(table) > _MAX_ROWS:
        keep = table[table["unique_id"] == "all"] if (table["unique_id"] == "all").any() else table.head(_MAX_ROWS)
        parts.append(f'<p class="note">{len(table)} rows: the portfolio rows are shown; '
                     "<code>tsrnn.evaluation.finance.trading_summary(result)</code> has every series.</p>")
        table = keep.head(_MAX_ROWS)
    parts.append(table_html(table))
    return parts
