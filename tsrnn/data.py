"""The data contract: long, wide and Series inputs become one validated `Panel` (float32), and back.

Every forecaster goes through `to_panel`; nothing below the estimators ever looks at a user's frame.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .errors import DataError

__all__ = ["Panel", "to_panel", "check_positive_int", "future_covariates", "FILL_POLICIES", "season_length_for"]

FILL_POLICIES = ("ffill", "interpolate", "zero")

# Tried, in this order, when pandas cannot infer a frequency (usually because timestamps are missing).
# The candidate whose grid holds every timestamp with the fewest points wins, if it has at most twice as
# many points as there are timestamps.
_CANDIDATE_FREQS = (
    ["YS", "YE", "MS", "ME"]
    + [f"QS-{m}" for m in ("JAN", "FEB", "MAR")]
    + [f"QE-{m}" for m in ("DEC", "JAN", "FEB")]
    + [f"W-{d}" for d in ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")]
    + ["B", "D", "h", "min", "s"]
)


@dataclass(frozen=True, eq=False)
class Panel:
    """Many regular time series stored back to back in one contiguous float32 array.

    Series ``i`` occupies ``values[offsets[i]:offsets[i + 1]]``; its timestamps are ``starts[i]`` plus
    whole multiples of ``freq``. Extra columns of the input live in ``covariates`` (``[total, k]``).
    Build one with `to_panel`; a Panel is never modified in place.

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
        ends = pd.DatetimeIndex([self.end(i) for i in range(self.n_series)])
        grid = pd.date_range(ends.min() + self.freq, ends.max() + horizon * self.freq, freq=self.freq)
        first = grid.get_indexer(ends + self.freq)
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

    def id_position(self) -> dict:
        """Map from series id to its row in the panel."""
        return {uid: i for i, uid in enumerate(self.ids)}

    def slice(self, begin: Sequence[int] | np.ndarray, end: Sequence[int] | np.ndarray) -> Panel:
        """Keep positions ``[begin[i], end[i])`` of every series (per-series integer positions).

        Used by backtests to cut a panel at a cutoff: ``panel.slice(0, cutoffs)``.
        """
        lengths = self.lengths
        begin = np.broadcast_to(np.asarray(begin, dtype=np.int64), lengths.shape)
        end = np.broadcast_to(np.asarray(end, dtype=np.int64), lengths.shape)
        if np.any(begin < 0) or np.any(end > lengths) or np.any(end <= begin):
            raise DataError("Panel.slice needs 0 <= begin < end <= length for every series")
        pieces = [np.arange(self.offsets[i] + begin[i], self.offsets[i] + end[i]) for i in range(self.n_series)]
        take = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        new_len = end - begin
        offsets = np.concatenate([[0], np.cumsum(new_len)]).astype(np.int64)
        starts = pd.DatetimeIndex([self.starts[i] + int(begin[i]) * self.freq for i in range(self.n_series)])
        return Panel(self.ids, self.values[take], offsets, starts, self.freq, self.covariates[take], self.covariate_names)

    def select(self, rows: Sequence[int] | np.ndarray) -> Panel:
        """Keep the series at positions ``rows`` (in that order)."""
        rows = np.asarray(rows, dtype=np.int64)
        pieces = [np.arange(self.offsets[i], self.offsets[i + 1]) for i in rows]
        take = np.concatenate(pieces) if len(pieces) else np.zeros(0, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(self.lengths[rows])]).astype(np.int64)
        return Panel(self.ids[rows], self.values[take], offsets, self.starts[rows], self.freq,
                     self.covariates[take], self.covariate_names)

    def with_values(self, values: np.ndarray) -> Panel:
        """The same panel with the target replaced (same layout)."""
        values = np.ascontiguousarray(values, dtype=np.float32)
        if values.shape != self.values.shape:
            raise ValueError(f"values has shape {values.shape}, the panel needs {self.values.shape}")
        return Panel(self.ids, values, self.offsets, self.starts, self.freq, self.covariates, self.covariate_names)

    def to_frame(self, target_name: str = "y") -> pd.DataFrame:
        """Long frame ``unique_id, ds, y[, covariates]`` (float64 values)."""
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
        )


