"""`CrostonForecaster` against statsforecast's ``CrostonClassic``, ``CrostonSBA`` and ``TSB`` on random intermittent
series: the largest relative difference of the one-step forecasts, and the time of one vectorised backtest pass.

statsforecast is not a dependency of tsrnn; install it anywhere importable for this check (it pulls numba):

    pip install --target /tmp/sfpkg statsforecast
    SF_PATH=/tmp/sfpkg python benchmarks/check_croston.py           # writes its RESULTS.md section
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _results import write_section  # noqa: E402

SECTION = "## Intermittent-demand baselines: Croston, SBA and TSB (issue 11)"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if os.environ.get("SF_PATH"):
        sys.path.append(os.environ["SF_PATH"])  # appended: tsrnn's own numpy and pandas stay first
    try:
        import statsforecast
        from statsforecast.models import TSB, CrostonClassic, CrostonSBA
    except ImportError:
        raise SystemExit("this check needs statsforecast: pip install --target DIR statsforecast; SF_PATH=DIR") from None
    from tsrnn.forecasters.intermittent import croston_rates

    rng = np.random.default_rng(0)
    worst = {"classic": 0.0, "sba": 0.0, "tsb": 0.0}
    checked = 0
    for _ in range(args.series):
        n = int(rng.integers(2, 120))
        y = (rng.random(n) < rng.uniform(0.05, 0.95)) * rng.poisson(4, n).astype(float)
        if not (y != 0).any():
            continue
        checked += 1
        a, b = rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.5)
        one = (np.array([0]), np.array([n]))
        for method, model, weights in (("classic", CrostonClassic(), (0.1, 0.1)), ("sba", CrostonSBA(), (0.1, 0.1)),
                                       ("tsb", TSB(alpha_d=a, alpha_p=b), (a, b))):
            ref = float(model.forecast(y=y, h=1)["mean"][0])
            got = float(croston_rates(y, *one, method, *weights)[0])
            worst[method] = max(worst[method], abs(ref - got) / max(abs(ref), 1e-12))
    values = (rng.random(5_000_000) < 0.3) * 2.0
    starts = np.arange(10_000) * 500
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        croston_rates(values, starts, starts + 500, "sba")
        times.append(time.perf_counter() - t0)
    lines = [f"Command: `SF_PATH=/tmp/sfpkg python benchmarks/check_croston.py` ({time.strftime('%Y-%m-%d')}, statsforecast "
             f"{statsforecast.__version__}, CPU).", "",
             f"{checked} random intermittent series of 2-120 periods (demand probability 0.05-0.95, Poisson sizes; TSB "
             "with random weights in 0.05-0.5): the largest relative difference between tsrnn's one-step forecast and "
             f"statsforecast's is {worst['classic']:.1e} (Croston), {worst['sba']:.1e} (SBA) and {worst['tsb']:.1e} "
             "(TSB): the same to rounding. Both start each smoothing at its first value.", "",
             f"One pass over 10,000 histories of 500 periods (a backtest's origins, all at once): median "
             f"{np.median(times) * 1000:.0f} ms over 5 runs."]
    print("\n".join(lines))
    if not args.no_write:
        write_section(SECTION, "\n".join(lines))


if __name__ == "__main__":
    main()
