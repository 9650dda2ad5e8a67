"""Real stock and sales datasets shipped with tsrnn, loaded as long frames without network access.

Provenance, licences and units of every file are in datasets/README.md; datasets/build.py rebuilds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .frequency import season_length_for

__all__ = ["dataset_info", "list_datasets", "load_dataset"]

_STOCK_COLUMNS = ("open", "high", "low", "close", "volume", "adj_close")
_PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")


@dataclass(frozen=True)
class _Spec:
    domain: str  # "stock" or "sales"
    freq: str  # pandas offset alias of the frame load_dataset returns by default
    description: str


_DATASETS = {
    "stocks": _Spec(
        "stock",
        "B",
        "Daily prices (USD) and volume (shares) of AAPL, FB, GOOG, IBM, MSFT, 2000-03-01 to 2013-03-01 "
        "(Quandl WIKI via bokeh_sampledata); open/high/low/close/volume unadjusted, adj_close split- and "
        "dividend-adjusted.",
    ),
    "sp500": _Spec(
        "stock",
        "B",
        "S&P 500 index daily open/high/low/close (index points) and volume, 1999-01-04 to 2018-12-31 "
        "(arch example data); adj_close equals close.",
    ),
    "msft": _Spec(
        "stock",
        "B",
        "Microsoft daily open/high/low/close (USD, split- and dividend-adjusted by the source) and volume, "
        "1986-03-13 to 2017-11-10 (pmdarima example data).",
    ),
    "airpassengers": _Spec(
        "sales",
        "MS",
        "Box & Jenkins Series G: monthly international airline passengers (thousands), 1949-1960.",
    ),
    "shampoo": _Spec(
        "sales",
        "MS",
        "Monthly shampoo sales (count) over three years (Makridakis, Wheelwright & Hyndman 1998); the source "
        "numbers the years 1-3, sktime stamps them 1991-1993.",
    ),
    "pbs_immune_sera": _Spec(
        "sales",
        "MS",
        "Monthly scripts of immune sera and immunoglobulins (ATC2 J06) on the Australian PBS, 1991-07 to "
        "2008-06; intermittent (44% zero months).",
    ),
    "wineind": _Spec(
        "sales",
        "MS",
        "Monthly Australian total wine sales by wine makers in bottles <= 1 litre, 1980-01 to 1994-08 "
        "(units not stated by the source).",
    ),
    "souvenirs": _Spec(
        "sales",
        "MS",
        "Monthly sales of a souvenir shop in a Queensland beach resort town, 1987-1993 (currency not stated; "
        "an Australian shop).",
    ),
    "a10": _Spec(
        "sales",
        "MS",
        "Monthly Australian PBS expenditure on anti-diabetic drugs (ATC A10), millions of AUD, 1991-07 to "
        "2008-06.",
    ),
    "h02": _Spec(
        "sales",
        "MS",
        "Monthly Australian PBS expenditure on corticosteroids (ATC H02), millions of AUD, 1991-07 to 2008-06.",
    ),
    "aus_accommodation": _Spec(
        "sales",
        "QS",
        "Quarterly accommodation takings (y, millions of AUD) for the 8 Australian states and territories, "
        "1998 Q1 to 2016 Q2, with occupancy (% of rooms) and the national CPI (2011-12 = 100) as extra "
        "columns.",
    ),
}


def _candidate_dirs() -> list[Path]:
    package_dir = Path(__file__).resolve().parent
    # An installed wheel carries the files inside the package; a checkout keeps them at the repo root.
    return [package_dir / "_datasets", package_dir.parent / "datasets"]


def _dataset_path(name: str) -> Path:
    candidates = _candidate_dirs()
    for folder in candidates:
        if folder.is_dir():
            for filename in (f"{name}.csv", f"{name}.csv.gz"):
                if (folder / filename).is_file():
                    return folder / filename
            raise FileNotFoundError(
                f"dataset {name!r}: neither {name}.csv nor {name}.csv.gz is in {folder}; "
                "the installation is incomplete, reinstall tsrnn or run datasets/build.py in a checkout"
            )
    raise FileNotFoundError(
        "no tsrnn dataset folder found; looked in "
        + " and ".join(str(p) for p in candidates)
        + ". Reinstall tsrnn from a wheel, or use a checkout that has the top-level datasets/ folder"
    )


def _spec(name: str) -> _Spec:
    if name not in _DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names are {list_datasets()}")
    return _DATASETS[name]


def _stock_targets(columns) -> tuple[list[str], str]:
    """The valid targets of a stock file with these columns, and the default one."""
    valid = [c for c in _STOCK_COLUMNS if c in columns]
    return valid, ("adj_close" if "adj_close" in valid else "close")


def _fill_business_days(frame: pd.DataFrame) -> pd.DataFrame:
    bounds = frame.groupby("unique_id", sort=True)["ds"].agg(["min", "max"])
    parts = []
    for uid, (first, last) in bounds.iterrows():
        # Calendar days filtered to Monday-Friday: the same days as freq "B", and much faster on pandas 2.
        days = pd.date_range(first, last, freq="D").astype("datetime64[ns]")
        parts.append(pd.DataFrame({"unique_id": uid, "ds": days[days.day_of_week < 5]}))
    grid = pd.concat(parts, ignore_index=True)
    grid["unique_id"] = grid["unique_id"].astype(frame["unique_id"].dtype)
    filled = grid.merge(frame, on=["unique_id", "ds"], how="left", validate="one_to_one")
    # Each ticker's range starts on one of its trading days, so a plain forward fill never crosses tickers.
    prices = [c for c in _PRICE_COLUMNS if c in filled.columns]
    filled[prices] = filled[prices].ffill()
    if "volume" in filled.columns:
        filled["volume"] = filled["volume"].fillna(0.0)
    return filled


def list_datasets() -> list[str]:
    """Names of the shipped datasets, sorted.

    Example
    -------
    >>> list_datasets()
    ['a10', 'airpassengers', 'aus_accommodation', 'h02', 'msft', 'pbs_immune_sera', 'shampoo', 'souvenirs', 'sp500', 'stocks', 'wineind']
    """
    return sorted(_DATASETS)


def dataset_info(name: str) -> dict:
    """Describe a shipped dataset as it is returned by ``load_dataset(name)`` with default arguments.

    Keys: ``name``, ``domain`` ("stock" or "sales"), ``freq`` (pandas offset alias: "B", "MS" or "QS"),
    ``n_series``, ``start`` and ``end`` (ISO dates), ``n_obs`` (rows, after the holiday fill for stocks),
    ``target`` (default target column), ``description`` and ``season_length`` (5 business days, 12 months,
    4 quarters).

    Example
    -------
    >>> info = dataset_info("aus_accommodation")
    >>> info["freq"], info["season_length"], info["n_series"], info["start"], info["end"]
    ('QS', 4, 8, '1998-01-01', '2016-04-01')
    >>> dataset_info("stocks")["target"]
    'adj_close'
    """
    spec = _spec(name)
    frame = load_dataset(name)
    if spec.domain == "stock":
        target = _stock_targets(pd.read_csv(_dataset_path(name), nrows=0).columns)[1]
    else:
        target = "y"
    return {
        "name": name,
        "domain": spec.domain,
        "freq": spec.freq,
        "n_series": int(frame["unique_id"].nunique()),
        "start": frame["ds"].min().strftime("%Y-%m-%d"),
        "end": frame["ds"].max().strftime("%Y-%m-%d"),
        "n_obs": len(frame),
        "target": target,
        "description": spec.description,
        "season_length": season_length_for(spec.freq),
    }


def load_dataset(name: str, target: str | None = None, fill_holidays: bool = True) -> pd.DataFrame:
    """Load a shipped dataset as a long frame ``unique_id, ds, y`` sorted by ``unique_id, ds``.

    ``unique_id`` holds strings, ``ds`` is datetime64[ns] and ``y`` float64. Sales datasets have monthly
    (month-start) or quarterly (quarter-start) timestamps; ``target`` must be None or "y", and any extra
    columns of the file (``occupancy`` and ``cpi`` for aus_accommodation) come back as float columns.

    Stock datasets (``domain == "stock"``) store open, high, low, close, volume and, where the source has
    it, adj_close. ``target`` picks the column that becomes ``y`` (default "adj_close" where present, else
    "close"); the other columns are kept as extra float64 columns. The files hold the raw trading days; with
    ``fill_holidays=True`` (the default) each ticker is reindexed to every business day ("B") between its
    first and last trading day: prices are carried forward from the last trading day over exchange
    holidays and closures, and volume is 0 on those days, so each series is a regular business-day series.
    ``fill_holidays=False`` returns the trading days only: fit them on their trading days with ``freq="NYSE"``
    (the exchange's calendar, `tsrnn.frequency.trading_days`) or ``freq="trading"`` (the days the file has), with
    no invented flat day. Sales datasets are already regular
    and ignore ``fill_holidays``.

    Raises ValueError for an unknown name or target; FileNotFoundError when the data files are missing.

    Example
    -------
    >>> df = load_dataset("airpassengers")
    >>> df.head(2)
           unique_id         ds      y
    0  airpassengers 1949-01-01  112.0
    1  airpassengers 1949-02-01  118.0
    >>> stocks = load_dataset("stocks", target="close")
    >>> list(stocks.columns)
    ['unique_id', 'ds', 'y', 'open', 'high', 'low', 'volume', 'adj_close']
    >>> sorted(stocks["unique_id"].unique())
    ['AAPL', 'FB', 'GOOG', 'IBM', 'MSFT']
    >>> day = stocks[(stocks["unique_id"] == "AAPL") & (stocks["ds"] == "2001-09-11")]  # NYSE closed; 09-10 close
    >>> day[["y", "volume"]].to_numpy().tolist()
    [[17.37, 0.0]]
    """
    spec = _spec(name)
    # Numbers are read as text and converted by numpy, which rounds exactly on every pandas version
    # (pandas 2's default fast parser can be 1 ulp off).
    raw = pd.read_csv(_dataset_path(name), dtype=str)
    raw["ds"] = pd.to_datetime(raw["ds"], format="%Y-%m-%d").astype("datetime64[ns]")
    value_columns = [c for c in raw.columns if c not in ("unique_id", "ds")]
    raw[value_columns] = raw[value_columns].astype("float64")

    if spec.domain == "stock":
        valid, default = _stock_targets(value_columns)
        if target is None:
            target = default
        if target not in valid:
            raise ValueError(
                f"target {target!r} is not a column of dataset {name!r}; valid targets are {valid}"
            )
        if fill_holidays:
            raw = _fill_business_days(raw)
    elif target not in (None, "y"):
        raise ValueError(
            f"target {target!r} is not valid for sales dataset {name!r}; valid targets are [None, 'y']"
        )
    else:
        target = "y"

    extras = [c for c in value_columns if c != target]
    frame = raw[["unique_id", "ds", target, *extras]].rename(columns={target: "y"})
    return frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
