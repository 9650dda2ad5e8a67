"""Per-series and per-fold work on other engines: joblib's local backends and a real Dask cluster (processes).

The Dask tests need the ``dask`` extra (``pip install 'dask[distributed]'``, part of ``dev``) and skip without it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tsrnn import ARIMAForecaster, ETSForecaster, SeasonalNaiveForecaster, backtest, compare
from tsrnn._parallel import map_jobs
from tsrnn.errors import InvalidParameterError


def _panel(n_series: int = 6, length: int = 60) -> pd.DataFrame:
    """Monthly seasonal series with trends of different signs (a different ETS/ARIMA model per series)."""
    rng = np.random.default_rng(3)
    t = np.arange(length)
    frames = []
    for i in range(n_series):
        y = 40 + (i - 2) * 0.3 * t + 6 * np.sin(2 * np.pi * t / 12 + i) + rng.normal(0, 1 + i % 3, length)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2015-01-01", periods=length,
                                                                              freq="MS"), "y": y}))
    return pd.concat(frames, ignore_index=True)


def test_unknown_backend_is_refused_before_any_work():
    with pytest.raises(InvalidParameterError, match="backend must be None or one of"):
        ETSForecaster(backend="spark").fit(_panel(2))
    with pytest.raises(InvalidParameterError, match="got 'spark'"):
        backtest(SeasonalNaiveForecaster(), _panel(2), horizon=3, backend="spark", progress=False)


def test_threading_backend_gives_the_fits_of_one_process():
    df = _panel(3)
    one = ARIMAForecaster(season_length=1, max_p=1, max_q=1).fit(df)
    threads = ARIMAForecaster(season_length=1, max_p=1, max_q=1, n_jobs=2, backend="threading").fit(df)
    pd.testing.assert_frame_equal(threads.fitted_orders_, one.fitted_orders_)
    pd.testing.assert_frame_equal(threads.predict(6, level=80), one.predict(6, level=80), check_exact=True)


def test_dask_without_a_client_says_how_to_start_one():
    pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'dask[distributed]')")
    from distributed import get_client

    try:
        get_client()
        pytest.skip("a Dask client is already open in this process")
    except ValueError:
        pass
    with pytest.raises(InvalidParameterError, match=r"backend='dask' .*Client\(LocalCluster"):
        ETSForecaster(backend="dask").fit(_panel(2))


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed",
                                      reason="dask.distributed is not installed (pip install 'dask[distributed]')")
    # Two worker processes of one thread each: the series really leave this process.
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _worker_pid(_):
    import os

    return os.getpid()


def test_dask_runs_the_tasks_in_the_worker_processes(dask_client):
    import os

    pids = set(map_jobs(_worker_pid, [(i,) for i in range(8)], backend="dask"))
    workers = set(dask_client.run(os.getpid).values())
    assert pids and pids <= workers and os.getpid() not in pids


def test_ets_and_arima_fitted_on_a_dask_cluster_equal_the_single_process_fits(dask_client):
    df = _panel()
    # random_state: the intervals of multiplicative ETS models are simulated (seeded, the same anywhere).
    for make in (lambda **kw: ETSForecaster(season_length=12, random_state=0, **kw),
                 lambda **kw: ARIMAForecaster(season_length=12, max_p=2, max_q=2, **kw)):
        here, there = make().fit(df), make(backend="dask").fit(df)
        table = "fitted_models_" if isinstance(here, ETSForecaster) else "fitted_orders_"
        pd.testing.assert_frame_equal(getattr(there, table), getattr(here, table), check_exact=True)
        pd.testing.assert_frame_equal(there.fit_report_, here.fit_report_)
        for a, b in zip(there.models_, here.models_, strict=True):
            np.testing.assert_array_equal(a.result.params, b.result.params)  # bit for bit
        pd.testing.assert_frame_equal(there.predict(12, level=[80]), here.predict(12, level=[80]), check_exact=True)
        # Forecasting from new history applies each series' model to it: per series too, on the cluster.
        history = df.groupby("unique_id").head(48)
        pd.testing.assert_frame_equal(there.predict(6, df=history, level=[80]),
                                      here.predict(6, df=history, level=[80]), check_exact=True)


def test_backtests_on_a_dask_cluster_equal_the_single_process_backtests(dask_client):
    df = _panel()
    settings = dict(horizon=6, folds=3, progress=False)
    # Per series: every refit's ETS fits are spread over the cluster.
    here = backtest(ETSForecaster(season_length=12), df, **settings)
    there = backtest(ETSForecaster(season_length=12, backend="dask"), df, **settings)
    pd.testing.assert_frame_equal(there.forecasts, here.forecasts, check_exact=True)
    # Per fold: the backtest's refits themselves run on the cluster (the naive family is vectorised).
    models = {"snaive": SeasonalNaiveForecaster(), "arima": ARIMAForecaster(order=(1, 0, 0), season_length=12)}
    cmp_here = compare(models, df, level=[80], **settings)
    cmp_there = compare(models, df, level=[80], backend="dask", **settings)
    for name in models:
        pd.testing.assert_frame_equal(cmp_there.results[name].forecasts, cmp_here.results[name].forecasts,
                                      check_exact=True)
    pd.testing.assert_frame_equal(cmp_there.leaderboard.drop(columns=["fit_time_s", "predict_time_s"]),
                                  cmp_here.leaderboard.drop(columns=["fit_time_s", "predict_time_s"]),
                                  check_exact=True)
