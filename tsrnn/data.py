"""The data contract: long, wide and Series inputs become one validated `Panel` (float32), and back.

Every forecaster goes through `to_panel`; nothing below the estimators ever looks at a user's frame.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ._validation import check_positive_int
from .errors import DataError
from .frequency import (
    CANDIDATE_FREQS,
    COMPLETE_ONLY_FREQS,
    TRADING,
    is_exchange,
    season_length_for,
    seasonal_periods_for,
    trading_days,
)

__all__ = ["Panel", "to_panel", "check_positive_int", "future_covariates", "FILL_POLICIES", "season_length_for",
           "seasonal_periods_for", "split_ids", "ARRAY_START", "as_pandas",
           "static_values", "category_codes"]

FILL_POLICIES = ("ffill", "interpolate", "zero")

@dataclass(frozen=True, eq=False)
class Panel:
    """Many regular time series stored back to back in one contiguous float32 array.

    Series ``i`` occupies ``values[offsets[i]:offsets[i + 1]]``; its timestamps are ``starts[i]`` plus
    whole multiples of ``freq``. Extra columns of the input live in ``covariates`` (``[total, k]``).
    Build one with `to_panel`; a Panel is never modified in place.

    When `to_panel` filled missing values (``fill_missing=``), ``missing`` marks them (``[total, 1 + k]``:
    the target, then each covariate) and ``fill_missing`` names the policy (or holds one per column, None where
    a column has none, when `to_panel` got a dict). A `slice` then fills its
    missing values again from the observed values inside the slice alone, so a panel cut at a cutoff holds
    nothing derived from after it (an interpolation across the cutoff would otherwise leak the future).

    Example
    -------
    >>> import pandas as pd
    >>> s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="MS"), name="a")
    >>> p = to_panel(s)
    >>> p.n_series, p.lengths.tolist(), p.freq.freqstr
    (1, [3], 'MS')
    >>> p.future_index(0, 2).strftime("%Y-%m-%d").tolist()
    ['2020-04-01', '2020-05-01']
    """

    ids: np.ndarray  # [n_series] object: the user's series identifiers, sorted
    values: np.ndarray  # [total] float32 target values
    offsets: np.ndarray  # [n_series + 1] int64
    starts: pd.DatetimeIndex  # [n_series] first timestamp of each series
    freq: pd.DateOffset
    covariates: np.ndarray  # [total, n_covariates] float32
    covariate_names: tuple[str, ...] = ()
    missing: np.ndarray | None = None  # [total, 1 + n_covariates] bool: True where a value was filled in
    fill_missing: str | tuple | None = None  # the policy (or one per column) that filled them, applied again

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def series(self, i: int) -> np.ndarray:
        """Target values of series ``i`` (a view, do not modify)."""
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def covariates_of(self, i: int) -> np.ndarray:
        """Covariates of series ``i``, ``[length, n_covariates]`` (a view)."""
        return self.covariates[self.offsets[i] : self.offsets[i + 1]]

    def index(self, i: int) -> pd.DatetimeIndex:
        """Timestamps of series ``i``."""
        return pd.date_range(self.starts[i], periods=int(self.lengths[i]), freq=self.freq)

    def end(self, i: int) -> pd.Timestamp:
        """Last timestamp of series ``i``."""
        return self.starts[i] + (int(self.lengths[i]) - 1) * self.freq

    def future_index(self, i: int, horizon: int) -> pd.DatetimeIndex:
        """The ``horizon`` timestamps that follow series ``i``."""
        return pd.date_range(self.end(i) + self.freq, periods=horizon, freq=self.freq)

    def future_timestamps(self, horizon: int) -> pd.DatetimeIndex:
        """The next ``horizon`` timestamps of every series, series after series (``[n_series * horizon]``)."""
        if self.n_series == 0:
            return pd.DatetimeIndex([])
        if self.n_series == 1:  # one series (a single-series forecast): its own dates, without the shared grid
            return self.future_index(0, horizon)
        ends = pd.DatetimeIndex([self.end(i) for i in range(self.n_series)])
        grid = pd.date_range(ends.min(), ends.max() + horizon * self.freq, freq=self.freq)
        first = grid.get_indexer(ends)  # the step after each end is the next grid point (no offset arithmetic on
        first = np.where(first >= 0, first + 1, -1)  # an index: custom business days would warn and loop)
        if np.any(first < 0):  # series on different phases of the grid (daily at 00:00 and at 12:00)
            return self.future_index(0, horizon).append([self.future_index(i, horizon)
                                                         for i in range(1, self.n_series)])
        return grid[(first[:, None] + np.arange(horizon)).ravel()]

    def timestamps(self) -> pd.DatetimeIndex:
        """All timestamps, aligned with ``values``, built from one shared grid (vectorised)."""
        if self.n_series == 0:
            return pd.DatetimeIndex([])
        ends = [self.end(i) for i in range(self.n_series)]
        grid = pd.date_range(self.starts.min(), max(ends), freq=self.freq)
        first = grid.get_indexer(self.starts)
        if np.any(first < 0):  # series on different phases of the grid (daily at 00:00 and at 12:00)
            return self.index(0).append([self.index(i) for i in range(1, self.n_series)])
        pos = np.repeat(first - self.offsets[:-1], self.lengths) + np.arange(len(self.values))
        return grid[pos]

    @property
    def target_missing(self) -> np.ndarray:
        """``[total]`` bool: True where the target value was missing and has been filled in."""
        if self.missing is None:
            return np.zeros(len(self.values), dtype=bool)
        return self.missing[:, 0]

    def id_position(self) -> dict:
        """Map from series id to its row in the panel."""
        return {uid: i for i, uid in enumerate(self.ids)}

    def slice(self, begin: Sequence[int] | np.ndarray, end: Sequence[int] | np.ndarray) -> Panel:
        """Keep positions ``[begin[i], end[i])`` of every series (per-series integer positions).

        Used by backtests to cut a panel at a cutoff: ``panel.slice(0, cutoffs)``. Values that were filled
        in (see ``missing``) are filled again from the observed values of the slice only.

        Example
        -------
        >>> import numpy as np, pandas as pd
        >>> s = pd.Series([1.0, np.nan, 5.0], index=pd.date_range("2020-01-01", periods=3), name="a")
        >>> p = to_panel(s, fill_missing="interpolate")
        >>> p.values.tolist(), p.slice(0, 2).values.tolist()  # the cut panel never sees the 5
        ([1.0, 3.0, 5.0], [1.0, 1.0])
        """
        lengths = self.lengths
        begin = np.broadcast_to(np.asarray(begin, dtype=np.int64), lengths.shape)
        end = np.broadcast_to(np.asarray(end, dtype=np.int64), lengths.shape)
        if np.any(begin < 0) or np.any(end > lengths) or np.any(end <= begin):
            raise DataError("Panel.slice needs 0 <= begin < end <= length for every series")
        # A mask, not an array of row numbers: a backtest cuts panels of millions of rows, and int64 row numbers
        # would take twice the memory of the float32 values they select (the rows stay in the same order).
        take = np.zeros(len(self.values), dtype=bool)
        for i in range(self.n_series):
            take[self.offsets[i] + begin[i]:self.offsets[i] + end[i]] = True
        new_len = end - begin
        offsets = np.concatenate([[0], np.cumsum(new_len)]).astype(np.int64)
        starts = pd.DatetimeIndex([self.starts[i] + int(begin[i]) * self.freq for i in range(self.n_series)])
        values, missing = self.values[take], None
        # Boolean indexing of a 2-D array builds int64 row numbers first: skipped when there is no covariate.
        covariates = (self.covariates[take] if self.covariates.shape[1] else
                      np.zeros((len(values), 0), dtype=self.covariates.dtype))
        if self.missing is not None:
            missing = self.missing[take]
            if missing.any():  # fill again from this slice alone: nothing outside it may shape the values
                values, covariates = _refill(values, covariates, missing, offsets, self.fill_missing, self.ids,
                                             starts, self.freq, self.covariate_names)
            else:
                missing = None
        return Panel(self.ids, values, offsets, starts, self.freq, covariates, self.covariate_names, missing,
                     self.fill_missing if missing is not None else None)

    def select(self, rows: Sequence[int] | np.ndarray) -> Panel:
        """Keep the series at positions ``rows`` (in that order)."""
        rows = np.asarray(rows, dtype=np.int64)
        pieces = [np.arange(self.offsets[i], self.offsets[i + 1]) for i in rows]
        take = np.concatenate(pieces) if len(pieces) else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(self.lengths[rows])]).astype(np.int64)
        missing = None if self.missing is None else self.missing[take]
        if missing is not None and not missing.any():
            missing = None
        return Panel(self.ids[rows], self.values[take], offsets, self.starts[rows], self.freq,
                     self.covariates[take], self.covariate_names, missing,
                     self.fill_missing if missing is not None else None)

    def with_values(self, values: np.ndarray) -> Panel:
        """The same panel with the target replaced (same layout)."""
        values = np.ascontiguousarray(values, dtype=np.float32)
        if values.shape != self.values.shape:
            raise ValueError(f"values has shape {values.shape}, the panel needs {self.values.shape}")
        return Panel(self.ids, values, self.offsets, self.starts, self.freq, self.covariates, self.covariate_names,
                     self.missing, self.fill_missing)

    def to_frame(self, target_name: str = "y") -> pd.DataFrame:
        """Long frame ``unique_id, ds, y[, covariates]`` (float64 values, filled-in values included)."""
        frame = pd.DataFrame(
            {
                "unique_id": np.repeat(self.ids, self.lengths),
                "ds": self.timestamps(),
                target_name: self.values.astype(np.float64),
            }
        )
        for j, name in enumerate(self.covariate_names):
            frame[name] = self.covariates[:, j].astype(np.float64)
        return frame

    def equals(self, other: Panel) -> bool:
        """True when both panels hold the same series, timestamps and values."""
        return (
            list(self.ids) == list(other.ids)
            and np.array_equal(self.offsets, other.offsets)
            and self.starts.equals(other.starts)
            and self.freq == other.freq
            and np.array_equal(self.values, other.values, equal_nan=True)
            and self.covariate_names == other.covariate_names
            and np.array_equal(self.covariates, other.covariates, equal_nan=True)
            and np.array_equal(_mask(self), _mask(other))
        )


def _mask(panel: Panel) -> np.ndarray:
    if panel.missing is not None:
        return panel.missing
    return np.zeros((len(panel.values), 1 + len(panel.covariate_names)), dtype=bool)


def _fail(message: str) -> DataError:
    return DataError(message)


# --------------------------------------------------------------------------- input layouts


@dataclass(frozen=True)
class _Layout:
    """How the caller's object was laid out, so that messages name what the caller sees."""

    kind: str  # "long" | "wide" | "series"
    target_col: str
    series_name: object = None

    def column(self, col, uid) -> str:
        """How to name column ``col`` (the target or a covariate) of series ``uid`` in a message."""
        if self.kind == "wide":
            return f"wide column {uid!r}"
        if self.kind == "series":
            return f"Series {self.series_name!r}"
        role = "target" if col == self.target_col else "covariate"
        return f"{role} column {col!r}"


