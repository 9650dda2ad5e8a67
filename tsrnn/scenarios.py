"""Small synthetic data sets shaped as users have them: a retail file (two id columns, a promotion known ahead,
a store size, missing days) and a stock file (tickers on their exchange's trading days, OHLCV).

They feed the tutorial on real-world data layouts, its tests and quick command-line trials; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_int, check_real
from .frequency import trading_days

__all__ = ["retail_sales", "stock_prices"]


def retail_sales(stores: int = 10, items: int = 5, days: int = 3 * 365, *, missing: float = 0.02,
                 start: str = "2022-01-03", seed: int = 0) -> pd.DataFrame:
    """Daily unit sales of ``items`` products in ``stores`` shops: ``date, store, item, sales, promo, size``.

    Each (store, item) is one series. ``sales`` has a level per item, a multiplier per store that grows with
    the store's ``size`` (square metres, one value per store: a static covariate), a weekly cycle (weekends
    sell more), a slow trend and a lift of 50% on ``promo`` days (a promotion planned ahead: a future
    covariate, on about one day in seven), plus noise. A share ``missing`` of the (store, item, day) rows is
    dropped (days the till data were lost), never the first or last day of a series. Rows come sorted by date.

    Example
    -------
    >>> df = retail_sales(stores=2, items=3, days=30, seed=1)
    >>> list(df.columns), df.groupby(["store", "item"]).ngroups
    (['date', 'store', 'item', 'sales', 'promo', 'size'], 6)
    >>> len(df) < 2 * 3 * 30  # some days are missing
    True
    """
    stores, items, days = (check_int(v, name, low=1) for v, name in ((stores, "stores"), (items, "items"),
                                                                     (days, "days")))
    missing = check_real(missing, "missing", low=0, high=1, high_open=True)
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    t = np.arange(days)
    weekly = 1.0 + 0.25 * (dates.day_of_week.to_numpy() >= 5)  # [days]
    parts = []
    for s in range(stores):
        size = float(rng.integers(4, 21) * 100)  # square metres
        store_factor = size / 1000.0
        for i in range(items):
            level = 20.0 + 10.0 * i
            promo = (rng.random(days) < 1 / 7).astype(np.float64)
            trend = 1.0 + 0.1 * t / 365.0
            mean = level * store_factor * weekly * trend * (1.0 + 0.5 * promo)
            sales = np.maximum(0.0, np.round(mean + rng.normal(0.0, 0.1 * mean)))
            parts.append(pd.DataFrame({"date": dates, "store": f"S{s + 1:02d}", "item": i + 1, "sales": sales,
                                       "promo": promo, "size": size}))
    frame = pd.concat(parts, ignore_index=True)
    inner = (frame["date"] > dates[0]) & (frame["date"] < dates[-1])
    drop = inner.to_numpy() & (rng.random(len(frame)) < missing)
    frame = frame[~drop]
    return frame.sort_values(["date", "store", "item"], kind="stable").reset_index(drop=True)


def stock_prices(tickers: tuple[str, ...] = ("AAA", "BBB", "CCC"), start: str = "2022-01-03",
                 end: str = "2024-12-31", *, exchange: str = "NYSE", seed: int = 0) -> pd.DataFrame:
    """Daily OHLCV bars of ``tickers`` on the trading days of ``exchange`` only (no row on holidays):
    ``Date, Ticker, Open, High, Low, Close, Volume``, as a price download gives them.

    Closes follow geometric random walks with a small drift (so the random walk is the forecast to beat);
    opens, highs and lows are drawn around them and volume is log-normal.

    Example
    -------
    >>> df = stock_prices(start="2024-12-20", end="2024-12-31")
    >>> df[df["Ticker"] == "AAA"]["Date"].dt.strftime("%m-%d").tolist()  # no Christmas
    ['12-20', '12-23', '12-24', '12-26', '12-27', '12-30', '12-31']
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq=trading_days(exchange))
    parts = []
    for k, ticker in enumerate(tickers):
        n = len(days)
        close = (50.0 + 40.0 * k) * np.exp(np.cumsum(rng.normal(0.0003, 0.015, n)))
        open_ = close * np.exp(rng.normal(0.0, 0.005, n))
        high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.005, n)))
        low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.005, n)))
        volume = np.round(np.exp(rng.normal(14.0, 0.3, n)))
        parts.append(pd.DataFrame({"Date": days, "Ticker": ticker, "Open": open_.round(2), "High": high.round(2),
                                   "Low": low.round(2), "Close": close.round(2), "Volume": volume}))
    return pd.concat(parts, ignore_index=True).sort_values(["Date", "Ticker"], kind="stable").reset_index(drop=True)
