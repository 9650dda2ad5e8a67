"""The data contract: every bad input is a DataError that says what and where; good inputs become Panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.tseries.frequencies import to_offset

from tsrnn.data import Panel, future_covariates, to_panel
from tsrnn.errors import DataError


def long_frame(spec: dict, freq: str = "MS") -> pd.DataFrame:
    """``{id: (start, values)}`` -> long frame on a regular grid."""
    parts = [
        pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(values), freq=freq),
                      "y": np.asarray(values, dtype=np.float64)})
        for uid, (start, values) in spec.items()
    ]
    return pd.concat(parts, ignore_index=True)


def raises_data_error(*fragments: str, call, **kwargs) -> str:
    """Call ``call(**kwargs)``, expect a DataError whose message holds every fragment; return the message."""
    with pytest.raises(DataError) as info:
        call(**kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in error message: {message}"
    return message


def two_series() -> pd.DataFrame:
    return long_frame({"a": ("2020-01-01", [1.0, 2.0, 3.0, 4.0, 5.0]), "b": ("2020-03-01", [10.0, 11.0, 12.0, 13.0])})


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# --- columns and values -------------------------------------------------------------------------------------
@pytest.mark.parametrize("column", ["unique_id", "ds", "y"])
def test_missing_column_is_named(column):
    df = two_series().drop(columns=column)
    raises_data_error(f"'{column}'", call=to_panel, data=df)


def test_non_numeric_target_names_column_series_and_timestamp():
    df = two_series().astype({"y": object})
    df.loc[(df["unique_id"] == "b") & (df["ds"] == "2020-04-01"), "y"] = "12,5"
    raises_data_error("'y'", "'12,5'", "'b'", "2020-04-01", call=to_panel, data=df)


def test_numeric_strings_are_accepted_as_numbers():
    df = two_series().astype({"y": str})
    assert to_panel(df).values.tolist() == [1, 2, 3, 4, 5, 10, 11, 12, 13]


def test_non_numeric_covariate_names_column_series_and_timestamp():
    df = two_series()
    df["promo"] = ["no"] + [1.0] * (len(df) - 1)
    raises_data_error("covariate", "'promo'", "'no'", "'a'", "2020-01-01", call=to_panel, data=df)


def test_covariates_are_kept_in_order_as_float32():
    df = two_series()
    df["promo"] = np.arange(len(df)) % 2
    df["price"] = np.arange(len(df)) * 0.5
    p = to_panel(df)
    assert p.covariate_names == ("promo", "price")
    assert p.covariates.dtype == np.float32
    assert p.covariates_of(1).tolist() == [[1, 2.5], [0, 3.0], [1, 3.5], [0, 4.0]]


@pytest.mark.parametrize("bad", ["not a date", "2020-13-45", None])
def test_unparseable_timestamp_names_column_value_and_series(bad):
    df = two_series().astype({"ds": object})
    df.loc[6, "ds"] = bad  # series 'b'
    raises_data_error("'ds'", repr(bad), "'b'", call=to_panel, data=df)


def test_duplicate_rows_name_series_and_timestamp():
    df = two_series()
    df = pd.concat([df, df.iloc[[6]]], ignore_index=True)  # b at 2020-04-01 twice
    raises_data_error("duplicate", "'b'", "2020-04-01", call=to_panel, data=df)


def test_unsorted_rows_are_sorted_by_series_then_time():
    df = two_series()
    shuffled = df.sample(frac=1.0, random_state=3)
    assert not shuffled.index.equals(df.index)  # the shuffle did shuffle
    p = to_panel(shuffled)
    assert list(p.ids) == ["a", "b"]
    assert p.values.tolist() == [1, 2, 3, 4, 5, 10, 11, 12, 13]
    assert p.starts.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-03-01"]
    assert p.equals(to_panel(df))


def test_string_timestamps_are_parsed():
    df = two_series()
    df["ds"] = df["ds"].dt.strftime("%Y-%m-%d")
    assert to_panel(df).equals(to_panel(two_series()))


# --- timestamps and frequency ---------------------------------------------------------------------------------
def test_irregular_timestamp_in_one_series_names_series_and_timestamp():
    df = two_series()
    df.loc[7, "ds"] = pd.Timestamp("2020-05-15")  # b: 03-01, 04-01, 05-15, 06-01
    raises_data_error("'b'", "2020-05-15", "irregular", call=to_panel, data=df)


def test_irregular_timestamp_with_explicit_freq_names_it():
    s = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.DatetimeIndex(["2020-01-01", "2020-02-01", "2020-03-15",
                                                                "2020-04-01"]), name="x")
    raises_data_error("'x'", "2020-03-15", call=to_panel, data=s, freq="MS")
    # Without freq= the timestamps fit no frequency: the error asks for one, it does not invent a daily grid.
    raises_data_error("cannot infer the frequency", "'x'", "freq=", call=to_panel, data=s)


def test_series_starting_off_the_given_grid_is_an_error():
    s = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2020-01-15", "2020-02-15"]), name="x")
    raises_data_error("'x'", "2020-01-15", "'MS'", call=to_panel, data=s, freq="MS")


def test_missing_timestamps_are_an_error_naming_series_and_first_gap():
    df = two_series().drop(index=[2, 3])  # a loses 2020-03-01 and 2020-04-01
    raises_data_error("'a'", "2 missing", "2020-03-01", "fill_missing", call=to_panel, data=df)


MISSING_Y = [1.0, 2.0, 4.0, 10.0]  # at months 1, 2, 4, 7: months 3, 5, 6 are absent


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("ffill", [1, 2, 2, 4, 4, 4, 10]),
        ("interpolate", [1, 2, 3, 4, 6, 8, 10]),
        ("zero", [1, 2, 0, 4, 0, 0, 10]),
    ],
)
def test_missing_timestamps_filled_by_policy(policy, expected):
    ds = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-04-01", "2020-07-01"])
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": MISSING_Y})
    p = to_panel(df, fill_missing=policy)
    assert p.freq == to_offset("MS")
    assert p.values.tolist() == expected
    assert p.index(0).equals(pd.date_range("2020-01-01", periods=7, freq="MS"))


BAD_Y = [np.nan, 2.0, np.inf, 4.0, -np.inf, 8.0]


def test_nan_and_inf_in_target_are_an_error_naming_series_and_timestamp():
    df = pd.concat([long_frame({"a": ("2020-01-01", [1.0] * 6)}), long_frame({"b": ("2020-01-01", BAD_Y)})],
                   ignore_index=True)
    raises_data_error("'y'", "'b'", "2020-01-01", "fill_missing", call=to_panel, data=df)
    df.loc[6, "y"] = 5.0  # now the first bad value of b is +inf at 2020-03-01
    raises_data_error("'b'", "2020-03-01", call=to_panel, data=df)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("ffill", [2, 2, 2, 4, 4, 8]),  # a leading gap is filled backwards
        ("interpolate", [2, 2, 3, 4, 6, 8]),
        ("zero", [0, 2, 0, 4, 0, 8]),
    ],
)
def test_nan_and_inf_filled_by_policy(policy, expected):
    df = long_frame({"b": ("2020-01-01", BAD_Y)})
    df["promo"] = [1.0, np.nan, 3.0, np.nan, np.nan, 9.0]
    p = to_panel(df, fill_missing=policy)
    assert p.values.tolist() == expected
    promo = {"ffill": [1, 1, 3, 3, 3, 9], "interpolate": [1, 2, 3, 5, 7, 9], "zero": [1, 0, 3, 0, 0, 9]}[policy]
    assert p.covariates[:, 0].tolist() == promo


def test_covariate_nan_without_policy_names_the_covariate():
    df = two_series()
    df["promo"] = 1.0
    df.loc[5, "promo"] = np.nan  # b at 2020-03-01
    raises_data_error("'promo'", "'b'", "2020-03-01", call=to_panel, data=df)


def test_series_shorter_than_min_length_says_both_lengths():
    raises_data_error("'b'", "4 observation", "at least 5", call=to_panel, data=two_series(), min_length=5)
    assert to_panel(two_series(), min_length=4).n_series == 2


def test_min_length_applies_to_panel_input():
    p = to_panel(two_series())
    assert to_panel(p) is p
    raises_data_error("'a'", "5 observation", "at least 6", "(2 series are too short)",
                      call=to_panel, data=p, min_length=6)


@pytest.mark.parametrize(
    "empty",
    [
        pd.DataFrame({"unique_id": pd.Series([], dtype=str), "ds": pd.Series([], dtype="datetime64[ns]"),
                      "y": pd.Series([], dtype=float)}),
        pd.Series([], index=pd.DatetimeIndex([]), dtype=float, name="s"),
    ],
    ids=["long", "series"],
)
def test_empty_input_is_an_error(empty):
    raises_data_error("no rows", call=to_panel, data=empty)


def test_frame_without_columns_says_which_are_missing():
    raises_data_error("'unique_id'", "'ds'", "'y'", call=to_panel, data=pd.DataFrame())


def test_single_row_series_alone_has_no_frequency():
    df = long_frame({"solo": ("2020-01-01", [1.0])})
    raises_data_error("cannot infer the frequency", "'solo'", "freq=", call=to_panel, data=df)
    p = to_panel(df, freq="MS")
    assert p.lengths.tolist() == [1]
    assert p.future_index(0, 2).strftime("%Y-%m-%d").tolist() == ["2020-02-01", "2020-03-01"]


def test_single_row_series_takes_the_frequency_of_the_others():
    df = pd.concat([two_series(), long_frame({"c": ("2020-02-01", [7.0])})], ignore_index=True)
    p = to_panel(df)
    assert p.freq == to_offset("MS")
    assert p.lengths.tolist() == [5, 4, 1]


def test_random_timestamps_have_no_frequency():
    rng = np.random.default_rng(0)
    days = np.sort(rng.choice(365, size=20, replace=False))  # a daily grid would be 18 times too big
    s = pd.Series(np.arange(20.0), index=pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"), name="r")
    raises_data_error("cannot infer the frequency", "'r'", call=to_panel, data=s)
    seconds = np.sort(rng.choice(10**7, size=20, replace=False))
    s = pd.Series(np.arange(20.0), index=pd.Timestamp("2020-01-01") + pd.to_timedelta(seconds, unit="s"), name="t")
    raises_data_error("cannot infer the frequency", "'t'", call=to_panel, data=s)


def test_series_with_different_frequencies_are_named():
    df = pd.concat([long_frame({"m": ("2020-01-01", np.arange(6.0))}, freq="MS"),
                    long_frame({"d": ("2020-01-01", np.arange(6.0))}, freq="D")], ignore_index=True)
    raises_data_error("different frequencies", "'m'", "'MS'", "'d'", "'D'", call=to_panel, data=df)


def test_unknown_fill_policy_is_named():
    raises_data_error("'linear'", "ffill", "interpolate", "zero", call=to_panel, data=two_series(),
                      fill_missing="linear")


@pytest.mark.parametrize("policy", [None, "ffill", "interpolate", "zero"])
def test_all_nan_series_is_an_error_whatever_the_policy(policy):
    df = pd.concat([two_series(), long_frame({"c": ("2020-01-01", [np.nan, np.inf, np.nan])})],
                   ignore_index=True)
    raises_data_error("'c'", "no finite value", call=to_panel, data=df, fill_missing=policy)


# --- wide frames and Series ---------------------------------------------------------------------------------
def test_wide_frame_with_nan_padding_is_ragged():
    idx = pd.date_range("2021-01-04", periods=5, freq="D")
    wide = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y2": [np.nan, np.nan, 7.0, 8.0, 9.0],
                         "z": [4.0, 5.0, 6.0, np.nan, np.nan]}, index=idx)
    p = to_panel(wide)
    assert list(p.ids) == ["x", "y2", "z"]
    assert p.lengths.tolist() == [5, 3, 3]
    assert p.starts.strftime("%Y-%m-%d").tolist() == ["2021-01-04", "2021-01-06", "2021-01-04"]
    assert p.values.tolist() == [1, 2, 3, 4, 5, 7, 8, 9, 4, 5, 6]
    assert p.freq == to_offset("D")


def test_wide_frame_inner_nan_is_missing_data():
    idx = pd.date_range("2021-01-04", periods=4, freq="D")
    wide = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0]}, index=idx)
    raises_data_error("'x'", "2021-01-05", call=to_panel, data=wide)
    assert to_panel(wide, fill_missing="interpolate").values.tolist() == [1, 2, 3, 4]


def test_wide_column_without_values_is_named():
    idx = pd.date_range("2021-01-04", periods=3, freq="D")
    wide = pd.DataFrame({"x": [1.0, 2.0, 3.0], "empty": [np.nan] * 3}, index=idx)
    raises_data_error("'empty'", call=to_panel, data=wide)


def test_series_needs_a_datetime_index():
    raises_data_error("DatetimeIndex", "RangeIndex", call=to_panel, data=pd.Series([1.0, 2.0, 3.0]))


def test_series_with_period_index_and_no_name():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2020-01", periods=3, freq="M"))
    p = to_panel(s)
    assert list(p.ids) == ["series"]
    assert p.freq == to_offset("MS")
    assert p.starts[0] == pd.Timestamp("2020-01-01")


def test_unknown_input_type_is_named():
    raises_data_error("list", call=to_panel, data=[1.0, 2.0])


# --- the caller's data is never modified ----------------------------------------------------------------------
def _messy_long() -> pd.DataFrame:
    df = two_series().sample(frac=1.0, random_state=0)  # unsorted, non-default index
    df["ds"] = df["ds"].dt.strftime("%Y-%m-%d")  # string timestamps
    df["y"] = df["y"].astype(np.int64)  # integer target
    df["flag"] = df["y"] % 2 == 0  # boolean covariate
    df.loc[df.index[2], "y"] = 999  # a value, then a gap: a filled row
    return df.drop(index=df.index[4])


def _messy_wide() -> pd.DataFrame:
    idx = pd.date_range("2021-01-04", periods=5, freq="D")
    return pd.DataFrame({"x": [np.nan, 2.0, np.inf, 4.0, 5.0], "w": [1, 2, 3, 4, 5]}, index=idx)


def _messy_series() -> pd.Series:
    idx = pd.DatetimeIndex(["2021-01-01", "2021-01-02", "2021-01-04"])
    return pd.Series([3, 1, 2], index=idx, name="s")


@pytest.mark.parametrize("make", [_messy_long, _messy_wide, _messy_series], ids=["long", "wide", "series"])
def test_callers_data_is_not_modified(make):
    data = make()
    before = data.copy(deep=True)
    to_panel(data, fill_missing="interpolate")
    if isinstance(data, pd.Series):
        pd.testing.assert_series_equal(data, before, check_exact=True)
    else:
        pd.testing.assert_frame_equal(data, before, check_exact=True)
        assert data.dtypes.equals(before.dtypes)


# --- configurable column names --------------------------------------------------------------------------------
def test_configurable_column_names():
    df = two_series().rename(columns={"unique_id": "store", "ds": "date", "y": "sales"})
    p = to_panel(df, id_col="store", time_col="date", target_col="sales")
    assert p.equals(to_panel(two_series()))
    raises_data_error("'sales'", "target_col=", call=to_panel, data=df)
    raises_data_error("'revenue'", call=to_panel, data=df, id_col="store", time_col="date", target_col="revenue")


# --- frequency inference ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("alias", "start", "expected_future"),
    [
        ("MS", "2020-11-01", ["2021-05-01", "2021-06-01"]),  # ends 2021-04
        ("QS", "2020-04-01", ["2021-10-01", "2022-01-01"]),  # ends 2021-07
        ("B", "2024-01-03", ["2024-01-15", "2024-01-16"]),  # Wed..Fri, Mon..Fri: ends Fri 12th
        ("D", "2024-02-27", ["2024-03-04", "2024-03-05"]),  # 27, 28, 29 (leap day), 1, 2, 3
        ("W", "2024-01-07", ["2024-02-18", "2024-02-25"]),  # Sundays: ends Feb 11
        ("h", "2024-03-31 22:00", ["2024-04-01 04:00", "2024-04-01 05:00"]),  # ends 03:00
    ],
)
def test_frequency_is_inferred(alias, start, expected_future):
    n = 8 if alias == "B" else 6
    df = long_frame({"a": (start, np.arange(n, dtype=float))}, freq=alias)
    p = to_panel(df)
    assert p.freq == to_offset(alias)
    fmt = "%Y-%m-%d %H:%M" if alias == "h" else "%Y-%m-%d"
    assert p.future_index(0, 2).strftime(fmt).tolist() == expected_future


def test_business_days_with_gaps_name_the_first_missing_day():
    days = pd.bdate_range("2024-01-01", periods=15).delete([3, 8])  # Thu Jan 4 and Thu Jan 11 missing
    df = pd.DataFrame({"unique_id": "stock", "ds": days, "y": np.arange(13.0)})
    raises_data_error("'stock'", "2 missing", "'B'", "2024-01-04", call=to_panel, data=df)
    p = to_panel(df, fill_missing="ffill")
    assert p.freq == to_offset("B")
    assert p.values[:5].tolist() == [0, 1, 2, 2, 3]


@pytest.mark.parametrize(("alias", "season", "per_year"), [
    ("SMS", 24, 24), ("SME", 24, 24), ("BMS", 12, 12), ("BME", 12, 12), ("BQE", 4, 4), ("BQS", 4, 4), ("BYE", 1, 1)])
def test_half_month_and_business_month_data_keep_their_seasons(alias, season, per_year):
    from tsrnn.frequency import calendar_fields, periods_per_year, seasonal_periods_for

    ds = pd.date_range("2015-01-05", periods=40, freq=alias)
    p = to_panel(pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(40.0)}))
    assert p.freq == to_offset(alias)
    assert seasonal_periods_for(p.freq) == (season,)
    assert periods_per_year(p.freq) == per_year
    assert calendar_fields(p.freq) == (() if alias == "BYE" else ("month",))
    gappy = pd.DataFrame({"unique_id": "a", "ds": ds.delete([3, 7]), "y": np.arange(38.0)})
    if alias in ("BMS", "BME", "BQE", "BQS"):  # pandas cannot infer these with gaps; the candidate grids can
        raises_data_error("'a'", "2 missing", call=to_panel, data=gappy)
        assert to_panel(gappy, fill_missing="ffill").freq == to_offset(alias)
    elif alias in ("SMS", "SME"):  # half-months only when complete: with gaps, they are asked for
        raises_data_error("cannot infer the frequency", "freq=", call=to_panel, data=gappy)
        assert to_panel(gappy, freq=alias, fill_missing="ffill").freq == to_offset(alias)
        short = pd.DataFrame({"unique_id": "b", "ds": ds[:3], "y": 1.0})  # three dates say too little alone
        daily = pd.DataFrame({"unique_id": "a", "ds": pd.date_range(ds[0], periods=30, freq="D"), "y": 1.0})
        assert to_panel(pd.concat([daily, short]), fill_missing="ffill").freq == to_offset("D")


def test_custom_business_months_keep_twelve_seasons():
    from tsrnn.frequency import periods_per_year, seasonal_periods_for

    assert [seasonal_periods_for(f) for f in ("CBMS", "CBME")] == [(12,), (12,)]
    assert periods_per_year("CBME") == 12


def test_weekend_timestamp_in_business_data_is_irregular():
    days = pd.bdate_range("2024-01-01", periods=10).append(pd.DatetimeIndex(["2024-01-13"]))  # a Saturday
    s = pd.Series(np.arange(11.0), index=days, name="s")
    raises_data_error("'s'", "2024-01-13", call=to_panel, data=s, freq="B")


# --- future covariates --------------------------------------------------------------------------------------
def _future_x() -> pd.DataFrame:
    # a ends 2020-05-01, b ends 2020-06-01: horizon 2 needs a at 06, 07 and b at 07, 08.
    return pd.DataFrame({
        "unique_id": ["b", "b", "a", "a", "a"],
        "ds": pd.to_datetime(["2020-08-01", "2020-07-01", "2020-06-01", "2020-07-01", "2020-09-01"]),
        "promo": [4.0, 3.0, 1.0, 2.0, 99.0],
        "price": [0.4, 0.3, 0.1, 0.2, 9.9],
    })


def test_future_covariates_are_aligned_with_the_horizon():
    p = to_panel(two_series())
    out = future_covariates(_future_x(), p, 2, ["price", "promo"])
    assert out.shape == (2, 2, 2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0], [[0.1, 1.0], [0.2, 2.0]], rtol=1e-6)
    np.testing.assert_allclose(out[1], [[0.3, 3.0], [0.4, 4.0]], rtol=1e-6)


def test_future_covariates_missing_column_is_named():
    p = to_panel(two_series())
    raises_data_error("'holiday'", call=future_covariates, X_future=_future_x(), panel=p, horizon=2,
                      names=["promo", "holiday"])


def test_future_covariates_missing_timestamp_names_series_and_timestamp():
    p = to_panel(two_series())
    X = _future_x().drop(index=0)  # b at 2020-08-01
    raises_data_error("'b'", "2020-08-01", "2020-06-01", call=future_covariates, X_future=X, panel=p, horizon=2,
                      names=["promo"])


def test_future_covariates_required_and_numeric():
    p = to_panel(two_series())
    raises_data_error("X_future", "'promo'", call=future_covariates, X_future=None, panel=p, horizon=2,
                      names=["promo"])
    X = _future_x().astype({"promo": object})
    X.loc[2, "promo"] = "yes"  # a at 2020-06-01
    raises_data_error("'promo'", "'a'", "2020-06-01", call=future_covariates, X_future=X, panel=p, horizon=2,
                      names=["promo"])


# --- Panel arithmetic ---------------------------------------------------------------------------------------
def test_panel_timestamps_and_future_timestamps():
    p = to_panel(two_series())  # a: 2020-01..05, b: 2020-03..06
    assert p.timestamps().strftime("%Y-%m").tolist() == [
        "2020-01", "2020-02", "2020-03", "2020-04", "2020-05", "2020-03", "2020-04", "2020-05", "2020-06"]
    assert p.future_timestamps(2).strftime("%Y-%m").tolist() == ["2020-06", "2020-07", "2020-07", "2020-08"]
    assert p.end(0) == pd.Timestamp("2020-05-01")
    assert p.end(1) == pd.Timestamp("2020-06-01")
    assert p.id_position() == {"a": 0, "b": 1}


def test_panel_slice_cuts_each_series_at_its_own_positions():
    p = to_panel(two_series())
    cut = p.slice(1, [4, 3])  # a keeps positions 1..3, b keeps 1..2
    assert cut.values.tolist() == [2, 3, 4, 11, 12]
    assert cut.lengths.tolist() == [3, 2]
    assert cut.offsets.tolist() == [0, 3, 5]
    assert cut.starts.strftime("%Y-%m").tolist() == ["2020-02", "2020-04"]
    assert cut.future_timestamps(1).strftime("%Y-%m").tolist() == ["2020-05", "2020-06"]
    assert p.values.tolist() == [1, 2, 3, 4, 5, 10, 11, 12, 13]  # the original is untouched
    with pytest.raises(DataError):
        p.slice(0, [6, 4])  # past the end of a
    with pytest.raises(DataError):
        p.slice([2, 0], [2, 4])  # empty piece of a


def test_panel_select_reorders_series():
    df = two_series()
    df["promo"] = np.arange(len(df), dtype=float)
    p = to_panel(df)
    sel = p.select([1, 0])
    assert list(sel.ids) == ["b", "a"]
    assert sel.values.tolist() == [10, 11, 12, 13, 1, 2, 3, 4, 5]
    assert sel.covariates[:, 0].tolist() == [5, 6, 7, 8, 0, 1, 2, 3, 4]
    assert sel.starts.strftime("%Y-%m").tolist() == ["2020-03", "2020-01"]
    assert sel.timestamps().strftime("%Y-%m").tolist()[:5] == ["2020-03", "2020-04", "2020-05", "2020-06", "2020-01"]
    only_b = p.select([1])
    assert only_b.n_series == 1 and only_b.values.tolist() == [10, 11, 12, 13]


def test_panel_to_frame_holds_the_hand_written_rows():
    df = two_series()
    df["promo"] = np.arange(len(df), dtype=float)
    frame = to_panel(df.sample(frac=1.0, random_state=1)).to_frame()
    expected = df.copy()
    expected["ds"] = expected["ds"].astype(frame["ds"].dtype)
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    assert frame["y"].dtype == np.float64
    assert to_panel(frame).equals(to_panel(df))


def test_panel_timestamps_with_series_on_different_phases_of_the_grid():
    # Daily series, one stamped at midnight and one at noon: each keeps its own clock time.
    df = pd.concat([
        pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=3, freq="D"), "y": 1.0}),
        pd.DataFrame({"unique_id": "b", "ds": pd.date_range("2020-01-01 12:00", periods=3, freq="D"), "y": 2.0}),
    ], ignore_index=True)
    p = to_panel(df)
    fmt = "%m-%d %H"
    assert p.timestamps().strftime(fmt).tolist() == ["01-01 00", "01-02 00", "01-03 00",
                                                     "01-01 12", "01-02 12", "01-03 12"]
    assert p.future_timestamps(2).strftime(fmt).tolist() == ["01-04 00", "01-05 00", "01-04 12", "01-05 12"]


# --- property: long, wide and Series inputs give the same Panel ----------------------------------------------
FREQS = ["MS", "QS", "W", "D", "B", "h"]


@st.composite
def ragged_panels(draw):
    freq = draw(st.sampled_from(FREQS))
    grid = pd.date_range("2021-03-03", periods=60, freq=freq)
    n_series = draw(st.integers(1, 4))
    series = {}
    for i in range(n_series):
        start = draw(st.integers(0, 25))
        length = draw(st.integers(6, 30))  # 6+ points: business days always span a weekend
        values = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
                               min_size=length, max_size=length))
        series[f"s{i}"] = (grid[start : start + length], np.asarray(values))
    seed = draw(st.integers(0, 2**31 - 1))
    return freq, series, seed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ragged_panels())
def test_long_wide_and_series_inputs_give_the_same_panel(case):
    freq, series, seed = case
    long = pd.concat([pd.DataFrame({"unique_id": uid, "ds": ds, "y": y}) for uid, (ds, y) in series.items()],
                     ignore_index=True).sample(frac=1.0, random_state=seed)
    wide = pd.concat({uid: pd.Series(y, index=ds) for uid, (ds, y) in series.items()}, axis=1, sort=True)
    from_long = to_panel(long)
    assert from_long.freq == to_offset(freq)
    assert from_long.equals(to_panel(wide))
    if len(series) == 1:
        (uid, (ds, y)), = series.items()
        assert from_long.equals(to_panel(pd.Series(y, index=ds, name=uid)))
    assert to_panel(from_long.to_frame()).equals(from_long)
    # What a user gets back: every series, in id order, with its own timestamps and float32 values.
    for i, uid in enumerate(sorted(series)):
        ds, y = series[uid]
        assert from_long.ids[i] == uid
        assert from_long.index(i).equals(pd.DatetimeIndex(ds))
        np.testing.assert_array_equal(from_long.series(i), y.astype(np.float32))


def test_panel_equals_sees_a_changed_value():
    p = to_panel(two_series())
    values = p.values.copy()
    values[3] += 1.0
    assert not p.equals(p.with_values(values))
    assert p.equals(p.with_values(p.values.copy()))
    assert isinstance(p, Panel)


# --- timestamps that are not dates (issue 10, item 6) -----------------------------------------------------------
def _years(values) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": "a", "ds": values, "y": np.arange(len(values), dtype=float)})


@pytest.mark.parametrize("values", [
    [2019, 2020, 2021, 2022],
    [2019.0, 2020.0, 2021.0, 2022.0],
    pd.array([2019, 2020, 2021, 2022], dtype="Int64"),
    np.array([2019, 2020, 2021, 2022], dtype=np.uint16),
    pd.Series([2019, 2020, 2021, 2022], dtype=object),
    pd.Series(["2019", 2020, "2021", "2022"], dtype=object),  # one number among strings
    [0, 1, 2, 3],  # a step counter
    [True, False, True, False],
], ids=["int", "float", "Int64", "uint16", "object", "mixed", "steps", "bool"])
def test_numbers_are_never_read_as_timestamps(values):
    message = raises_data_error("'ds'", "numbers", "format='%Y'", "pd.to_timedelta", call=to_panel,
                                data=_years(values))
    assert "1970" in message  # says why: pandas would read them as nanoseconds since 1970


def test_the_conversion_the_error_suggests_works():
    df = _years([2019, 2020, 2021, 2022])
    df["ds"] = pd.to_datetime(df["ds"].astype(int).astype(str), format="%Y")
    p = to_panel(df)
    assert p.freq == to_offset("YS") and p.starts[0] == pd.Timestamp("2019-01-01")
    steps = _years([0, 1, 2, 3])
    steps["ds"] = pd.Timestamp("2000-01-01") + pd.to_timedelta(steps["ds"], unit="D")
    assert to_panel(steps).freq == to_offset("D")


def test_year_strings_are_dates():
    assert to_panel(_years(["2019", "2020", "2021"])).starts[0] == pd.Timestamp("2019-01-01")


def test_numbers_already_converted_to_nanoseconds_are_refused():
    df = _years(pd.to_datetime([2019, 2020, 2021, 2022]))  # 1970-01-01 00:00:00.000002019 ...
    raises_data_error("'ds'", "first second of 1970", "nanoseconds", call=to_panel, data=df)


@pytest.mark.parametrize("make", [
    lambda: pd.Series([1.0, 2.0, 3.0], index=[2019, 2020, 2021], name="s"),
    lambda: pd.DataFrame({"s": [1.0, 2.0, 3.0]}, index=[2019, 2020, 2021]),
], ids=["series", "wide"])
def test_an_integer_index_is_refused_with_the_conversion(make):
    raises_data_error("numbers such as 2019", "format='%Y'", call=to_panel, data=make())


def test_future_covariates_refuse_numeric_timestamps():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="YS"), name="a")
    X = pd.DataFrame({"unique_id": "a", "ds": [2023, 2024], "promo": [1.0, 0.0]})
    raises_data_error("X_future column 'ds'", "numbers", call=future_covariates, X_future=X, panel=to_panel(s),
                      horizon=2, names=["promo"])


@pytest.mark.parametrize("name", ["years", "ambiguous"])
def test_the_command_line_exits_2_on_timestamps_that_are_not_dates(tmp_path, capsys, name):
    from tsrnn.cli import main

    ds = list(range(1990, 2010)) if name == "years" else [f"{d:02d}/01/2020" for d in range(1, 13)]
    path = tmp_path / "data.csv"
    pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(len(ds), dtype=float)}).to_csv(path, index=False)
    assert main(["backtest", "--data", str(path), "--models", "naive", "--horizon", "2", "--folds", "2"]) == 2
    assert "'ds'" in capsys.readouterr().err


# --- values that are not real numbers (issue 10, item 19) ------------------------------------------------------
NOT_REAL = {
    "complex": lambda n: np.arange(n) + 1j,
    "complex_object": lambda n: pd.Series([1.0] * (n - 1) + [2 + 3j], dtype=object),
    "timedelta": lambda n: pd.to_timedelta(np.arange(n), unit="D"),
    "datetime": lambda n: pd.date_range("2021-01-01", periods=n),
    "datetime_tz": lambda n: pd.date_range("2021-01-01", periods=n, tz="UTC"),
    "period": lambda n: pd.period_range("2021-01", periods=n, freq="M"),
    "timestamp_objects": lambda n: pd.Series(list(pd.date_range("2021-01-01", periods=n)), dtype=object),
}


@pytest.mark.parametrize("kind", list(NOT_REAL))
@pytest.mark.parametrize("column", ["y", "promo"])
def test_targets_and_covariates_must_be_real_numbers(kind, column):
    df = long_frame({"a": ("2020-01-01", [1.0, 2.0, 3.0, 4.0])})
    df["promo"] = 1.0
    df[column] = NOT_REAL[kind](len(df))
    role = "target" if column == "y" else "covariate"
    raises_data_error(f"{role} column '{column}'", call=to_panel, data=df)


def test_a_complex_wide_column_is_named():
    wide = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0 + 1j]}, index=pd.date_range("2020", periods=3))
    raises_data_error("complex", call=to_panel, data=wide)


def test_text_in_a_wide_frame_names_the_wide_column_not_a_target_column():
    wide = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["1", "x", "2"]}, index=pd.date_range("2020-01-01", periods=3))
    message = raises_data_error("wide column 'b'", "'x'", "2020-01-02", call=to_panel, data=wide)
    assert "target column" not in message and "'y'" not in message
    wide["b"] = [1.0, np.nan, 2.0]
    message = raises_data_error("wide column 'b'", "2020-01-02", call=to_panel, data=wide.iloc[[0, 1, 2]].assign(
        b=[1.0, np.inf, 2.0]))
    assert "'y'" not in message


@pytest.mark.parametrize("columns", [["unique_id", "ds", "y", "y"], ["unique_id", "ds", "y", "x", "x"],
                                     ["unique_id", "ds", "ds", "y"]])
def test_duplicate_column_names_are_named(columns):
    df = pd.DataFrame([["a", "2020-01-01"] + [1.0] * (len(columns) - 2)], columns=columns)
    dup = next(c for c in columns if columns.count(c) > 1)
    raises_data_error("several columns", f"'{dup}'", call=to_panel, data=df)


def test_duplicate_wide_columns_are_named():
    wide = pd.DataFrame([[1.0, 2.0]] * 3, columns=["a", "a"], index=pd.date_range("2020-01-01", periods=3))
    raises_data_error("several columns", "'a'", call=to_panel, data=wide)


def test_conflicting_future_covariate_rows_are_refused_and_identical_ones_kept():
    p = to_panel(pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3), name="a"))
    days = list(pd.date_range("2020-01-04", periods=2)) * 2
    same = pd.DataFrame({"unique_id": "a", "ds": days, "promo": [1.0, 0.0, 1.0, 0.0]})
    assert future_covariates(same, p, 2, ["promo"])[0, :, 0].tolist() == [1.0, 0.0]
    raises_data_error("'a'", "2020-01-05", "promo=0.0", "promo=5.0", call=future_covariates,
                      X_future=same.assign(promo=[1.0, 0.0, 1.0, 5.0]), panel=p, horizon=2, names=["promo"])


def test_future_covariates_must_be_real_numbers():
    p = to_panel(pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3), name="a"))
    X = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-04", periods=2), "promo": [1.0 + 1j, 0.0]})
    raises_data_error("X_future column 'promo'", "complex", call=future_covariates, X_future=X, panel=p,
                      horizon=2, names=["promo"])


# --- day-first, month-first, mixed formats and time zones ----------------------------------------------------
def _dates(strings, uid="a") -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": strings, "y": np.arange(len(strings), dtype=float)})


def test_ambiguous_day_month_dates_are_refused_with_both_readings():
    twelve_days = [f"{d:02d}/01/2020" for d in range(1, 13)]  # 12 January days, or the 2nd of 12 months
    message = raises_data_error("ambiguous", "'02/01/2020'", "02 January 2020", "February 01, 2020",
                                "format='%d/%m/%Y'", "format='%m/%d/%Y'", call=to_panel, data=_dates(twelve_days))
    assert "YYYY-MM-DD" in message


@pytest.mark.parametrize(("strings", "first", "freq"), [
    ([f"{d:02d}/01/2020" for d in range(1, 15)], "2020-01-01", "D"),  # 13 and 14 settle it: day first
    ([f"{d:02d}/01/2020" for d in range(14, 0, -1)], "2020-01-01", "D"),  # whatever the row order
    ([f"01/{d:02d}/2020" for d in range(1, 15)], "2020-01-01", "D"),  # month first
    ([f"{d:02d}.01.20" for d in range(1, 15)], "2020-01-01", "D"),  # other separators, two-digit years
    ([f"01/{m:02d}/{y}" for y in (2020, 2021) for m in range(1, 13)], "2020-01-01", "MS"),  # only day-first is regular
    ([f"{m:02d}/01/{y}" for y in (2020, 2021) for m in range(1, 13)], "2020-01-01", "MS"),  # only month-first is
    (["2020-01-02", "2020-01-03", "2020-01-04"], "2020-01-02", "D"),  # ISO dates are never ambiguous
])
def test_day_and_month_are_told_apart_when_the_data_say_which(strings, first, freq):
    p = to_panel(_dates(strings))
    assert p.starts[0] == pd.Timestamp(first) and p.freq == to_offset(freq)
    assert p.index(0).equals(pd.DatetimeIndex(sorted(p.index(0))))


def test_freq_settles_ambiguous_dates():
    twelve = [f"01/{m:02d}/2020" for m in range(1, 13)]  # day-first monthly or month-first daily
    assert to_panel(_dates(twelve), freq="MS").index(0)[1] == pd.Timestamp("2020-02-01")
    assert to_panel(_dates(twelve), freq="D").index(0)[1] == pd.Timestamp("2020-01-02")


def test_day_first_and_month_first_in_one_column_are_refused():
    raises_data_error("day-first and month-first", "'13/01/2020'", "'01/14/2020'", call=to_panel,
                      data=_dates(["13/01/2020", "01/14/2020", "15/01/2020"]))


@pytest.mark.parametrize("strings", [["2020-01-01", "2020-01-02", "01/03/2020"],
                                     ["2020-01-01", "2020-01-02", "Jan 3 2020"]])
def test_mixed_date_formats_are_named_as_such(strings):
    message = raises_data_error("mixes date formats", repr(strings[2]), call=to_panel, data=_dates(strings))
    assert "not a timestamp" not in message


def test_a_value_that_is_no_date_is_still_named():
    raises_data_error("not a timestamp", "'soon'", "'a'", call=to_panel,
                      data=_dates(["2020-01-01", "2020-01-02", "soon"]))


def _zones(first, second) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(first) + list(second),
                         "y": np.arange(6, dtype=float)})


@pytest.mark.parametrize("frame", [
    _zones(pd.date_range("2020-01-01", periods=3, tz="Asia/Tokyo"), pd.date_range("2020-01-01", periods=3)),
    _zones(pd.date_range("2020-01-01", periods=3), pd.date_range("2020-01-01", periods=3, tz="Asia/Tokyo")),
    _zones(["2020-01-01T00:00+09:00", "2020-01-02T00:00+09:00", "2020-01-03T00:00+09:00"],
           ["2020-01-01", "2020-01-02", "2020-01-03"]),
], ids=["aware-then-naive", "naive-then-aware", "strings"])
def test_time_zone_aware_and_naive_series_are_named(frame):
    message = raises_data_error("time-zone-aware", "naive", "'a'", "'b'", "tz_localize", call=to_panel, data=frame)
    assert "not a timestamp" not in message


@pytest.mark.parametrize("frame", [
    _zones(pd.date_range("2020-01-01", periods=3, tz="Asia/Tokyo"), pd.date_range("2020-01-01", periods=3, tz="UTC")),
    _dates(["2020-03-28T00:00+01:00", "2020-03-29T00:00+01:00", "2020-03-30T00:00+02:00"]),
], ids=["two-zones", "daylight-saving-offsets"])
def test_mixed_time_zones_are_named(frame):
    raises_data_error("mixes time zones", "utc=True", call=to_panel, data=frame)


# --- filled values remember that they were missing (issue 10, item 2) ------------------------------------------
GAPPY = [1.0, np.nan, 5.0, np.nan, np.nan, 11.0]


@pytest.mark.parametrize(("policy", "head"), [("ffill", [1, 1, 5, 5]), ("interpolate", [1, 3, 5, 5]),
                                             ("zero", [1, 0, 5, 0])])
def test_a_slice_is_filled_from_itself_alone(policy, head):
    p = to_panel(pd.Series(GAPPY, index=pd.date_range("2020-01-01", periods=6), name="a"), fill_missing=policy)
    assert p.target_missing.tolist() == [False, True, False, True, True, False]
    assert p.fill_missing == policy
    cut = p.slice(0, 4)  # ends with a gap: only 1 and 5 may fill it
    assert cut.values.tolist() == head
    assert cut.target_missing.tolist() == [False, True, False, True]
    assert p.slice(0, 6).equals(p)  # the whole series is filled exactly as to_panel filled it
    assert p.slice(2, 3).missing is None  # nothing left to fill


def test_a_slice_fills_covariates_from_itself_too():
    df = long_frame({"a": ("2020-01-01", [1.0, 2.0, 3.0, 4.0])})
    df["promo"] = [np.nan, np.nan, 1.0, 0.0]
    p = to_panel(df, fill_missing="ffill")
    assert p.covariates[:, 0].tolist() == [1.0, 1.0, 1.0, 0.0]
    with pytest.raises(DataError, match="covariate 'promo' of series 'a' has no observed value"):
        p.slice(0, 2)


def test_a_panel_without_missing_values_has_no_mask():
    p = to_panel(two_series(), fill_missing="interpolate")
    assert p.missing is None and p.fill_missing is None and not p.target_missing.any()


def test_select_keeps_the_mask_and_equals_compares_it():
    df = pd.concat([long_frame({"a": ("2020-01-01", [1.0, 2.0, 3.0])}),
                    long_frame({"b": ("2020-01-01", [1.0, np.nan, 3.0])})], ignore_index=True)
    p = to_panel(df, fill_missing="interpolate")
    assert p.select([1]).target_missing.tolist() == [False, True, False]
    assert p.select([0]).missing is None
    assert not p.equals(to_panel(df.fillna(2.0)))  # same values, but one was filled in


def test_future_covariate_dates_are_read_in_the_order_the_panel_frequency_allows():
    p = to_panel(pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3, freq="MS"), name="a"))
    X = pd.DataFrame({"unique_id": "a", "ds": ["01/04/2020", "01/05/2020"], "promo": [1.0, 0.0]})  # April, May
    assert future_covariates(X, p, 2, ["promo"])[0, :, 0].tolist() == [1.0, 0.0]


def test_daily_series_one_without_weekend_rows_are_one_daily_panel():
    from tsrnn.data import to_panel

    days = pd.date_range("2024-01-01", periods=14, freq="D")
    weekdays = days[days.day_of_week < 5]
    df = pd.concat([pd.DataFrame({"unique_id": "a", "ds": days, "y": 1.0}),
                    pd.DataFrame({"unique_id": "b", "ds": weekdays, "y": 2.0})])
    assert to_panel(df, fill_missing="ffill").freq == pd.tseries.frequencies.to_offset("D")
    monthly = pd.DataFrame({"unique_id": "c", "ds": pd.date_range("2024-01-01", periods=5, freq="MS"), "y": 1.0})
    with pytest.raises(Exception, match="different frequencies"):
        to_panel(pd.concat([df, monthly]))


def test_unhashable_series_ids_are_named_with_their_row():
    df = pd.DataFrame({"unique_id": ["a", "a", [2], [2]], "ds": pd.to_datetime(["2020-01-01", "2020-01-02"] * 2),
                       "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError, match="holds a list as the series id at row 2"):
        to_panel(df)