def _as_long(data, id_col: str, time_col: str, target_col: str) -> tuple[pd.DataFrame, _Layout]:
    """Return a new long frame with columns id, time, target, extras (the caller's object is untouched)."""
    if isinstance(data, pd.Series):
        name = data.name if data.name is not None else "series"
        if not isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex):
            raise _fail("a Series input needs a DatetimeIndex; got an index of type "
                        f"{type(data.index).__name__}{_numeric_index_hint(data.index, 'series.index')}. "
                        f"Use a long frame with a '{time_col}' column instead.")
        idx = data.index.to_timestamp() if isinstance(data.index, pd.PeriodIndex) else data.index
        frame = pd.DataFrame({id_col: name, time_col: idx, target_col: data.to_numpy()})
        return frame, _Layout("series", target_col, name)
    if not isinstance(data, pd.DataFrame):
        raise _fail(f"expected a pandas DataFrame, Series or Panel, got {type(data).__name__}")
    duplicated = pd.unique(data.columns[data.columns.duplicated()])
    if len(duplicated):
        raise _fail(f"the frame has several columns named {', '.join(repr(c) for c in duplicated)}: every column "
                    f"name must appear once (each wide column is one series, each long column one variable). "
                    f"Rename or drop the duplicates, e.g. df.loc[:, ~df.columns.duplicated()]")
    is_wide = isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex) and time_col not in data.columns
    if is_wide:
        if data.shape[1] == 0:
            raise _fail("the wide frame has no columns (one column per series is expected)")
        idx = data.index.to_timestamp() if isinstance(data.index, pd.PeriodIndex) else data.index
        valid = data.notna().to_numpy()  # [time, series]
        empty = np.flatnonzero(~valid.any(axis=0))
        if len(empty):
            raise _fail(f"series {data.columns[empty[0]]!r} (wide column) has no non-missing value")
        # A wide frame pads shorter series with NaN at either end: that padding is not data.
        first = valid.argmax(axis=0)
        last = len(valid) - 1 - valid[::-1].argmax(axis=0)
        rows = np.concatenate([np.arange(a, b + 1) for a, b in zip(first, last)])
        cols = np.repeat(np.arange(data.shape[1]), last - first + 1)
        ids = np.empty(data.shape[1], dtype=object)
        ids[:] = list(data.columns)
        pieces = [data.iloc[a : b + 1, j] for j, (a, b) in enumerate(zip(first, last))]
        # Concatenating Series keeps each column's dtype (object stays object), so bad cells are reported as written.
        target = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0].reset_index(drop=True)
        frame = pd.DataFrame({id_col: ids[cols], time_col: idx[rows]})
        frame[target_col] = target
        return frame, _Layout("wide", target_col)
    missing = [c for c in (id_col, time_col, target_col) if c not in data.columns]
    if missing:
        hint = ""
        if time_col in missing:
            hint = "; a wide frame needs a DatetimeIndex"
            if id_col in missing and target_col in missing:  # it looks like a wide frame
                hint += _numeric_index_hint(data.index, "df.index")
        raise _fail(f"missing column(s) {missing}; the frame has columns {list(data.columns)}. "
                    f"Name yours with id_col=, time_col=, target_col={hint}")
    extras = [c for c in data.columns if c not in (id_col, time_col, target_col)]
    return data.loc[:, [id_col, time_col, target_col, *extras]].copy(), _Layout("long", target_col)


ARRAY_START = pd.Timestamp("2000-01-01")  # where the steps of a numpy array input are dated from


