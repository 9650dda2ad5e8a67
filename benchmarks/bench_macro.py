"""Development check on quarterly macroeconomic series (issue 11): the 12 US series of statsmodels' ``macrodata``
(1959-2009, 203 quarters; GDP, consumption, investment, prices, money, rates, unemployment, population), shipped
inside statsmodels, so nothing is downloaded. Most are seasonally adjusted: a default that finds seasonality in
them where there is none loses here.

    python benchmarks/bench_macro.py                                  # RNN, linear, ETS, ARIMA, naive, snaive
    python benchmarks/bench_macro.py --only-rnn --param 'deseasonalize=null'

Four origins 8 quarters apart, horizon 8, refit at every origin; MASE with the quarterly season (m=4).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_m4 import parse_params  # noqa: E402

SERIES = ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "unemp", "pop", "infl",
          "realint"]


def macro_panel() -> pd.DataFrame:
    import statsmodels.api as sm

    data = sm.datasets.macrodata.load_pandas().data
    ds = pd.PeriodIndex.from_fields(year=data["year"].astype(int), quarter=data["quarter"].astype(int),
                                    freq="Q").to_timestamp()
    return pd.concat([pd.DataFrame({"unique_id": c, "ds": ds, "y": data[c].to_numpy()}) for c in SERIES],
                     ignore_index=True)


def main(argv=None) -> None:
    from tsrnn import (
        ARIMAForecaster,
        ETSForecaster,
        LinearForecaster,
        NaiveForecaster,
        RNNForecaster,
        SeasonalNaiveForecaster,
        compare,
    )

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--param", action="append", default=[], help="RNNForecaster parameter, key=json value")
    parser.add_argument("--only-rnn", action="store_true", help="run the RNN alone (for ablations)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    params = parse_params(args.param)
    models = {"rnn": RNNForecaster(horizon=8, progress=False, random_state=args.seed, **params)}
    if not args.only_rnn:
        models.update({"linear": LinearForecaster(horizon=8, progress=False, random_state=args.seed),
                       "ets": ETSForecaster(), "arima": ARIMAForecaster(), "naive": NaiveForecaster(),
                       "snaive": SeasonalNaiveForecaster()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(models, macro_panel(), horizon=8, folds=4, step=8, refit=True, progress=False)
    print(params or "(defaults)")
    print(result.leaderboard[["MASE", "RMSSE", "sMAPE", "fit_time_s"]].round(3).to_string())


if __name__ == "__main__":
    main()
