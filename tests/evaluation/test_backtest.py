"""backtest / compare: cutoffs and refits by hand, naive forecasts by hand, leakage, the RNN fast path, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joblib import parallel_config

from tsrnn.errors import DataError
from tsrnn.evaluation import BacktestResult, backtest, compare
from tsrnn.forecasters.base import BaseForecaster
from tsrnn.forecasters.naive import DriftForecaster, MeanForecaster, NaiveForecaster, SeasonalNaiveForecaster


def long_frame(series: dict[str, list[float]], start="2024-01-01", freq="D", **covariates) -> pd.DataFrame:
    """Series of any lengths, all starting at ``start``; covariates are dicts id -> values."""
    parts = []
    for uid, values in series.items():
        part = pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(values), freq=freq),
                             "y": np.asarray(values, dtype=float)})
        for name, by_id in covariates.items():
            part[name] = np.asarray(by_id[uid], dtype=float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


class RecordingNaive(NaiveForecaster):
    """Naive forecaster recording the series lengths it was fitted on and forecast from (shared across clones)."""

    fits: list = []
    predicts: list = []

    def _fit(self, panel):
        RecordingNaive.fits.append(panel.lengths.tolist())
        super()._fit(panel)

    def _predict(self, panel, horizon, X_future, levels):
        RecordingNaive.predicts.append(panel.lengths.tolist())
        return super()._predict(panel, horizon, X_future, levels)

    # Many origins through the default loop over _predict (which records), not the vectorised naive path.
    _predict_at = BaseForecaster._predict_at


@pytest.fixture(autouse=True)
def _reset_records():
    RecordingNaive.fits, RecordingNaive.predicts = [], []
    yield


TEN = [1.0, 2.0, 4.0, 3.0, 5.0, 7.0, 6.0, 8.0, 9.0, 10.0]  # length 10


def quiet_backtest(*args, **kwargs) -> BacktestResult:
    kwargs.setdefault("progress", False)
    kwargs.setdefault("season_length", 1)
    return backtest(*args, **kwargs)


# --------------------------------------------------------------------------- cutoffs and refits by hand


def test_refit_true_fits_at_every_cutoff_on_the_data_before_it():
    # n = 10, horizon 2, folds 3: cutoffs 10 - 2 = 8, 6, 4 (observations available at each origin)
    res = quiet_backtest(RecordingNaive(), long_frame({"a": TEN}), horizon=2, folds=3, refit=True)
    assert RecordingNaive.fits == [[4], [6], [8]]
    assert RecordingNaive.predicts == [[4], [6], [8]]
    assert res.timings["refit"].tolist() == [True, True, True]
    assert res.origins["n_train"].tolist() == [4, 6, 8]
    # Naive: the value at the cutoff, repeated; cutoff = timestamp of the last observation used.
    f = res.forecasts
    assert f["y_pred"].tolist() == [3.0, 3.0, 7.0, 7.0, 8.0, 8.0]
    assert f["y"].tolist() == [5.0, 7.0, 6.0, 8.0, 9.0, 10.0]
    assert f["cutoff"].dt.strftime("%m-%d").tolist() == ["01-04"] * 2 + ["01-06"] * 2 + ["01-08"] * 2
    assert f["ds"].dt.strftime("%m-%d").tolist() == ["01-05", "01-06", "01-07", "01-08", "01-09", "01-10"]
    assert f["horizon_step"].tolist() == [1, 2, 1, 2, 1, 2]
    assert f["fold"].tolist() == [0, 0, 1, 1, 2, 2]


def test_refit_false_fits_once_then_forecasts_from_the_history_at_each_cutoff():
    res = quiet_backtest(RecordingNaive(), long_frame({"a": TEN}), horizon=2, folds=3, refit=False)
    assert RecordingNaive.fits == [[4]]  # once, on the data before the first cutoff
    assert RecordingNaive.predicts == [[4], [6], [8]]  # the history grows with the cutoff
    assert res.timings["refit"].tolist() == [True, False, False]
    assert (res.timings["fit_time_s"].iloc[1:] == 0).all() and res.timings["fit_time_s"].iloc[0] > 0
    assert res.forecasts["y_pred"].tolist() == [3.0, 3.0, 7.0, 7.0, 8.0, 8.0]
    assert res.refit is False


def test_refit_every_second_fold():
    # folds 4: cutoffs 2, 4, 6, 8; fits at folds 0 and 2 only
    res = quiet_backtest(RecordingNaive(), long_frame({"a": TEN}), horizon=2, folds=4, refit=2)
    assert RecordingNaive.fits == [[2], [6]]
    assert RecordingNaive.predicts == [[2], [4], [6], [8]]
    assert res.timings["refit"].tolist() == [True, False, True, False]
    assert res.forecasts["y_pred"].tolist() == [2.0, 2.0, 3.0, 3.0, 7.0, 7.0, 8.0, 8.0]
    assert res.refit == 2


def test_cutoffs_are_anchored_at_each_series_end():
    # a: n = 8 -> cutoffs 6, 4 ; b: n = 11 -> cutoffs 9, 7 (horizon 2, step 2)
    a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    b = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 110.0]
    res = quiet_backtest(RecordingNaive(), long_frame({"a": a, "b": b}), horizon=2, folds=2)
    assert RecordingNaive.fits == [[4, 7], [6, 9]]
    f = res.forecasts.set_index(["unique_id", "fold"])
    assert f.loc[("a", 0), "y_pred"].tolist() == [4.0, 4.0] and f.loc[("a", 0), "y"].tolist() == [5.0, 6.0]
    assert f.loc[("a", 1), "y_pred"].tolist() == [6.0, 6.0] and f.loc[("a", 1), "y"].tolist() == [7.0, 8.0]
    assert f.loc[("b", 0), "y_pred"].tolist() == [70.0, 70.0] and f.loc[("b", 0), "y"].tolist() == [80.0, 90.0]
    assert f.loc[("b", 1), "y_pred"].tolist() == [90.0, 90.0] and f.loc[("b", 1), "y"].tolist() == [100.0, 110.0]
    assert res.origins["cutoff"].dt.strftime("%m-%d").tolist() == ["01-04", "01-06", "01-07", "01-09"]


def test_step_sliding_window_and_gap():
    # n = 10, horizon 2, gap 1, step 1: c_last = 10 - 1 - 2 = 7, then 6 and 5; sliding train_size 3
    res = quiet_backtest(RecordingNaive(), long_frame({"a": TEN}), horizon=2, folds=3, step=1, gap=1,
                         window="sliding", train_size=3)
    assert RecordingNaive.fits == [[3], [3], [3]]
    assert res.origins["n_train"].tolist() == [3, 3, 3]
    assert res.origins["train_start"].dt.strftime("%m-%d").tolist() == ["01-03", "01-04", "01-05"]
    f = res.forecasts
    # cutoff 5: the last value is TEN[4] = 5; evaluated positions 6, 7 (position 5 is the gap)
    assert f["y_pred"].tolist() == [5.0, 5.0, 7.0, 7.0, 6.0, 6.0]
    assert f["y"].tolist() == [TEN[6], TEN[7], TEN[7], TEN[8], TEN[8], TEN[9]]
    assert f["horizon_step"].tolist() == [1, 2, 1, 2, 1, 2]
    assert res.gap == 1 and res.step == 1


def test_drift_and_mean_forecasts_by_hand():
    y = [2.0, 4.0, 3.0, 7.0, 5.0, 9.0]
    res = quiet_backtest(DriftForecaster(), long_frame({"a": y}), horizon=2, folds=2)
    # cutoff 2: slope (4 - 2) / 1 = 2 -> 6, 8 ; cutoff 4: slope (7 - 2) / 3 -> 7 + 5/3, 7 + 10/3
    np.testing.assert_allclose(res.forecasts["y_pred"], [6.0, 8.0, 7 + 5 / 3, 7 + 10 / 3])
    res = quiet_backtest(MeanForecaster(), long_frame({"a": y}), horizon=2, folds=2)
    np.testing.assert_allclose(res.forecasts["y_pred"], [3.0, 3.0, 4.0, 4.0])


def test_default_initial_leaves_room_for_the_forecaster():
    # SeasonalNaive(season_length=4) needs 4 observations: cutoffs 4, 6, 8 rather than 2, ...
    res = quiet_backtest(SeasonalNaiveForecaster(season_length=4), long_frame({"a": TEN}), horizon=2, folds=None)
    assert res.origins["n_train"].tolist() == [4, 6, 8]
    # cutoff 4: last season 1, 2, 4, 3 -> 1, 2
    assert res.forecasts["y_pred"].tolist()[:2] == [1.0, 2.0]


def test_intervals_are_kept_and_parallel_jobs_give_the_same_forecasts():
    df = long_frame({"a": TEN, "b": TEN[::-1]})
    one = quiet_backtest(NaiveForecaster(), df, horizon=2, folds=3, level=[80, 95])
    # Threads keep the test fast; worker processes (joblib's default) get the same pickled arguments.
    with parallel_config(backend="threading"):
        two = quiet_backtest(NaiveForecaster(), df, horizon=2, folds=3, level=[80, 95], n_jobs=2)
    assert {"y_pred_lo_80", "y_pred_hi_80", "y_pred_lo_95", "y_pred_hi_95"} <= set(one.forecasts.columns)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)


def test_the_callers_forecaster_and_frame_are_untouched():
    model = NaiveForecaster()
    df = long_frame({"a": TEN})
    before = df.copy()
    quiet_backtest(model, df, horizon=2)
    assert not hasattr(model, "panel_")
    pd.testing.assert_frame_equal(df, before)


def test_data_keywords_are_passed_to_the_data_contract():
    df = long_frame({"a": TEN}).rename(columns={"unique_id": "store", "ds": "date", "y": "sales"})
    res = quiet_backtest(NaiveForecaster(), df, horizon=2, folds=1, id_col="store", time_col="date",
                         target_col="sales")
    assert res.forecasts["y_pred"].tolist() == [8.0, 8.0]


def test_progress_bar_only_when_asked(capsys):
    quiet_backtest(NaiveForecaster(), long_frame({"a": TEN}), horizon=2, progress=False)
    assert capsys.readouterr().err == ""
    quiet_backtest(NaiveForecaster(), long_frame({"a": TEN}), horizon=2, progress=True)
    assert "NaiveForecaster" in capsys.readouterr().err


# --------------------------------------------------------------------------- leakage


def _perturbed_after_cutoff(series: dict, res: BacktestResult, fold: int, noise: list[float]) -> dict:
    """Every value at or after each series' cutoff of ``fold`` replaced (the lengths stay the same)."""
    out = {}
    cut = res.origins[res.origins["fold"] == fold].set_index("unique_id")["n_train"]
    for uid, values in series.items():
        c = int(cut[uid])
        out[uid] = list(values[:c]) + [noise[j % len(noise)] for j in range(len(values) - c)]
    return out


