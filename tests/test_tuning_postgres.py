"""Tuning shared by worker processes through a real PostgreSQL server: exact totals, no trial lost or run twice,
and a killed worker's trial run again (tsrnn's heartbeat in the trials, `tsrnn.tuning._Runner`).

The server's URL comes from ``TSRNN_TEST_POSTGRES_URL`` (``.ci/run`` starts a throwaway server with
``.ci/postgres.sh`` and sets it); each test works in a database of its own, dropped afterwards. Without the
variable, the psycopg driver or a reachable server, the tests skip and say which was missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from tsrnn.tuning import _STALE_AFTER

REPO = Path(__file__).resolve().parents[1]
ENV_VAR = "TSRNN_TEST_POSTGRES_URL"


@pytest.fixture
def postgres_url():
    url = os.environ.get(ENV_VAR)
    if not url:
        pytest.skip(f"{ENV_VAR} is not set: no PostgreSQL server to test against (.ci/run starts one with "
                    ".ci/postgres.sh and sets it)")
    psycopg = pytest.importorskip("psycopg", reason="the psycopg driver is not installed "
                                                    "(pip install 'psycopg[binary]', part of the dev extra)")
    from sqlalchemy.engine import make_url

    server = make_url(url).set(drivername="postgresql")  # libpq's own form, for the admin connection
    try:
        admin = psycopg.connect(server.render_as_string(hide_password=False), connect_timeout=10,
                                autocommit=True)
    except psycopg.OperationalError as err:
        pytest.skip(f"the PostgreSQL server at {ENV_VAR}={url} cannot be reached: {' '.join(str(err).split())}")
    name = f"tsrnn_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        # The URL a user gives tune(): SQLAlchemy's psycopg (3) dialect, named so that any SQLAlchemy 2 uses it.
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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

# argv: storage URL, study name, n_trials, hang file. Prints the trials this process ran (the space is called
# once per trial of the study) and the best score it returned. Once imported it says so (file ready.<pid>) and
# waits for the file "go", so that workers started together really run together.
WORKER = textwrap.dedent("""
    import json, os, sys, time
    import tsrnn
    from hanging import HangingForecaster
    from tsrnn.tuning import tune

    storage, study, n_trials, hang = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    open(f"ready.{os.getpid()}", "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists("go") and time.monotonic() < deadline:
        time.sleep(0.02)
    ran = []

    def space(trial):
        if getattr(trial, "study", None) and trial.study.study_name == study:  # not the probe or FixedTrial
            ran.append(trial.number)
            time.sleep(0.1)  # long enough for the workers to interleave
        return {"season_length": trial.suggest_int("season_length", 1, 12)}

    res = tune(HangingForecaster(season_length=12, hang=hang), tsrnn.load_dataset("airpassengers"), space=space,
               horizon=12, folds=2, n_trials=n_trials, storage=storage, study_name=study, random_state=0,
               progress=False, heartbeat_interval=1.0)  # lost after 4 s of silence: a busy CI machine
                                                         # never starves a live worker's beat that long
    print(json.dumps({"ran": ran, "best": res.best_score_}))
""")


def _start(tmp_path: Path, storage: str, study: str, n_trials: int, hang: Path) -> subprocess.Popen:
    (tmp_path / "hanging.py").write_text(HANGING)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(tmp_path), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", WORKER, storage, study, str(n_trials), str(hang)], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _start_together(tmp_path: Path, storage: str, study: str, n_trials: int, hang: Path) -> list:
    """Two workers, released at the same moment once both have imported tsrnn."""
    (tmp_path / "go").unlink(missing_ok=True)
    for old in tmp_path.glob("ready.*"):
        old.unlink()
    workers = [_start(tmp_path, storage, study, n_trials, hang) for _ in range(2)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready.*"))) < 2:
        for w in workers:
            assert w.poll() is None, w.communicate()[1]
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.05)
    (tmp_path / "go").touch()
    return workers


def _finish(workers) -> list[dict]:
    outputs = [w.communicate(timeout=180) for w in workers]
    for w, (_, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def test_two_workers_share_one_postgresql_study_with_exactly_n_trials(tmp_path, postgres_url):
    reports = _finish(_start_together(tmp_path, postgres_url, "shared", 8, tmp_path / "no-hang"))
    trials = optuna.load_study(study_name="shared", storage=postgres_url).trials
    finished = [t for t in trials if t.state.is_finished()]
    assert len(finished) == 8  # exactly the total wanted
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in finished)
    left = [t for t in trials if not t.state.is_finished()]  # a trial both took at once goes back, unstarted
    assert all(t.state == TrialState.WAITING and not t.params for t in left) and len(left) <= 1
    ran = [r["ran"] for r in reports]
    assert ran[0] and ran[1]  # both workers took trials
    baselines = [t.number for t in finished if t.user_attrs.get("baseline")]
    assert len(baselines) == 1
    assert not set(ran[0]) & set(ran[1])  # none run twice
    assert sorted(ran[0] + ran[1] + baselines) == sorted(t.number for t in finished)  # none lost
    assert reports[0]["best"] == reports[1]["best"] == min(t.value for t in finished if t.value is not None)


def test_a_killed_worker_s_trial_is_run_again_by_the_other_workers(tmp_path, postgres_url):
    hang = tmp_path / "hang"
    hang.touch()
    (tmp_path / "go").touch()
    doomed = _start(tmp_path, postgres_url, "killed", 4, hang)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "hang.started").exists():  # its first trial (the baseline) is running
            assert doomed.poll() is None, doomed.stderr.read()
            assert time.monotonic() < deadline, "the first worker never started its trial"
            time.sleep(0.05)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate(timeout=60)
    hang.unlink()
    # Wait until trial 0 is stale (4 heartbeats of 1 s, plus one beat of margin), so that the fresh workers'
    # first check fails it and queues its re-run before they take any other trial. Started sooner, they could
    # fill the study while trial 0 still counts as running and give a surplus trial back to the queue ahead of
    # the re-run; that trial is then closed unrun (test_tuning.py tests that race on its own), and the counts
    # below would include it.
    time.sleep(_STALE_AFTER * 1.0 + 1.5)
    # Two fresh workers: one of them finds trial 0 silent for 4 heartbeats (4 s), fails it and queues it again.
    reports = _finish(_start_together(tmp_path, postgres_url, "killed", 4, hang))
    trials = optuna.load_study(study_name="killed", storage=postgres_url).trials
    lost = trials[0]
    assert lost.state == TrialState.FAIL and lost.user_attrs["baseline"]
    assert lost.user_attrs["error"].startswith("its worker stopped (no heartbeat for")
    reruns = [t for t in trials if t.system_attrs.get("failed_trial") == 0]
    assert len(reruns) == 1 and reruns[0].state == TrialState.COMPLETE and reruns[0].user_attrs["baseline"]
    assert reruns[0].params == lost.params
    counted = [t for t in trials if t.state.is_finished() and t.number != 0]
    assert len(counted) == 4  # exactly n_trials, the lost one not counted
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    ran = [r["ran"] for r in reports]
    assert not set(ran[0]) & set(ran[1])
    assert sorted(ran[0] + ran[1] + [reruns[0].number]) == sorted(t.number for t in counted)
    assert reports[0]["best"] == reports[1]["best"]
