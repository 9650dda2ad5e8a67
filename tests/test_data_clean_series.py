"""`to_panel`'s shortcut for a clean Series gives exactly what its general path gives, and leaves the rest to it."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import data as tsdata
from tsrnn.data import to_panel


def _general(series, **kwargs):
    """`to_panel` through its general path (long frame, sort, checks) only."""
    keep = tsdata._clean_series_panel
    tsdata._clean_series_panel = lambda *args: None
    try:
        return to_panel(series, **kwargs)
    finally:
        tsdata._clean_series_panel = keep


def _outcome(series, **kwargs):
    """The panel's arrays, or the error, of `to_panel` and of its general path."""
    out = []
    for convert in (to_panel, _general):
        try:
            p = convert(series, **kwargs)
        except Exception as err:
            out.append((type(err).__name__, str(err)))
            continue
        out.append((list(p.ids), p.values.dtype, p.values.tolist(), p.offsets.tolist(), p.offsets.dtype,
                    list(p.starts), p.starts.dtype, p.freq, p.covariates.shape, p.covariates.dtype,
                    p.covariate_names, None if p.missing is None else p.missing.tolist(), p.fill_missing))
    return out


CLEAN = [
    pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10), name="s"),
    pd.Series(np.arange(10), index=pd.date_range("2024-01-01", periods=10, freq="MS")),
    pd.Series(np.arange(10, dtype=np.float32) / 3, name="x",
              index=pd.date_range("2024-01-01", periods=10, freq="h", tz="Europe/Paris")),
    pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10, freq="B"), name="b"),
    pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10, unit="s"), name="s"),
    pd.Series(np.arange(10, dtype=np.uint8), index=pd.date_range("2024-01-31", periods=10, freq="ME"), name="m"),
]

NOT_CLEAN = [
    pd.Series([1.0, np.nan, 3.0], index=pd.date_range("2024-01-01", periods=3)),
    pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2024-01-03", "2024-01-01", "2024-01-02"])),
    pd.Series([1.0, 2.0, 3.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-01", "2024-01-02"])),
    pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05"])),
    pd.Series([1.0], index=pd.DatetimeIndex(["2024-01-01"])),
    pd.Series([1e300, 2.0, 3.0], index=pd.date_range("2024-01-01", periods=3)),
    pd.Series([True, False, True], index=pd.date_range("2024-01-01", periods=3)),
    pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2024-01", periods=3, freq="M")),
    pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime([1, 2, 3])),  # numbers read as nanoseconds
]


@pytest.mark.parametrize("series", CLEAN)
def test_clean_series_takes_the_shortcut_with_the_general_result(series, monkeypatch):
    taken = []
    shortcut = tsdata._clean_series_panel
    monkeypatch.setattr(tsdata, "_clean_series_panel", lambda *args: taken.append(1) or shortcut(*args))
    fast, general = _outcome(series)
    assert taken and fast == general and isinstance(fast[0], list)
    freq = to_panel(series).freq
    for kwargs in ({"freq": freq}, {"fill_missing": "ffill"}, {"min_length": 11}):
        fast, general = _outcome(series, **kwargs)
        assert fast == general


@pytest.mark.parametrize("series", NOT_CLEAN)
@pytest.mark.parametrize("kwargs", [{}, {"fill_missing": "ffill"}, {"freq": "D"}])
def test_other_series_get_what_the_general_path_gives(series, kwargs):
    fast, general = _outcome(series, **kwargs)
    assert fast == general