NAIVE_FAMILY = [NaiveForecaster(), SeasonalNaiveForecaster(season_length=2), DriftForecaster(), MeanForecaster()]
values = st.floats(1.0, 100.0, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("refit", [True, False, 2])
@pytest.mark.parametrize("model", NAIVE_FAMILY, ids=lambda m: type(m).__name__)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.lists(values, min_size=10, max_size=16), b=st.lists(values, min_size=12, max_size=18),
       noise=st.lists(values, min_size=1, max_size=5), fold=st.integers(0, 2))
def test_values_after_a_cutoff_never_reach_its_forecast(model, refit, a, b, noise, fold):
    series = {"a": a, "b": b}
    kwargs = dict(horizon=2, folds=3, refit=refit, level=80)
    base = quiet_backtest(model, long_frame(series), **kwargs)
    changed = quiet_backtest(model, long_frame(_perturbed_after_cutoff(series, base, fold, noise)), **kwargs)
    cols = ["y_pred", "y_pred_lo_80", "y_pred_hi_80"]
    pd.testing.assert_frame_equal(base.forecasts.loc[base.forecasts["fold"] == fold, cols],
                                  changed.forecasts.loc[changed.forecasts["fold"] == fold, cols])


def tiny_rnn(**kwargs):
    from tsrnn.forecasters.rnn import RNNForecaster

    params = dict(horizon=2, window=4, hidden_size=4, max_steps=3, batch_size=16, progress=False, random_state=0,
                  accelerator="cpu")
    params.update(kwargs)
    return RNNForecaster(**params)


