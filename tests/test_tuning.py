"""Tuning: the objective against a direct backtest, spaces, failures, pruning, storage, resume, workers, reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
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
    # The deseasonalised view (1) trains first; the other view's steps repeat its step numbers: not reported again.
    history = history[history["view"] == 1]
    assert len(reported) == len(history) > 0
    np.testing.assert_allclose(list(reported.values()), history["val_loss"].to_numpy(), rtol=1e-6)

    pruning = optuna.create_study(pruner=AlwaysPrune()).ask()
    with pytest.raises(optuna.TrialPruned, match="val_loss"):
        tiny_rnn(validation_size=12, trainer_kwargs={"callbacks": [PruningCallback(pruning)]}).fit(air)

    # In tune, an RNN with a validation set is pruned during its first fit (steps of fold 0 are < 1e6); the
    # baseline trial is never pruned: its full score is what the tuned parameters must beat.
    res = tune(tiny_rnn(validation_size=12), air, space={"hidden_size": ("int", 4, 8)}, folds=2, n_trials=3,
               pruner=AlwaysPrune(), random_state=0, progress=False)
    assert [t.state for t in res.study_.trials] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.PRUNED]
    assert res.study_.trials[0].user_attrs["baseline"] and len(res.study_.trials[0].user_attrs["fold_scores"]) == 2
    assert all(0 <= step < 1_000_000 for t in res.study_.trials[1:] for step in t.intermediate_values)
    with pytest.raises(RuntimeError, match=r"no trial completed \(0 failed, 2 pruned\)"):
        tune(tiny_rnn(validation_size=12), air, space={"hidden_size": ("int", 4, 8)}, folds=2, n_trials=2,
             pruner=AlwaysPrune(), baseline=False, random_state=0, progress=False)
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


class OtherSeasonalNaive(SeasonalNaiveForecaster):
    """Another forecaster class with the same parameters."""


def test_resuming_with_other_settings_is_refused_naming_what_differs(air):
    # A horizon-12 study resumed at horizon 1 used to mix both kinds of scores and could return a horizon-1
    # trial as the best. Every setting the scores depend on is now recorded and compared.
    storage = optuna.storages.InMemoryStorage()
    settings = dict(space=SEASON, horizon=12, folds=2, storage=storage, study_name="s", random_state=0,
                    progress=False)
    tune(SeasonalNaiveForecaster(), air, n_trials=2, **settings)
    edited = air.copy()
    edited.loc[100, "y"] += 1.0  # one value: same series, same cutoffs
    changes = [  # (change, the settings named as different, what the message says about them)
        ({"horizon": 1}, ["horizon", "step", "cutoffs"], "horizon was 12, now 1; step was 12, now 1; cutoffs was "
                                                         "'1958-12-01 00:00:00 to 1959-12-01 00:00:00, sha256"),
        ({"folds": 3}, ["folds", "cutoffs"], "folds was 2, now 3"),
        ({"step": 6}, ["step", "cutoffs"], "step was 12, now 6"),
        ({"gap": 1}, ["gap", "cutoffs"], "gap was 0, now 1"),
        ({"refit": False}, ["refit"], "refit was True, now False"),
        ({"season_length": 6}, ["season_length"], "season_length was 12, now 6"),
        ({"fill_missing": "ffill"}, ["fill_missing"], "fill_missing was None, now 'ffill'"),
        ({"df": edited}, ["data"], "data was '1 series, 144 observations, sha256"),
        ({"df": air.iloc[:-1]}, ["data", "cutoffs"], "now '1 series, 143 observations"),
        ({"forecaster": SeasonalNaiveForecaster(season_length=6)}, ["params.season_length"],
         "params.season_length was None, now 6"),
        ({"forecaster": OtherSeasonalNaive()}, ["forecaster"],
         "forecaster was 'tsrnn.forecasters.naive.SeasonalNaiveForecaster', now 'test_tuning.OtherSeasonalNaive'"),
    ]
    for change, names, needle in changes:
        args = {"forecaster": SeasonalNaiveForecaster(), "df": air, **settings, **change}
        with pytest.raises(ValueError, match="holds trials scored with other settings") as err:
            tune(args.pop("forecaster"), args.pop("df"), n_trials=4, **args)
        message = str(err.value)
        assert needle in message, (change, message)
        listed = message.split("this run's: ")[1].split(". Resume it")[0].split("; ")
        assert [item.split(" was ")[0] for item in listed] == names, (change, message)
    with pytest.raises(ValueError, match="scores trials by MASE, not RMSE"):
        tune(SeasonalNaiveForecaster(), air, n_trials=4, **{**settings, "metric": "rmse"})
    assert len(optuna.load_study(study_name="s", storage=storage).trials) == 2  # no trial ran
    # The same settings resume it; where and how visibly a model runs is not a setting of the scores.
    res = tune(SeasonalNaiveForecaster(), air.sample(frac=1.0, random_state=0), n_trials=3, **settings)
    assert len(res.study_.trials) == 3
    res = tune(tiny_rnn(max_steps=1), air, n_trials=1, **{**settings, "study_name": "rnn",
                                                             "space": {"hidden_size": [4]}})
    res = tune(tiny_rnn(max_steps=1, progress=True, accelerator="cpu"), air, n_trials=1,
               **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    with pytest.raises(ValueError, match="params.max_steps was 1, now 2"):
        tune(tiny_rnn(max_steps=2), air, n_trials=2, **{**settings, "study_name": "rnn",
                                                          "space": {"hidden_size": [4]}})

    # A parameter the forecaster gained after the study was made counts as its default (an RNN study made before
    # window_stats existed resumes); at another value it is a change like any other.
    rnn_study = optuna.load_study(study_name="rnn", storage=storage)
    record = rnn_study.user_attrs["fingerprint"]
    rnn_study.set_user_attr("fingerprint", {**record, "params": {k: v for k, v in record["params"].items()
                                                                    if k != "window_stats"}})
    res = tune(tiny_rnn(max_steps=1), air, n_trials=2, **{**settings, "study_name": "rnn",
                                                            "space": {"hidden_size": [4]}})
    assert len(res.study_.trials) == 2
    rnn_study.set_user_attr("fingerprint", {**record, "params": {k: v for k, v in record["params"].items()
                                                                    if k != "window_stats"}})
    with pytest.raises(ValueError, match="params.window_stats was False, now True"):
        tune(tiny_rnn(max_steps=1, window_stats=True), air, n_trials=3, **{**settings, "study_name": "rnn",
                                                                             "space": {"hidden_size": [4]}})
    # weight_averaging was added with a non-zero default: a study made before it was scored without averaging,
    # so the new default is a change, and weight_averaging=0 resumes it.
    rnn_study.set_user_attr("fingerprint", {**record, "params": {k: v for k, v in record["params"].items()
                                                                    if k != "weight_averaging"}})
    with pytest.raises(ValueError, match=r"params.weight_averaging was 0.0, now 0.25"):
        tune(tiny_rnn(max_steps=1), air, n_trials=3, **{**settings, "study_name": "rnn",
                                                          "space": {"hidden_size": [4]}})
    res = tune(tiny_rnn(max_steps=1, weight_averaging=0), air, n_trials=3, **{**settings, "study_name": "rnn",
                                                                                "space": {"hidden_size": [4]}})
    assert len(res.study_.trials) == 3
    # So was nonnegative (default "auto"): a study made before it scored unfloored forecasts.
    record = rnn_study.user_attrs["fingerprint"]
    rnn_study.set_user_attr("fingerprint", {**record, "params": {k: v for k, v in record["params"].items()
                                                                    if k != "nonnegative"}})
    with pytest.raises(ValueError, match=r"params.nonnegative was False, now 'auto'"):
        tune(tiny_rnn(max_steps=1, weight_averaging=0), air, n_trials=4, **{**settings, "study_name": "rnn",
                                                                              "space": {"hidden_size": [4]}})
    res = tune(tiny_rnn(max_steps=1, weight_averaging=0, nonnegative=False), air, n_trials=4,
               **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    assert len(res.study_.trials) == 4
    # And linear_init (default "auto"): a study made before it trained every network from the random walk.
    record = rnn_study.user_attrs["fingerprint"]
    rnn_study.set_user_attr("fingerprint", {**record, "params": {k: v for k, v in record["params"].items()
                                                                    if k != "linear_init"}})
    before = dict(max_steps=1, weight_averaging=0, nonnegative=False)
    with pytest.raises(ValueError, match=r"params.linear_init was 'naive', now 'auto'"):
        tune(tiny_rnn(**before), air, n_trials=5, **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    res = tune(tiny_rnn(**before, linear_init="naive"), air, n_trials=5,
               **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    assert len(res.study_.trials) == 5
    # And symmetric ("auto" since): a study whose forecaster had the former default, False, or none at all.
    for params in ({**record["params"], "symmetric": False},
                   {k: v for k, v in record["params"].items() if k not in ("linear_init", "symmetric")}):
        rnn_study.set_user_attr("fingerprint", {**record, "params": params})
        with pytest.raises(ValueError, match=r"params.symmetric was False, now 'auto'"):
            tune(tiny_rnn(**before, linear_init="naive"), air, n_trials=6,
                 **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    res = tune(tiny_rnn(**before, linear_init="naive", symmetric=False), air, n_trials=6,
               **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    assert len(res.study_.trials) == 6
    # And recurrent_window ("auto" since): before it, the recurrent network read the whole window.
    record = rnn_study.user_attrs["fingerprint"]
    rnn_study.set_user_attr("fingerprint", {**record, "params": {k: v for k, v in record["params"].items()
                                                                    if k != "recurrent_window"}})
    before.update(linear_init="naive", symmetric=False)
    with pytest.raises(ValueError, match=r"params.recurrent_window was None, now 'auto'"):
        tune(tiny_rnn(**before), air, n_trials=7, **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    res = tune(tiny_rnn(**before, recurrent_window=None), air, n_trials=7,
               **{**settings, "study_name": "rnn", "space": {"hidden_size": [4]}})
    assert len(res.study_.trials) == 7

    # A study made by an older tsrnn has no record: a warning says so, and the record starts now.
    old = optuna.create_study(storage=storage, study_name="old")
    old.add_trial(optuna.trial.create_trial(value=9.0, params={"season_length": 3}, distributions={
        "season_length": optuna.distributions.IntDistribution(1, 12)}))
    with pytest.warns(UserWarning, match="created by an older tsrnn"):
        tune(SeasonalNaiveForecaster(), air, n_trials=2, **{**settings, "study_name": "old"})
    with pytest.raises(ValueError, match="horizon was 12, now 6"):
        tune(SeasonalNaiveForecaster(), air, n_trials=3, **{**settings, "study_name": "old", "horizon": 6})


def test_folds_that_cannot_fit_fail_before_any_trial(air, tmp_path):
    # They used to run (and fail) every trial before raising "no trial completed".
    url = f"sqlite:///{tmp_path / 'tuning.db'}"
    # The message of RollingOrigin.plan, the one place folds are laid out, and what tuning needs.
    with pytest.raises(ValueError, match=r"3 fold\(s\) of horizon 12 \(step 12, gap 0, smallest cutoff 12\) need "
                                         r"series of at least 48 observations, but series 'airpassengers' has 40: "
                                         r"only 2 fold\(s\) fit there.* at least the horizon, 12$"):
        tune(SeasonalNaiveForecaster(), air.iloc[:40], space=SEASON, metric="mae", horizon=12, folds=3,
             storage=url, study_name="s", progress=False)
    # MASE and RMSSE scale by the in-sample seasonal naive: a first fold needs more than one season.
    with pytest.raises(ValueError, match=r"smallest cutoff 13\) need series of at least 22 observations, but series "
                                         r"'airpassengers' has 20: only 2 fold\(s\).* at least season_length \+ 1 = "
                                         r"13, for the scale of MASE"):
        tune(SeasonalNaiveForecaster(), air.iloc[:20], space=SEASON, horizon=3, folds=3, storage=url,
             study_name="s", progress=False)
    assert optuna.get_all_study_names(url) == []  # nothing ran, nothing was created
    res = tune(SeasonalNaiveForecaster(season_length=1), air.iloc[:20], space={"season_length": [1, 2, 3]},
               metric="mae", horizon=3, folds=3, n_trials=2, season_length=1, progress=False)
    assert (res.trials_["state"] == "COMPLETE").all()


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

    res = tune(SeasonalNaiveForecaster(), tsrnn.load_dataset("airpassengers"), space=space, horizon=12, folds=2,
               n_trials=8, storage=sys.argv[1], study_name="shared", baseline=sys.argv[2] == "baseline",
               progress=False)
    print(json.dumps({"ran": ran, "best": res.best_score_}))
""")


