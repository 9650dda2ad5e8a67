"""Where independent pieces of work run (one series' fit, one block of backtest folds): here, or through joblib
on local processes, threads, or a cluster that joblib hands the work to (a Dask or a Ray cluster).

The engines are joblib's; tsrnn only checks the names and says what to do when an engine is not ready.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

from ._validation import check_n_jobs
from .errors import InvalidParameterError

__all__ = ["BACKENDS", "check_backend", "joblib_plan", "map_jobs", "streaming_results"]

# joblib's own backends, then the two cluster engines joblib can hand work to.
BACKENDS = ("loky", "multiprocessing", "threading", "dask", "ray")
_CLUSTERS = ("dask", "ray")


def check_backend(backend) -> str | None:
    """``backend`` as one of `BACKENDS`, or None (joblib's default: local processes, or the backend of an enclosing
    ``joblib.parallel_config``).

    Example
    -------
    >>> check_backend(None), check_backend("dask")
    (None, 'dask')
    >>> check_backend("spark")
    Traceback (most recent call last):
    ...
    tsrnn.errors.InvalidParameterError: backend must be None or one of ('loky', 'multiprocessing', 'threading', \
'dask', 'ray'), got 'spark'
    """
    if backend is None or (isinstance(backend, str) and backend in BACKENDS):
        return backend
    raise InvalidParameterError(f"backend must be None or one of {BACKENDS}, got {backend!r}")


def _cluster_backend(backend: str):
    """Make sure a cluster engine can take work now; raise with what to do when it cannot."""
    if backend == "dask":
        try:
            from distributed import get_client
        except ImportError:
            raise InvalidParameterError(
                "backend='dask' needs dask.distributed: pip install 'dask[distributed]' (or tsrnn[dask])") from None
        try:
            get_client()
        except ValueError:
            raise InvalidParameterError(
                "backend='dask' runs on a Dask cluster through a dask.distributed Client, and none is open in "
                "this process: create one first, e.g. `from dask.distributed import Client, LocalCluster; "
                "client = Client(LocalCluster(n_workers=2))` or `client = Client('tcp://scheduler:8786')`") \
                from None
    elif backend == "ray":
        try:
            from ray.util.joblib import register_ray
        except ImportError:
            raise InvalidParameterError("backend='ray' needs Ray: pip install 'ray[default]'") from None
        register_ray()  # joblib then starts, or joins (RAY_ADDRESS), a Ray cluster


def joblib_plan(n_jobs, backend, n_tasks: int):
    """How to run ``n_tasks`` independent tasks: None to run them here, one after the other, else
    ``(n_jobs, context)`` for ``joblib.Parallel(n_jobs=n_jobs)`` called inside ``with context:`` (see `map_jobs`).

    Example
    -------
    >>> joblib_plan(1, None, 10) is None, joblib_plan(2, "threading", 1) is None
    (True, True)
    >>> joblib_plan(-1, "threading", 10)[0]
    -1
    """
    n_jobs = check_n_jobs(n_jobs)
    backend = check_backend(backend)
    cluster = backend in _CLUSTERS
    if n_tasks == 0 or (not cluster and (n_jobs == 1 or n_tasks == 1)):
        return None
    if backend is None:
        return n_jobs, contextlib.nullcontext()
    from joblib import parallel_config

    if cluster:
        _cluster_backend(backend)
        n_jobs = -1  # the cluster's workers decide
    return n_jobs, parallel_config(backend=backend)


def streaming_results() -> str:
    """joblib's ``return_as`` for results wanted as each task ends, under the active backend (call it inside the
    context `joblib_plan` gives): ``"generator_unordered"``, or ``"list"`` where the backend cannot stream (Ray's).

    Example
    -------
    >>> streaming_results()
    'generator_unordered'
    """
    from joblib.parallel import get_active_backend

    active, _ = get_active_backend()
    return "generator_unordered" if getattr(active, "supports_return_generator", False) else "list"


def map_jobs(func: Callable, arg_list: Sequence[tuple], n_jobs=1, backend=None) -> list:
    """``[func(*args) for args in arg_list]``, in that order, computed here or through joblib.

    ``backend=None`` runs here when ``n_jobs == 1`` and otherwise on ``n_jobs`` joblib workers of the default (or
    enclosing ``joblib.parallel_config``) backend; ``"loky"``, ``"multiprocessing"``, ``"threading"`` choose the
    local kind; ``"dask"`` / ``"ray"`` send the work to the cluster of the open Dask client / of Ray, whose workers
    set the parallelism (``n_jobs`` is then ignored). ``func`` must be importable where it runs (a module-level
    function), and the results are the same wherever it runs.

    Example
    -------
    >>> map_jobs(divmod, [(7, 2), (9, 4)])
    [(3, 1), (2, 1)]
    >>> map_jobs(divmod, [(7, 2), (9, 4)], n_jobs=2, backend="threading")
    [(3, 1), (2, 1)]
    """
    plan = joblib_plan(n_jobs, backend, len(arg_list))
    if plan is None:
        return [func(*args) for args in arg_list]
    from joblib import Parallel, delayed

    n_jobs, context = plan
    with context:
        return Parallel(n_jobs=n_jobs)(delayed(func)(*args) for args in arg_list)