def _with_covariates(series: dict) -> pd.DataFrame:
    lengths = {uid: len(v) for uid, v in series.items()}
    past = {uid: np.cos(np.arange(n)) for uid, n in lengths.items()}
    promo = {uid: (np.arange(n) % 3 == 0).astype(float) for uid, n in lengths.items()}
    return long_frame(series, past=past, promo=promo)


@pytest.mark.parametrize("refit", [True, False, 2])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.lists(values, min_size=14, max_size=16), noise=st.lists(values, min_size=1, max_size=3),
       fold=st.integers(0, 2))
def test_rnn_backtest_is_leakage_free(refit, a, noise, fold):
    # Past covariate `past` and target are changed after the cutoff; the future covariate `promo` only beyond
    # the forecast span (its horizon values are known in advance and may be used).
    model = tiny_rnn(future_covariates=["promo"])
    kwargs = dict(horizon=2, folds=3, refit=refit)
    base_df = _with_covariates({"a": a})
    base = quiet_backtest(model, base_df, **kwargs)
    c = int(base.origins.loc[base.origins["fold"] == fold, "n_train"].iloc[0])
    changed_df = base_df.copy()
    after = np.arange(len(a)) >= c
    changed_df.loc[after, "y"] = [noise[j % len(noise)] for j in range(int(after.sum()))]
    changed_df.loc[after, "past"] = -5.0
    changed_df.loc[np.arange(len(a)) >= c + 2, "promo"] = 7.0
    changed = quiet_backtest(model, changed_df, **kwargs)
    np.testing.assert_array_equal(base.forecasts.loc[base.forecasts["fold"] == fold, "y_pred"].to_numpy(),
                                  changed.forecasts.loc[changed.forecasts["fold"] == fold, "y_pred"].to_numpy())