def check_positive_int(value, name: str, *, allow_none: bool = False) -> int | None:
    """Return ``value`` as an int, or raise a ValueError that names the parameter.

    Example
    -------
    >>> check_positive_int(3, "horizon")
    3
    >>> check_positive_int(0, "horizon")
    Traceback (most recent call last):
    ...
    ValueError: horizon must be a positive integer, got 0
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def season_length_for(freq: pd.DateOffset | str) -> int:
    """The usual seasonal period for a frequency: 12 monthly, 4 quarterly, 5 business-daily, 7 daily,
    52 weekly, 24 hourly, 1 otherwise.

    Example
    -------
    >>> season_length_for("MS"), season_length_for("QS-JAN"), season_length_for("B"), season_length_for("YS")
    (12, 4, 5, 1)
    """
    name = to_offset(freq).rule_code.split("-")[0]
    table = {"MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "B": 5, "C": 5, "D": 7, "W": 52,
             "h": 24, "H": 24}
    return table.get(name, 1)


def _fail(message: str) -> DataError:
    return DataError(message)


def _as_long(data, id_col: str, time_col: str, target_col: str) -> pd.DataFrame:
    """Return a new long frame with columns id, time, target, extras (the caller's object is untouched)."""
    if isinstance(data, pd.Series):
        if not isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex):
            raise _fail("a Series input needs a DatetimeIndex; got an index of type "
                        f"{type(data.index).__name__}. Use a long frame with a '{time_col}' column instead.")
        name = data.name if data.name is not None else "series"
        idx = data.index.to_timestamp() if isinstance(data.index, pd.PeriodIndex) else data.index
        return pd.DataFrame({id_col: name, time_col: idx, target_col: data.to_numpy()})
    if not isinstance(data, pd.DataFrame):
        raise _fail(f"expected a pandas DataFrame, Series or Panel, got {type(data).__name__}")
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
        target = np.concatenate([data.iloc[a : b + 1, j].to_numpy() for j, (a, b) in enumerate(zip(first, last))])
        return pd.DataFrame({id_col: ids[cols], time_col: idx[rows], target_col: target})
    missing = [c for c in (id_col, time_col, target_col) if c not in data.columns]
    if missing:
        hint = "; a wide frame needs a DatetimeIndex" if time_col in missing else ""
        raise _fail(f"missing column(s) {missing}; the frame has columns {list(data.columns)}. "
                    f"Name yours with id_col=, time_col=, target_col={hint}")
    extras = [c for c in data.columns if c not in (id_col, time_col, target_col)]
    return data.loc[:, [id_col, time_col, target_col, *extras]].copy()


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
    for name in _CANDIDATE_FREQS:
        step = to_offset(name)
        if isinstance(step, pd.offsets.Tick) and (ds[-1] - ds[0]) // pd.Timedelta(step) >= 2 * len(ds):
            continue  # do not build a grid of millions of seconds to learn that it is mostly empty
        grid = pd.date_range(ds[0], ds[-1], freq=name)
        if len(grid) > 2 * len(ds):  # mostly empty grid: irregular timestamps, not a frequency with gaps
            continue
        if wanted.issubset(grid.asi8) and (best_size is None or len(grid) < best_size):
            best, best_size = to_offset(name), len(grid)
    return best


def _fill(frame: pd.DataFrame, columns: list[str], policy: str) -> pd.DataFrame:
    if policy == "ffill":
        frame[columns] = frame[columns].ffill().bfill()
    elif policy == "interpolate":
        frame[columns] = frame[columns].interpolate(method="linear", limit_direction="both")
    else:
        frame[columns] = frame[columns].fillna(0.0)
    return frame


