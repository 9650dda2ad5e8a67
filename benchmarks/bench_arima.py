"""Speed and accuracy of ARIMAForecaster / ETSForecaster against seasonal naive, pmdarima and statsforecast.

Panel: 20 windows of 120 months cut from the shipped `wineind` series (Australian wine sales), each forecast
12 months ahead; the accuracy is the mean MASE over the 12 held-out months, scaled by the in-sample
seasonal-naive error (m = 12) of the window's training part. Every method runs with one BLAS thread (the
statsmodels forecasters set that themselves; the others are wrapped the same way, so the comparison is fair).
pmdarima and statsforecast are measured when importable; they are not tsrnn dependencies.

    python benchmarks/bench_arima.py            # prints the table and updates benchmarks/RESULTS.md
    python benchmarks/bench_arima.py --no-write
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tsrnn.datasets import load_dataset
from tsrnn.forecasters.arima import ARIMAForecaster
from tsrnn.forecasters.ets import ETSForecaster
from tsrnn.forecasters.naive import SeasonalNaiveForecaster

M, TRAIN, HORIZON, N_WINDOWS = 12, 120, 12, 20
HEADING = "## ARIMA / ETS (issue 4)"
sys.path.insert(0, str(Path(__file__).parent))
from _results import RESULTS, write_section  # noqa: E402


def windows() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Training panel (long frame), training values [20, 120] and held-out values [20, 12]."""
    data = load_dataset("wineind")
    y, ds = data["y"].to_numpy(dtype=np.float64), pd.DatetimeIndex(data["ds"])
    starts = np.linspace(0, len(y) - TRAIN - HORIZON, N_WINDOWS).round().astype(int)
    train = np.stack([y[s : s + TRAIN] for s in starts])
    test = np.stack([y[s + TRAIN : s + TRAIN + HORIZON] for s in starts])
    frame = pd.concat([pd.DataFrame({"unique_id": f"w{k:02d}", "ds": ds[s : s + TRAIN], "y": train[k]})
                       for k, s in enumerate(starts)], ignore_index=True)
    return frame, train, test


def mase(train: np.ndarray, test: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Per-window MASE: mean |test - forecast| / mean |y[t] - y[t - m]| over the training part."""
    scale = np.mean(np.abs(train[:, M:] - train[:, :-M]), axis=1)
    return np.mean(np.abs(test - forecast), axis=1) / scale


def run_tsrnn(model, frame) -> np.ndarray:
    forecast = model.fit(frame).predict(HORIZON)
    return forecast["y_pred"].to_numpy().reshape(N_WINDOWS, HORIZON)


def run_pmdarima(train) -> np.ndarray:
    import pmdarima

    out = []
    for y in train:
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore")
            fit = pmdarima.auto_arima(y, m=M, seasonal=True, stepwise=True, error_action="ignore",
                                      suppress_warnings=True)
            out.append(fit.predict(HORIZON))
    return np.asarray(out)


def run_statsforecast(frame) -> np.ndarray:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    sf = StatsForecast(models=[AutoARIMA(season_length=M)], freq="MS", n_jobs=1)
    with threadpool_limits(limits=1, user_api="blas"):
        out = sf.forecast(df=frame, h=HORIZON)
    return out.sort_values(["unique_id", "ds"])["AutoARIMA"].to_numpy().reshape(-1, HORIZON)


def measure(name, func, train, test, rows):
    start = time.perf_counter()
    forecast = func()
    seconds = time.perf_counter() - start
    rows.append({"method": name, "seconds": seconds, "mean_mase": float(np.mean(mase(train, test, forecast)))})
    print(f"  {name:<48} {seconds:8.2f} s   MASE {rows[-1]['mean_mase']:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    args = parser.parse_args()
    frame, train, test = windows()
    rows: list[dict] = []
    print(f"{N_WINDOWS} wineind windows x {TRAIN} months, horizon {HORIZON}, m = {M}")

    measure("SeasonalNaiveForecaster", lambda: run_tsrnn(SeasonalNaiveForecaster(season_length=M), frame),
            train, test, rows)
    measure("ARIMAForecaster (n_jobs=1)", lambda: run_tsrnn(ARIMAForecaster(season_length=M), frame),
            train, test, rows)
    measure("ARIMAForecaster (n_jobs=2)", lambda: run_tsrnn(ARIMAForecaster(season_length=M, n_jobs=2), frame),
            train, test, rows)
    measure("ARIMAForecaster (approximation=False)",
            lambda: run_tsrnn(ARIMAForecaster(season_length=M, approximation=False), frame), train, test, rows)
    measure("ETSForecaster (n_jobs=1)", lambda: run_tsrnn(ETSForecaster(season_length=M), frame),
            train, test, rows)
    notes = []
    try:
        import pmdarima
    except ImportError as err:
        notes.append(f"pmdarima not importable ({err}); not measured")
    else:
        measure(f"pmdarima {pmdarima.__version__} auto_arima (sequential)", lambda: run_pmdarima(train),
                train, test, rows)
    try:
        import statsforecast
    except ImportError as err:
        notes.append(f"statsforecast not importable ({err}); not measured")
    else:
        run_statsforecast(frame.iloc[: 2 * TRAIN])  # numba compiles on first use: not timed
        measure(f"statsforecast {statsforecast.__version__} AutoARIMA (n_jobs=1, after JIT warm-up)",
                lambda: run_statsforecast(frame), train, test, rows)

    table = pd.DataFrame(rows)
    pmd = table[table["method"].str.startswith("pmdarima")]
    if len(pmd):
        table["pmdarima_time / time"] = float(pmd["seconds"].iloc[0]) / table["seconds"]
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for note in notes:
        print(note)
    if not args.no_write:
        write_results(table, notes)


def write_results(table: pd.DataFrame, notes: list[str]) -> None:
    import joblib
    import statsmodels

    lines = [HEADING, "",
             f"`{' '.join([sys.executable, *sys.argv])}` (run from the repository root) on "
             f"{platform.machine()} with {os.cpu_count()} CPU cores, load average "
             f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; Python {platform.python_version()}, "
             f"statsmodels {statsmodels.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
             f"joblib {joblib.__version__}. Measured {time.strftime('%Y-%m-%d %H:%M')}.", "",
             f"{N_WINDOWS} windows of {TRAIN} months cut from `wineind`, horizon {HORIZON}, seasonal period "
             f"{M}; MASE over the held-out months with the seasonal-naive scale of each training part, averaged "
             "over windows. Wall times for the whole panel (fit + predict), one BLAS thread everywhere.", "",
             "| method | wall time (s) | mean MASE |" + (" pmdarima time / time |" if "pmdarima_time / time" in table
                                                       else ""),
             "|---|---:|---:|" + ("---:|" if "pmdarima_time / time" in table else "")]
    for _, row in table.iterrows():
        line = f"| {row['method']} | {row['seconds']:.2f} | {row['mean_mase']:.3f} |"
        if "pmdarima_time / time" in table:
            line += f" {row['pmdarima_time / time']:.1f}x |"
        lines.append(line)
    notes = [*notes, "pmdarima and statsforecast are not tsrnn dependencies, installed only to measure them; "
             "statsforecast runs in a virtual environment on top of the global packages (hence the interpreter path "
             "above), installed with their versions as constraints (`pip install -c constraints.txt statsforecast`)"]
    lines += [""] + [f"- {note}" for note in notes] + [""]
    write_section(HEADING, "\n".join(lines[2:]))
    print(f"updated {RESULTS}")


if __name__ == "__main__":
    main()