def test_rnn_batched_origins_equal_the_loop_over_cut_panels():
    rng = np.random.default_rng(3)
    series = {"a": list(10 + np.sin(np.arange(30) / 2) + rng.normal(0, 0.1, 30)),
              "b": list(20 + np.cos(np.arange(26) / 3) + rng.normal(0, 0.1, 26))}
    df = _with_covariates(series)
    model = tiny_rnn(future_covariates=["promo"], calendar_features=True)
    # The same model forecasting every origin through the default loop: _predict on each cut panel.
    slow_model = type("SlowRNN", (type(model),), {"_predict_at": BaseForecaster._predict_at})(**model.get_params())

    fast = quiet_backtest(model, df, horizon=2, folds=6, step=1, refit=False)
    slow = quiet_backtest(slow_model, df, horizon=2, folds=6, step=1, refit=False)
    assert len(fast.forecasts) == 2 * 6 * 2
    pd.testing.assert_frame_equal(fast.forecasts.drop(columns="y_pred"), slow.forecasts.drop(columns="y_pred"))
    np.testing.assert_allclose(fast.forecasts["y_pred"], slow.forecasts["y_pred"], rtol=1e-5, atol=1e-6)
    assert fast.timings["refit"].tolist() == [True] + [False] * 5


def test_rnn_with_a_longer_horizon_than_the_backtest_forecasts_every_fold():
    # A model horizon (3) longer than the backtest horizon (2): the last fold's model horizon runs past the end of
    # the series, and the batched call still forecasts every fold (no fallback path exists to hide a failure).
    series = {"a": list(np.linspace(1.0, 3.0, 24))}
    res = quiet_backtest(tiny_rnn(horizon=3), long_frame(series), horizon=2, folds=3, refit=False)
    assert len(res.forecasts) == 6 and len(res.errors) == 0


# --------------------------------------------------------------------------- failures are per fold


class FailsOnSixObservations(NaiveForecaster):
    def _fit(self, panel):
        if panel.lengths[0] == 6:
            raise RuntimeError("cannot fit on six observations")
        super()._fit(panel)


class PredictFailsOnSix(NaiveForecaster):
    def _predict(self, panel, horizon, X_future, levels):
        if panel.lengths[0] == 6:
            raise FloatingPointError("boom at six")
        return super()._predict(panel, horizon, X_future, levels)

    _predict_at = BaseForecaster._predict_at  # its failure lives in _predict: many origins must go through it


def test_a_failing_fit_loses_only_its_fold():
    with pytest.warns(RuntimeWarning, match="1 of 3 folds failed"):
        res = quiet_backtest(FailsOnSixObservations(), long_frame({"a": TEN}), horizon=2, folds=3)
    assert res.forecasts["fold"].unique().tolist() == [0, 2]
    err = res.errors.iloc[0]
    assert (err["fold"], err["unique_id"], err["stage"], err["error_type"]) == (1, "all", "fit", "RuntimeError")
    assert err["message"] == "cannot fit on six observations"
    assert err["cutoff"] == pd.Timestamp("2024-01-06")
    assert res.timings["failed"].tolist() == [False, True, False]
    assert res.summary()["n_errors"].iloc[0] == 1


def test_a_failing_predict_is_recorded_with_its_stage():
    with pytest.warns(RuntimeWarning):
        res = quiet_backtest(PredictFailsOnSix(), long_frame({"a": TEN}), horizon=2, folds=3, refit=False)
    assert res.errors[["fold", "stage", "error_type"]].values.tolist() == [[1, "predict", "FloatingPointError"]]
    assert sorted(res.forecasts["fold"].unique().tolist()) == [0, 2]


def test_a_refit_block_shares_its_fit_failure():
    # refit=2, folds 4: cutoffs 2, 4, 6, 8; the fit at fold 2 (6 observations) fails, so folds 2 and 3 fail
    with pytest.warns(RuntimeWarning, match="2 of 4 folds failed"):
        res = quiet_backtest(FailsOnSixObservations(), long_frame({"a": TEN}), horizon=2, folds=4, refit=2)
    assert res.errors["fold"].tolist() == [2, 3]
    assert sorted(res.forecasts["fold"].unique().tolist()) == [0, 1]


