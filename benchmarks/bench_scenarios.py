"""The two scenarios of issue 15 at full size, measured: retail (10 stores x 5 items x 3 years of daily sales, two
id columns, a promotion known ahead, the store size, missing days) and 3 tickers on NYSE trading days.

Each scenario is one `compare` on the same origins (the models of tutorial 10: an LSTM, `RegressionForecaster`
with Ridge and with gradient boosting, ETS and the seasonal naive forecast for retail; the random walk, ridge and
two LSTMs for stocks). Prints and writes the leaderboards to RESULTS.md:

    OMP_NUM_THREADS=1 python benchmarks/bench_scenarios.py [--steps 300] [--folds 4] [--stock-folds 20]
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import date

import pandas as pd
from _results import markdown_table, write_section
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

from tsrnn import (
    ETSForecaster,
    NaiveForecaster,
    RegressionForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    compare,
)
from tsrnn.scenarios import retail_sales, stock_prices

COLUMNS = ["MASE", "sMAPE", "MAE", "DM_p", "fit_time_s", "predict_time_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps of each LSTM fit")
    parser.add_argument("--folds", type=int, default=4, help="origins of the retail scenario")
    parser.add_argument("--stock-folds", type=int, default=20, help="origins of the stock scenario (5 days apart)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rnn = dict(hidden_size=32, max_steps=args.steps, progress=False, random_state=0, accelerator="cpu")

    retail = retail_sales(seed=0)
    retail_data = dict(id_col=["store", "item"], time_col="date", target_col="sales",
                       fill_missing={"sales": "interpolate", "promo": "zero", "size": "ffill"})
    roles = dict(future_covariates=["promo"], static_covariates=["size"])
    retail_models = {
        "LSTM": RNNForecaster(window=28, horizon=7, **roles, **rnn),
        "ridge": RegressionForecaster(Ridge(), window=28, horizon=7, **roles),
        "gradient boosting": RegressionForecaster(HistGradientBoostingRegressor(max_iter=100, random_state=0),
                                                  window=28, horizon=7, **roles),
        "ETS": ETSForecaster(season_length=7),
        "seasonal naive": SeasonalNaiveForecaster(season_length=7),
    }
    start = time.perf_counter()
    board_retail = compare(retail_models, retail, horizon=7, folds=args.folds, progress=False,
                           **retail_data).leaderboard[COLUMNS]
    retail_s = time.perf_counter() - start

    stocks = stock_prices(start="2019-01-02", end="2024-12-31", seed=0)
    stock_data = dict(id_col="Ticker", time_col="Date", target_col="Close", freq="NYSE")
    stock_models = {
        "random walk": NaiveForecaster(),
        "ridge": RegressionForecaster(Ridge(), window=20, horizon=5),
        "LSTM (close)": RNNForecaster(window=20, horizon=5, past_covariates=[], target_transform="log_return", **rnn),
        "LSTM (OHLCV)": RNNForecaster(window=20, horizon=5, past_covariates=["Open", "High", "Low", "Volume"],
                                      target_transform="log_return", **rnn),
    }
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the columns each model leaves out, by design
        board_stocks = compare(stock_models, stocks, horizon=5, folds=args.stock_folds, progress=False,
                               **stock_data).leaderboard[COLUMNS]
    stocks_s = time.perf_counter() - start

    n_retail = retail.groupby(["store", "item"]).ngroups
    print(f"retail: {n_retail} series, {len(retail)} rows, {retail_s:.0f} s\n{board_retail.round(3)}")
    print(f"stocks: 3 tickers, {len(stocks)} rows, {stocks_s:.0f} s\n{board_stocks.round(4)}")
    if args.no_write:
        return
    command = (f"OMP_NUM_THREADS=1 python benchmarks/bench_scenarios.py --steps {args.steps} --folds {args.folds} "
               f"--stock-folds {args.stock_folds}")
    body = (f"Command: `{command}` ({date.today()}, {platform.machine()} CPU, 2 shared cores). Synthetic data from "
            "`tsrnn.scenarios` (seed 0); the same origins for every model of a scenario; LSTMs of 32 units trained "
            f"{args.steps} steps per fold.\n\n"
            f"Retail: {n_retail} series (10 stores x 5 items), {len(retail)} daily rows with missing days, horizon 7, "
            f"{args.folds} folds ({retail_s:.0f} s in all). The promotion lifts sales by 50% on about one day in "
            "seven, so the models that read it ahead (LSTM, ridge, gradient boosting) have information ETS and the "
            "seasonal naive forecast do not.\n\n"
            f"{markdown_table(board_retail.round(4))}\n\n"
            f"Stocks: 3 tickers on NYSE trading days 2019-2024 ({len(stocks)} rows, geometric random walks with a "
            f"small drift), horizon 5, {args.stock_folds} folds ({stocks_s:.0f} s). On a random walk nothing should beat "
            "the random walk for long: `DM_p` is the Diebold-Mariano p-value of each model against the leaderboard's "
            "baseline, and differences it does not support are luck.\n\n"
            f"{markdown_table(board_stocks.round(4))}")
    write_section("## Data as users have it: the retail and stock scenarios (issue 15)", body)


if __name__ == "__main__":
    pd.set_option("display.width", 150)
    main()
