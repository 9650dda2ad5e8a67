"""``symmetric="auto"``: the plain or the mirror-symmetric network, chosen on held-out steps by a paired test."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from test_io import payload, rewrite  # the same folder: a model folder edited and re-signed

from tsrnn import RNNForecaster, load


def panel(n_series: int = 3, months: int = 60, covariate: bool = False) -> pd.DataFrame:
    """Monthly noisy walks with a drift, each its own level."""
    rng = np.random.default_rng(0)
    ds = pd.date_range("2015-01-01", periods=months, freq="MS")
    frames = []
    for i in range(n_series):
        y = 50 + 10 * i + np.cumsum(rng.normal(0.2, 1, months))
        frame = pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y})
        if covariate:
            frame["promo"] = (np.arange(months) % 5 == 0).astype(float)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def small(**kw):
    """The automatic training budget (the choice needs it) on a network small enough for the suite."""
    params = dict(horizon=4, hidden_size=4, num_layers=1, progress=False, random_state=0, accelerator="cpu",
                  deseasonalize=None)
    return RNNForecaster(**{**params, **kw})


def fit_calls(monkeypatch) -> list[np.ndarray]:
    """Record the series lengths of every network fit (`RNNForecaster._fit`) from now on."""
    calls, original = [], RNNForecaster._fit

    def spy(self, panel):
        calls.append(panel.lengths.copy())
        return original(self, panel)

    monkeypatch.setattr(RNNForecaster, "_fit", spy)
    return calls


def test_auto_is_the_default():
    assert RNNForecaster().symmetric == "auto"


def test_auto_stays_plain_without_fitting_twice_where_it_cannot_decide_cheaply(monkeypatch):
    calls = fit_calls(monkeypatch)
    cases = {"one series": (small(), panel(1)),
             "a fixed step count": (small(max_steps=5), panel(3)),
             "early stopping": (small(early_stopping=True), panel(3)),
             "a covariate": (small(future_covariates=["promo"]), panel(3, covariate=True)),
             "series too short to hold a horizon out": (small(window=20), panel(3, months=27))}
    for what, (model, df) in cases.items():
        calls.clear()
        model.fit(df)
        assert (model.symmetric_, model.symmetric_selection_) == (False, None), what
        assert len(calls) == 1, what  # the fit itself, no candidates
        assert model.net_.mirror is None, what


def test_the_candidates_train_without_the_held_out_steps_and_the_choice_is_then_fitted_on_everything(monkeypatch):
    df = panel(3)
    calls = fit_calls(monkeypatch)
    model = small().fit(df)
    full = df.groupby("unique_id").size().to_numpy()
    assert len(calls) == 3
    np.testing.assert_array_equal(calls[0], full)  # the fit itself, on all the data, which decides first:
    np.testing.assert_array_equal(calls[1], full - 4)  # the plain candidate
    np.testing.assert_array_equal(calls[2], full - 4)  # the symmetric one
    record = model.symmetric_selection_
    assert record["n_series"] == 3 and record["held_out"] == 4 and 0.0 <= record["p_value"] <= 1.0
    assert record["mase_plain"] > 0 and record["mase_symmetric"] > 0
    assert model.symmetric_ == (record["p_value"] < 0.05)
    # The model is the fit of the chosen kind: the same forecasts as asking for it outright.
    chosen = small(symmetric=model.symmetric_).fit(df)
    pd.testing.assert_frame_equal(model.predict(), chosen.predict())


def paired_test_says(monkeypatch, p_value: float) -> None:
    monkeypatch.setattr(scipy.stats, "ttest_rel", lambda a, b, alternative: SimpleNamespace(pvalue=p_value))


@pytest.mark.parametrize("p_value, symmetric", [(0.01, True), (0.2, False), (float("nan"), False)])
def test_the_symmetric_network_is_chosen_only_below_the_five_percent_level(monkeypatch, p_value, symmetric):
    paired_test_says(monkeypatch, p_value)
    model = small().fit(panel(3))
    assert model.symmetric_ is symmetric
    assert (model.net_.mirror is not None) is symmetric


def test_both_views_of_the_default_take_the_one_choice(monkeypatch):
    paired_test_says(monkeypatch, 0.001)
    model = small(deseasonalize="both").fit(panel(3))
    assert model.symmetric_ is True
    assert [view.symmetric for view in model.views_] == [True, True]
    assert all(view.net_.mirror is not None for view in model.views_)


@pytest.mark.parametrize("deseasonalize", [None, "both"])
def test_the_choice_is_saved_and_a_folder_from_before_auto_loads_as_it_was_fitted(monkeypatch, tmp_path,
                                                                                  deseasonalize):
    paired_test_says(monkeypatch, 0.001)
    model = small(deseasonalize=deseasonalize).fit(panel(3))
    model.save(tmp_path / "new")
    loaded = load(tmp_path / "new")
    assert loaded.symmetric == "auto" and loaded.symmetric_ is True
    assert loaded.symmetric_selection_ == model.symmetric_selection_
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    # Saved before "auto" existed: no record of a choice; the parameter said whether the network was symmetric.
    plain = small(deseasonalize=deseasonalize, symmetric=False).fit(panel(3))
    plain.save(tmp_path / "old")
    config = json.loads((payload(tmp_path / "old") / "config.json").read_text())
    for record in [config] + ([config["fitted"]] if "fitted" in config else []):
        record.pop("symmetric_", None)
        record.pop("symmetric_selection_", None)
    rewrite(tmp_path / "old", config=config)
    old = load(tmp_path / "old")
    assert old.symmetric is False and old.symmetric_ is False and old.symmetric_selection_ is None
    pd.testing.assert_frame_equal(old.predict(), plain.predict())