def test_every_fold_failing_raises_the_first_error():
    class AlwaysFails(NaiveForecaster):
        def _fit(self, panel):
            raise ArithmeticError("no luck")

    with pytest.raises(ArithmeticError, match="no luck") as info:
        quiet_backtest(AlwaysFails(), long_frame({"a": TEN}), horizon=2, folds=2)
    assert any("every one of the 2 folds" in note for note in getattr(info.value, "__notes__", []))


# --------------------------------------------------------------------------- bad input


def test_folds_that_do_not_fit_say_how_many_fit_and_where():
    df = long_frame({"long": TEN * 2, "short": TEN[:7]})
    with pytest.raises(ValueError, match=r"series 'short' has 7: only 2 fold\(s\) fit") as info:
        quiet_backtest(NaiveForecaster(), df, horizon=2, folds=4)
    assert "folds <= 2" in str(info.value)
    with pytest.raises(ValueError, match=r"series 'short' has 7: only 0 fold\(s\) fit"):
        quiet_backtest(NaiveForecaster(), df, horizon=6, folds=1)


@pytest.mark.parametrize("kwargs, message", [
    (dict(step=0), "step must be a positive integer"),
    (dict(horizon=0), "horizon must be a positive integer"),
    (dict(folds=0), "folds must be a positive integer"),
    (dict(refit=0), "refit must be True"),
    (dict(refit="yes"), "refit must be True"),
    (dict(gap=-1), "gap must be a non-negative integer"),
    (dict(window="rolling"), "window must be 'expanding' or 'sliding'"),
    (dict(window="sliding"), "needs train_size"),
])
def test_bad_arguments(kwargs, message):
    args = dict(horizon=2, folds=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        quiet_backtest(NaiveForecaster(), long_frame({"a": TEN}), **args)


def test_not_a_forecaster_is_a_type_error_naming_the_type():
    from sklearn.linear_model import LinearRegression

    with pytest.raises(TypeError, match="LinearRegression"):
        quiet_backtest(LinearRegression(), long_frame({"a": TEN}), horizon=2)
    with pytest.raises(TypeError, match=r"pass an instance, e.g. NaiveForecaster\(\)"):
        quiet_backtest(NaiveForecaster, long_frame({"a": TEN}), horizon=2)


def test_level_without_intervals_and_empty_data():
    with pytest.raises(ValueError, match="does not produce prediction intervals"):
        quiet_backtest(tiny_rnn(), long_frame({"a": TEN * 3}), horizon=2, level=80)
    with pytest.raises(DataError, match="no rows"):
        quiet_backtest(NaiveForecaster(), pd.DataFrame({"unique_id": [], "ds": [], "y": []}), horizon=2)


def test_undefined_scale_warns():
    with pytest.warns(RuntimeWarning, match="season_length \\+ 1 = 8"):
        res = backtest(NaiveForecaster(), long_frame({"a": TEN}), horizon=2, folds=3, progress=False)
    assert np.isnan(res.metrics()["MASE"].iloc[0])  # daily data: m = 7, and fold 0 trains on 4 values


# --------------------------------------------------------------------------- compare


def test_compare_ranks_by_mase_on_the_same_origins():
    trend = list(np.arange(1.0, 21.0))
    df = long_frame({"up": trend, "up2": [2 * v for v in trend[:16]]})
    models = {"mean": MeanForecaster(), "naive": NaiveForecaster(), "drift": DriftForecaster(),
              "snaive": SeasonalNaiveForecaster(season_length=5)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about here
        cmp = compare(models, df, horizon=2, folds=3, progress=False, season_length=1, level=80)
    board = cmp.leaderboard
    assert list(board.index) == ["drift", "naive", "snaive", "mean"]  # drift is exact on a straight line
    assert board.loc["drift", "MASE"] == 0.0
    assert board.loc["naive", "MASE"] == pytest.approx(1.5)  # errors 1, 2 (x1 and x2 scale) over scale 1, 2
    assert list(board.columns[:6]) == ["MASE", "RMSSE", "sMAPE", "WAPE", "MAE", "RMSE"]
    assert {"coverage_80", "fit_time_s", "predict_time_s", "n_errors"} <= set(board.columns)
    origins = [r.origins[["unique_id", "fold", "cutoff", "n_train"]] for r in cmp.results.values()]
    for other in origins[1:]:
        pd.testing.assert_frame_equal(origins[0], other)
    assert origins[0]["n_train"].min() >= 5  # initial leaves room for the seasonal naive's season


def test_compare_rejects_bad_forecasters():
    df = long_frame({"a": TEN})
    with pytest.raises(ValueError, match="empty"):
        compare({}, df, horizon=2)
    with pytest.raises(TypeError, match="dict of name"):
        compare([NaiveForecaster()], df, horizon=2)
    with pytest.raises(TypeError, match=r"forecasters\['x'\].*str"):
        compare({"x": "naive"}, df, horizon=2)


def test_compare_writes_its_report(tmp_path):
    path = tmp_path / "cmp.html"
    cmp = compare({"naive": NaiveForecaster(), "mean": MeanForecaster()}, long_frame({"a": TEN}), horizon=2,
                  progress=False, season_length=1, report=path)
    assert path.exists() and set(cmp.results) == {"naive", "mean"}


# --------------------------------------------------------------------------- missing values: filled per fold


def _gappy(rng, lengths: dict[str, int]) -> pd.DataFrame:
    """Series with NaN targets and missing timestamps inside (never the first or last), a past covariate
    ``past`` and a known-in-advance covariate ``promo``, both with gaps of their own."""
    parts = []
    for uid, n in lengths.items():
        part = pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=n, freq="D"),
                             "y": 50 + np.cumsum(rng.normal(0, 2, n)), "past": rng.normal(0, 1, n),
                             "promo": (rng.random(n) < 0.4).astype(float)})
        inside = np.arange(1, n - 1)
        part.loc[inside[rng.random(n - 2) < 0.2], "y"] = np.nan
        part.loc[inside[rng.random(n - 2) < 0.15], "past"] = np.nan
        part.loc[inside[rng.random(n - 2) < 0.15], "promo"] = np.nan
        parts.append(part.drop(index=inside[rng.random(n - 2) < 0.1]))
    return pd.concat(parts, ignore_index=True)


