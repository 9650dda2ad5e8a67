"""Saving and loading fitted models as folders: ``config.json`` (parameters, version, checksums) + tensors.

Tensors are written with ``torch.save`` and read with ``torch.load(weights_only=True)``: nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import IncompatibleModelError

__all__ = ["FORMAT_VERSION", "write_model_folder", "read_model_folder", "atomic_write_text"]

FORMAT_VERSION = 1
_CONFIG = "config.json"
_TENSORS = "tensors.pt"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename, so readers never see half a file.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write_text(p, "hello").read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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


def read_model_folder(path: str | os.PathLike) -> tuple[dict, dict]:
    """Read ``(config, tensors)`` from a model folder, checking the format version and the checksum."""
    import torch

    path = Path(path)
    cfg_path, tensor_path = path / _CONFIG, path / _TENSORS
    if not cfg_path.is_file() or not tensor_path.is_file():
        raise IncompatibleModelError(f"{path} is not a tsrnn model folder: it needs {_CONFIG} and {_TENSORS}")
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise IncompatibleModelError(f"{cfg_path} is not valid JSON ({err})") from None
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise IncompatibleModelError(f"{path} has model format version {version!r}; this tsrnn reads version "
                                     f"{FORMAT_VERSION}. Refit the model with this version")
    if config.get("tensors_sha256") != _sha256(tensor_path):
        raise IncompatibleModelError(f"{tensor_path} does not match the checksum in {_CONFIG}: the file was "
                                     "modified or is incomplete")
    tensors = torch.load(tensor_path, map_location="cpu", weights_only=True)
    return config, tensors
