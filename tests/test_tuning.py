"""Tuning: the objective against a direct backtest, spaces, failures, pruning, storage, resume, workers, reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.trial import FixedTrial, TrialState

import tsrnn
from tsrnn.errors import TrainingDivergedError
from tsrnn.evaluation import backtest
from tsrnn.forecasters.base import BaseForecaster
from tsrnn.forecasters.naive import NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.tuning import PruningCallback, default_space, make_objective, tune

REPO = Path(__file__).resolve().parents[1]
SEASON = {"season_length": ("int", 1, 12)}


@pytest.fixture(scope="module")
def air() -> pd.DataFrame:
    return tsrnn.load_dataset("airpassengers")  # monthly, 144 observations


def tiny_rnn(**params):
    settings = dict(horizon=12, window=12, hidden_size=8, max_steps=10, batch_size=32, progress=False,
                    random_state=0)
    settings.update(params)
    return tsrnn.RNNForecaster(**settings)


class FlakyForecaster(BaseForecaster):
    """Forecasts the last value; "diverges" for a learning rate above 1 and rejects a negative one."""

    def __init__(self, learning_rate: float = 0.1):
        self.learning_rate = learning_rate

    def _fit(self, panel):
        if self.learning_rate < 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.learning_rate > 1:
            raise TrainingDivergedError("loss is nan at step 3")
        self.last_ = np.array([panel.series(i)[-1] for i in range(panel.n_series)], dtype=np.float64)

    def _predict(self, panel, horizon, X_future, levels):
        last = np.array([panel.series(i)[-1] for i in range(panel.n_series)], dtype=np.float64)
        return {"y_pred": np.repeat(last[:, None], horizon, axis=1)}


# --- the objective -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("refit", [True, False])
def test_objective_equals_the_mean_fold_score_of_a_direct_backtest(air, refit):
    # Fold by fold on cut data (refit=True) or one backtest (refit=False): the same folds as backtest(folds=3).
    objective = make_objective(SeasonalNaiveForecaster(), air, horizon=12, space=SEASON, folds=3, refit=refit)
    trial = FixedTrial({"season_length": 6})
    value = objective(trial)
    reference = backtest(SeasonalNaiveForecaster(season_length=6), air, horizon=12, folds=3, refit=refit,
                         progress=False).metrics(by="fold")["MASE"]
    np.testing.assert_allclose(trial.user_attrs["fold_scores"], reference.to_numpy(), rtol=1e-12)
    assert value == pytest.approx(reference.mean(), rel=1e-12)
    # The seasonal naive with the true season beats the half-season one on airline passengers.
    assert objective(FixedTrial({"season_length": 12})) < value


def test_unknown_parameter_fails_before_any_trial(air, tmp_path):
    url = f"sqlite:///{tmp_path / 'tuning.db'}"
    with pytest.raises(ValueError, match=r"hiden_size.*RNNForecaster.*'hidden_size'"):
        tune(tiny_rnn(), air, space={"hiden_size": ("int", 4, 8)}, n_trials=2, storage=url, study_name="s",
             progress=False)
    calls = []

    def space(trial):
        calls.append(trial.number)
        return {"hidden_size": trial.suggest_int("hidden_size", 4, 8), "cells": "gru"}

    with pytest.raises(ValueError, match=r"\['cells'\].*its parameters are \[.*'cell'"):
        tune(tiny_rnn(), air, space=space, n_trials=2, storage=url, study_name="s", progress=False)
    assert calls == [0]  # only the throwaway probe trial
    assert optuna.get_all_study_names(url) == []  # no study, so no trial, was created
    with pytest.raises(ValueError, match="not a search range"):
        tune(tiny_rnn(), air, space={"hidden_size": (4, 8)}, n_trials=2, progress=False)


# --- trials, reproducibility, failures ---------------------------------------------------------------------
def test_trials_are_recorded_and_the_best_is_refitted(air, tmp_path):
    res = tune(SeasonalNaiveForecaster(season_length=3), air, space=SEASON, horizon=12, folds=3, n_trials=6,
               random_state=0, progress=False)
    trials = res.trials_
    assert len(trials) == 6 and (trials["state"] == "COMPLETE").all()
    assert trials.loc[0, "user_attrs_baseline"] is True and np.isnan(trials.loc[0, "params_season_length"])
    objective = make_objective(SeasonalNaiveForecaster(season_length=3), air, horizon=12, space=SEASON)
    for t in res.study_.trials[1:]:  # every recorded value is the objective of the recorded parameters
        assert t.value == pytest.approx(objective(FixedTrial(t.params)), rel=1e-12)
    assert res.study_.trials[0].value == pytest.approx(objective(FixedTrial({"season_length": 3})), rel=1e-12)
    assert res.best_score_ == trials["value"].min()
    assert res.best_forecaster_.season_length == res.best_params_["season_length"]
    expected = SeasonalNaiveForecaster(**res.best_params_).fit(air).predict(horizon=12)
    pd.testing.assert_frame_equal(res.best_forecaster_.predict(horizon=12), expected)

    # Plots and report sections, alone and added to the backtest report of the tuned model.
    figures = res.plots()
    assert sorted(figures) == ["history", "importances"]
    sections = res.report_sections()
    assert [t for t, _ in sections][:2] == ["Tuning: best parameters", "Tuning: optimisation history"]
    page = backtest(res.best_forecaster_, air, horizon=12, progress=False).report(
        tmp_path / "report.html", sections=sections).read_text()
    assert "Tuning: parameter importances" in page and "Summary" in page
    assert "Tuning: trials" in res.report(tmp_path / "tuning.html").read_text()


def test_same_random_state_samples_the_same_parameters(air):
    def sampled(seed):
        res = tune(SeasonalNaiveForecaster(), air, space={"season_length": ("int", 1, 24)}, horizon=12,
                   folds=2, n_trials=12, random_state=seed, baseline=False, pruner=None, progress=False)
        return [t.params["season_length"] for t in res.study_.trials]

    first = sampled(3)
    assert first == sampled(3)  # 12 trials: 10 random start-up draws, then TPE
    assert first != sampled(4)


def test_failed_trials_are_recorded_and_the_study_goes_on(air):
    rates = {1: 10.0, 2: -1.0}  # trial 1 diverges, trial 2 has an invalid value

    def space(trial):
        return {"learning_rate": trial.suggest_float("learning_rate", 0.01, 0.5) if trial.number not in rates
                else rates[trial.number]}

    res = tune(FlakyForecaster(), air, space=space, horizon=12, n_trials=5, random_state=0, progress=False,
               baseline=False)
    states = [t.state for t in res.study_.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE,
                      TrialState.COMPLETE]
    errors = res.trials_["user_attrs_error"]
    assert errors[1] == "TrainingDivergedError: loss is nan at step 3"
    assert errors[2].startswith("ValueError: learning_rate must be positive")
    assert res.best_score_ == pytest.approx(res.trials_["value"].min())


def test_no_completed_trial_raises_with_the_first_error(air):
    with pytest.raises(RuntimeError, match="no trial completed.*TrainingDivergedError"):
        tune(FlakyForecaster(learning_rate=5.0), air, space={"learning_rate": ("float", 2.0, 3.0)}, horizon=12,
             n_trials=2, progress=False)


# --- pruning -----------------------------------------------------------------------------------------------
def test_bad_trials_are_pruned_after_their_first_fold(air):
    # The baseline (season 12, the true one) completes first; any trial whose fold-0 MASE is worse than the
    # median of the completed trials' fold-0 values is stopped there.
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0)
    res = tune(SeasonalNaiveForecaster(), air, space=SEASON, horizon=12, folds=3, n_trials=8, pruner=pruner,
               random_state=0, progress=False)
    trials = res.study_.trials
    baseline_fold0 = trials[0].intermediate_values[0]
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned
    for t in pruned:
        assert list(t.intermediate_values) == [0]  # folds 1 and 2 never ran
        assert t.intermediate_values[0] > baseline_fold0
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert all(sorted(t.intermediate_values) == [0, 1, 2] for t in complete)


class AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study, trial):
        return True


def test_pruning_callback_reports_validation_loss_and_prunes(air):
    study = optuna.create_study(pruner=optuna.pruners.NopPruner())
    trial = study.ask()
    model = tiny_rnn(validation_size=12, trainer_kwargs={"callbacks": [PruningCallback(trial)]}).fit(air)
    reported = study.trials[0].intermediate_values
    history = model.history_.dropna(subset=["val_loss"])
    assert len(reported) == len(history) > 0
    np.testing.assert_allclose(list(reported.values()), history["val_loss"].to_numpy(), rtol=1e-6)

    pruning = optuna.create_study(pruner=AlwaysPrune()).ask()
    with pytest.raises(optuna.TrialPruned, match="val_loss"):
        tiny_rnn(validation_size=12, trainer_kwargs={"callbacks": [PruningCallback(pruning)]}).fit(air)

    # In tune, an RNN with a validation set is pruned during its first fit (steps of fold 0 are < 1e6).
    with pytest.raises(RuntimeError, match=r"no trial completed \(0 failed, 2 pruned\)"):
        tune(tiny_rnn(validation_size=12), air, space={"hidden_size": ("int", 4, 8)}, folds=2, n_trials=2,
             pruner=AlwaysPrune(), random_state=0, progress=False)
    with pytest.raises(ValueError, match="validation_size"):
        tune(tiny_rnn(), air, space={"hidden_size": ("int", 4, 8)}, prune_on="val_loss", progress=False)


# --- storage: resume and shared studies --------------------------------------------------------------------
def test_resume_keeps_finished_trials_and_counts_total_trials(air, tmp_path):
    url = f"sqlite:///{tmp_path / 'tuning.db'}"
    settings = dict(space=SEASON, horizon=12, folds=2, storage=url, study_name="air", random_state=0,
                    pruner=None, progress=False)
    first = tune(SeasonalNaiveForecaster(), air, n_trials=3, **settings)
    kept = [(t.number, t.params, t.value) for t in first.study_.trials]
    assert len(kept) == 3
    second = tune(SeasonalNaiveForecaster(), air, n_trials=5, **settings)
    assert len(second.study_.trials) == 5  # total wanted: 2 more were run
    assert [(t.number, t.params, t.value) for t in second.study_.trials[:3]] == kept

    def interrupted(trial):
        if trial.number == 6:
            raise KeyboardInterrupt
        return {"season_length": trial.suggest_int("season_length", 1, 12)}

    with pytest.raises(KeyboardInterrupt):
        tune(SeasonalNaiveForecaster(), air, n_trials=9, **{**settings, "space": interrupted})
    study = optuna.load_study(study_name="air", storage=url)
    assert [t.state for t in study.trials][5:] == [TrialState.COMPLETE, TrialState.FAIL]
    resumed = tune(SeasonalNaiveForecaster(), air, n_trials=9, **settings)
    assert len(resumed.study_.trials) == 9
    assert [(t.number, t.params, t.value) for t in resumed.study_.trials[:3]] == kept


WORKER = textwrap.dedent("""
    import json, sys, time
    import tsrnn
    from tsrnn.forecasters.naive import SeasonalNaiveForecaster
    from tsrnn.tuning import tune

    ran = []

    def space(trial):
        if getattr(trial, "study", None) and trial.study.study_name == "shared":  # not the probe or FixedTrial
            ran.append(trial.number)
            time.sleep(0.1)  # long enough for the two workers to interleave
        return {"season_length": trial.suggest_int("season_length", 1, 12)}

    tune(SeasonalNaiveForecaster(), tsrnn.load_dataset("airpassengers"), space=space, horizon=12, folds=2,
         n_trials=8, storage=sys.argv[1], study_name="shared", baseline=False, progress=False)
    print(json.dumps(ran))
