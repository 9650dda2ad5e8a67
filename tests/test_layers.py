"""The layer rule of DESIGN.md: above `tsrnn.forecasters`, a model is used only through its public contract.

Nothing in `tsrnn/evaluation/`, `tsrnn/tuning.py` or `tsrnn/cli.py` imports a private name from the forecasters,
reads a private attribute a forecaster defines, asks whether a method exists, names a forecaster by its class
path or sniffs a parameter out of ``get_params()``. Checked on the syntax trees, so comments do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "tsrnn"
ABOVE = sorted([*(ROOT / "evaluation").glob("*.py"), ROOT / "tuning.py", ROOT / "cli.py"])


def _private_names_of_forecasters() -> set[str]:
    """Every ``_name`` (not ``__dunder__``) defined or assigned as an attribute in ``tsrnn/forecasters/``."""
    names = set()
    for path in (ROOT / "forecasters").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                candidate = node.name
            elif isinstance(node, ast.Attribute):
                candidate = node.attr
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                candidate = node.id
            else:
                continue
            if candidate.startswith("_") and not candidate.startswith("__"):
                names.add(candidate)
    return names


PRIVATE = _private_names_of_forecasters()


_CLASS_PATH = re.compile(r"tsrnn\.forecasters(\.\w+)+")


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom) and "forecasters" in (node.module or ""):
            found += [f"{where} imports the private {a.name} from {node.module}" for a in node.names
                      if a.name.startswith("_")]
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            found.append(f"{where} reads .{node.attr}, a private name of the forecasters")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("hasattr", "getattr"):
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in (
                    *PRIVATE, "forecast_at", "_supports_intervals"):
                found.append(f"{where} asks {node.func.id}(..., {node.args[1].value!r})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _CLASS_PATH.fullmatch(node.value):
            found.append(f"{where} names a class path {node.value!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and _calls_get_params(node.func.value):
            found.append(f"{where} sniffs a parameter out of get_params()")
        elif isinstance(node, ast.Subscript) and _calls_get_params(node.value):
            found.append(f"{where} sniffs a parameter out of get_params()")
    return found


def _calls_get_params(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get_params"


def test_the_checker_sees_what_it_must_refuse(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..forecasters.rnn import _CELLS\n"
                   "n = model._min_length()\n"
                   "fast = hasattr(model, 'forecast_at')\n"
                   "path = 'tsrnn.forecasters.rnn.RNNForecaster'\n"
                   "futures = model.get_params(deep=False).get('future_covariates')\n"
                   "exog = model.get_params()['exog']\n"
                   "fine = model.min_train_length, model.get_params(), f'see {model!r}'\n")
    assert len(_violations(bad)) == 6


@pytest.mark.parametrize("path", ABOVE, ids=lambda p: str(p.relative_to(ROOT)))
def test_layers_above_the_forecasters_use_only_their_public_contract(path):
    assert _violations(path) == []