def _scrambled_after(df: pd.DataFrame, res: BacktestResult, fold: int, span: int, rng) -> pd.DataFrame:
    """Everything after each series' cutoff of ``fold`` changed: new values, new NaN gaps, gaps filled, and after
    the forecast span missing timestamps; ``promo`` only after the span (its span values are known in advance)."""
    origins = res.origins[res.origins["fold"] == fold].set_index("unique_id")
    parts = []
    for uid, part in df.groupby("unique_id", sort=False):
        part = part.set_index("ds").reindex(pd.date_range(part["ds"].iloc[0], part["ds"].iloc[-1], freq="D"))
        part["unique_id"] = uid
        c, n = int(origins.loc[uid, "n_train"]), len(part)
        after, later = np.arange(c, n), np.arange(min(c + span, n), n)
        part.iloc[after, part.columns.get_loc("y")] = rng.normal(500, 100, len(after))
        part.iloc[after, part.columns.get_loc("past")] = rng.normal(-40, 5, len(after))
        part.iloc[later, part.columns.get_loc("promo")] = rng.normal(9, 1, len(later))
        for col in ("y", "past"):
            part.iloc[after[(rng.random(len(after)) < 0.3) & (after < n - 1)], part.columns.get_loc(col)] = np.nan
        part.iloc[later[(rng.random(len(later)) < 0.3) & (later < n - 1)], part.columns.get_loc("promo")] = np.nan
        drop = later[(rng.random(len(later)) < 0.3) & (later < n - 1)]  # a dropped row would drop promo too
        parts.append(part.drop(index=part.index[drop]).rename_axis("ds").reset_index())
    return pd.concat(parts, ignore_index=True)[list(df.columns)]


def _assert_fold_unchanged(base: BacktestResult, changed: BacktestResult, fold: int) -> None:
    cols = [c for c in base.forecasts.columns if c.startswith("y_pred")]
    before = base.forecasts.loc[base.forecasts["fold"] == fold, ["unique_id", "ds", *cols]].reset_index(drop=True)
    after = changed.forecasts.loc[changed.forecasts["fold"] == fold, ["unique_id", "ds", *cols]].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    assert base.errors[base.errors["fold"] == fold].drop(columns="cutoff").reset_index(drop=True).equals(
        changed.errors[changed.errors["fold"] == fold].drop(columns="cutoff").reset_index(drop=True))


