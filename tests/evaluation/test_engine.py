"""Tests for the array-level backtest engine: cv=, fold scores from arrays, the on_fold hook, no silent fallback,
ARIMA's no-refit forecasts, and tune's pruning from the hook."""

from __future__ import annotations

import warnings

import numpy as np
import optuna
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna.trial import TrialState

from tsrnn import RollingOrigin
from tsrnn.data import to_panel
from tsrnn.evaluation import backtest, compare
from tsrnn.evaluation.engine import run_folds
from tsrnn.evaluation.result import fold_scores
from tsrnn.forecasters.base import BaseForecaster
from tsrnn.forecasters.naive import DriftForecaster, NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.tuning import tune


def frame(series: dict[str, list[float]], freq="D") -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=len(v), freq=freq),
                                    "y": np.asarray(v, dtype=float)}) for uid, v in series.items()],
                     ignore_index=True)


TEN = [1.0, 2.0, 4.0, 3.0, 5.0, 7.0, 6.0, 8.0, 9.0, 10.0]


# --------------------------------------------------------------------------- cv= and the shorthand keywords


def test_cv_gives_the_same_backtest_as_its_keywords():
    df = frame({"a": TEN, "b": TEN[::-1] + [3.0, 4.0]})
    cv = RollingOrigin(horizon=2, folds=3, step=1, train_size=5, gap=1)
    by_cv = backtest(NaiveForecaster(), df, cv=cv, progress=False, season_length=1)
    by_keywords = backtest(NaiveForecaster(), df, horizon=2, folds=3, step=1, train_size=5, gap=1, progress=False,
                           season_length=1)
    pd.testing.assert_frame_equal(by_cv.forecasts, by_keywords.forecasts)
    pd.testing.assert_frame_equal(by_cv.origins, by_keywords.origins)
    # a: n = 10, c_last = 10 - 1 - 2 = 7, then 6, 5; sliding: train_start = cutoff - 5
    a = by_cv.origins[by_cv.origins["unique_id"] == "a"]
    assert a["n_train"].tolist() == [5, 5, 5] and a["cutoff"].dt.day.tolist() == [5, 6, 7]


def test_cv_with_a_clashing_keyword_is_refused():
    cv = RollingOrigin(horizon=2, folds=2)
    with pytest.raises(ValueError, match=r"already sets the origins; drop step=, gap="):
        backtest(NaiveForecaster(), frame({"a": TEN}), cv=cv, step=1, gap=1, progress=False)
    with pytest.raises(TypeError, match="cv must be a tsrnn.RollingOrigin"):
        compare({"n": NaiveForecaster()}, frame({"a": TEN}), cv=3, progress=False)
    with pytest.raises(ValueError, match="give horizon="):
        backtest(NaiveForecaster(), frame({"a": TEN}), progress=False)


def test_compare_runs_every_model_on_the_one_plan():
    df = frame({"a": TEN})
    cmp = compare({"naive": NaiveForecaster(), "drift": DriftForecaster()}, df,
                  cv=RollingOrigin(horizon=1, folds=2, gap=1), progress=False, season_length=1)
    # cutoffs 10 - 1 - 1 = 8 and 7: naive forecasts the value at the cutoff for the step after the gap
    assert cmp.results["naive"].forecasts["y_pred"].tolist() == [TEN[6], TEN[7]]
    pd.testing.assert_frame_equal(cmp.results["naive"].origins, cmp.results["drift"].origins)


