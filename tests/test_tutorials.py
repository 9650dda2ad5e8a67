"""The tutorials run end to end in fast mode (TSRNN_TUTORIAL_FAST=1), each in a fresh Python process, and their
committed notebooks are the scripts converted by jupytext, cell for cell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "tutorials"
ENGLISH = sorted(FOLDER.glob("[0-9][0-9]_*.py"))
PORTUGUESE = sorted((FOLDER / "pt").glob("[0-9][0-9]_*.py"))
TUTORIALS = ENGLISH + PORTUGUESE
TIMEOUT_S = 120  # per tutorial; fast mode takes 5-25 s on two cores
REGENERATE = "jupytext --to ipynb --update tutorials/[0-9]*.py tutorials/pt/[0-9]*.py"


def _id(path: Path) -> str:
    return path.relative_to(FOLDER).with_suffix("").as_posix()


def test_every_tutorial_is_a_documented_percent_script():
    assert [p.name[:2] for p in ENGLISH] == [f"{k:02d}" for k in range(1, 11)]
    # The Portuguese editions: the quickstart, the recurrent-network tutorials and the architectures tutorial,
    # numbered as the English tutorial they translate.
    assert [p.name[:2] for p in PORTUGUESE] == ["01", "02", "03", "08"]
    readme = (FOLDER / "README.md").read_text()
    readme_pt = (FOLDER / "pt" / "README.md").read_text()
    assert "TSRNN_TUTORIAL_FAST" in readme and "TSRNN_TUTORIAL_FAST" in readme_pt
    for path in TUTORIALS:
        text = path.read_text()
        assert path.name in readme, f"tutorials/README.md does not describe {_id(path)}"
        if path in PORTUGUESE:
            assert path.name in readme_pt, f"tutorials/pt/README.md does not describe {path.name}"
        assert text.count("\n# %% [markdown]") >= 3, f"{_id(path)} has too little prose for a tutorial"
        assert "\n# %%\n" in text, f"{_id(path)} has no code cell"
        assert 'os.environ.get("TSRNN_TUTORIAL_FAST") == "1"' in text, f"{_id(path)} ignores the fast mode"
        assert "formats: ipynb,py:percent" in text, f"{_id(path)} is not paired with its notebook"


def test_portuguese_editions_translate_their_english_tutorial():
    # Same code, other words: an edition runs the same forecasters with the same settings as its original.
    for path in PORTUGUESE:
        (original,) = [p for p in ENGLISH if p.name[:2] == path.name[:2]]
        text, english = path.read_text(), original.read_text()
        assert f"`{original.name}`" in text, f"{path.name} does not name the tutorial it translates"
        for marker in ("RNNForecaster(", "max_steps=", "hidden_size=", "random_state=", "compare(", "strategy="):
            assert text.count(marker) == english.count(marker), (
                f"{path.name} and {original.name} differ in their code: {marker!r} appears "
                f"{text.count(marker)} and {english.count(marker)} times")


@pytest.mark.parametrize("path", TUTORIALS, ids=_id)
def test_notebook_matches_its_script(path):
    jupytext = pytest.importorskip("jupytext")  # in the dev extra
    import nbformat

    notebook_path = path.with_suffix(".ipynb")
    assert notebook_path.exists(), f"{notebook_path.relative_to(ROOT)} is missing; run: {REGENERATE}"
    committed = nbformat.read(notebook_path, as_version=4)
    expected = jupytext.read(path)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in expected.cells], (
        f"{notebook_path.relative_to(ROOT)} is out of date with {path.name}; run: {REGENERATE}")
    # Notebooks ship without outputs: the numbers belong to whoever runs them, and diffs stay readable.
    stale = [i for i, c in enumerate(committed.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not stale, f"{notebook_path.name} has stored outputs in cells {stale}; clear them or regenerate it"


@pytest.mark.parametrize("path", TUTORIALS, ids=_id)
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
        pytest.fail(f"{_id(path)} did not finish within {TIMEOUT_S} s in fast mode\n--- stderr ---\n{stderr[-4000:]}")
    assert proc.returncode == 0, (
        f"{_id(path)} exited with code {proc.returncode}\n--- stderr ---\n{proc.stderr[-8000:]}"
        f"\n--- stdout (end) ---\n{proc.stdout[-2000:]}"
    )
    assert not list(tmp_path.rglob("*.png")), f"{_id(path)} saved figures in fast mode"
