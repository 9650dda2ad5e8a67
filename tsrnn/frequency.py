"""What a sampling frequency implies, in one place: its usual seasonal periods, its calendar features and the
frequencies tried when pandas cannot infer one. Pure pandas offsets, no data.
"""

from __future__ import annotations

import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.holiday import (
    MO,
    TH,
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    nearest_workday,
    sunday_to_monday,
)

__all__ = ["seasonal_periods_for", "season_length_for", "calendar_fields", "periods_per_year", "is_business_daily",
           "CANDIDATE_FREQS", "COMPLETE_ONLY_FREQS", "trading_days", "EXCHANGES", "TRADING", "NYSEHolidayCalendar",
           "NYSE_CLOSURES"]

# Rule codes by the number of steps in a year. Business months and quarters (the first or last weekday) keep the
# calendar's seasons; half-months are the 1st and 15th (or the 15th and the month's end).
_MONTHLY_RULES = ("MS", "ME", "M", "BMS", "BME", "BM", "CBMS", "CBME")
_HALF_MONTHLY_RULES = ("SMS", "SME", "SM")
_QUARTERLY_RULES = ("QS", "QE", "Q", "BQS", "BQE", "BQ")
# Usual (shortest) seasonal period by the offset's rule code, for offsets of one step (n == 1).
_SEASON_BY_RULE = {**dict.fromkeys(_MONTHLY_RULES, 12), **dict.fromkeys(_HALF_MONTHLY_RULES, 24),
                   **dict.fromkeys(_QUARTERLY_RULES, 4), "B": 5, "C": 5, "D": 7, "W": 52}
# Periods in a year by rule code, to annualise returns and Sharpe ratios (252 trading days).
_PERIODS_PER_YEAR = {**dict.fromkeys(_MONTHLY_RULES, 12), **dict.fromkeys(_HALF_MONTHLY_RULES, 24),
                     **dict.fromkeys(_QUARTERLY_RULES, 4), "B": 252, "C": 252, "D": 365, "W": 52,
                     "YS": 1, "YE": 1, "Y": 1, "A": 1, "h": 24 * 365, "H": 24 * 365,
                     "bh": 252 * 7, "BH": 252 * 7, "min": 60 * 24 * 365, "s": 3600 * 24 * 365}
_BUSINESS_DAILY_RULES = ("B", "C")
_YEARLY_RULES = ("YS", "YE", "Y", "A", "AS", "BYS", "BYE", "BY", "BA")
_BELOW_WEEKLY_RULES = ("B", "C", "D", "h", "H", "min", "T", "s", "S")
COMPLETE_ONLY_FREQS = ("SMS", "SME")

