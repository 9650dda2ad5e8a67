"""Matplotlib figures shared by backtest results and HTML reports: forecasts, error by horizon, equity curves.

A leaf module: it draws long frames and arrays handed to it, builds `matplotlib.figure.Figure` objects
without pyplot (no GUI backend, safe in threads and on headless machines) and imports nothing from tsrnn
but the leaf that names forecast columns (`tsrnn._schema`).
Series ids and model names are shown verbatim: ``$`` is never read as matplotlib mathtext, nor ``_`` as TeX.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ._schema import POINT, interval_columns, parse_column

__all__ = ["plot_forecasts", "plot_error_by_horizon", "plot_equity", "figure_to_data_uri", "plot_series_grid",
           "plot_forecast", "plot_trials", "plot_importances", "mark_events"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f")


_MAX_SEGMENTS = 24  # above this many cutoffs a series shows its one-step-ahead forecasts as one path


def _new_axes(ax, n_rows: int = 1, height: float = 3.0):
    """Return ``(figure, [axes])``: the caller's axes when given, else a new pyplot-free figure."""
    if ax is not None:
        return ax.figure, [ax]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, height * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, 1, squeeze=False)[:, 0]
    return fig, list(axes)


def _label_text(value) -> str:
    """A user's name as a label: matplotlib leaves labels that start with "_" out of legends."""
    text = str(value)
    return " " + text if text.startswith("_") else text


def _verbatim(*texts) -> None:
    """Draw these Text artists as written: no mathtext (``net$_sales_$`` would not parse) and no TeX."""
    for text in texts:
        text.set_parse_math(False)
        text.set_usetex(False)


def _title_and_legend(axis, title) -> None:
    _verbatim(axis.set_title(str(title)))
    _verbatim(*axis.legend(loc="best", fontsize="small").get_texts())