@pytest.mark.parametrize("kind, baseline", [("sqlite", "baseline"), ("journal", "no-baseline")])
def test_two_workers_share_one_study_and_end_with_exactly_n_trials(tmp_path, kind, baseline):
    # Two processes with n_trials=8 used to end with 9 finished trials (each finished the trial it was
    # running when the other reached 8). Now: exactly 8, each run once, and both return the same best.
    storage = f"sqlite:///{tmp_path / 'shared.db'}" if kind == "sqlite" else str(tmp_path / "shared.journal")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, storage, baseline], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    ran = [r["ran"] for r in reports]
    print(f"{kind}: worker trials {ran}")
    if kind == "journal":
        storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(storage))
    trials = optuna.load_study(study_name="shared", storage=storage).trials
    finished = [t for t in trials if t.state.is_finished()]
    assert len(finished) == 8  # exactly the total wanted
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in finished)
    left = [t for t in trials if not t.state.is_finished()]  # a trial two workers took at once, queued unstarted
    assert all(t.state == TrialState.WAITING and not t.params for t in left) and len(left) <= 1
    baselines = [t.number for t in finished if t.user_attrs.get("baseline")]
    assert len(baselines) == (1 if baseline == "baseline" else 0)  # two workers queued one each: one ran as such
    assert not set(ran[0]) & set(ran[1])  # none twice
    assert sorted(ran[0] + ran[1] + baselines) == sorted(t.number for t in finished)  # none lost
    assert reports[0]["best"] == reports[1]["best"] == min(t.value for t in finished if t.value is not None)