# Tried, in this order, when pandas cannot infer a frequency (usually because timestamps are missing).
# The candidate whose grid holds every timestamp with the fewest points wins, if it has at most twice as
# many points as there are timestamps. Half-months (which pandas never infers) only when no timestamp is
# missing: monthly data with one date on a 15th would otherwise read as half-monthly data with gaps.
CANDIDATE_FREQS = (
    ["YS", "YE", "MS", "ME", "BMS", "BME", "SMS", "SME"]
    + [f"QS-{m}" for m in ("JAN", "FEB", "MAR")]
    + [f"QE-{m}" for m in ("DEC", "JAN", "FEB")]
    + [f"BQS-{m}" for m in ("JAN", "FEB", "MAR")]
    + [f"BQE-{m}" for m in ("DEC", "JAN", "FEB")]
    + [f"W-{d}" for d in ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")]
    + ["B", "D", "h", "min", "s"]
)


def _rule(freq) -> str:
    return to_offset(freq).rule_code.split("-")[0]


def seasonal_periods_for(freq: pd.DateOffset | str) -> tuple[int, ...]:
    """The usual seasonal periods of a frequency, shortest first: 12 monthly (business months too), 24
    half-monthly, 4 quarterly, 5 business-daily, 7 daily, 52 weekly; below a day, one day and one week of
    steps (24 and 168 hourly, 48 and 336 half-hourly), as long as they stay short enough to look back over
    (a day of at most 288 steps, a week of at most 672); ``(1,)`` otherwise (yearly, irregular multiples,
    seconds).

    Example
    -------
    >>> seasonal_periods_for("MS"), seasonal_periods_for("h"), seasonal_periods_for("30min")
    ((12,), (24, 168), (48, 336))
    """
    offset = to_offset(freq)
    day = pd.Timedelta(days=1)
    if isinstance(offset, pd.tseries.offsets.Tick) and pd.Timedelta(offset) < day:
        step = pd.Timedelta(offset)
        if day % step == pd.Timedelta(0):  # steps that tile a day: daily and weekly cycles
            per_day = int(day // step)
            periods = tuple(p for p, limit in ((per_day, 288), (7 * per_day, 672)) if p <= limit)
            return periods or (1,)
        return (1,)
    return (_SEASON_BY_RULE.get(_rule(offset), 1) if offset.n == 1 else 1,)


def season_length_for(freq: pd.DateOffset | str) -> int:
    """The usual (shortest) seasonal period for a frequency: 12 monthly, 4 quarterly, 5 business-daily,
    7 daily, 52 weekly, 24 hourly (a day of steps below daily), 1 otherwise; see `seasonal_periods_for`.

    Example
    -------
    >>> season_length_for("MS"), season_length_for("QS-JAN"), season_length_for("B"), season_length_for("YS")
    (12, 4, 5, 1)
    """
    return seasonal_periods_for(freq)[0]


def calendar_fields(freq: pd.DateOffset | str) -> tuple[str, ...]:
    """The calendar cycles worth encoding at a frequency: none for yearly data, the month of the year, and the
    day of the week below weekly data.

    Example
    -------
    >>> calendar_fields("YS"), calendar_fields("MS"), calendar_fields("h")
    ((), ('month',), ('month', 'dow'))
    """
    rule = _rule(freq)
    if rule in _YEARLY_RULES:
        return ()
    return ("month", "dow") if rule in _BELOW_WEEKLY_RULES else ("month",)


def periods_per_year(freq) -> int:
    """Periods in a year for a pandas frequency (252 business days, 365 days, 52 weeks, 12 months...),
    used to annualise Sharpe ratios. Multiples divide: ``"2W"`` gives 26.

    Example
    -------
    >>> periods_per_year("B"), periods_per_year("MS"), periods_per_year("2W")
    (252, 12, 26)
    """
    offset = to_offset(freq)
    base = _PERIODS_PER_YEAR.get(_rule(offset), 1)
    return max(1, int(round(base / max(1, getattr(offset, "n", 1)))))


def is_business_daily(freq) -> bool:
    """Whether ``freq`` counts business days (stock-market data).

    Example
    -------
    >>> is_business_daily("B"), is_business_daily("D")
    (True, False)
    """
    return _rule(freq) in _BUSINESS_DAILY_RULES


# --------------------------------------------------------------------------- trading calendars

# freq="trading": the series' own trading days. Every weekday on which no series has a row is a holiday, so the
# time axis is the observation index; future dates are the next weekdays (future holidays are not known).
TRADING = "trading"


# One-off full-day closures of the NYSE since 1985: Hurricane Gloria, the funerals or days of mourning of
# presidents Nixon, Reagan, Ford, G. H. W. Bush and Carter, the attacks of September 2001, Hurricane Sandy.
NYSE_CLOSURES = ("1985-09-27", "1994-04-27", "2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14", "2004-06-11",
                 "2007-01-02", "2012-10-29", "2012-10-30", "2018-12-05", "2025-01-09")


class NYSEHolidayCalendar(AbstractHolidayCalendar):
    """The regular full-day closures of the New York Stock Exchange (also Nasdaq's), from 1998.

    New Year's Day, Martin Luther King Jr. Day, Washington's Birthday, Good Friday, Memorial Day, Juneteenth
    (from 2022), Independence Day, Labor Day, Thanksgiving and Christmas, moved off weekends as the exchange
    does (a Saturday holiday closes the Friday before, except New Year's Day; a Sunday one the Monday after),
    and the one-off closures since 1985 (storms, national days of mourning, 2001-09-11 to 09-14), listed in
    ``NYSE_CLOSURES``. A closure not listed is a gap in the data (use ``freq="trading"`` or ``fill_missing``).

    Example
    -------
    >>> [d.strftime("%Y-%m-%d") for d in NYSEHolidayCalendar().holidays("2024-01-01", "2024-12-31")][:4]
    ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29']
    """

    rules = [
        *(Holiday(f"Closed {day}", year=int(day[:4]), month=int(day[5:7]), day=int(day[8:])) for day in NYSE_CLOSURES),
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        Holiday("Martin Luther King Jr. Day", month=1, day=1, offset=pd.DateOffset(weekday=MO(3)),
                start_date="1998-01-01"),
        Holiday("Washington's Birthday", month=2, day=1, offset=pd.DateOffset(weekday=MO(3))),
        GoodFriday,
        Holiday("Memorial Day", month=5, day=31, offset=pd.DateOffset(weekday=MO(-1))),
        Holiday("Juneteenth", month=6, day=19, observance=nearest_workday, start_date="2022-01-01"),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        Holiday("Labor Day", month=9, day=1, offset=pd.DateOffset(weekday=MO(1))),
        Holiday("Thanksgiving", month=11, day=1, offset=pd.DateOffset(weekday=TH(4))),
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]


EXCHANGES = {"NYSE": NYSEHolidayCalendar, "NASDAQ": NYSEHolidayCalendar}


def trading_days(exchange: str = "NYSE") -> pd.offsets.CustomBusinessDay:
    """The trading days of ``exchange`` as a pandas frequency: pass it (or the name itself, ``freq="NYSE"``)
    as ``freq=`` to fit a stock series on its own trading days and forecast the exchange's next ones.

    Example
    -------
    >>> import pandas as pd
    >>> pd.date_range("2024-12-23", periods=5, freq=trading_days("NYSE")).strftime("%m-%d").tolist()
    ['12-23', '12-24', '12-26', '12-27', '12-30']
    """
    key = str(exchange).upper()
    if key not in EXCHANGES:
        raise ValueError(f"unknown exchange {exchange!r}; tsrnn knows {sorted(EXCHANGES)}. For another market pass "
                         "freq=pandas.offsets.CustomBusinessDay(holidays=[...]) or freq='trading' (the days of the "
                         "data)")
    return pd.offsets.CustomBusinessDay(calendar=EXCHANGES[key]())


def is_exchange(freq) -> bool:
    """True when ``freq`` names an exchange calendar (``"NYSE"``)."""
    return isinstance(freq, str) and freq.upper() in EXCHANGES