def as_pandas(data, freq=None):
    """A polars DataFrame or a numpy array as the pandas object `to_panel` reads; anything else unchanged.

    Example
    -------
    >>> as_pandas(np.array([[1.0, 2.0], [3.0, 4.0]]), freq="D")
                  0    1
    2000-01-01  1.0  3.0
    2000-01-02  2.0  4.0
    """
    module = type(data).__module__ or ""
    if module.split(".")[0] == "polars":
        if not hasattr(data, "to_pandas"):
            raise _fail(f"a polars {type(data).__name__} is not a frame: pass a polars DataFrame (collect a "
                        "LazyFrame first)")
        try:
            return data.to_pandas()
        except ImportError:  # polars converts through pyarrow; without it, column by column through numpy
            return pd.DataFrame({name: data.get_column(name).to_numpy() for name in data.columns})
    if not isinstance(data, np.ndarray):
        return data
    if data.ndim not in (1, 2) or data.size == 0:
        raise _fail(f"a numpy array input must be [series, time] (or [time] for one series) and non-empty, got "
                    f"shape {data.shape}")
    if freq is None:
        raise _fail(f"a numpy array has no timestamps: pass freq= (e.g. freq='D'); its {data.shape[-1]} steps "
                    f"are then dated from {ARRAY_START.date()} and its series numbered 0, 1, ...")
    values = data.reshape(1, -1) if data.ndim == 1 else data
    if is_exchange(freq):
        freq = trading_days(freq)
    elif isinstance(freq, str) and freq == TRADING:  # an array has no holidays to read: every weekday is one
        freq = "B"
    index = pd.date_range(ARRAY_START, periods=values.shape[1], freq=to_offset(freq))
    return pd.DataFrame(values.T, index=index, columns=pd.RangeIndex(values.shape[0]))


def _combine_ids(data, id_cols: list, time_col: str):
    """A frame whose one id column holds the tuple of the ``id_cols`` values (``data`` is left untouched)."""
    if not isinstance(data, pd.DataFrame):
        raise _fail(f"id_col={id_cols!r} names several columns: that needs a long DataFrame, got "
                    f"{type(data).__name__}")
    missing = [c for c in id_cols if c not in data.columns]
    if missing:
        raise _fail(f"id column(s) {missing} of id_col={id_cols!r} are not in the frame; it has columns "
                    f"{list(data.columns)}")
    if len(set(id_cols)) != len(id_cols) or time_col in id_cols:
        raise _fail(f"id_col={id_cols!r} must name distinct columns other than the time column {time_col!r}")
    for col in id_cols:
        absent = data[col].isna().to_numpy()
        if absent.any():
            row = int(np.flatnonzero(absent)[0])
            raise _fail(f"id column {col!r} is missing the series id at row {row}")
    key = "unique_id" if "unique_id" not in data.columns else "__series_id__"
    ids = np.empty(len(data), dtype=object)
    for r, uid in enumerate(zip(*(data[c].tolist() for c in id_cols))):
        ids[r] = uid
    frame = data.drop(columns=id_cols)
    frame.insert(0, key, ids)
    return frame, key


def split_ids(ids, id_col) -> dict:
    """``{column: values}`` naming series ``ids`` as the caller's ``id_col`` does: one ``unique_id`` column for
    one id column, the same columns for several (each tuple id split back into its parts).

    Example
    -------
    >>> split_ids([("s1", 7), ("s2", 9)], ["store", "item"])
    {'store': ['s1', 's2'], 'item': [7, 9]}
    >>> split_ids(["a"], "ticker")
    {'unique_id': ['a']}
    """
    if not isinstance(id_col, list | tuple) or len(id_col) < 2:
        return {"unique_id": list(ids)}
    return {col: [uid[k] for uid in ids] for k, col in enumerate(id_col)}


def static_values(panel: Panel, names: Sequence[str]) -> np.ndarray:
    """The value of each static covariate ``names`` per series of ``panel``, ``[n_series, k]`` float64.

    A static covariate (store size, sector) holds one value per series: a value that changes within a series
    is an error naming the series, the column and where it changes.

    Example
    -------
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "b", "b"], "ds": ["2024-01-01", "2024-01-02"] * 2,
    ...                    "y": [1.0, 2.0, 3.0, 4.0], "size": [10, 10, 20, 20]})
    >>> static_values(to_panel(df), ["size"]).tolist()
    [[10.0], [20.0]]
    """
    names = list(names)
    absent = [c for c in names if c not in panel.covariate_names]
    if absent:
        raise _fail(f"static covariate column(s) {absent} are not in the data; its covariate columns are "
                    f"{list(panel.covariate_names)}")
    columns = [panel.covariate_names.index(c) for c in names]
    first = panel.covariates[panel.offsets[:-1]][:, columns] if panel.n_series else np.zeros((0, len(columns)))
    for i in range(panel.n_series):
        block = panel.covariates_of(i)[:, columns]  # [length, k]
        changed = block != first[i]
        if changed.any():
            r, c = np.argwhere(changed)[0]
            raise _fail(f"static covariate {names[c]!r} changes within series {panel.ids[i]!r} (from "
                        f"{first[i, c]:g} to {block[r, c]:g} at {panel.index(i)[r]}): a static covariate holds one "
                        "value per series; make it a past or future covariate instead")
    return first.astype(np.float64)


def _column_policies(fill_missing, cols: list, layout) -> str | tuple | None:
    """``fill_missing`` as the filling code reads it: None, one policy, or a tuple of one per column of ``cols``
    (the target first; None where a column has none)."""
    if not isinstance(fill_missing, dict):
        return fill_missing
    unknown = [k for k in fill_missing if k not in cols]
    if unknown:
        raise _fail(f"fill_missing names column(s) {unknown} that the data does not have; its target and "
                    f"covariate columns are {[str(c) for c in cols]}")
    bad = {k: v for k, v in fill_missing.items() if v is not None and v not in FILL_POLICIES}
    if bad:
        k, v = next(iter(bad.items()))
        raise _fail(f"fill_missing[{k!r}]={v!r} is not a policy; use one of {FILL_POLICIES} or None")
    if layout.kind != "long" and fill_missing:  # wide/Series inputs have one target column, named by the caller
        return fill_missing.get(layout.target_col, next(iter(fill_missing.values())))
    policies = tuple(fill_missing.get(c) for c in cols)
    return None if all(p is None for p in policies) else policies


def _numeric_index_hint(index: pd.Index, expr: str) -> str:
    if not (pd.api.types.is_numeric_dtype(index.dtype) and len(index)) or isinstance(index, pd.RangeIndex):
        return ""
    return (f" (its index holds numbers such as {_plain(index[0])!r}, not timestamps: convert them first, e.g. "
            f"{expr} = pd.to_datetime({expr}.astype(int).astype(str), format='%Y') for years)")


# --------------------------------------------------------------------------- timestamps

# d/m/y or m/d/y written with one separator: the first two fields are ambiguous when both are <= 12.
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")


def _plain(value):
    """numpy scalars shown as the Python values they are (2019, not np.int64(2019))."""
    return value.item() if isinstance(value, np.generic) else value


def _numeric_times_error(what: str, col, example, where: str = "") -> DataError:
    return _fail(
        f"{what} holds numbers (e.g. {_plain(example)!r}{where}), not timestamps; tsrnn does not read numbers as "
        f"dates (pandas "
        f"would take them as nanoseconds since 1970). Convert the column first: for years, "
        f"df[{col!r}] = pd.to_datetime(df[{col!r}].astype(int).astype(str), format='%Y'); for a step counter, "
        f"df[{col!r}] = pd.Timestamp('2000-01-01') + pd.to_timedelta(df[{col!r}], unit='D') (then freq='D')")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, np.datetime64 | np.timedelta64)


def _quiet_to_datetime(values, **kwargs):
    with warnings.catch_warnings():  # pandas warns when it falls back to dateutil or switches to day-first
        warnings.simplefilter("ignore")
        return pd.to_datetime(values, errors="coerce", **kwargs)