POLICIES = ["ffill", "interpolate", "zero"]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("refit", [True, False, 2])
@pytest.mark.parametrize("model", NAIVE_FAMILY, ids=lambda m: type(m).__name__)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), fold=st.integers(0, 2))
def test_filled_values_never_carry_the_future_into_a_fold(model, refit, policy, seed, fold):
    rng = np.random.default_rng(seed)
    df = _gappy(rng, {"a": 16, "b": 19})
    kwargs = dict(horizon=2, folds=3, refit=refit, level=80, fill_missing=policy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a fold may fail: then it must fail the same way
        base = quiet_backtest(model, df, **kwargs)
        changed = quiet_backtest(model, _scrambled_after(df, base, fold, 2, rng), **kwargs)
    _assert_fold_unchanged(base, changed, fold)


def _heavy_models():
    from tsrnn.forecasters.arima import ARIMAForecaster
    from tsrnn.forecasters.ets import ETSForecaster

    return {
        "arima_exog": ARIMAForecaster(order=(1, 0, 0), season_length=1, exog=["promo"]),
        "ets": ETSForecaster(error="add", trend="none", seasonal="none", season_length=1),
        "rnn": tiny_rnn(future_covariates=["promo"], max_steps=2),
    }


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("refit", [True, False, 2])
@pytest.mark.parametrize("name", ["arima_exog", "ets", "rnn"])
def test_filled_values_never_carry_the_future_into_a_fold_of_arima_ets_rnn(name, refit, policy):
    rng = np.random.default_rng(hash((name, str(refit), policy)) % 2**32)
    model = _heavy_models()[name]
    df = _gappy(rng, {"a": 18, "b": 20})
    kwargs = dict(horizon=2, folds=2, refit=refit, fill_missing=policy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        base = quiet_backtest(model, df, **kwargs)
        assert len(base.forecasts) and base.forecasts["y_pred"].notna().all()
        for fold in (0, 1):
            _assert_fold_unchanged(base, quiet_backtest(model, _scrambled_after(df, base, fold, 2, rng), **kwargs),
                                   fold)


def test_interpolation_across_a_cutoff_does_not_move_its_forecast():
    # The example: a gap right before the last value. Filling the whole series first made the last
    # value reach the naive forecast made before it (120 -> 620).
    y = [100.0] * 10 + [np.nan, 120.0]
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=12), "y": y})
    for last in (120.0, 620.0):
        res = quiet_backtest(NaiveForecaster(), df.assign(y=y[:-1] + [last]), horizon=1, folds=2,
                             fill_missing="interpolate")
        assert res.forecasts["y_pred"].tolist() == [100.0, 100.0]


@pytest.mark.filterwarnings("ignore:MASE and RMSSE are undefined")
def test_a_fold_without_any_observed_value_fails_instead_of_borrowing_from_the_future():
    # ffill ends with a backward fill: filling the whole series first trained fold 0 on the later 6.
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=8),
                       "y": [np.nan] * 5 + [6.0, 7.0, 8.0]})
    with pytest.warns(RuntimeWarning, match="1 of 3 folds failed"):
        res = quiet_backtest(MeanForecaster(), df, horizon=1, folds=3, step=1, fill_missing="ffill")
    assert res.errors["fold"].tolist() == [0] and "no observed value" in res.errors["message"].iloc[0]
    assert res.forecasts["y_pred"].tolist() == [6.0, pytest.approx(43 / 7)]  # [6 x 6] ; [6 x 6, 7]


def test_tune_scores_folds_filled_from_their_own_past():
    # tune() scores trials with backtests of a panel that keeps its missing-value mask, cut per fold.
    from optuna.trial import FixedTrial

    from tsrnn.tuning import make_objective

    scores = []
    for after in (120.0, 620.0):
        y = [100.0] * 9 + [np.nan, after, after]  # fold 1's history ends with the gap, right before `after`
        df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=12), "y": y})
        objective = make_objective(NaiveForecaster(), df, horizon=2, folds=2, metric="mae", season_length=1,
                                   space=lambda trial: {}, fill_missing="interpolate")
        scores.append(objective(FixedTrial({})))
    # fold 0: 100 against 100 (its second actual is missing); fold 1: the gap filled flat, 100 against `after`
    assert scores == [(0.0 + 20.0) / 2, (0.0 + 520.0) / 2]


def test_missing_actuals_are_not_scored_and_are_flagged():
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=10),
                       "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, np.nan, 9.0, 10.0]})
    df = df.drop(index=[8])  # 2024-01-09 is missing as a timestamp, 2024-01-08 as a value
    res = quiet_backtest(NaiveForecaster(), df, horizon=2, folds=2, fill_missing="zero")
    f = res.forecasts
    assert f["ds"].dt.day.tolist() == [7, 8, 9, 10]
    assert f["y_missing"].tolist() == [False, True, True, False]
    np.testing.assert_array_equal(f["y"], [7.0, np.nan, np.nan, 10.0])
    assert f["y_pred"].tolist() == [6.0, 6.0, 0.0, 0.0]  # fold 1's history ends with the zero-filled day 8
    m = res.metrics()
    assert m["n"].iloc[0] == 2 and m["MAE"].iloc[0] == pytest.approx((1.0 + 10.0) / 2)
    by_fold = res.metrics(by="fold")
    assert by_fold["n"].tolist() == [1, 1] and by_fold["MAE"].tolist() == [1.0, 10.0]
    assert res.actuals["y"].isna().sum() == 2
    assert res.origins["last_value"].tolist() == [6.0, 7.0]  # the last observed value, not the filled 0