def to_panel(
    data,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    freq: str | pd.DateOffset | None = None,
    fill_missing: str | None = None,
    min_length: int = 1,
    why: str = "",
) -> Panel:
    """Validate a long frame, a wide frame or a Series and return a `Panel`.

    Parameters
    ----------
    data : DataFrame, Series or Panel
        Long: columns ``id_col, time_col, target_col`` plus optional numeric covariate columns.
        Wide: a DatetimeIndex and one column per series. Series: a DatetimeIndex (its name is the id).
        A Panel is returned as it is (after the length check).
    freq : pandas offset alias, optional
        Inferred from the timestamps when not given.
    fill_missing : {"ffill", "interpolate", "zero"}, optional
        How to fill missing timestamps and NaN/inf values. Without a policy they are errors.
    min_length : int
        The shortest series allowed; shorter ones are an error that says both lengths (and ``why``).

    Rows may come in any order (they are sorted). The caller's frame is never modified.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unique_id": ["b", "a", "a", "b"],
    ...                    "ds": ["2021-02-01", "2021-01-01", "2021-02-01", "2021-01-01"],
    ...                    "y": [4.0, 1.0, 2.0, 3.0]})
    >>> p = to_panel(df)
    >>> list(p.ids), p.values.tolist(), p.freq.freqstr
    (['a', 'b'], [1.0, 2.0, 3.0, 4.0], 'MS')
    """
    if isinstance(data, Panel):
        _check_lengths(data.ids, data.lengths, min_length, why)
        return data
    if fill_missing is not None and fill_missing not in FILL_POLICIES:
        raise _fail(f"fill_missing={fill_missing!r} is not a policy; use one of {FILL_POLICIES} or None")
    frame = _as_long(data, id_col, time_col, target_col)
    if len(frame) == 0:
        raise _fail("the input has no rows: an empty frame cannot be forecast")

    # Timestamps.
    raw_ds = frame[time_col]
    if isinstance(raw_ds.dtype, pd.PeriodDtype):
        parsed = raw_ds.dt.to_timestamp()
    else:
        try:
            parsed = pd.to_datetime(raw_ds, errors="coerce")
        except (TypeError, ValueError) as err:  # mixed time zones and the like
            raise _fail(f"column {time_col!r} cannot be parsed as timestamps: {err}") from None
    bad = parsed.isna() & raw_ds.notna()
    if raw_ds.isna().any() or bad.any():
        row = int(np.flatnonzero((bad | raw_ds.isna()).to_numpy())[0])
        raise _fail(f"column {time_col!r} has a value that is not a timestamp: {raw_ds.iloc[row]!r} "
                    f"(series {frame[id_col].iloc[row]!r}, row {row})")
    frame[time_col] = parsed

    # Target and covariates must be numbers.
    extras = [c for c in frame.columns if c not in (id_col, time_col, target_col)]
    for col in [target_col, *extras]:
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw):
            frame[col] = raw.astype(np.float64)
            continue
        numeric = pd.to_numeric(raw, errors="coerce") if not pd.api.types.is_numeric_dtype(raw) else raw
        bad = numeric.isna() & raw.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            role = "target" if col == target_col else "covariate"
            raise _fail(f"{role} column {col!r} is not numeric: {raw.iloc[row]!r} in series "
                        f"{frame[id_col].iloc[row]!r} at {frame[time_col].iloc[row]}")
        frame[col] = numeric.astype(np.float64)

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
    id_values = frame[id_col].to_numpy()
    all_ds = pd.DatetimeIndex(frame[time_col])
    all_values = frame[cols].to_numpy(dtype=np.float64)  # [rows, 1 + n_extras]
    codes = pd.factorize(frame[id_col])[0]
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(codes)) + 1, [len(frame)]])
    groups = [(id_values[lo], all_ds[lo:hi], lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    offset = to_offset(freq) if freq is not None else _panel_freq(groups)

    ids, starts, values, covs, lengths = [], [], [], [], []
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
            if fill_missing is None:
                raise _fail(f"series {uid!r} has {len(grid) - len(ds)} missing timestamp(s) for frequency "
                            f"{offset.freqstr!r}, the first at {missing_at}; pass fill_missing= one of {FILL_POLICIES}")
            arr = np.array(pd.DataFrame(arr, index=ds).reindex(grid).to_numpy())
        arr[~np.isfinite(arr)] = np.nan  # inf is treated like a missing value
        bad = np.isnan(arr)
        if bad[:, 0].all():
            raise _fail(f"series {uid!r} has no finite value in column {target_col!r}")
        if bad.any():
            if fill_missing is None:
                where = np.argwhere(bad)  # [k, (row, col)]
                r, c = where[np.lexsort(where.T)][0]  # the first bad column, at its first bad row
                raise _fail(f"column {cols[c]!r} has a NaN or infinite value in series {uid!r} at {grid[r]}; "
                            f"pass fill_missing= one of {FILL_POLICIES} or clean the data")
            arr = _fill(pd.DataFrame(arr, columns=range(len(cols))), list(range(len(cols))), fill_missing).to_numpy()
            if np.isnan(arr).any():
                c = int(np.flatnonzero(np.isnan(arr).any(axis=0))[0])
                raise _fail(f"column {cols[c]!r} of series {uid!r} has no value to fill from")
        with np.errstate(over="ignore"):
            arr32 = arr.astype(np.float32)
        if not np.isfinite(arr32).all():
            r, c = np.argwhere(~np.isfinite(arr32))[0]
            raise _fail(f"column {cols[c]!r} of series {uid!r} at {grid[r]} is too large for float32")
        ids.append(uid)
        starts.append(grid[0])
        values.append(arr32[:, 0])
        covs.append(arr32[:, 1:])
        lengths.append(len(arr32))

    ids_arr = np.empty(len(ids), dtype=object)
    ids_arr[:] = ids
    lengths_arr = np.asarray(lengths, dtype=np.int64)
    _check_lengths(ids_arr, lengths_arr, min_length, why)
    return Panel(
        ids=ids_arr,
        values=np.ascontiguousarray(np.concatenate(values)),
        offsets=np.concatenate([[0], np.cumsum(lengths_arr)]).astype(np.int64),
        starts=pd.DatetimeIndex(starts),
        freq=offset,
        covariates=np.ascontiguousarray(np.concatenate(covs, axis=0)),
        covariate_names=tuple(str(c) for c in extras),
    )


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
        shown = ", ".join(f"{uid!r} looks {f!r}" for f, uid in found.items())
        raise _fail(f"the series have different frequencies ({shown}); pass freq= or split the data")
    return to_offset(next(iter(found)))


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
    next ``horizon`` timestamps of every series. Returns ``[n_series, horizon, len(names)]`` float32.

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
    if not isinstance(X_future, pd.DataFrame):
        raise _fail(f"X_future must be a long DataFrame, got {type(X_future).__name__}")
    missing = [c for c in (id_col, time_col, *names) if c not in X_future.columns]
    if missing:
        raise _fail(f"X_future is missing column(s) {missing}; it has {list(X_future.columns)}")
    frame = X_future.loc[:, [id_col, time_col, *names]].copy()
    frame[time_col] = pd.to_datetime(frame[time_col])
    frame = frame.drop_duplicates([id_col, time_col], keep="last").set_index([id_col, time_col])
    out = np.empty((panel.n_series, horizon, len(names)), dtype=np.float32)
    for i, uid in enumerate(panel.ids):
        want = panel.future_index(i, horizon)
        keys = pd.MultiIndex.from_arrays([np.repeat(np.array([uid], dtype=object), horizon), want])
        present = keys.isin(frame.index)
        if not present.all():
            raise _fail(f"X_future has no row for series {uid!r} at {want[~present][0]}; it must cover the "
                        f"{horizon} timestamps after {panel.end(i)}")
        block = frame.loc[keys, names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(block).all():
            r, c = np.argwhere(~np.isfinite(block))[0]
            raise _fail(f"X_future column {names[c]!r} of series {uid!r} at {want[r]} is not a finite number")
        out[i] = block
    return out