def _parse_times(raw: pd.Series, col, ids: pd.Series | None, *, what: str | None = None, freq=None) -> pd.Series:
    """``raw`` as datetime64 values, refusing numbers, ambiguous day/month strings, mixed formats and
    mixed time zones with a message naming the column, the value and its series."""
    what = what or f"column {col!r}"
    if isinstance(raw.dtype, pd.PeriodDtype):
        return raw.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw
    else:
        if pd.api.types.is_numeric_dtype(raw.dtype) or pd.api.types.is_bool_dtype(raw.dtype):
            present = raw.dropna()
            raise _numeric_times_error(what, col, present.iloc[0] if len(present) else raw.iloc[0])
        if pd.api.types.is_timedelta64_dtype(raw.dtype):
            raise _fail(f"{what} holds durations ({raw.dtype}), not timestamps; add them to a start date first, "
                        f"e.g. pd.Timestamp('2000-01-01') + df[{col!r}]")
        values = raw.to_numpy(dtype=object)
        present = values[pd.notna(values)]
        uniques = pd.unique(present) if len(present) else present
        if any(_is_number(v) for v in uniques):  # even among strings: a number is never read as a date
            row = int(np.flatnonzero([_is_number(v) for v in values])[0])
            where = f", row {row}" if ids is None else f", series {ids.iloc[row]!r}, row {row}"
            raise _numeric_times_error(what, col, values[row], where)
        dayfirst = None
        if len(uniques) and all(isinstance(v, str) for v in uniques):
            dayfirst = _day_first(raw, uniques, col, what, ids, freq)
        try:
            parsed = _quiet_to_datetime(raw, dayfirst=bool(dayfirst))
        except (TypeError, ValueError, OverflowError) as err:  # mixed time zones and the like
            _diagnose_times(raw, None, col, what, ids)
            raise _fail(f"{what} cannot be parsed as timestamps: {err}") from None
        if (parsed.isna() & raw.notna()).any():
            _diagnose_times(raw, parsed, col, what, ids)
        if dayfirst is not None:
            unique_strings = pd.Series(uniques, dtype=object)  # in order of appearance: pandas infers the same format
            _check_day_month(unique_strings, _quiet_to_datetime(unique_strings, dayfirst=dayfirst), dayfirst, what)
    if raw.isna().any():
        row = int(np.flatnonzero(raw.isna().to_numpy())[0])
        raise _fail(f"{what} has a value that is not a timestamp: {raw.iloc[row]!r}{_where(ids, row)}")
    return parsed


def _where(ids: pd.Series | None, row: int) -> str:
    return f" (row {row})" if ids is None else f" (series {ids.iloc[row]!r}, row {row})"


def _alone(value):
    """``value`` parsed on its own (its own format), or None."""
    if _is_number(value):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if pd.isna(stamp) else stamp


def _diagnose_times(raw: pd.Series, parsed: pd.Series | None, col, what: str, ids) -> None:
    """Raise the most helpful error for values the column-wide parse rejected (called on failures only).

    ``parsed`` is the column-wide result (None when pandas raised): its NaT rows are the rejected values.
    """
    values = raw.to_numpy(dtype=object)
    rejected = np.ones(len(raw), dtype=bool) if parsed is None else (parsed.isna() & raw.notna()).to_numpy()
    ref_row, ref = None, None
    for row in (np.flatnonzero(~rejected) if parsed is not None else range(len(values))):
        ref = _alone(values[row])
        if ref is not None:
            ref_row = int(row)
            break
    first_bad, seen = None, set()
    for row in np.flatnonzero(rejected):
        value = values[row]
        key = (type(value), str(value))
        if pd.isna(value) or key in seen:
            continue
        seen.add(key)
        stamp = _alone(value)
        if stamp is None:
            raise _fail(f"{what} has a value that is not a timestamp: {value!r}{_where(ids, int(row))}")
        if ref is not None and (stamp.tz is None) != (ref.tz is None):
            aware, naive = (stamp, int(row)), (ref, ref_row)
            if stamp.tz is None:
                aware, naive = naive, aware
            raise _fail(f"{what} mixes time-zone-aware timestamps such as {aware[0]}{_where(ids, aware[1])} with "
                        f"naive ones such as {naive[0]}{_where(ids, naive[1])}; give every timestamp the same zone, "
                        f"e.g. "
                        f"localize the naive ones with .dt.tz_localize('<zone>') or convert all with "
                        f"pd.to_datetime(df[{col!r}], utc=True)")
        if ref is not None and stamp.tz is not None and stamp.utcoffset() != ref.utcoffset():
            raise _fail(f"{what} mixes time zones or UTC offsets: {ref}{_where(ids, ref_row)} and {stamp}"
                        f"{_where(ids, int(row))}; convert them to one zone first, e.g. "
                        f"pd.to_datetime(df[{col!r}], utc=True).dt.tz_convert('<zone>')")
        if first_bad is None and row != ref_row:
            first_bad = (value, int(row))
    if first_bad is not None and parsed is not None:
        value, row = first_bad
        good = f" and {values[ref_row]!r}{_where(ids, ref_row)}" if ref_row is not None else ""
        raise _fail(f"{what} mixes date formats: {value!r}{_where(ids, row)}{good} are written differently. "
                    f"Write every date in one format (YYYY-MM-DD is safest) or convert the column first, e.g. "
                    f"pd.to_datetime(df[{col!r}], format='mixed', dayfirst=False)")


def _day_first(raw: pd.Series, uniques, col, what: str, ids, freq) -> bool | None:
    """Whether ``d/m/y``-like strings are day-first (True), month-first (False) or not of that form (None).

    A field above 12 settles it; when every field is <= 12 the reading that gives regular series wins, and
    when both (or neither) do the dates are ambiguous and refused: tsrnn does not guess.
    """
    fields = pd.Series(uniques, dtype=object).str.extract(_DAY_MONTH)
    matched = fields[0].notna()
    if not matched.any():
        return None
    if not matched.all():
        other = uniques[int(np.flatnonzero(~matched.to_numpy())[0])]
        odd = uniques[int(np.flatnonzero(matched.to_numpy())[0])]
        raise _fail(f"{what} mixes date formats: {odd!r} and {other!r} are written differently. Write every date "
                    f"in one format (YYYY-MM-DD is safest) or convert the column first, e.g. "
                    f"pd.to_datetime(df[{col!r}], format='mixed', dayfirst=True)")
    first, second = fields.loc[matched, 0].astype(int), fields.loc[matched, 2].astype(int)
    examples = pd.Series(uniques, dtype=object)[matched]
    if (first > 12).any() and (second > 12).any():
        a, b = examples[first > 12].iloc[0], examples[second > 12].iloc[0]
        raise _fail(f"{what} mixes day-first and month-first dates ({a!r} has the day first, {b!r} the month "
                    f"first); write every date in one format (YYYY-MM-DD is safest)")
    if (first > 12).any():
        return True
    if (second > 12).any() or (first == second).all():
        return False
    plausible = {}
    for flag in (True, False):
        stamps = _quiet_to_datetime(raw, dayfirst=flag)
        plausible[flag] = bool(stamps.notna().all()) and _regular(stamps, ids, freq)
    if plausible[True] != plausible[False]:
        return plausible[True]
    example = examples[first != second].iloc[0]
    sep, year = _DAY_MONTH.match(example).group(2, 4)
    y = "%Y" if len(year) == 4 else "%y"
    day_first, month_first = pd.Timestamp(_alone_dayfirst(example, True)), pd.Timestamp(_alone_dayfirst(example, False))
    reason = "both readings give" if plausible[True] else "neither reading gives"
    raise _fail(f"{what} holds ambiguous dates such as {example!r}: day-first it is {day_first:%d %B %Y}, "
                f"month-first {month_first:%B %d, %Y}, and {reason} regular series, so tsrnn will not guess. "
                f"Convert the column first, e.g. df[{col!r}] = pd.to_datetime(df[{col!r}], "
                f"format='%d{sep}%m{sep}{y}') for day-first dates (format='%m{sep}%d{sep}{y}' for month-first), "
                f"or write the dates as YYYY-MM-DD")