# --------------------------------------------------------------------------- covariates known in advance


class PromoNaive(NaiveForecaster):
    """Naive plus the promo of each forecast step; declares promo known in advance (no parameter names it)."""

    @property
    def known_covariates_(self):
        return ("promo",)

    def _predict(self, panel, horizon, future, levels):
        # The base class read X_future once: ``future`` is [n_series, horizon, 1], the promo of each step.
        out = super()._predict(panel, horizon, future, levels)
        out["y_pred"] = out["y_pred"] + future[:, :, 0]
        return out

    _predict_at = BaseForecaster._predict_at  # the promo lives in _predict


def test_backtest_passes_the_covariates_the_model_declares_known():
    promo = {"a": [0.0] * 8 + [10.0, 20.0]}
    df = long_frame({"a": TEN}, promo=promo, other={"a": [1.0] * 10})
    res = quiet_backtest(PromoNaive(), df, horizon=2, folds=1)
    assert res.forecasts["y_pred"].tolist() == [8.0 + 10.0, 8.0 + 20.0]


def test_arima_with_exog_can_be_backtested_compared_and_tuned():
    from optuna.trial import FixedTrial

    from tsrnn.forecasters.arima import ARIMAForecaster
    from tsrnn.tuning import make_objective

    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=40, freq="MS"),
                       "y": 5.0 + 2.0 * x + rng.normal(0, 0.01, 40), "x": x, "unused": rng.normal(size=40)})
    model = ARIMAForecaster(order=(0, 0, 0), season_length=1, exog=["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no fold may fail
        res = quiet_backtest(model, df, horizon=3, folds=2, level=80)
        cmp = compare({"arima": model, "naive": NaiveForecaster()}, df, horizon=3, folds=2, progress=False,
                      season_length=1)
    assert len(res.errors) == 0 and len(res.forecasts) == 6
    np.testing.assert_allclose(res.forecasts["y_pred"], res.forecasts["y"], atol=0.05)  # y = 5 + 2 x
    assert cmp.leaderboard.index[0] == "arima" and cmp.leaderboard.loc["arima", "n_errors"] == 0
    objective = make_objective(model, df, horizon=3, folds=2, season_length=1, space=lambda trial: {})
    assert objective(FixedTrial({})) < 0.1
    assert ARIMAForecaster(exog="all", order=(0, 0, 0)).fit(df).known_covariates_ == ("x", "unused")
    assert ARIMAForecaster(order=(0, 0, 0)).fit(df).known_covariates_ == ()


def test_backtest_and_compare_agree_on_the_levels_of_a_quantile_rnn():
    model = tiny_rnn(loss="quantile")  # quantiles 0.1, 0.5, 0.9: level 80 is bounded by q10 and q90
    df = long_frame({"a": TEN * 3})
    for refit in (True, False):
        alone = quiet_backtest(model, df, horizon=2, folds=2, refit=refit, level=80)
        both = compare({"rnn": model, "naive": NaiveForecaster()}, df, horizon=2, folds=2, refit=refit, level=80,
                       progress=False, season_length=1)
        forecasts = both.results["rnn"].forecasts
        np.testing.assert_array_equal(alone.forecasts["y_pred_lo_80"], forecasts["y_pred_lo_80"])
        np.testing.assert_array_equal(alone.forecasts["y_pred_lo_80"], alone.forecasts["y_pred_q10"])
        assert alone.summary()["coverage_80"].iloc[0] == both.leaderboard.loc["rnn", "coverage_80"]
    with pytest.raises(ValueError, match="level=95 from its quantiles 0.025 and 0.975"):
        quiet_backtest(model, df, horizon=2, level=95)
    with pytest.raises(ValueError, match="level=95 from its quantiles 0.025 and 0.975"):
        compare({"rnn": model}, df, horizon=2, level=95, progress=False)
    # A point RNN has no intervals: compare scores its point forecasts, backtest says why it cannot.
    assert "coverage_80" not in compare({"rnn": tiny_rnn(), "naive": NaiveForecaster()}, df, horizon=2, level=80,
                                        progress=False, season_length=1).results["rnn"].summary()