HANGING = textwrap.dedent("""
    import os, time
    from tsrnn.forecasters.naive import SeasonalNaiveForecaster

    class HangingForecaster(SeasonalNaiveForecaster):
        \"\"\"The seasonal naive, whose fit stops for good (until killed) while the file ``hang`` exists.\"\"\"

        def __init__(self, season_length=None, hang=None):
            self.season_length = season_length
            self.hang = hang

        def _fit(self, panel):
            if self.hang and os.path.exists(self.hang):
                open(self.hang + ".started", "w").close()
                time.sleep(600)
            super()._fit(panel)
""")
KILLED = textwrap.dedent("""
    import sys
    import tsrnn
    from hanging import HangingForecaster
    from tsrnn.tuning import tune

    tune(HangingForecaster(season_length=12, hang=sys.argv[2]), tsrnn.load_dataset("airpassengers"),
         space={"season_length": [1, 2, 3, 4, 6]}, horizon=12, folds=2, n_trials=3, storage=sys.argv[1],
         study_name="killed", random_state=0, progress=False, heartbeat_interval=0.25)
""")


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_a_killed_worker_s_baseline_trial_is_run_again(tmp_path, monkeypatch, air, kind):
    # A worker SIGKILLed during the baseline trial left it RUNNING for ever: resuming never ran the
    # forecaster's own parameters again, so the best could be worse than them. Now the trial's heartbeat
    # stops, the next worker marks it failed (not counted) and re-runs it, and the promise holds.
    (tmp_path / "hanging.py").write_text(HANGING)
    monkeypatch.syspath_prepend(str(tmp_path))
    from hanging import HangingForecaster

    storage = f"sqlite:///{tmp_path / 'k.db'}" if kind == "sqlite" else str(tmp_path / "k.journal")
    hang = tmp_path / "hang"
    hang.touch()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    worker = subprocess.Popen([sys.executable, "-c", KILLED, storage, str(hang)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "hang.started").exists():  # the baseline trial (trial 0) is running
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=60)
    hang.unlink()

    model = HangingForecaster(season_length=12, hang=str(hang))
    res = tune(model, air, space={"season_length": [1, 2, 3, 4, 6]}, horizon=12, folds=2, n_trials=3,
               storage=storage, study_name="killed", random_state=0, progress=False, heartbeat_interval=0.25)
    trials = res.study_.trials
    lost = trials[0]
    assert lost.state == TrialState.FAIL and lost.user_attrs["baseline"]
    assert lost.user_attrs["error"].startswith("its worker stopped (no heartbeat for")
    baseline = [t for t in trials if t.user_attrs.get("baseline") and t.state == TrialState.COMPLETE]
    assert len(baseline) == 1 and baseline[0].system_attrs["failed_trial"] == 0  # the re-run of trial 0
    own = backtest(SeasonalNaiveForecaster(season_length=12), air, horizon=12, folds=2, progress=False)
    assert baseline[0].value == pytest.approx(own.metrics()["MASE"].mean(), rel=1e-9)
    assert res.best_score_ <= baseline[0].value  # never worse than the starting parameters
    assert sum(t.state.is_finished() for t in trials) == 4  # 3 counted + the lost one, which does not count
    assert not [t for t in trials if t.state == TrialState.RUNNING]