def _alone_dayfirst(text: str, dayfirst: bool):
    return _quiet_to_datetime(pd.Series([text]), dayfirst=dayfirst).iloc[0]


def _check_day_month(raw: pd.Series, parsed: pd.Series, dayfirst: bool, what: str) -> None:
    """pandas infers one format from the first value: check every d/m/y value was read with the chosen order."""
    fields = raw.astype(object).str.extract(_DAY_MONTH)
    rows = fields[0].notna().to_numpy() & parsed.notna().to_numpy()
    if not rows.any():
        return
    day = fields.loc[rows, 0 if dayfirst else 2].astype(int).to_numpy()
    month = fields.loc[rows, 2 if dayfirst else 0].astype(int).to_numpy()
    got = pd.DatetimeIndex(parsed[rows])
    wrong = (got.day != day) | (got.month != month)
    if wrong.any():
        value = raw[rows].iloc[int(np.flatnonzero(wrong)[0])]
        order = "day-first" if dayfirst else "month-first"
        raise _fail(f"{what} mixes date formats: most dates are {order} but {value!r} was read otherwise; write "
                    f"every date in one format (YYYY-MM-DD is safest)")


def _regular(stamps: pd.Series, ids: pd.Series | None, freq) -> bool:
    """True when every series' timestamps are distinct and fill most of one grid (of ``freq`` when given)."""
    groups = [stamps] if ids is None else [g for _, g in stamps.groupby(ids.to_numpy(), sort=False)]
    for group in groups:
        ds = pd.DatetimeIndex(group).sort_values()
        if ds.has_duplicates:
            return False
        if freq is not None:
            grid = pd.date_range(ds[0], ds[-1], freq=freq)
            if not ds.isin(grid).all() or len(grid) > 2 * len(ds):  # off the grid, or a mostly empty grid
                return False
        elif len(ds) > 1 and _infer_freq(ds) is None:
            return False
    return True


def _check_not_epoch_numbers(ds: pd.DatetimeIndex, time_col) -> None:
    """Numbers converted with ``pd.to_datetime`` land in the first second of 1970: refuse them."""
    if len(ds) == 0:
        return
    local = ds.tz_localize(None) if ds.tz is not None else ds
    epoch = pd.Timestamp("1970-01-01")
    if local.min() >= epoch and local.max() - epoch < pd.Timedelta(seconds=1) and (local != epoch).any():
        raise _fail(f"column {time_col!r} holds timestamps such as {local[local != epoch][0]}, all inside the first "
                    f"second of 1970: numbers (years, step counters) converted with pd.to_datetime, which reads "
                    f"them as nanoseconds. Convert the original numbers instead, e.g. "
                    f"pd.to_datetime(years.astype(int).astype(str), format='%Y') for years, or "
                    f"pd.Timestamp('2000-01-01') + pd.to_timedelta(steps, unit='D') for a step counter")


# --------------------------------------------------------------------------- values


def _real_numbers(raw: pd.Series, describe, ids: pd.Series, stamps: pd.Series) -> pd.Series:
    """``raw`` as float64, refusing anything that is not a real number; ``describe(row)`` names the column."""
    dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return raw.astype(np.float64)
    if isinstance(dtype, pd.CategoricalDtype):  # a categorical covariate: stable codes (see category_codes)
        return pd.Series(category_codes(raw, describe(0)), index=raw.index)
    for kind, test, hint in (
            ("complex numbers", pd.api.types.is_complex_dtype, "np.real(...) or np.abs(...)"),
            ("timestamps", pd.api.types.is_datetime64_any_dtype, "e.g. days since a date: (col - start).dt.days"),
            ("durations", pd.api.types.is_timedelta64_dtype, "e.g. col.dt.total_seconds()"),
            ("periods", lambda d: isinstance(d, pd.PeriodDtype), "e.g. col.dt.year"),
            ("intervals", lambda d: isinstance(d, pd.IntervalDtype), "e.g. col.array.mid")):
        if test(dtype):
            raise _fail(f"{describe(0)} holds {kind} ({dtype}), not real numbers; convert it to numbers first "
                        f"({hint})")
    numeric = raw if pd.api.types.is_numeric_dtype(dtype) else pd.to_numeric(raw, errors="coerce")
    if pd.api.types.is_complex_dtype(numeric.dtype):  # an object column of complex values
        imaginary = np.flatnonzero(np.imag(numeric.to_numpy()) != 0)
        row = int(imaginary[0]) if len(imaginary) else 0
        raise _fail(f"{describe(row)} holds complex numbers such as {raw.iloc[row]!r} (series {ids.iloc[row]!r} "
                    f"at {stamps.iloc[row]}), not real numbers; convert it first (e.g. the real part with np.real)")
    bad = numeric.isna() & raw.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise _fail(f"{describe(row)} is not numeric: {raw.iloc[row]!r} in series {ids.iloc[row]!r} at "
                    f"{stamps.iloc[row]}; a categorical covariate (a day type, a store format) must be a pandas "
                    f"categorical, e.g. df[col] = df[col].astype('category'), or integer codes")
    return numeric.astype(np.float64)


def category_codes(values, what: str = "the column") -> np.ndarray:
    """Stable numeric codes for categorical values: the same value gets the same code in every frame (a
    24-bit checksum of its text, exact in float32), so training data, new history and ``X_future`` agree
    without sharing a vocabulary. Missing values stay NaN. Two values of one column with the same code (very
    rare) are an error that names them.

    Example
    -------
    >>> codes = category_codes(pd.Series(["weekday", "holiday", "weekday", None], dtype="category"))
    >>> codes[0] == codes[2] != codes[1], bool(np.isnan(codes[3]))
    (np.True_, True)
    """
    import zlib

    raw = pd.Series(values)
    present = raw.notna().to_numpy()
    names = raw[present].astype(str).to_numpy()
    table = {name: float(zlib.crc32(name.encode("utf-8")) & 0xFFFFFF) for name in pd.unique(names)}
    by_code: dict[float, str] = {}
    for name, code in table.items():
        if code in by_code:
            raise _fail(f"the categories {by_code[code]!r} and {name!r} of {what} get the same code; rename one")
        by_code[code] = name
    out = np.full(len(raw), np.nan)
    out[present] = [table[name] for name in names]
    return out


def _infer_freq(ds: pd.DatetimeIndex) -> pd.DateOffset | None:
    if len(ds) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns that infer_freq will return an offset; both work
            warnings.simplefilter("ignore")
            guess = pd.infer_freq(ds)
        if guess is not None:
            return to_offset(guess)
    if len(ds) < 2:
        return None
    best, best_size = None, None
    wanted = set(ds.asi8)
    for name in CANDIDATE_FREQS:
        step = to_offset(name)
        if isinstance(step, pd.offsets.Tick) and (ds[-1] - ds[0]) // pd.Timedelta(step) >= 2 * len(ds):
            continue  # do not build a grid of millions of seconds to learn that it is mostly empty
        grid = pd.date_range(ds[0], ds[-1], freq=name)
        if len(grid) > 2 * len(ds):  # mostly empty grid: irregular timestamps, not a frequency with gaps
            continue
        if name in COMPLETE_ONLY_FREQS and (len(grid) != len(ds) or len(ds) < 4):
            continue  # two or three dates on a 1st and a 15th say too little to call the series half-monthly
        if wanted.issubset(grid.as_unit(ds.unit).asi8) and (best_size is None or len(grid) < best_size):
            best, best_size = to_offset(name), len(grid)
    return best