""")


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_two_workers_share_one_study(tmp_path, kind):
    storage = f"sqlite:///{tmp_path / 'shared.db'}" if kind == "sqlite" else str(tmp_path / "shared.journal")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, storage], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    ran = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    print(f"{kind}: worker trials {ran}")
    if kind == "journal":
        storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(storage))
    trials = optuna.load_study(study_name="shared", storage=storage).trials
    numbers = [t.number for t in trials]
    assert sorted(ran[0] + ran[1]) == sorted(numbers) == list(range(len(trials)))  # none lost, none twice
    assert not set(ran[0]) & set(ran[1])
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)  # none left running
    assert 8 <= len(trials) <= 9  # total wanted; the other worker may finish the trial it was running


# --- default spaces ----------------------------------------------------------------------------------------
def test_default_spaces_follow_the_data(air):
    space = default_space(tsrnn.RNNForecaster(), air, horizon=12, folds=3)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    windows = set()
    for _ in range(30):
        params = space(study.ask())
        windows.add(params["window"])
        assert params["num_layers"] > 1 or params["dropout"] == 0.0
    # Monthly: multiples of 12; the first fold has 108 observations, so windows stop at 2 * 97 // 3 = 64.
    assert windows == {12, 24, 36, 48}
    negative = air.assign(y=air["y"] - 300.0)
    ets = default_space(tsrnn.ETSForecaster(), negative, horizon=12)
    choices = {name: set(d.choices) for name, d in _distributions(ets).items() if hasattr(d, "choices")}
    assert choices["error"] == {"add"} and choices["seasonal"] == {"none", "add"}
    with pytest.raises(ValueError, match="NaiveForecaster has no default search space"):
        tune(NaiveForecaster(), air, horizon=12, n_trials=1, progress=False)


def _distributions(space) -> dict:
    trial = optuna.create_study().ask()
    space(trial)
    return trial.distributions


# --- done when: tuning a small RNN beats or equals its defaults on the same folds --------------------------
def test_tuned_rnn_is_no_worse_than_its_defaults(air, capsys):
    forecaster = tiny_rnn()
    default = backtest(forecaster, air, horizon=12, folds=2, progress=False).metrics(by="fold")["MASE"].mean()
    res = tune(forecaster, air, space={"hidden_size": ("int", 4, 8), "cell": ["lstm", "gru"],
                                       "learning_rate": ("float", 1e-3, 3e-2, {"log": True})},
               folds=2, n_trials=8, random_state=0, progress=False)
    baseline = res.study_.trials[0]
    assert baseline.user_attrs["baseline"] and baseline.value == pytest.approx(default, rel=1e-6)
    sampled = [t.value for t in res.study_.trials[1:] if t.state == TrialState.COMPLETE]
    with capsys.disabled():
        print(f"\nRNN on airpassengers, 2 folds of 12 months: default MASE {default:.4f}, tuned best "
              f"{res.best_score_:.4f} ({res.best_params_}); best sampled trial "
              f"{min(sampled) if sampled else float('nan'):.4f}")
    assert res.best_score_ <= default
    assert len(res.trials_) == 8
