"""The two scenarios of data as users have it, end to end on small synthetic data, from Python and the command line:
a retail file (two id columns, a promotion known ahead, the store size, missing days) and three tickers on
their exchange's trading days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn import (
    ETSForecaster,
    NaiveForecaster,
    RegressionForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    compare,
)
from tsrnn.cli import main
from tsrnn.frequency import trading_days
from tsrnn.scenarios import retail_sales, stock_prices

RNN = dict(hidden_size=8, max_steps=10, progress=False, random_state=0, accelerator="cpu")
RETAIL = dict(id_col=["store", "item"], time_col="date", target_col="sales",
              fill_missing={"sales": "interpolate", "promo": "zero", "size": "ffill"})
STOCKS = dict(id_col="Ticker", time_col="Date", target_col="Close", freq="NYSE")


@pytest.fixture(scope="module")
def retail():
    return retail_sales(stores=2, items=2, days=100, seed=0)


@pytest.fixture(scope="module")
def stocks():
    return stock_prices(start="2024-01-02", end="2024-12-31")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _future_promo(retail, horizon):
    last = retail["date"].max()
    keys = retail[["store", "item"]].drop_duplicates()
    days = pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
    return keys.merge(pd.DataFrame({"date": days}), how="cross").assign(promo=[1.0, 0.0] * (len(keys) * horizon // 2))


def test_retail_from_python(retail, tmp_path):
    assert len(retail) < 2 * 2 * 100  # missing days
    before = retail.copy()
    rnn = RNNForecaster(window=14, horizon=7, future_covariates=["promo"], static_covariates=["size"], **RNN)
    rnn.fit(retail, **RETAIL)
    out = rnn.predict(X_future=_future_promo(retail, 7))
    assert list(out.columns[:3]) == ["store", "item", "ds"] and len(out) == 4 * 7 and np.isfinite(out["y_pred"]).all()
    models = {"rnn": rnn, "ridge": RegressionForecaster(window=14, horizon=7, future_covariates=["promo"],
                                                        static_covariates=["size"]),
              "snaive": SeasonalNaiveForecaster(season_length=7), "ets": ETSForecaster(season_length=7)}
    comparison = compare(models, retail, horizon=7, folds=2, progress=False, **RETAIL)
    board = comparison.leaderboard
    assert set(board.index) == set(models) and (board["n_errors"] == 0).all() and np.isfinite(board["MASE"]).all()
    # Sales follow the promotion (a 50% lift): the models that read it ahead beat the seasonal naive forecast.
    assert board.loc["ridge", "MASE"] < board.loc["snaive", "MASE"]
    pd.testing.assert_frame_equal(retail, before)
    # Series are labelled by their two id columns in the metrics, the plots and the report.
    by_series = comparison.results["ridge"].metrics(by="series")
    assert sorted(by_series.index) == [("S01", 1), ("S01", 2), ("S02", 1), ("S02", 2)]
    assert comparison.results["ridge"].plot(series=[("S02", 1)]) is not None
    comparison.report(tmp_path / "retail.html")
    assert "S02" in (tmp_path / "retail.html").read_text()


def test_stocks_from_python(stocks):
    assert pd.Timestamp("2024-12-25") not in set(stocks["Date"])  # trading days only, no forward fill
    models = {"random walk": NaiveForecaster(), "ridge": RegressionForecaster(window=20, horizon=5),
              "lstm": RNNForecaster(window=20, horizon=5, past_covariates=[], **RNN),
              "lstm ohlcv": RNNForecaster(window=20, horizon=5, past_covariates=["Open", "High", "Low", "Volume"],
                                          **RNN)}
    result = compare(models, stocks, horizon=5, folds=2, progress=False, **STOCKS)
    board = result.leaderboard
    assert set(board.index) == set(models) and (board["n_errors"] == 0).all()
    assert board.loc["lstm", "MAE"] != board.loc["lstm ohlcv", "MAE"]  # two feature sets, two models
    model = NaiveForecaster().fit(stocks, **STOCKS)
    assert model.predict(3)["ds"].iloc[:3].tolist() == list(pd.date_range("2025-01-02", periods=3,
                                                                           freq=trading_days("NYSE")))


def test_retail_from_the_command_line(retail, tmp_path, capsys):
    data, future, model, forecasts = (tmp_path / n for n in ("retail.csv", "future.csv", "m", "f.csv"))
    retail.to_csv(data, index=False)
    _future_promo(retail, 7).to_csv(future, index=False)
    columns = ["--id-col", "store", "--id-col", "item", "--time-col", "date", "--target-col", "sales",
               "--fill-missing", "sales=interpolate", "--fill-missing", "promo=zero", "--fill-missing", "size=ffill",
               "--future", "promo", "--static", "size"]
    code, out, err = run(capsys, "backtest", "--data", data, "--models", "snaive,ets,regression", "--horizon", 7,
                         "--folds", 2, "--param", "regression.window=14", *columns)
    assert code == 0, err
    assert {"snaive", "ets", "regression"} <= set(out.split())
    code, _, err = run(capsys, "fit", "--data", data, "--model", "lstm", "--horizon", 7, "--param", "window=14",
                       "--param", "max_steps=5", "--param", "hidden_size=4", "--param", "progress=false",
                       "--param", "random_state=0", *columns, "--out", model)
    assert code == 0, err
    code, out, err = run(capsys, "predict", "--model", model, "--future", future, "--out", forecasts)
    assert code == 0, err
    assert "(4 series)" in out
    written = pd.read_csv(forecasts)
    assert list(written.columns[:3]) == ["store", "item", "ds"] and len(written) == 28


def test_stocks_from_the_command_line(stocks, tmp_path, capsys):
    data, model, forecasts = tmp_path / "stocks.csv", tmp_path / "m", tmp_path / "f.csv"
    stocks.to_csv(data, index=False)
    columns = ["--id-col", "Ticker", "--time-col", "Date", "--target-col", "Close", "--freq", "NYSE"]
    code, out, err = run(capsys, "backtest", "--data", data, "--models", "naive,regression", "--horizon", 5,
                         "--folds", 2, "--past", "", "--param", "regression.window=20", *columns)
    assert code == 0, err
    assert {"naive", "regression"} <= set(out.split())
    with pytest.warns(UserWarning, match=r"ignores column\(s\) \['Open', 'High', 'Low'\]"):
        code, _, err = run(capsys, "fit", "--data", data, "--model", "regression", "--horizon", 5, "--param",
                           "window=20", "--past", "Volume", *columns, "--out", model)
    assert code == 0, err
    code, out, err = run(capsys, "predict", "--model", model, "--out", forecasts)
    assert code == 0, err
    written = pd.read_csv(forecasts, parse_dates=["ds"])
    assert written["ds"].iloc[:5].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08"]
    code, _, err = run(capsys, "fit", "--data", data, "--model", "naive", "--horizon", 5, "--past", "Volume",
                       *columns, "--out", tmp_path / "n")
    assert code != 0 and "--past: naive (NaiveForecaster) reads no past covariates" in err


def test_categorical_covariates_from_the_command_line(tmp_path, capsys):
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=80, freq="D")
    kind = np.where(days.day_of_week >= 5, "weekend", "weekday")
    frame = pd.DataFrame({"shop": "a", "date": days, "sales": 10 + 5 * (kind == "weekend") + rng.normal(0, 0.1, 80),
                          "day": kind})
    data, future, model, out = (tmp_path / n for n in ("d.csv", "f.csv", "m", "o.csv"))
    frame.iloc[:-3].to_csv(data, index=False)
    frame.iloc[-3:][["shop", "date", "day"]].to_csv(future, index=False)
    columns = ["--id-col", "shop", "--time-col", "date", "--target-col", "sales"]
    code, _, err = run(capsys, "fit", "--data", data, "--model", "lstm", "--horizon", 3, "--param", "window=7",
                       "--param", "max_steps=5", "--param", "hidden_size=4", "--param", "progress=false",
                       "--future", "day", "--categorical", "day", *columns, "--out", model)
    assert code == 0, err
    code, _, err = run(capsys, "predict", "--model", model, "--future", future, "--out", out)
    assert code == 0, err
    assert len(pd.read_csv(out)) == 3
    code, _, err = run(capsys, "fit", "--data", data, "--model", "regression", "--horizon", 3, "--param", "window=7",
                       "--future", "day", "--categorical", "day", *columns, "--out", tmp_path / "r")
    assert code == 0, err  # one-hot encoded
    code, _, err = run(capsys, "predict", "--model", tmp_path / "r", "--future", future, "--out", tmp_path / "r.csv")
    assert code == 0, err
    code, _, err = run(capsys, "fit", "--data", data, "--model", "arima", "--horizon", 3, "--future", "day",
                       "--categorical", "day", *columns, "--out", tmp_path / "a")
    assert code != 0 and "--categorical: arima (ARIMAForecaster) reads no categorical covariates" in err
