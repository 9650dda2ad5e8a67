"""Saving and loading fitted models as folders: ``config.json`` (parameters, version, checksums) + tensors.

Tensors are written with ``torch.save`` and read with ``torch.load(weights_only=True)``: nothing is unpickled.
`save_forecaster` / `load_forecaster` handle every forecaster: recurrent networks store their weights,
classical models (naive family, ARIMA, ETS) store their parameters and training data and are refitted on load.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import IncompatibleModelError

__all__ = ["FORMAT_VERSION", "write_model_folder", "read_model_folder", "read_model_config", "atomic_write_text",
           "atomic_write_bytes", "save_forecaster", "load_forecaster"]

FORMAT_VERSION = 1
_CONFIG = "config.json"
_TENSORS = "tensors.pt"
# Forecasters save_forecaster stores as parameters + training data: class name -> module in tsrnn.forecasters.
# Only these classes are ever instantiated by load_forecaster.
_REFITTED = {
    "NaiveForecaster": "naive",
    "SeasonalNaiveForecaster": "naive",
    "DriftForecaster": "naive",
    "MeanForecaster": "naive",
    "ARIMAForecaster": "arima",
    "ETSForecaster": "ets",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _umask_mode(mode: int) -> int:
    """``mode`` less the process umask: the permissions ``open()`` would give a new file (0o666) or folder (0o777)."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see half a file.

    The file gets the usual permissions of a new file (0o666 less the umask), not those of a temporary file.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
    >>> atomic_write_bytes(p, b"abc").read_bytes()
    b'abc'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _umask_mode(0o666))  # mkstemp creates 0o600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename, so readers never see half a file.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write_text(p, "hello").read_text()
    'hello'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_model_folder(path: str | os.PathLike, config: dict, tensors: dict) -> Path:
    """Write a model folder atomically: built in a temporary sibling folder, then renamed into place.

    An existing folder at ``path`` is replaced only once the new one is complete.

    Example
    -------
    >>> import tempfile, pathlib, torch
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m"
    >>> _ = write_model_folder(p, {"kind": "demo"}, {"w": torch.ones(2)})
    >>> read_model_folder(p)[0]["kind"]
    'demo'
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        os.chmod(tmp, _umask_mode(0o777))  # mkdtemp creates 0o700
        torch.save(tensors, tmp / _TENSORS)
        full = dict(config, format_version=FORMAT_VERSION, tensors_sha256=_sha256(tmp / _TENSORS))
        from .. import __version__

        full.setdefault("tsrnn_version", __version__)
        (tmp / _CONFIG).write_text(json.dumps(full, indent=2, sort_keys=True), encoding="utf-8")
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def read_model_config(path: str | os.PathLike) -> dict:
    """Read the ``config.json`` of a model folder (class, parameters...), checking its format version.

    Cheap: the tensors are neither read nor checked (`read_model_folder` does that).

    Example
    -------
    >>> import tempfile, pathlib, torch
    >>> p = write_model_folder(pathlib.Path(tempfile.mkdtemp()) / "m", {"class": "Demo"}, {"w": torch.ones(1)})
    >>> read_model_config(p)["class"]
    'Demo'
    """
    path = Path(path)
    cfg_path, tensor_path = path / _CONFIG, path / _TENSORS
    if not cfg_path.is_file() or not tensor_path.is_file():
        raise IncompatibleModelError(f"{path} is not a tsrnn model folder: it needs {_CONFIG} and {_TENSORS}")
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise IncompatibleModelError(f"{cfg_path} is not valid JSON ({err})") from None
    version = config.get("format_version") if isinstance(config, dict) else None
    if version != FORMAT_VERSION:
        raise IncompatibleModelError(f"{path} has model format version {version!r}; this tsrnn reads version "
                                     f"{FORMAT_VERSION}. Refit the model with this version")
    return config


def read_model_folder(path: str | os.PathLike) -> tuple[dict, dict]:
    """Read ``(config, tensors)`` from a model folder, checking the format version and the checksum.

    Example
    -------
    >>> import tempfile, pathlib, torch
    >>> p = write_model_folder(pathlib.Path(tempfile.mkdtemp()) / "m", {"kind": "demo"}, {"w": torch.zeros(1)})
    >>> config, tensors = read_model_folder(p)
    >>> config["format_version"] == FORMAT_VERSION, tensors["w"].tolist()
    (True, [0.0])
    """
    import torch

    path = Path(path)
    config = read_model_config(path)
    tensor_path = path / _TENSORS
    if config.get("tensors_sha256") != _sha256(tensor_path):
        raise IncompatibleModelError(f"{tensor_path} does not match the checksum in {_CONFIG}: the file was "
                                     "modified or is incomplete")
    try:
        tensors = torch.load(tensor_path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - pickle, zip and torch errors all mean a file we must not trust
        # torch's own message suggests weights_only=False, which would run whatever the file holds.
        raise IncompatibleModelError(f"{tensor_path} cannot be read as plain tensors ({type(err).__name__}); "
                                     "it was not written by tsrnn's save. Refit and save the model again") from None
    return config, tensors


def _json_ready(value, what: str):
    """``value`` as plain JSON types (tuples become lists), or a ValueError naming ``what``."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} cannot be saved: only JSON values (numbers, strings, lists, dicts, None) "
                         f"can be ({err})") from None