class Interrupting(SeasonalNaiveForecaster):
    """The seasonal naive, interrupted (Ctrl-C) in its next fit while ``Interrupting.armed``."""

    armed = False

    def _fit(self, panel):
        if Interrupting.armed:
            Interrupting.armed = False
            raise KeyboardInterrupt
        super()._fit(panel)


def test_an_interrupted_baseline_runs_again_on_resume_but_not_one_that_raised(air):
    storage = optuna.storages.InMemoryStorage()
    settings = dict(space={"season_length": [1, 2, 3]}, horizon=12, folds=2, storage=storage, random_state=0,
                    progress=False)
    model = Interrupting(season_length=12)
    Interrupting.armed = True
    with pytest.raises(KeyboardInterrupt):
        tune(model, air, n_trials=3, study_name="ctrl-c", **settings)
    res = tune(model, air, n_trials=3, study_name="ctrl-c", **settings)
    states = [(t.state, bool(t.user_attrs.get("baseline"))) for t in res.study_.trials]
    assert states[0] == (TrialState.FAIL, True) and (TrialState.COMPLETE, True) in states[1:]
    assert res.best_score_ <= min(t.value for t in res.study_.trials if t.user_attrs.get("baseline") and t.value)
    assert len(states) == 3  # the interrupted trial counts: 3 finished in all

    # Parameters that raise are not run again at every resume: that cannot help.
    flaky = dict(settings, space={"learning_rate": ("float", 0.01, 0.5)})
    tune(FlakyForecaster(learning_rate=5.0), air, n_trials=2, study_name="raises", **flaky)
    res = tune(FlakyForecaster(learning_rate=5.0), air, n_trials=4, study_name="raises", **flaky)
    assert [bool(t.user_attrs.get("baseline")) for t in res.study_.trials] == [True, False, False, False]


