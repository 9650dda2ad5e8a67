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


# Loading a saved naive or RNN model and forecasting from it never imports scikit-learn, scipy or statsmodels: the
# forecasters speak scikit-learn's estimator protocol without importing it (tsrnn/_estimator.py), which keeps
# `tsrnn predict` under two seconds (benchmarks/RESULTS.md, issue 14). (ARIMA and ETS need statsmodels, a
# Student-t head scipy's t quantiles.) A ConformalIntervals rebuilds its wrapped forecaster with tsrnn's own clone.
_LOAD_AND_PREDICT = """
import sys
import tsrnn
model = tsrnn.load(sys.argv[1])
model.predict(horizon=3)
heavy = sorted(m for m in ("sklearn", "scipy", "statsmodels", "lightning") if m in sys.modules)
print(",".join(heavy))
"""


def test_loading_and_forecasting_do_not_import_scikit_learn(tmp_path):
    import numpy as np
    import pandas as pd

    from tsrnn import ConformalIntervals, NaiveForecaster, RNNForecaster

    y = pd.Series(np.sin(np.arange(60) / 3.0) + 2, index=pd.date_range("2020-01-01", periods=60, freq="MS"), name="s")
    NaiveForecaster().fit(y).save(tmp_path / "naive")
    ConformalIntervals(NaiveForecaster(), horizon=3, n_windows=5).fit(y).save(tmp_path / "conformal")
    for name, loss in (("rnn", "mae"), ("rnn_normal", "normal")):
        RNNForecaster(horizon=3, window=12, hidden_size=4, max_steps=2, progress=False, random_state=0, loss=loss,
                      accelerator="cpu").fit(y).save(tmp_path / name)
    for name in ("naive", "conformal", "rnn", "rnn_normal"):
        result = subprocess.run([sys.executable, "-c", _LOAD_AND_PREDICT, str(tmp_path / name)], capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr.strip().splitlines()[-3:]
        assert result.stdout.strip() == "", f"loading and forecasting a {name} model imported {result.stdout.strip()}"
