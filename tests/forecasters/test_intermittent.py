"""CrostonForecaster: Croston, SBA and TSB, against values worked by hand and against each other's paths."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import ConformalIntervals, CrostonForecaster, backtest
from tsrnn.data import to_panel
from tsrnn.errors import InvalidParameterError
from tsrnn.forecasters.checks import check_forecaster
from tsrnn.forecasters.intermittent import croston_rates

# Demand in periods 3 (size 4) and 7 (size 2) of 8; the intervals are 3 and 4 periods.
Y = np.array([0, 0, 4, 0, 0, 0, 2, 0], dtype=float)


def series(y=Y, name="item"):
    return pd.Series(y, index=pd.date_range("2024-01-07", periods=len(y), freq="W"), name=name)


def test_each_method_by_hand():
    alpha, beta = 0.5, 0.25
    # Croston: size 4 -> 4 + 0.5 (2 - 4) = 3; interval 3 -> 3 + 0.5 (4 - 3) = 3.5; rate 3 / 3.5
    classic = CrostonForecaster(alpha=alpha).fit(series()).predict(3)["y_pred"].to_numpy()
    np.testing.assert_allclose(classic, [3 / 3.5] * 3)
    sba = CrostonForecaster("sba", alpha=alpha).fit(series()).predict(1)["y_pred"].to_numpy()
    np.testing.assert_allclose(sba, [3 / 3.5 * (1 - alpha / 2)])
    # TSB: the probability starts at period 1's 0 and moves a quarter of the way to 0 or 1 each later period
    d = 0.0
    for demand in (Y[1:] != 0):
        d += beta * (demand - d)
    tsb = CrostonForecaster("tsb", alpha=alpha, beta=beta).fit(series()).predict(1)["y_pred"].to_numpy()
    np.testing.assert_allclose(tsb, [d * 3.0])


def test_tsb_decays_when_demand_stops_and_croston_does_not():
    stopped = np.r_[Y, np.zeros(30)]
    classic = CrostonForecaster().fit(series(stopped)).predict(1)["y_pred"].iloc[0]
    assert classic == pytest.approx(CrostonForecaster().fit(series()).predict(1)["y_pred"].iloc[0])
    before = CrostonForecaster("tsb").fit(series()).predict(1)["y_pred"].iloc[0]
    after = CrostonForecaster("tsb").fit(series(stopped)).predict(1)["y_pred"].iloc[0]
    assert after == pytest.approx(before * 0.9**30)


def test_no_demand_forecasts_zero_and_a_panel_is_forecast_series_by_series():
    ds = series().index
    df = pd.DataFrame({"unique_id": ["never"] * 8 + ["item"] * 8, "ds": ds.append(ds), "y": np.r_[np.zeros(8), Y]})
    for method in ("classic", "sba", "tsb"):
        pred = CrostonForecaster(method).fit(df).predict(2).set_index("unique_id")["y_pred"]
        assert (pred.loc["never"] == 0).all()
        alone = CrostonForecaster(method).fit(series()).predict(2)["y_pred"].to_numpy()
        np.testing.assert_allclose(pred.loc["item"].to_numpy(), alone)


def test_forecast_at_matches_predict_on_the_cut_history():
    rng = np.random.default_rng(0)
    y = (rng.random(60) < 0.3) * rng.poisson(3, 60).astype(float)
    panel = to_panel(series(y))
    model = CrostonForecaster("sba").fit(panel)
    cutoffs = np.array([5, 17, 33, 60])
    got = model.forecast_at(panel, np.zeros(4, dtype=int), cutoffs, horizon=2)["y_pred"]
    for row, c in zip(got, cutoffs, strict=True):
        want = CrostonForecaster("sba").fit(series(y[:c])).predict(2)["y_pred"].to_numpy()
        np.testing.assert_allclose(row, want, rtol=1e-12)
    # and the vectorised rates equal one history at a time
    starts, ends = np.array([0, 10, 0]), np.array([60, 40, 1])
    together = croston_rates(y, starts, ends, "tsb", 0.2, 0.3)
    apart = [croston_rates(y[a:b], np.array([0]), np.array([b - a]), "tsb", 0.2, 0.3)[0]
             for a, b in zip(starts, ends, strict=True)]
    np.testing.assert_allclose(together, apart)


def test_contract_backtest_and_conformal_intervals():
    rng = np.random.default_rng(1)
    y = series((rng.random(80) < 0.4) * rng.poisson(2, 80).astype(float))
    check_forecaster(CrostonForecaster())
    res = backtest(CrostonForecaster("tsb"), y, horizon=4, folds=3, progress=False)
    assert np.isfinite(res.metrics().loc["all", "MASE"])
    with pytest.raises(ValueError, match="does not produce prediction intervals|intervals"):
        CrostonForecaster().fit(y).predict(4, level=80)
    pred = ConformalIntervals(CrostonForecaster(), horizon=4, n_windows=5).fit(y).predict(level=80)
    assert (pred["y_pred_hi_80"] > pred["y_pred"]).all()


@pytest.mark.parametrize("params, message", [
    ({"method": "croston"}, "method"),
    ({"alpha": 0.0}, r"alpha must be a smoothing weight in \(0, 1\]"),
    ({"alpha": 1.5}, "alpha must be"),
    ({"alpha": True}, "alpha must be"),
    ({"method": "tsb", "beta": -0.1}, "beta must be"),
    ({"beta": 0.2}, "beta= is the probability weight of method='tsb'"),
])
def test_bad_parameters_are_refused_by_name(params, message):
    with pytest.raises(InvalidParameterError, match=message):
        CrostonForecaster(**params).fit(series())


def test_tune_searches_method_and_weights_by_backtest(tmp_path):
    from tsrnn import tune

    rng = np.random.default_rng(2)
    y = series((rng.random(90) < 0.3) * rng.poisson(3, 90).astype(float))
    import optuna

    res = tune(CrostonForecaster(), y, horizon=4, folds=2, n_trials=6, metric="mae", progress=False,
               storage=f"sqlite:///{tmp_path / 'croston.db'}", study_name="croston",
               sampler=optuna.samplers.RandomSampler(seed=0))
    assert len(res.study_.trials) == 6  # a trial may be pruned after its first fold: only complete ones count below
    trials = [t for t in res.study_.trials if t.state.name == "COMPLETE"]
    sampled = [t for t in trials if t.params]  # the others score the forecaster as given
    assert sampled
    for t in sampled:
        assert t.params["method"] in ("classic", "sba", "tsb") and 0.05 <= t.params["alpha"] <= 0.5
        assert ("beta" in t.params) == (t.params["method"] == "tsb")
    best = CrostonForecaster(**{"beta": None, **res.best_params_})
    assert backtest(best, y, horizon=4, folds=2, progress=False).metrics().loc["all", "MAE"] == pytest.approx(
        min(t.value for t in trials))