def test_the_total_is_exact_with_threads_and_a_trial_taken_too_late_is_queued_again(air):
    res = tune(SeasonalNaiveForecaster(), air, space=SEASON, horizon=12, folds=2, n_trials=7, n_jobs=3,
               pruner=None, random_state=0, progress=False)
    assert len(res.study_.trials) == 7 and all(t.state == TrialState.COMPLETE for t in res.study_.trials)

    # Two workers take a trial at the same moment for the last place: the later one goes back to the queue
    # unstarted, and the earlier one runs.
    from tsrnn.tuning import _Runner

    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage)
    objective = make_objective(SeasonalNaiveForecaster(), air, horizon=12, space=SEASON)
    runner = _Runner(study, storage, objective, n_trials=2, timeout=None, heartbeat_interval=1.0,
                     progress=False)
    study.tell(study.ask(), 1.0)
    first, second = study.ask(), study.ask()
    assert not runner._claim(second)
    assert runner._claim(first)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING]


def test_a_lost_trial_s_rerun_is_not_starved_by_an_older_trial_given_back(air, tmp_path, monkeypatch):
    # The race: trial 0 (the baseline) lost its worker while the others filled the study; trial 3 was given back
    # to the queue (the study looked full), then trial 0 was found lost and its re-run queued as trial 4. The
    # queue hands out trial 3 first: it must not take the last place from the re-run.
    from tsrnn.tuning import _LOST, _Runner

    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'race.db'}")
    study = optuna.create_study(storage=storage, study_name="race")
    objective = make_objective(SeasonalNaiveForecaster(), air, horizon=12, space=SEASON)
    runner = _Runner(study, storage, objective, n_trials=3, timeout=None, heartbeat_interval=1.0, progress=False)
    study.enqueue_trial({}, user_attrs={"baseline": True})
    lost = study.ask()  # trial 0, its worker then dies
    for _ in range(2):
        study.tell(study.ask({"season_length": optuna.distributions.IntDistribution(1, 12)}), 1.0)
    given_back = study.ask()  # trial 3: taken while trial 0 still counted as running
    assert not runner._claim(given_back) and study.trials[3].state == TrialState.WAITING
    with monkeypatch.context() as later:  # an hour on: trial 0 has been silent far longer than 4 beats
        now = time.time()
        later.setattr(tsrnn.tuning.time, "time", lambda: now + 3600)
        runner.fail_lost()  # fails trial 0 and queues its re-run, trial 4
    assert study.trials[0].state == TrialState.FAIL and study.trials[4].system_attrs["failed_trial"] == 0
    runner.work()
    trials = study.trials
    assert trials[3].state == TrialState.FAIL and trials[3].system_attrs[_LOST]  # surplus: closed unrun
    assert "not run" in trials[3].user_attrs["error"]
    assert trials[4].state == TrialState.COMPLETE and trials[4].user_attrs["baseline"]
    counted = [t for t in trials if t.state.is_finished() and not t.system_attrs.get(_LOST)]
    assert len(counted) == 3 and lost.number == 0


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
