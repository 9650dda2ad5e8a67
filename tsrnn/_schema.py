"""The names of forecast columns, built and parsed here only: ``y_pred`` (the point forecast), ``y_pred_lo_80`` /
``y_pred_hi_80`` (a central prediction interval in percent) and ``y_pred_q10`` (a quantile, in percent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["POINT", "interval_column", "interval_column_names", "quantile_column", "is_forecast_column",
           "parse_column", "interval_columns", "level_quantiles"]

POINT = "y_pred"
_LO, _HI, _Q = f"{POINT}_lo_", f"{POINT}_hi_", f"{POINT}_q"


def _tag(value: float) -> str:
    return f"{float(value):g}"


def interval_column(side: str, level: float) -> str:
    """The column of the lower (``side="lo"``) or upper (``"hi"``) bound of the ``level`` % interval.

    Example
    -------
    >>> interval_column("lo", 80), interval_column("hi", 97.5)
    ('y_pred_lo_80', 'y_pred_hi_97.5')
    """
    if side not in ("lo", "hi"):
        raise ValueError(f"side must be 'lo' or 'hi', got {side!r}")
    return f"{_LO if side == 'lo' else _HI}{_tag(level)}"


def interval_column_names(levels: Iterable[float]) -> list[str]:
    """``[lo, hi]`` column names per level, in the order given.

    Example
    -------
    >>> interval_column_names([80, 95])
    ['y_pred_lo_80', 'y_pred_hi_80', 'y_pred_lo_95', 'y_pred_hi_95']
    """
    return [interval_column(side, lv) for lv in levels for side in ("lo", "hi")]


def quantile_column(q: float) -> str:
    """The column of quantile ``q`` (a probability in (0, 1)), named in percent.

    Example
    -------
    >>> quantile_column(0.1), quantile_column(0.975)
    ('y_pred_q10', 'y_pred_q97.5')
    """
    return f"{_Q}{_tag(q * 100)}"


def is_forecast_column(name) -> bool:
    """Whether ``name`` is a forecast column (point, interval bound or quantile).

    Example
    -------
    >>> is_forecast_column("y_pred_q50"), is_forecast_column("y")
    (True, False)
    """
    return parse_column(name) is not None


def parse_column(name) -> tuple[str, float | None] | None:
    """``("point", None)``, ``("lo", level)``, ``("hi", level)``, ``("quantile", percent)``, or None for any
    other column.

    Example
    -------
    >>> parse_column("y_pred"), parse_column("y_pred_hi_95"), parse_column("y_pred_q10"), parse_column("y")
    (('point', None), ('hi', 95.0), ('quantile', 10.0), None)
    """
    if not isinstance(name, str):
        return None
    if name == POINT:
        return ("point", None)
    for prefix, kind in ((_LO, "lo"), (_HI, "hi"), (_Q, "quantile")):
        if name.startswith(prefix):
            try:
                return (kind, float(name[len(prefix):]))
            except ValueError:
                return None
    return None


def interval_columns(columns: Sequence[str]) -> list[tuple[str, str, str]]:
    """The prediction intervals among forecast columns, as ``(level, lower, upper)`` triples.

    ``y_pred_lo_L`` / ``y_pred_hi_L`` pairs give level ``L``; symmetric quantile columns ``y_pred_qA`` /
    ``y_pred_qB`` with ``A + B = 100`` give the central interval of level ``B - A`` (q10 and q90: 80), unless
    that level already has its own bounds.

    Example
    -------
    >>> interval_columns(["y_pred", "y_pred_lo_95", "y_pred_hi_95", "y_pred_q10", "y_pred_q50", "y_pred_q90"])
    [('95', 'y_pred_lo_95', 'y_pred_hi_95'), ('80', 'y_pred_q10', 'y_pred_q90')]
    """
    columns = list(columns)
    present = set(columns)
    out = []
    quantiles = {}
    for col in columns:
        parsed = parse_column(col)
        if parsed is None:
            continue
        kind, value = parsed
        if kind == "lo" and interval_column("hi", value) in present:
            out.append((col[len(_LO):], col, interval_column("hi", value)))
        elif kind == "quantile":
            quantiles[value] = col
    for q, col in sorted(quantiles.items()):
        partner = quantiles.get(100.0 - q)
        if q < 50 and partner is not None:
            level = _tag(100.0 - 2 * q)
            if level not in {_tag(float(lv)) for lv, _, _ in out}:
                out.append((level, col, partner))
    return out


def level_quantiles(level: float) -> tuple[float, float]:
    """The quantiles (probabilities) that bound the central ``level`` % interval.

    Example
    -------
    >>> level_quantiles(80)
    (0.1, 0.9)
    """
    tail = round((100.0 - float(level)) / 200.0, 10)
    return tail, round(1.0 - tail, 10)
