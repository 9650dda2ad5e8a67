"""Data as users have it: several id columns, per-column fill policies, numpy and polars inputs, trading days."""

import warnings

import numpy as np
import pandas as pd
import pytest

import tsrnn
from tsrnn import NaiveForecaster, RegressionForecaster, backtest
from tsrnn.data import ARRAY_START, to_panel
from tsrnn.errors import DataError
from tsrnn.frequency import trading_days


def _retail(days=10):
    rows = []
    for store in ("s1", "s2"):
        for item in (1, 2):
            for d in range(days):
                rows.append({"store": store, "item": item, "date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=d),
                             "sales": 10.0 * item + (5.0 if store == "s2" else 0.0) + d, "promo": float(d % 3 == 0)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- several id columns


def test_several_id_columns_identify_a_series_and_come_back_in_the_forecast():
    df = _retail()
    before = df.copy()
    model = NaiveForecaster().fit(df, id_col=["store", "item"], time_col="date", target_col="sales")
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is untouched
    assert list(model.panel_.ids) == [("s1", 1), ("s1", 2), ("s2", 1), ("s2", 2)]
    out = model.predict(2)
    assert list(out.columns) == ["store", "item", "ds", "y_pred"]
    # The last sales of (s2, 2) are 20 + 5 + 9 = 34.
    last = out[(out["store"] == "s2") & (out["item"] == 2)]
    assert last["y_pred"].tolist() == [34.0, 34.0]
    assert last["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-11", "2024-01-12"]


def test_several_id_columns_with_future_covariates_and_fresh_history():
    df = _retail(40)
    model = RegressionForecaster(window=5, horizon=2, future_covariates=["promo"]).fit(
        df, id_col=["store", "item"], time_col="date", target_col="sales")
    future = pd.DataFrame([{"store": s, "item": i, "date": pd.Timestamp("2024-02-10") + pd.Timedelta(days=d),
                            "promo": 0.0} for s in ("s1", "s2") for i in (1, 2) for d in range(2)])
    out = model.predict(X_future=future)
    assert out[["store", "item"]].drop_duplicates().shape[0] == 4 and len(out) == 8
    history = df[df["store"] == "s1"]
    fresh = model.predict(df=history, X_future=future[future["store"] == "s1"])
    assert fresh["store"].unique().tolist() == ["s1"]


def test_a_missing_id_part_is_named():
    df = _retail().astype({"item": "object"})
    df.loc[3, "item"] = None
    with pytest.raises(DataError, match="id column 'item' is missing the series id at row 3"):
        to_panel(df, id_col=["store", "item"], time_col="date", target_col="sales")
    with pytest.raises(DataError, match=r"id column\(s\) \['shop'\]"):
        to_panel(df, id_col=["shop", "item"], time_col="date", target_col="sales")


def test_a_model_with_several_id_columns_saves_and_loads(tmp_path):
    model = NaiveForecaster().fit(_retail(), id_col=["store", "item"], time_col="date", target_col="sales")
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    pd.testing.assert_frame_equal(loaded.predict(3), model.predict(3))


# --------------------------------------------------------------------------- fill_missing per column


def _gappy():
    # 2024-01-03 is missing (a missing day), and sales are NaN on 01-05.
    ds = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05", "2024-01-06"])
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, 2.0, 4.0, np.nan, 8.0],
                         "holiday": [0.0, 1.0, 1.0, 0.0, 0.0]})


def test_fill_missing_per_column():
    panel = to_panel(_gappy(), fill_missing={"y": "interpolate", "holiday": "zero"})
    assert panel.values.tolist() == [1.0, 2.0, 3.0, 4.0, 6.0, 8.0]  # interpolated target
    assert panel.covariates[:, 0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]  # the missing day is no holiday
    # A cut panel fills again from its own past, each column with its policy.
    cut = panel.slice(0, 5)
    assert cut.values.tolist() == [1.0, 2.0, 3.0, 4.0, 4.0] and cut.covariates[2, 0] == 0.0


def test_a_column_without_a_policy_must_have_no_gap():
    with pytest.raises(DataError, match=r"covariate column 'holiday' has a NaN .* at 2024-01-03.*add 'holiday'"):
        to_panel(_gappy(), fill_missing={"y": "interpolate"})
    with pytest.raises(DataError, match=r"fill_missing names column\(s\) \['promo'\]"):
        to_panel(_gappy(), fill_missing={"y": "ffill", "promo": "zero"})
    with pytest.raises(DataError, match=r"fill_missing\['y'\]='mean' is not a policy"):
        to_panel(_gappy(), fill_missing={"y": "mean"})


def test_per_column_policies_survive_save_and_load(tmp_path):
    model = NaiveForecaster().fit(_gappy(), fill_missing={"y": "interpolate", "holiday": "zero"})
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    assert loaded.panel_.equals(model.panel_)
    assert loaded.panel_.fill_missing == ("interpolate", "zero")


# --------------------------------------------------------------------------- numpy and polars