# --------------------------------------------------------------------------- filling missing values


def _fill_block(block: np.ndarray, policy) -> np.ndarray:
    """Fill the NaNs of each column of ``block`` (``[time, columns]`` float64) from that column alone.

    ``ffill`` carries the last value forward (a leading gap takes the first value), ``interpolate`` draws a
    straight line between neighbours (ends stay flat), ``zero`` writes 0. A column without any value stays NaN
    (except with ``zero``). ``policy`` is one policy for every column or one per column (None: left as is).
    """
    out = np.array(block, dtype=np.float64)
    pos = np.arange(len(out))
    for c in range(out.shape[1]):
        col = out[:, c]
        ok = ~np.isnan(col)
        rule = policy if policy is None or isinstance(policy, str) else policy[c]
        if ok.all() or rule is None:
            continue
        if rule == "zero":
            col[~ok] = 0.0
        elif not ok.any():
            continue
        elif rule == "ffill":
            last = np.where(ok, pos, -1)
            np.maximum.accumulate(last, out=last)
            last[last < 0] = int(np.argmax(ok))
            col[:] = col[last]
        else:
            col[~ok] = np.interp(pos[~ok], pos[ok], col[ok])
    return out


def _refill(values, covariates, missing, offsets, policy, ids, starts, freq, covariate_names):
    """Fill the ``missing`` positions of every series again, from the observed values of that series only."""
    per_column = isinstance(policy, tuple) and len(policy) == 1 + len(covariate_names) and all(
        p is None or p in FILL_POLICIES for p in policy)
    if policy not in FILL_POLICIES and not per_column:  # a hand-built Panel with a mask but no policy: refuse
        raise _fail(f"the panel marks missing values but its fill_missing={policy!r} is not one of {FILL_POLICIES}")
    values, covariates = values.copy(), covariates.copy()
    names = ["target", *(f"covariate {name!r}" for name in covariate_names)]
    for i in range(len(offsets) - 1):
        lo, hi = offsets[i], offsets[i + 1]
        mask = missing[lo:hi]
        if not mask.any():
            continue
        block = np.column_stack([values[lo:hi], covariates[lo:hi]]).astype(np.float64)
        block[mask] = np.nan
        filled = _fill_block(block, policy)
        empty = np.isnan(filled).any(axis=0)
        if empty.any():
            end = starts[i] + (hi - lo - 1) * freq
            raise _fail(f"the {names[int(np.argmax(empty))]} of series {ids[i]!r} has no observed value between "
                        f"{starts[i]} and {end} to fill its missing values from (fill_missing={policy!r})")
        values[lo:hi] = filled[:, 0]
        covariates[lo:hi] = filled[:, 1:]
    return values, covariates


# --------------------------------------------------------------------------- the contract


def _clean_series_panel(data: pd.Series, freq, time_col: str, min_length: int, why: str) -> Panel | None:
    """The `Panel` of a Series that needs no repair: a sorted DatetimeIndex of distinct timestamps on one
    regular grid, finite real values. It is what the general path of `to_panel` gives (same checks, same
    arrays), without building, sorting and checking a long frame, which costs milliseconds even for one short
    series. None for anything else: the general path then converts it or says what is wrong."""
    index, name = data.index, data.name
    if (type(index) is not pd.DatetimeIndex or len(index) == 0 or not isinstance(data.dtype, np.dtype)
            or data.dtype.kind not in "fiu" or not (name is None or isinstance(name, str))
            or not index.is_monotonic_increasing or not index.is_unique):
        return None
    with np.errstate(over="ignore"):
        values = data.to_numpy(dtype=np.float64).astype(np.float32)
    if not np.isfinite(values).all():
        return None
    uid = "series" if name is None else name
    ds = pd.DatetimeIndex(index, freq=None)
    _check_not_epoch_numbers(ds, time_col)
    offset = to_offset(freq) if freq is not None else _panel_freq([(uid, ds)])
    grid = pd.date_range(ds[0], ds[-1], freq=offset)
    if len(grid) != len(ds) or not np.array_equal(grid.asi8, ds.as_unit(grid.unit).asi8):
        return None  # gaps or off-grid stamps
    ids = np.empty(1, dtype=object)
    ids[0] = uid
    lengths = np.array([len(values)], dtype=np.int64)
    _check_lengths(ids, lengths, min_length, why)
    return Panel(ids=ids, values=values, offsets=np.array([0, len(values)], dtype=np.int64),
                 starts=pd.DatetimeIndex([grid[0]]), freq=offset, covariates=np.zeros((len(values), 0), np.float32),
                 covariate_names=(), missing=None, fill_missing=None)