def save_forecaster(est, path: str | os.PathLike, *, horizon: int | None = None) -> Path:
    """Save any fitted tsrnn forecaster to a model folder (written atomically); returns the path.

    An `RNNForecaster` is saved with its own ``save`` (weights, no refit on load). The classical
    forecasters (naive family, ARIMA, ETS) are saved as their class name, parameters and training data
    (the fitted panel); `load_forecaster` refits them from that data. Refitting is cheap for these models
    and avoids pickling statsmodels objects, which would tie the folder to one statsmodels version and
    execute code on load. ``horizon``, if given, is recorded in ``config.json`` as the horizon the model
    was fitted for (`read_model_config(path)["horizon"]`), so tools can forecast without asking again.

    Example
    -------
    >>> import tempfile, pandas as pd
    >>> from tsrnn.forecasters.naive import SeasonalNaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.date_range("2024-01-01", periods=4, freq="QS"), name="q")
    >>> path = save_forecaster(SeasonalNaiveForecaster(season_length=2).fit(y), tempfile.mkdtemp() + "/m",
    ...                        horizon=3)
    >>> read_model_config(path)["class"], read_model_config(path)["horizon"]
    ('SeasonalNaiveForecaster', 3)
    >>> load_forecaster(path).predict(3)["y_pred"].tolist()
    [3.0, 4.0, 3.0]
    """
    import numpy as np
    import torch
    from sklearn.utils.validation import check_is_fitted

    from .rnn import RNNForecaster

    if isinstance(est, RNNForecaster):  # its horizon is a parameter, already in the config
        if horizon is not None and horizon != est.horizon:
            raise ValueError(f"horizon={horizon} differs from the RNNForecaster's horizon={est.horizon}")
        return est.save(path)
    name = type(est).__name__
    if _REFITTED.get(name) is None or type(est).__module__ != f"{__package__}.{_REFITTED[name]}":
        raise ValueError(f"save_forecaster saves RNNForecaster and {sorted(_REFITTED)}, not {name}")
    check_is_fitted(est)
    p = est.panel_
    ids = [uid.item() if isinstance(uid, np.generic) else uid for uid in p.ids]
    if not all(isinstance(uid, str | int) for uid in ids):
        raise ValueError("only models whose series ids are strings or integers can be saved")
    data_kwargs = dict(est.data_kwargs_)
    if data_kwargs.get("freq") is not None and not isinstance(data_kwargs["freq"], str):
        data_kwargs["freq"] = data_kwargs["freq"].freqstr  # a pandas DateOffset
    config = {
        "class": name,
        "params": _json_ready(est.get_params(), f"the parameters of {name}"),
        "refit_on_load": True,
        "horizon": horizon,
        "ids": ids,
        "freq": p.freq.freqstr,
        "time_unit": p.starts.unit,
        "covariate_names": list(p.covariate_names),
        "data_kwargs": _json_ready(data_kwargs, "the data arguments of fit"),
    }
    tensors = {
        "panel_values": torch.as_tensor(p.values),
        "panel_offsets": torch.as_tensor(p.offsets),
        "panel_covariates": torch.as_tensor(p.covariates),
        "panel_starts": torch.as_tensor(p.starts.as_unit("ns").asi8),
    }
    return write_model_folder(path, config, tensors)


def load_forecaster(path: str | os.PathLike):
    """Load a forecaster saved with `save_forecaster` (or `RNNForecaster.save`), ready to ``predict``.

    Classical forecasters are refitted from the training data stored in the folder (deterministic, so
    the forecasts equal those of the saved model); recurrent networks get their saved weights back.
    Raises `IncompatibleModelError` (a ValueError) for a folder that is not a valid tsrnn model.

    Example
    -------
    >>> import tempfile, pandas as pd
    >>> from tsrnn.forecasters.naive import NaiveForecaster
    >>> y = pd.Series([3.0, 5.0, 4.0], index=pd.date_range("2024-01-01", periods=3, freq="B"), name="x")
    >>> path = save_forecaster(NaiveForecaster().fit(y), tempfile.mkdtemp() + "/naive")
    >>> load_forecaster(path).predict(2)
      unique_id         ds  y_pred
    0         x 2024-01-04     4.0
    1         x 2024-01-05     4.0
    """
    import numpy as np
    import pandas as pd
    from pandas.tseries.frequencies import to_offset

    from ..data import Panel

    name = read_model_config(path).get("class")
    if name == "RNNForecaster":
        from .rnn import RNNForecaster

        return RNNForecaster.load(path)
    if name not in _REFITTED:
        raise IncompatibleModelError(f"{path} holds a {name!r}, which tsrnn cannot load; it loads RNNForecaster "
                                     f"and {sorted(_REFITTED)}")
    config, tensors = read_model_folder(path)
    cls = getattr(importlib.import_module(f".{_REFITTED[name]}", __package__), name)
    try:
        ids = np.empty(len(config["ids"]), dtype=object)
        ids[:] = config["ids"]
        starts = pd.DatetimeIndex(tensors["panel_starts"].numpy().astype("datetime64[ns]"))
        panel = Panel(ids, tensors["panel_values"].numpy(), tensors["panel_offsets"].numpy(),
                      starts.as_unit(config.get("time_unit", "ns")), to_offset(config["freq"]),
                      tensors["panel_covariates"].numpy(), tuple(config["covariate_names"]))
        model = cls(**config["params"])
        data_kwargs = config["data_kwargs"]
    except (KeyError, TypeError, ValueError) as err:
        raise IncompatibleModelError(f"{path} does not describe a valid {name}: {err}") from None
    # fit() on a Panel skips parsing; the data arguments are kept for predict(df=...) with fresh history.
    return model.fit(panel, **data_kwargs)