def test_numpy_series_by_time_with_an_explicit_freq():
    values = np.array([[1.0, 2.0, 3.0, 4.0], [np.nan, 5.0, 6.0, 7.0]])  # the second series starts a day later
    panel = to_panel(values, freq="D")
    assert list(panel.ids) == [0, 1] and panel.lengths.tolist() == [4, 3]
    assert panel.starts[1] == ARRAY_START + pd.Timedelta(days=1)
    out = NaiveForecaster().fit(values, freq="D").predict(1)
    assert out["y_pred"].tolist() == [4.0, 7.0] and out["ds"].iloc[0] == ARRAY_START + pd.Timedelta(days=4)
    with pytest.raises(DataError, match="a numpy array has no timestamps: pass freq="):
        to_panel(values)
    with pytest.raises(DataError, match=r"\[series, time\]"):
        to_panel(np.zeros((2, 2, 2)), freq="D")


def test_polars_frames_are_converted_at_the_boundary():
    pl = pytest.importorskip("polars")
    df = _retail()
    frame = pl.DataFrame({col: df[col].tolist() for col in df.columns})  # built by polars itself
    model = NaiveForecaster().fit(frame, id_col=["store", "item"], time_col="date", target_col="sales")
    expected = NaiveForecaster().fit(df, id_col=["store", "item"], time_col="date", target_col="sales")
    pd.testing.assert_frame_equal(model.predict(2), expected.predict(2))


# --------------------------------------------------------------------------- trading days


def _stocks(days):
    rng = np.random.default_rng(1)
    return pd.concat([pd.DataFrame({"ticker": t, "date": days,
                                    "close": level * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))})
                      for t, level in (("AAA", 100.0), ("BBB", 50.0), ("CCC", 20.0))], ignore_index=True)


def test_an_exchange_calendar_gives_the_next_trading_days():
    days = pd.date_range("2024-11-01", "2024-12-24", freq=trading_days("NYSE"))
    assert pd.Timestamp("2024-11-28") not in days  # Thanksgiving
    df = _stocks(days)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no flood of pandas warnings, no fill needed
        model = NaiveForecaster().fit(df, id_col="ticker", time_col="date", target_col="close", freq="NYSE")
        out = model.predict(3)
    assert out["ds"].iloc[:3].dt.strftime("%m-%d").tolist() == ["12-26", "12-27", "12-30"]  # not Christmas
    np.testing.assert_allclose(out.groupby("unique_id")["y_pred"].first(), df.groupby("ticker")["close"].last(),
                               rtol=1e-6)  # the last close (stored as float32)


def test_trading_days_read_from_the_data_say_they_are_steps(tmp_path):
    days = pd.date_range("2024-11-01", "2024-12-31", freq=trading_days("NYSE"))
    df = _stocks(days)
    panel = to_panel(df, id_col="ticker", time_col="date", target_col="close", freq="trading")
    assert panel.lengths.tolist() == [len(days)] * 3  # no invented day: the time axis is the observations
    model = NaiveForecaster().fit(df, id_col="ticker", time_col="date", target_col="close", freq="trading")
    with pytest.warns(UserWarning, match="steps 1, 2, ... ahead rather than dates"):
        out = model.predict(2)
    assert out["ds"].iloc[0] == pd.Timestamp("2025-01-01")  # the next weekday: a step, not a trading date
    loaded = tsrnn.load(model.save(tmp_path / "m"))
    with pytest.warns(UserWarning, match="rather than dates"):
        pd.testing.assert_frame_equal(loaded.predict(2), out)
    # One ticker missing a day the others traded is a gap in that ticker, not a holiday.
    gap = df.drop(index=df[(df["ticker"] == "BBB") & (df["date"] == "2024-12-10")].index)
    with pytest.raises(DataError, match="series 'BBB' has 1 missing timestamp"):
        to_panel(gap, id_col="ticker", time_col="date", target_col="close", freq="trading")
    with pytest.raises(DataError, match="weekend date 2024-11-02"):
        to_panel(pd.concat([df, df.iloc[:1].assign(date=pd.Timestamp("2024-11-02"))]), id_col="ticker",
                 time_col="date", target_col="close", freq="trading")


def test_backtests_on_trading_days_compare_positions_not_calendar_days():
    days = pd.date_range("2024-06-03", "2024-12-31", freq=trading_days("NYSE"))
    df = _stocks(days)
    result = backtest(NaiveForecaster(), df, horizon=5, folds=2, id_col="ticker", time_col="date",
                      target_col="close", freq="NYSE", progress=False)
    forecasts = result.forecasts
    assert len(forecasts) == 3 * 2 * 5 and forecasts["y"].notna().all()
    assert not forecasts["ds"].isin([pd.Timestamp("2024-12-25")]).any()


@pytest.mark.parametrize("name", ["stocks", "sp500"])
def test_shipped_stock_datasets_on_their_trading_days(name):
    raw = tsrnn.load_dataset(name, fill_holidays=False)
    for freq in ("NYSE", "trading"):
        panel = to_panel(raw, freq=freq)  # the exchange's calendar holds every closure of these files
        assert panel.lengths.tolist() == raw.groupby("unique_id").size().tolist()  # no day invented
    model = NaiveForecaster().fit(raw, freq="NYSE")
    assert model.predict(1)["ds"].iloc[0] == pd.Timestamp(raw["ds"].max()) + trading_days("NYSE")