def to_panel(
    data,
    *,
    id_col: str | list[str] = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | pd.DateOffset | None = None,
    fill_missing: str | dict | None = None,
    min_length: int = 1,
    why: str = "",
) -> Panel:
    """Validate a long frame, a wide frame or a Series and return a `Panel`.

    Parameters
    ----------
    data : DataFrame, Series, Panel, numpy array or polars DataFrame
        Long: columns ``id_col, time_col, target_col`` plus optional numeric covariate columns.
        Wide: a DatetimeIndex and one column per series. Series: a DatetimeIndex (its name is the id).
        A Panel is returned as it is (after the length check). A numpy array is ``[series, time]`` (or one
        series ``[time]``) and needs ``freq=``: it has no timestamps, so its steps are dated from
        `ARRAY_START` and its series are numbered 0, 1, ...; NaN padding at either end is not data. A polars
        DataFrame (when polars is installed) is converted to pandas here, at the boundary.
    id_col : str or list of str
        The series identifier; several columns (``["store", "item"]``) identify a series together: its id
        is then the tuple of their values (forecasts split it back into the same columns).
    freq : pandas offset alias, optional
        Inferred from the timestamps when not given. A `pandas.tseries.offsets.CustomBusinessDay` (see
        `tsrnn.frequency.trading_days`) puts each series on its exchange's trading days.
    fill_missing : {"ffill", "interpolate", "zero"} or dict, optional
        How to fill missing timestamps and NaN/inf values. Without a policy they are errors. A dict gives
        each column its own policy (``{"y": "interpolate", "promo": "zero"}``); a column it does not name
        may not have missing values. The Panel remembers what was filled (``Panel.missing``), so backtests
        fill each fold from its own past.
    min_length : int
        The shortest series allowed; shorter ones are an error that says both lengths (and ``why``).

    Rows may come in any order (they are sorted). The caller's frame is never modified.

    Timestamps must be dates: numbers (a ``year`` column, an integer step counter) are refused with the
    conversion to write, as are strings such as ``01/02/2020`` whose day and month cannot be told apart
    (a day above 12, or the only reading that gives regular series, settles the order), mixed date
    formats and mixed time zones. Targets and covariates must be real numbers (booleans count as 0/1).

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["b", "a", "a", "b"],
    ...                    "ds": ["2021-02-01", "2021-01-01", "2021-02-01", "2021-01-01"],
    ...                    "y": [4.0, 1.0, 2.0, 3.0]})
    >>> p = to_panel(df)
    >>> list(p.ids), p.values.tolist(), p.freq.freqstr
    (['a', 'b'], [1.0, 2.0, 3.0, 4.0], 'MS')
    >>> to_panel(df.assign(ds=[2021, 2020, 2021, 2020]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tsrnn.errors.DataError: column 'ds' holds numbers (e.g. 2021), not timestamps; ... format='%Y'); ...
    """
    if isinstance(data, Panel):
        _check_lengths(data.ids, data.lengths, min_length, why)
        return data
    if fill_missing is not None and not isinstance(fill_missing, dict) and fill_missing not in FILL_POLICIES:
        raise _fail(f"fill_missing={fill_missing!r} is not a policy; use one of {FILL_POLICIES}, a dict "
                    "{column: policy} or None")
    trading = isinstance(freq, str) and freq == TRADING
    if is_exchange(freq):
        freq = trading_days(freq)
    elif trading:
        freq = None  # the grid is read from the data's own days below
    data = as_pandas(data, "B" if trading else freq)
    if isinstance(data, pd.Series) and not trading and not isinstance(fill_missing, dict) and isinstance(id_col, str):
        panel = _clean_series_panel(data, freq, time_col, min_length, why)
        if panel is not None:
            return panel
    if isinstance(id_col, list | tuple) and len(id_col) == 1:
        id_col = id_col[0]
    if isinstance(id_col, list | tuple):
        data, id_col = _combine_ids(data, list(id_col), time_col)
    frame, layout = _as_long(data, id_col, time_col, target_col)
    if len(frame) == 0:
        raise _fail("the input has no rows: an empty frame cannot be forecast")

    try:  # ids are grouped and sorted below: lists, dicts or arrays as ids would fail deep inside pandas
        pd.factorize(frame[id_col])
    except TypeError:
        row = next(i for i, v in enumerate(frame[id_col]) if not isinstance(v, Hashable))
        raise _fail(f"column {id_col!r} holds a {type(frame[id_col].iloc[row]).__name__} as the series id at row "
                    f"{row}: ids must be strings or numbers (several id columns: id_col=[...])") from None

    # Timestamps.
    frame[time_col] = _parse_times(frame[time_col], time_col, frame[id_col], freq="B" if trading else freq)

    # Target and covariates must be real numbers.
    extras = [c for c in frame.columns if c not in (id_col, time_col, target_col)]
    for col in [target_col, *extras]:
        def describe(row, col=col):
            return layout.column(col, frame[id_col].iloc[row])

        frame[col] = _real_numbers(frame[col], describe, frame[id_col], frame[time_col])

    if frame[id_col].isna().any():
        row = int(np.flatnonzero(frame[id_col].isna().to_numpy())[0])
        raise _fail(f"column {id_col!r} is missing the series id at row {row} ({frame[time_col].iloc[row]})")
    frame = frame.sort_values([id_col, time_col], kind="stable").reset_index(drop=True)
    dup = frame.duplicated([id_col, time_col])
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise _fail(f"duplicate rows for series {frame[id_col].iloc[row]!r} at {frame[time_col].iloc[row]}: "
                    f"each ({id_col}, {time_col}) pair must appear once")

    # Plain arrays and per-series bounds: pandas group objects cost milliseconds per series.
    cols = [target_col, *extras]
    policy = _column_policies(fill_missing, cols, layout)
    id_values = frame[id_col].to_numpy()
    all_ds = pd.DatetimeIndex(frame[time_col])
    _check_not_epoch_numbers(all_ds, time_col)
    all_values = frame[cols].to_numpy(dtype=np.float64)  # [rows, 1 + n_extras]
    codes = pd.factorize(frame[id_col])[0]
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(codes)) + 1, [len(frame)]])
    groups = [(id_values[lo], all_ds[lo:hi], lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    if trading:
        offset = _observed_trading_days(all_ds, time_col)
    else:
        offset = to_offset(freq) if freq is not None else _panel_freq(groups)

    ids, starts, values, covs, lengths, masks = [], [], [], [], [], []
    for uid, ds, lo, hi in groups:
        grid = pd.date_range(ds[0], ds[-1], freq=offset)
        arr = all_values[lo:hi].copy()  # [n, 1 + n_extras], our own copy
        regular = len(grid) == len(ds) and np.array_equal(grid.asi8, ds.as_unit(grid.unit).asi8)
        if not regular:  # the slow path, only for series with gaps or off-grid stamps
            if len(grid) == 0 or grid[0] != ds[0]:
                raise _fail(f"series {uid!r} starts at {ds[0]}, which is not on the {offset.freqstr!r} grid; "
                            f"pass freq= matching your timestamps")
            off_grid = ~ds.isin(grid)
            if off_grid.any():
                raise _fail(f"series {uid!r} has an irregular timestamp {ds[off_grid][0]} that is not on its "
                            f"{offset.freqstr!r} grid; pass freq= or resample the data")
            missing_at = grid[~grid.isin(ds)][0]
            if policy is None:
                raise _fail(f"series {uid!r} has {len(grid) - len(ds)} missing timestamp(s) for frequency "
                            f"{offset.freqstr!r}, the first at {missing_at}; pass fill_missing= one of {FILL_POLICIES}")
            arr = np.array(pd.DataFrame(arr, index=ds).reindex(grid).to_numpy())
        arr[~np.isfinite(arr)] = np.nan  # inf is treated like a missing value
        with np.errstate(over="ignore"):
            arr32 = arr.astype(np.float32)
        if np.isinf(arr32).any():
            r, c = np.argwhere(np.isinf(arr32))[0]
            raise _fail(f"{layout.column(cols[c], uid)} of series {uid!r} at {grid[r]} is too large for float32")
        bad = np.isnan(arr32)
        if bad[:, 0].all():
            raise _fail(f"series {uid!r} has no finite value in {layout.column(target_col, uid)}")
        if bad.any():
            if policy is None or isinstance(policy, str):
                unfilled = bad if policy is None else np.zeros_like(bad)
            else:
                unfilled = bad & np.array([p is None for p in policy])
            if unfilled.any():
                where = np.argwhere(unfilled)  # [k, (row, col)]
                r, c = where[np.lexsort(where.T)][0]  # the first bad column, at its first bad row
                how = (f"pass fill_missing= one of {FILL_POLICIES} or clean the data" if policy is None else
                       f"fill_missing names no policy for it: add {str(cols[c])!r}: one of {FILL_POLICIES}")
                raise _fail(f"{layout.column(cols[c], uid)} has a NaN or infinite value in series {uid!r} at "
                            f"{grid[r]}{' (a missing timestamp)' if not regular else ''}; {how}")
            # Filled from the float32 values, exactly as Panel.slice fills again, so a slice of the whole
            # series reproduces these values bit for bit.
            arr32 = _fill_block(arr32, policy).astype(np.float32)
            if np.isnan(arr32).any():
                c = int(np.flatnonzero(np.isnan(arr32).any(axis=0))[0])
                raise _fail(f"{layout.column(cols[c], uid)} of series {uid!r} has no value to fill from")
        ids.append(uid)
        starts.append(grid[0])
        values.append(arr32[:, 0])
        covs.append(arr32[:, 1:])
        lengths.append(len(arr32))
        masks.append(bad)

    ids_arr = np.empty(len(ids), dtype=object)
    for i, uid in enumerate(ids):  # one by one: a slice assignment would unpack tuple ids into a 2-D array
        ids_arr[i] = uid
    lengths_arr = np.asarray(lengths, dtype=np.int64)
    _check_lengths(ids_arr, lengths_arr, min_length, why)
    mask = np.concatenate(masks, axis=0)
    filled = bool(mask.any())
    return Panel(
        ids=ids_arr,
        values=np.ascontiguousarray(np.concatenate(values)),
        offsets=np.concatenate([[0], np.cumsum(lengths_arr)]).astype(np.int64),
        starts=pd.DatetimeIndex(starts),
        freq=offset,
        covariates=np.ascontiguousarray(np.concatenate(covs, axis=0)),
        covariate_names=tuple(str(c) for c in extras),
        missing=mask if filled else None,
        fill_missing=policy if filled else None,
    )


def _observed_trading_days(stamps: pd.DatetimeIndex, time_col) -> pd.DateOffset:
    """Business days whose holidays are the weekdays on which no series has a row (``freq="trading"``)."""
    if stamps.tz is not None or not (stamps == stamps.normalize()).all():
        raise _fail(f"freq='trading' reads trading days from dates: column {time_col!r} must hold dates at midnight "
                    "without a time zone (e.g. df[col].dt.tz_localize(None).dt.normalize())")
    weekend = stamps[stamps.day_of_week >= 5]
    if len(weekend):
        raise _fail(f"freq='trading' puts series on weekdays, but column {time_col!r} has a weekend date "
                    f"{weekend[0].date()}; pass freq='D' (or drop weekend rows)")
    days = pd.bdate_range(stamps.min(), stamps.max())
    holidays = days[~days.isin(stamps.unique())]
    return pd.offsets.CustomBusinessDay(holidays=list(holidays))


def _panel_freq(groups) -> pd.DateOffset:
    """The one frequency of all series; ``groups`` holds ``(id, timestamps, ...)`` per series."""
    found: dict[str, object] = {}
    for uid, ds, *_ in groups:
        guess = _infer_freq(ds)
        if guess is not None:
            found.setdefault(guess.freqstr, uid)
    if not found:
        uid, ds, *_ = max(groups, key=lambda item: len(item[1]))
        raise _fail(f"cannot infer the frequency of the data (series {uid!r} has {len(ds)} timestamp(s) from "
                    f"{ds[0]}); pass freq=, e.g. freq='D' or freq='MS'")
    if len(found) > 1:
        # Daily series of which one happens to have no weekend rows look "D" and "B": the one grid every
        # series lies on is the panel's frequency. Only when none fits them all do they truly differ.
        covering = [name for name in found if all(_on_grid(ds, to_offset(name)) for _, ds, *_ in groups)]
        if len(covering) == 1:
            return to_offset(covering[0])
        shown = ", ".join(f"{uid!r} looks {f!r}" for f, uid in found.items())
        raise _fail(f"the series have different frequencies ({shown}); pass freq= or split the data")
    return to_offset(next(iter(found)))


def _on_grid(ds: pd.DatetimeIndex, offset: pd.DateOffset) -> bool:
    """Whether every timestamp of ``ds`` lies on the grid of ``offset`` from its first one, a grid at most twice
    as long as ``ds`` (a mostly empty grid is not what the timestamps were sampled on: monthly dates lie on
    the daily grid too)."""
    if len(ds) < 2:
        return True
    if isinstance(offset, pd.offsets.Tick) and (ds[-1] - ds[0]) // pd.Timedelta(offset) >= 2 * len(ds):
        return False
    grid = pd.date_range(ds[0], ds[-1], freq=offset)
    return bool(0 < len(grid) <= 2 * len(ds) and grid[0] == ds[0] and ds.isin(grid).all())


def _check_lengths(ids, lengths, min_length: int, why: str = "") -> None:
    short = np.flatnonzero(lengths < min_length)
    if len(short):
        i = short[0]
        raise _fail(f"series {ids[i]!r} has {lengths[i]} observation(s) but at least {min_length} are needed"
                    + (f" ({why})" if why else "")
                    + (f" ({len(short)} series are too short)" if len(short) > 1 else ""))


def future_covariates(
    X_future, panel: Panel, horizon: int, names: Sequence[str], *, id_col: str = "unique_id", time_col: str = "ds"
) -> np.ndarray:
    """Values of the future covariates ``names`` for the ``horizon`` steps after each series of ``panel``.

    ``X_future`` is a long frame (``id_col, time_col`` and the named columns) that must cover exactly the
    next ``horizon`` timestamps of every series; its timestamps and values follow the rules of `to_panel`, and
    two rows for one (series, timestamp) that disagree are refused. Returns ``[n_series, horizon,
    len(names)]`` float32.

    Example
    -------
    >>> import pandas as pd
    >>> s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="D"), name="a")
    >>> X = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-04", periods=2), "promo": [1, 0]})
    >>> future_covariates(X, to_panel(s), 2, ["promo"])[0, :, 0].tolist()
    [1.0, 0.0]
    """
    names = list(names)
    if X_future is None:
        raise _fail(f"X_future is required: the model uses future covariates {names} for the horizon")
    X_future = as_pandas(X_future, panel.freq) if not isinstance(X_future, np.ndarray) else X_future
    if not isinstance(X_future, pd.DataFrame):
        raise _fail(f"X_future must be a long DataFrame, got {type(X_future).__name__}")
    if isinstance(id_col, list | tuple) and len(id_col) == 1:
        id_col = id_col[0]
    if isinstance(id_col, list | tuple):
        X_future, id_col = _combine_ids(X_future.loc[:, [c for c in X_future.columns if c in (*id_col, time_col,
                                                                                              *names)]],
                                        list(id_col), time_col)
    missing = [c for c in (id_col, time_col, *names) if c not in X_future.columns]
    if missing:
        raise _fail(f"X_future is missing column(s) {missing}; it has {list(X_future.columns)}")
    duplicated = [c for c in dict.fromkeys((id_col, time_col, *names)) if (X_future.columns == c).sum() > 1]
    if duplicated:
        raise _fail(f"X_future has several columns named {', '.join(repr(c) for c in duplicated)}: every column "
                    f"name must appear once")
    frame = X_future.loc[:, list(dict.fromkeys([id_col, time_col, *names]))].copy()
    frame[time_col] = _parse_times(frame[time_col], time_col, frame[id_col], what=f"X_future column {time_col!r}",
                                   freq=panel.freq)
    for name in names:
        def describe(row, name=name):
            return f"X_future column {name!r}"

        frame[name] = _real_numbers(frame[name], describe, frame[id_col], frame[time_col])
    repeated = frame.duplicated([id_col, time_col], keep=False)
    if repeated.any():
        # Identical repeats are harmless; rows that disagree leave no way to know which one the user meant.
        conflicts = frame[repeated].groupby([id_col, time_col], sort=False)[names].nunique(dropna=False).max(axis=1)
        if (conflicts > 1).any():
            uid, stamp = conflicts.index[int(np.flatnonzero((conflicts > 1).to_numpy())[0])]
            rows = frame[(frame[id_col] == uid) & (frame[time_col] == stamp)]
            shown = "; ".join(", ".join(f"{n}={v!r}" for n, v in zip(names, row, strict=True))
                              for row in rows[names].itertuples(index=False, name=None))
            raise _fail(f"X_future has {len(rows)} different rows for series {uid!r} at {stamp} ({shown}); "
                        f"keep one row per ({id_col}, {time_col})")
        frame = frame.drop_duplicates([id_col, time_col])
    frame = frame.set_index([id_col, time_col])
    out = np.empty((panel.n_series, horizon, len(names)), dtype=np.float32)
    for i, uid in enumerate(panel.ids):
        want = panel.future_index(i, horizon)
        key = np.empty(horizon, dtype=object)
        for k in range(horizon):  # one by one: a tuple id must stay one value
            key[k] = uid
        keys = pd.MultiIndex.from_arrays([key, want])
        present = keys.isin(frame.index)
        if not present.all():
            raise _fail(f"X_future has no row for series {uid!r} at {want[~present][0]}; it must cover the "
                        f"{horizon} timestamps after {panel.end(i)}")
        block = frame.loc[keys, names].to_numpy(dtype=np.float64)
        if not np.isfinite(block).all():
            r, c = np.argwhere(~np.isfinite(block))[0]
            raise _fail(f"X_future column {names[c]!r} of series {uid!r} at {want[r]} is not a finite number")
        out[i] = block
    return out
