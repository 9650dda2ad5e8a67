"""The tuning report: importances despite the baseline trial, pruned trials kept apart from complete ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

import tsrnn
from tsrnn import tune
from tsrnn.forecasters.naive import SeasonalNaiveForecaster


def test_importances_and_pruned_trials_apart(tmp_path):
    air = tsrnn.load_dataset("airpassengers")
    res = tune(SeasonalNaiveForecaster(season_length=12), air, space={"season_length": ("int", 1, 24)}, horizon=12,
               folds=4, n_trials=12, random_state=0, progress=False)
    states = res.trials_["state"]
    assert (states == "PRUNED").any() and res.trials_.loc[0, "user_attrs_baseline"] is True
    # The baseline has no drawn parameters; it used to empty the common search space (and the plot).
    assert res.importances() == {"season_length": 1.0}
    bars = res.plots()["importances"].axes[0].patches
    assert [round(float(p.get_width()), 6) for p in bars] == [1.0]
    history = res.plots()["history"].axes[0]
    best_line = history.lines[1].get_ydata()
    complete_values = res.trials_.loc[states == "COMPLETE", "value"]
    assert np.isclose(best_line.min(), complete_values.min())  # the best line follows complete trials only
    titles = [t for t, _ in res.report_sections()]
    assert titles[-2:] == ["Tuning: trials", "Tuning: pruned and failed trials"]
    sections = dict(res.report_sections())
    complete_table = sections["Tuning: trials"][1]
    assert (complete_table["state"] == "COMPLETE").all() and complete_table["value"].is_monotonic_increasing
    assert (sections["Tuning: pruned and failed trials"][1]["state"] == "PRUNED").all()
    text = res.report(tmp_path / "t.html").read_text()
    assert "partial score over fewer folds" in text


def test_no_importances_without_variation():
    y = pd.Series(np.arange(1.0, 25.0), index=pd.date_range("2024-01-01", periods=24), name="s")
    res = tune(SeasonalNaiveForecaster(season_length=1), y, space={"season_length": [2]}, horizon=2, n_trials=2,
               season_length=1, random_state=0, progress=False)
    assert res.importances() == {} and "importances" not in res.plots()