# --------------------------------------------------------------------------- scores from arrays


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_fold_scores_equal_the_result_metrics_by_fold(data):
    n_a = data.draw(st.integers(8, 14))
    values = st.floats(1.0, 50.0, allow_nan=False)
    a = data.draw(st.lists(values, min_size=n_a, max_size=n_a))
    b = data.draw(st.lists(values, min_size=11, max_size=11))
    missing = data.draw(st.lists(st.integers(2, 7), max_size=2))
    for k in missing:
        a[k] = np.nan
    res = backtest(DriftForecaster(), frame({"a": a, "b": b}), horizon=2, folds=3, progress=False, season_length=1,
                   fill_missing="interpolate" if missing else None)
    table = res.metrics(by="fold")
    f = res.forecasts.merge(res.origins[["unique_id", "fold", "scale_mae", "scale_mse"]], on=["unique_id", "fold"])
    for k in range(3):
        g = f[f["fold"] == k]
        y, p = g["y"].to_numpy().reshape(2, 2), g["y_pred"].to_numpy().reshape(2, 2)
        scores = fold_scores(y, p, g["scale_mae"].to_numpy()[::2], g["scale_mse"].to_numpy()[::2])
        for name in ("MAE", "RMSE", "sMAPE", "WAPE", "MASE", "RMSSE", "bias", "n"):
            np.testing.assert_allclose(scores[name], table.loc[k, name], rtol=1e-12, equal_nan=True)


def test_on_fold_sees_each_fold_in_order_with_its_scores():
    panel = to_panel(frame({"a": TEN}))
    plan = RollingOrigin(horizon=2, folds=3).plan(panel.lengths)
    seen = []

    def score(k, preds):
        return {"first": float(preds["y_pred"][0, 0])}

    arrays = run_folds(NaiveForecaster(), panel, plan, refit=0, on_fold=lambda k, s: seen.append((k, s["first"])),
                       score=score)
    assert seen == [(0, 3.0), (1, 7.0), (2, 8.0)]  # naive at cutoffs 4, 6, 8
    assert arrays.preds["y_pred"].shape == (1, 3, 2) and arrays.refit.tolist() == [True, False, False]


def test_a_hook_that_raises_stops_the_run():
    panel = to_panel(frame({"a": TEN}))
    plan = RollingOrigin(horizon=2, folds=3).plan(panel.lengths)
    ran = []

    class Stop(Exception):
        pass

    def on_fold(k, scores):
        ran.append(k)
        raise Stop

    with pytest.raises(Stop):
        run_folds(NaiveForecaster(), panel, plan, refit=1, on_fold=on_fold)
    assert ran == [0]


# --------------------------------------------------------------------------- no silent fallback


class BatchBug(NaiveForecaster):
    """Forecasts any single origin, but its many-origin path is broken: a bug the engine must not hide."""

    def _predict_at(self, panel, series, cutoffs, horizon, future, levels=None):
        if len(np.unique(cutoffs)) > 1:
            raise IndexError("broken batch")
        return super()._predict_at(panel, series, cutoffs, horizon, future, levels)


def test_a_batch_that_fails_while_every_fold_works_alone_is_raised():
    with pytest.raises(RuntimeError, match="failed on 3 folds at once but on none of them alone"):
        backtest(BatchBug(), frame({"a": TEN}), horizon=2, folds=3, refit=False, progress=False, season_length=1)


# --------------------------------------------------------------------------- ARIMA without refitting


def test_arima_forecasts_at_many_origins_equal_its_predict_on_each_cut_history():
    from tsrnn.forecasters.arima import ARIMAForecaster

    rng = np.random.default_rng(1)
    n = 60
    x = rng.normal(size=(2, n))
    y = 10 + np.cumsum(rng.normal(0.2, 1.0, (2, n)), axis=1) + 1.5 * x
    df = pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2020-01-01", periods=n, freq="MS"),
                                  "y": y[i], "x": x[i]}) for i, uid in enumerate("ab")], ignore_index=True)
    panel = to_panel(df)
    # Series b's cutoffs all lie after its training data: its filter continues from the fitted state; series a has
    # a cutoff inside its training data: it is filtered again from its start. Both must equal predict(df=...).
    series, cutoffs = np.array([0, 1, 0, 1, 0]), np.array([30, 40, 50, 57, 20])
    for params in ({"order": (1, 1, 1), "include_constant": True, "season_length": 1, "exog": ["x"]},
                   {"order": (2, 0, 0), "season_length": 1}):
        model = ARIMAForecaster(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(panel.slice(0, np.array([30, 35])))
            fast = model.forecast_at(panel, series, cutoffs, horizon=3)["y_pred"]
            # The reference: statsmodels' own get_forecast on each cut history (predict(df=...)).
            for j, (i, c) in enumerate(zip(series, cutoffs, strict=True)):
                part = df[df["unique_id"] == "ab"[i]]
                X_future = part.iloc[c:c + 3] if params.get("exog") else None
                ref = model.predict(horizon=3, df=part.iloc[:c], X_future=X_future)["y_pred"].to_numpy()
                np.testing.assert_allclose(fast[j], ref, rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------- tune prunes from the hook


def test_tune_prunes_between_folds_even_without_refitting():
    air = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2000-01-01", periods=48, freq="MS"),
                        "y": 100 + 20 * np.sin(np.arange(48) * 2 * np.pi / 12) + np.arange(48)})
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0)
    res = tune(SeasonalNaiveForecaster(season_length=12), air, space={"season_length": [1, 2, 3, 12]}, horizon=6,
               folds=3, refit=False, n_trials=6, pruner=pruner, random_state=0, progress=False)
    trials = res.study_.trials
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned and all(list(t.intermediate_values) == [0] for t in pruned)  # stopped after fold 0
    assert all(sorted(t.intermediate_values) == [0, 1, 2] for t in trials if t.state == TrialState.COMPLETE)


