"""Import hygiene: the light parts of tsrnn never load torch (DESIGN.md: torch only behind the neural names)."""

from __future__ import annotations

import subprocess
import sys

LIGHT = ["tsrnn", "tsrnn.data", "tsrnn.metrics", "tsrnn.forecasters.naive"]

# One fresh interpreter imports the light modules one after the other and names the first that pulls in torch
# or Lightning (one process, so pandas and scikit-learn are imported once).
_PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    heavy = sorted(m for m in ("torch", "lightning", "lightning.pytorch") if m in sys.modules)
    if heavy:
        sys.exit(f"importing {name} loaded {heavy}")
"""


def test_light_modules_do_not_load_torch():
    result = subprocess.run([sys.executable, "-c", _PROBE, *LIGHT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1:]


def test_import_tsrnn_alone():
    # The package itself stays light too (public names are imported lazily).
    code = "import sys, tsrnn\nassert 'torch' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
