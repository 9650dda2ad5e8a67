"""The tutorials run end to end in fast mode (TSRNN_TUTORIAL_FAST=1), each in a fresh Python process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
TIMEOUT_S = 120  # per tutorial; fast mode takes 5-25 s on two cores


def test_every_tutorial_is_a_documented_percent_script():
    assert [p.name[:2] for p in TUTORIALS] == [f"{k:02d}" for k in range(1, 8)]
    readme = (ROOT / "tutorials" / "README.md").read_text()
    assert "TSRNN_TUTORIAL_FAST" in readme
    for path in TUTORIALS:
        text = path.read_text()
        assert path.name in readme, f"tutorials/README.md does not describe {path.name}"
        assert text.count("\n# %% [markdown]") >= 3, f"{path.name} has too little prose for a tutorial"
        assert "\n# %%\n" in text, f"{path.name} has no code cell"
        assert 'os.environ.get("TSRNN_TUTORIAL_FAST") == "1"' in text, f"{path.name} ignores the fast mode"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs_in_fast_mode(path, tmp_path):
    env = dict(os.environ)
    env.update(
        TSRNN_TUTORIAL_FAST="1",
        MPLBACKEND="Agg",
        TMPDIR=str(tmp_path),  # whatever a tutorial writes to a temporary folder lands here and is removed
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    try:
        proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as err:
        stderr = err.stderr.decode(errors="replace") if isinstance(err.stderr, bytes) else (err.stderr or "")
        pytest.fail(f"{path.name} did not finish within {TIMEOUT_S} s in fast mode\n--- stderr ---\n{stderr[-4000:]}")
    assert proc.returncode == 0, (
        f"{path.name} exited with code {proc.returncode}\n--- stderr ---\n{proc.stderr[-8000:]}"
        f"\n--- stdout (end) ---\n{proc.stdout[-2000:]}"
    )
    assert not list(tmp_path.rglob("*.png")), f"{path.name} saved figures in fast mode"