def _interval_pairs(columns: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(level, lo, hi)`` for every ``y_pred_lo_L`` column that has its ``y_pred_hi_L`` partner."""
    return [(level, lo, hi) for level, lo, hi in interval_columns(columns) if parse_column(lo)[0] == "lo"]


def plot_forecasts(
    actuals: pd.DataFrame,
    forecasts: pd.DataFrame | Mapping[str, pd.DataFrame],
    series: Sequence | None = None,
    max_series: int = 4,
    context: int | None = None,
    ax=None,
):
    """Actual values against the forecasts made at every cutoff, one panel per series.

    ``actuals`` is a long frame ``unique_id, ds, y``; ``forecasts`` a long frame ``unique_id, cutoff, ds,
    y_pred[, y_pred_lo_80, y_pred_hi_80 ...]`` (a backtest's forecasts; without ``cutoff``, one forecast),
    or a dict of them by model name to overlay several models. Each cutoff's forecast is drawn as its own
    segment (above 24 cutoffs, the one-step-ahead forecasts as one path); the widest interval is
    shaded for a single model. ``series`` picks the series (default: the first ``max_series``);
    ``context`` keeps that many actuals before the first forecast (default: all). With ``ax`` given, one
    series is drawn on it. Returns the Figure.

    Example
    -------
    >>> import pandas as pd
    >>> act = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=6, freq="D"),
    ...                     "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    >>> fc = pd.DataFrame({"unique_id": "a", "cutoff": pd.Timestamp("2024-01-04"),
    ...                    "ds": pd.date_range("2024-01-05", periods=2, freq="D"), "y_pred": [4.0, 4.0]})
    >>> fig = plot_forecasts(act, fc)
    >>> len(fig.axes), fig.axes[0].get_title()
    (1, 'a')
    """
    models = dict(forecasts) if isinstance(forecasts, Mapping) else {"forecast": forecasts}
    if series is None:
        ids = pd.unique(actuals["unique_id"]) if len(actuals) else pd.unique(
            pd.concat([f["unique_id"] for f in models.values()]))
        series = list(ids[: max(1, int(max_series))])
    else:
        series = list(series) if not isinstance(series, str) else [series]
    if ax is not None:
        series = series[:1]
    fig, axes = _new_axes(ax, len(series))
    for axis, uid in zip(axes, series, strict=True):
        act = actuals[actuals["unique_id"] == uid]
        first_ds = min((f.loc[f["unique_id"] == uid, "ds"].min() for f in models.values()
                        if (f["unique_id"] == uid).any()), default=None)
        if context is not None and first_ds is not None:
            before = act[act["ds"] < first_ds]
            act = pd.concat([before.tail(int(context)), act[act["ds"] >= first_ds]])
        axis.plot(act["ds"], act["y"], color="black", linewidth=1.0, label="actual")
        for k, (name, frame) in enumerate(models.items()):
            color = _COLORS[k % len(_COLORS)]
            rows = frame[frame["unique_id"] == uid]
            pairs = _interval_pairs(list(frame.columns)) if len(models) == 1 else []
            widest = max(pairs, key=lambda p: float(p[0])) if pairs else None
            segments = [g for _, g in rows.groupby("cutoff", sort=True)] if "cutoff" in rows else [rows]
            label = _label_text(name)
            if len(segments) > _MAX_SEGMENTS and "horizon_step" in rows:
                # Hundreds of overlapping paths are unreadable (and slow): draw the one-step-ahead forecasts.
                label = f"{label} (1-step ahead, {len(segments)} cutoffs)"
                segments = [rows[rows["horizon_step"] == rows["horizon_step"].min()].sort_values("ds")]
            for j, fold in enumerate(segments):
                if widest is not None:
                    axis.fill_between(fold["ds"], fold[widest[1]], fold[widest[2]], color=color, alpha=0.15,
                                      linewidth=0, label=f"{widest[0]}% interval" if j == 0 else None)
                axis.plot(fold["ds"], fold[POINT], color=color, linewidth=1.4, marker="." if len(fold) < 3
                          else None, label=label if j == 0 else None)
            cutoffs = rows["cutoff"].unique() if len(models) == 1 and "cutoff" in rows else ()
            for cut in cutoffs if len(cutoffs) <= _MAX_SEGMENTS else ():
                axis.axvline(cut, color="grey", linewidth=0.5, alpha=0.5)
        axis.grid(True, alpha=0.3)
        _title_and_legend(axis, uid)
    return fig


def plot_error_by_horizon(
    errors: pd.DataFrame | Mapping[str, pd.DataFrame],
    metric: str = "MAE",
    ax=None,
):
    """One line per model of ``metric`` against the horizon step (how fast accuracy decays).

    ``errors`` is a table indexed by horizon step with a ``metric`` column (what
    ``BacktestResult.metrics(by="horizon_step")`` returns), or a dict of such tables by model name.
    Returns the Figure.

    Example
    -------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"MAE": [1.0, 1.5, 2.5]}, index=pd.Index([1, 2, 3], name="horizon_step"))
    >>> fig = plot_error_by_horizon({"naive": table})
    >>> fig.axes[0].get_xlabel(), len(fig.axes[0].lines)
    ('horizon step', 1)
    """
    tables = dict(errors) if isinstance(errors, Mapping) else {"forecast": errors}
    fig, (axis,) = _new_axes(ax)
    for k, (name, table) in enumerate(tables.items()):
        if metric not in table.columns:
            raise ValueError(f"no column {metric!r} in the error table of {name!r}; it has {list(table.columns)}")
        axis.plot(np.asarray(table.index), table[metric].to_numpy(dtype=float), marker="o",
                  color=_COLORS[k % len(_COLORS)], label=_label_text(name))
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("horizon step")
    _verbatim(axis.set_ylabel(str(metric)))
    axis.grid(True, alpha=0.3)
    _title_and_legend(axis, f"{metric} by horizon step")
    return fig


def plot_equity(
    strategy_returns: np.ndarray | Mapping[str, np.ndarray],
    buy_and_hold_returns: np.ndarray,
    index: Sequence | None = None,
    title: str | None = None,
    ax=None,
):
    """Equity curves ``cumprod(1 + r)`` (starting at 1) of strategies against buy-and-hold.

    ``strategy_returns`` is one array of per-period simple returns or a dict of them by model name, each
    as long as ``buy_and_hold_returns``; ``index`` gives the x positions (e.g. the trade dates).
    Returns the Figure.

    Example
    -------
    >>> fig = plot_equity({"rnn": [0.1, -0.05]}, [0.1, 0.05], title="AAPL")
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['buy and hold', 'rnn']
    >>> fig.axes[0].lines[1].get_ydata().round(3).tolist()
    [1.0, 1.1, 1.045]
    """
    strategies = dict(strategy_returns) if isinstance(strategy_returns, Mapping) else {"strategy": strategy_returns}
    bh = np.asarray(buy_and_hold_returns, dtype=np.float64)
    labels = None if index is None else list(index)
    if labels is not None and len(labels) != len(bh):
        raise ValueError(f"index has {len(labels)} entries but there are {len(bh)} returns")
    x = np.arange(len(bh) + 1)  # position k is the equity after the k-th period (0 = start)
    fig, (axis,) = _new_axes(ax)

    def curve(r):
        return np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(r, dtype=np.float64))])

    # Dashed and on top: a strategy that is always long coincides with buy-and-hold and would hide it.
    axis.plot(x, curve(bh), color="black", linewidth=1.4, linestyle="--", zorder=5, label="buy and hold")
    for k, (name, r) in enumerate(strategies.items()):
        if len(r) != len(bh):
            raise ValueError(f"{name!r} has {len(r)} returns but buy-and-hold has {len(bh)}")
        axis.plot(x, curve(r), color=_COLORS[k % len(_COLORS)], linewidth=1.3, label=_label_text(name))
    if labels is not None and len(labels):
        ticks = np.unique(np.linspace(1, len(labels), num=min(6, len(labels))).round().astype(int))
        axis.set_xticks(ticks)
        axis.set_xticklabels([_label(labels[t - 1]) for t in ticks], fontsize="small")
        _verbatim(*(label for tick in axis.xaxis.get_major_ticks() for label in (tick.label1, tick.label2)))
    axis.axhline(1.0, color="grey", linewidth=0.5)
    axis.set_ylabel("equity (start = 1)")
    axis.grid(True, alpha=0.3)
    _title_and_legend(axis, title if title is not None else "equity curve")
    return fig


def _unparseable_math_to_verbatim(fig) -> bool:
    """Show verbatim every text of ``fig`` that mathtext cannot parse; True when there was one."""
    from matplotlib.mathtext import MathTextParser
    from matplotlib.text import Text

    parser, changed = MathTextParser("path"), False
    for text in fig.findobj(Text):
        content = text.get_text()
        if "$" not in content or not text.get_parse_math() or text.get_usetex():
            continue
        try:
            parser.parse(content)
        except ValueError:
            _verbatim(text)
            changed = True
    return changed


def _label(value) -> str:
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)
    return str(value)


def figure_to_data_uri(fig, dpi: int = 100, close: bool = True) -> str:
    """Render a Figure as a base64 PNG ``data:`` URI, for self-contained HTML (``<img src=...>``).

    ``close=True`` also detaches the figure from pyplot when pyplot created it, so loops that build
    many reports do not leak memory. A figure made elsewhere whose text is not valid mathtext (a label such
    as ``net$_sales_$``) is drawn with that text verbatim instead of failing.

    Example
    -------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.subplots().plot([0, 1], [1, 0])
    >>> figure_to_data_uri(fig)[:22]
    'data:image/png;base64,'
    """
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    except ValueError:
        if not _unparseable_math_to_verbatim(fig):
            raise
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    if close:
        import sys

        if "matplotlib.pyplot" in sys.modules:  # only pyplot keeps a registry of open figures
            sys.modules["matplotlib.pyplot"].close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plot_series_grid(actuals: pd.DataFrame, forecasts: pd.DataFrame, series: Sequence, titles: Sequence | None = None,
                     context: int | None = None, ncols: int = 3):
    """Small multiples: one small panel per series of ``series`` (`plot_forecasts` on each), ``ncols`` a row.

    ``titles`` replaces the series ids as panel titles (e.g. ``"a: MASE 0.81"``). Returns the Figure.

    Example
    -------
    >>> act = pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 4, "ds": list(pd.date_range("2024-01-01", periods=4)) * 2,
    ...                     "y": [1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 1.0]})
    >>> fc = act[act["ds"] > "2024-01-02"].assign(cutoff=pd.Timestamp("2024-01-02"), y_pred=2.0)
    >>> fig = plot_series_grid(act, fc, ["a", "b"], titles=["best: a", "worst: b"])
    >>> [ax.get_title() for ax in fig.axes]
    ['best: a', 'worst: b']
    """
    from matplotlib.figure import Figure

    series = list(series)
    if not series:
        raise ValueError("plot_series_grid needs at least one series")
    titles = list(titles) if titles is not None else [str(s) for s in series]
    ncols = max(1, min(int(ncols), len(series)))
    nrows = -(-len(series) // ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for axis, uid, title in zip(axes, series, titles, strict=False):
        plot_forecasts(actuals, forecasts, series=[uid], context=context, ax=axis)
        _verbatim(axis.set_title(str(title), fontsize="small"))
        axis.tick_params(labelsize="x-small")
        for label in axis.get_xticklabels():
            label.set_rotation(30)
        legend = axis.get_legend()
        if legend is not None:
            legend.remove()
    for axis in axes[len(series):]:
        axis.set_visible(False)
    return fig


def plot_forecast(forecast: pd.DataFrame, history: pd.DataFrame | None = None, series=None, context: int | None = None,
                  ax=None):
    """One series' forecast (``y_pred`` and its interval bands, every level shaded) after its history;
    returns the matplotlib Axes.

    ``forecast`` is what ``predict`` returns (``unique_id, ds, y_pred[, y_pred_lo_80, ...]``), ``history`` a
    long frame ``unique_id, ds, y`` (``context`` keeps its last values only); ``series`` picks the id
    (default: the first). Draws on ``ax`` when given.

    Example
    -------
    >>> fc = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-05", periods=2), "y_pred": [4.0, 4.0],
    ...                    "y_pred_lo_80": [3.0, 2.5], "y_pred_hi_80": [5.0, 5.5]})
    >>> ax = plot_forecast(fc)
    >>> ax.get_title(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('a', ['forecast', '80% interval'])
    """
    if series is None:
        if len(forecast) == 0:
            raise ValueError("the forecast is empty: nothing to plot")
        series = forecast["unique_id"].iloc[0]
    rows = forecast[forecast["unique_id"] == series]
    if len(rows) == 0:
        raise ValueError(f"series {series!r} is not in the forecast; it has {list(pd.unique(forecast['unique_id']))[:10]}")
    _, (axis,) = _new_axes(ax)
    if history is not None:
        past = history[history["unique_id"] == series]
        if context is not None:
            past = past.tail(int(context))
        axis.plot(past["ds"], past["y"], color="black", linewidth=1.0, label="history")
    pairs = sorted(_interval_pairs(list(rows.columns)), key=lambda p: -float(p[0]))
    axis.plot(rows["ds"], rows[POINT], color=_COLORS[0], linewidth=1.5, marker="." if len(rows) < 3 else None,
              label="forecast")
    for k, (level, lo, hi) in enumerate(pairs):  # widest first, so narrower bands sit darker on top
        axis.fill_between(rows["ds"], rows[lo], rows[hi], color=_COLORS[0], alpha=0.12 + 0.1 * k, linewidth=0,
                          label=f"{level}% interval")
    axis.grid(True, alpha=0.3)
    _title_and_legend(axis, series)
    return axis


def plot_trials(numbers, values, states, metric: str = "value", minimize: bool = True, ax=None):
    """A search's history: each complete trial's score, the best complete score so far, and pruned trials
    apart (their scores are partial, over fewer folds, so they are drawn but never counted as the best).

    ``states`` holds ``"COMPLETE"``, ``"PRUNED"`` or anything else (not drawn). Returns the Figure.

    Example
    -------
    >>> fig = plot_trials([0, 1, 2, 3], [2.0, 1.5, 0.5, 1.8], ["COMPLETE", "COMPLETE", "PRUNED", "COMPLETE"])
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['complete trial', 'best complete so far', 'pruned (partial score, not comparable)']
    >>> fig.axes[0].lines[1].get_ydata().tolist()  # the pruned 0.5 is not the best
    [2.0, 1.5, 1.5]
    """
    numbers = np.asarray(numbers)
    values = np.asarray(values, dtype=np.float64)
    states = np.asarray([str(s) for s in states])
    fig, (axis,) = _new_axes(ax)
    done = (states == "COMPLETE") & ~np.isnan(values)
    pruned = (states == "PRUNED") & ~np.isnan(values)
    axis.plot(numbers[done], values[done], "o", color=_COLORS[0], label="complete trial")
    if done.any():
        best = (np.minimum if minimize else np.maximum).accumulate(values[done])
        axis.step(numbers[done], best, where="post", color=_COLORS[1], label="best complete so far")
    if pruned.any():
        axis.plot(numbers[pruned], values[pruned], "x", color="grey", label="pruned (partial score, not comparable)")
    axis.set_xlabel("trial")
    _verbatim(axis.set_ylabel(str(metric)))
    axis.grid(True, alpha=0.3)
    _title_and_legend(axis, "optimisation history")
    return fig


def plot_importances(importances: Mapping[str, float], ax=None):
    """Horizontal bars of parameter importances (fractions summing to 1), the largest on top. Returns the Figure.

    Example
    -------
    >>> fig = plot_importances({"window": 0.7, "hidden_size": 0.3})
    >>> [round(float(p.get_width()), 1) for p in fig.axes[0].patches], fig.axes[0].get_yticklabels()[-1].get_text()
    ([0.3, 0.7], 'window')
    """
    if not importances:
        raise ValueError("no importances to plot")
    items = sorted(importances.items(), key=lambda kv: kv[1])
    fig, (axis,) = _new_axes(ax, height=max(1.5, 0.45 * len(items) + 0.8))
    axis.barh(np.arange(len(items)), [v for _, v in items], color=_COLORS[0])
    axis.set_yticks(np.arange(len(items)))
    axis.set_yticklabels([str(k) for k, _ in items])
    _verbatim(*axis.get_yticklabels())
    axis.set_xlabel("importance (fANOVA, share of the score's variance)")
    axis.grid(True, axis="x", alpha=0.3)
    _verbatim(axis.set_title("parameter importances"))
    return fig


def mark_events(ax, stamps, label: str = "event", step=None) -> int:
    """Shade the days (periods) of an event, such as promotion days, on ``ax``: one band per run of
    consecutive periods, labelled once in the legend. ``step`` is the period (default: the smallest gap
    between the stamps). Returns the number of bands drawn.

    Example
    -------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> mark_events(ax, pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-07"]), "promo")
    2
    """
    stamps = pd.DatetimeIndex(sorted(pd.unique(pd.DatetimeIndex(stamps))))
    if len(stamps) == 0:
        return 0
    if step is None:
        gaps = np.diff(stamps.asi8)
        step = pd.Timedelta(int(gaps.min()) if len(gaps) else 86_400_000_000_000)  # one day when alone
    step = pd.Timedelta(step)
    breaks = np.flatnonzero(np.diff(stamps.asi8) > step.value) + 1
    starts = [stamps[0], *stamps[breaks]]
    ends = [*stamps[breaks - 1], stamps[-1]]
    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        ax.axvspan(start - step / 2, end + step / 2, color=_COLORS[4], alpha=0.35, linewidth=0,
                   label=_label_text(label) if k == 0 else None)
    return len(starts)