def test_tune_accepts_cv_with_a_sliding_window():
    y = pd.Series(np.arange(1.0, 31.0), index=pd.date_range("2024-01-01", periods=30), name="s")
    cv = RollingOrigin(horizon=2, folds=2, train_size=6)
    res = tune(DriftForecaster(), y, space=lambda trial: {}, cv=cv, metric="mae", n_trials=1, progress=False)
    assert res.best_score_ == 0.0  # drift is exact on a line, whatever window it sees
    assert res.study_.user_attrs["fingerprint"]["train_size"] == 6


def test_default_loop_and_batched_naive_agree_through_the_engine():
    df = frame({"a": TEN, "b": [5.0, 3.0, 6.0, 2.0, 7.0, 1.0, 8.0, 0.5, 9.0]})
    looped = type("LoopedSeasonal", (SeasonalNaiveForecaster,), {"_predict_at": BaseForecaster._predict_at})
    fast = backtest(SeasonalNaiveForecaster(season_length=2), df, horizon=2, folds=3, refit=False, progress=False,
                    season_length=1)
    slow = backtest(looped(season_length=2), df, horizon=2, folds=3, refit=False, progress=False, season_length=1)
    np.testing.assert_array_equal(fast.forecasts["y_pred"], slow.forecasts["y_pred"])


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_seasonal_scales_are_each_folds_own_mean_seasonal_difference(data):
    from tsrnn.evaluation.engine import seasonal_scales

    m = data.draw(st.integers(1, 3))
    lengths = data.draw(st.lists(st.integers(12, 20), min_size=1, max_size=4))
    values = st.floats(-50.0, 50.0, allow_nan=False)
    series = {f"s{i}": data.draw(st.lists(values, min_size=n, max_size=n)) for i, n in enumerate(lengths)}
    for v in series.values():  # a few missing values inside (filled in, then never counted)
        for k in data.draw(st.lists(st.integers(1, len(v) - 2), max_size=2)):
            v[k] = np.nan
    panel = to_panel(frame(series), fill_missing="interpolate")
    plan = RollingOrigin(horizon=2, folds=2, train_size=data.draw(st.none() | st.integers(6, 8))).plan(panel.lengths)
    mae, mse, last = seasonal_scales(panel, plan, m)
    for i, v in enumerate(series.values()):
        y = np.asarray(v, dtype=np.float32).astype(np.float64)  # the panel holds float32 values
        for k in range(2):
            b, c = plan.train_starts[i, k], plan.cutoffs[i, k]
            d = y[b + m:c] - y[b:c - m]  # by hand: the fold's own training part, observed pairs only
            d = d[~np.isnan(d)]
            # Prefix sums differ from a direct mean by rounding only (values here are at most 50 apart).
            np.testing.assert_allclose(mae[i, k], np.abs(d).mean() if len(d) else np.nan, rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(mse[i, k], (d**2).mean() if len(d) else np.nan, rtol=1e-9, atol=1e-9)
            observed = y[:c][~np.isnan(y[:c])]
            assert last[i, k] == observed[-1]
