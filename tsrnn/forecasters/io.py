"""Saving and loading fitted models as model folders: safe to replace (a kill at any moment leaves the old or
the new model), never deleting what tsrnn did not write, and refusing tampered or malformed content on load.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import numbers
import os
import re
import shutil
import uuid
from pathlib import Path

from .._estimator import BEFORE_ADDED, check_is_fitted
from .._files import atomic_write_bytes, atomic_write_text, fsync_dir, umask_mode
from ..errors import IncompatibleModelError, OutputExistsError

try:  # POSIX; elsewhere concurrent saves to one path are not serialised
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["FORMAT_VERSION", "write_model_folder", "read_model_folder", "read_model_config", "check_save_target",
           "check_savable", "atomic_write_text", "atomic_write_bytes", "save_forecaster", "load_forecaster"]

# Format 3. A model folder holds manifest.json (format marker, the current payload, size and SHA-256 of each of
# its files: config included, so no edit goes unnoticed) and one immutable payload-<hex>/ folder with config.json,
# arrays.npz (numpy arrays, read with allow_pickle=False) and, for a neural model, weights.pt (its state dict,
# read with torch's weights_only=True): nothing is unpickled, and saving or loading a classical model never
# imports torch. Format 2 (the same, with every array in one tensors.pt) is still read. POSIX has no atomic swap
# of two folders, but it has an atomic rename of a file: a save writes a new payload, flushes it, then renames a
# new manifest over the old one (the commit point) and deletes the old payload, all under an flock on
# .tsrnn-lock that serialises saves to one path (the kernel releases it when a process dies). A kill therefore
# leaves the old or the new manifest, each naming a complete payload; leftovers (payloads no manifest names,
# .tsrnn-tmp-* files) are ignored by readers and deleted by the next save. Readers take no lock: they keep
# their files open, and look at the manifest again if a concurrent save deleted the payload they had just
# looked up.
FORMAT_VERSION = 3
_READABLE_VERSIONS = (2, 3)
_MARK = "tsrnn-model"  # the "format" entry of manifest.json: what makes a folder a tsrnn model folder
_MANIFEST = "manifest.json"
_CONFIG = "config.json"
_ARRAYS = "arrays.npz"
_WEIGHTS = "weights.pt"
_TENSORS = "tensors.pt"  # format 2 (and 1): every array in one torch file
_PAYLOAD_FILES = {_CONFIG, _ARRAYS, _WEIGHTS, _TENSORS}
_LOCK = ".tsrnn-lock"
_PAYLOAD = re.compile(r"payload-[0-9a-f]{32}")
_TEMP = re.compile(r"\.tsrnn-tmp-[0-9a-f]{32}(\.json)?")
_MAX_SMALL_FILE = 1 << 20  # manifest.json, and the config.json of a format-1 folder, are read only below this
_CHUNK = 1 << 20  # bytes hashed at a time
_READ_ATTEMPTS = 5  # a concurrent save may delete the payload a reader has just looked up: look again
_TIME_UNITS = ("s", "ms", "us", "ns")
_DATA_KEYS = ("id_col", "time_col", "target_col", "freq", "fill_missing")
STATE_DICT = "state_dict"  # the key under which read_model_folder returns a neural model's weights


# ----------------------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------------------


def _write_synced(path: Path, write) -> dict:
    """Create ``path``, let ``write(file)`` fill it, flush it to disk; return its manifest entry (size, SHA-256)."""
    with open(path, "xb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    return _digest(path)


def _digest(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _small_json(path: Path):
    """The JSON content of a small file, or None when it is missing, too large or not JSON."""
    try:
        if path.stat().st_size > _MAX_SMALL_FILE:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# ----------------------------------------------------------------------------------------------------------
# What may be written where
# ----------------------------------------------------------------------------------------------------------


def _is_format1(folder: Path, names) -> bool:
    """A folder of the earlier format 1: ``config.json`` with ``format_version: 1`` next to ``tensors.pt``."""
    if _CONFIG not in names or _TENSORS not in names:
        return False
    config = _small_json(folder / _CONFIG)
    return isinstance(config, dict) and config.get("format_version") == 1 and "class" in config


def _is_leftover(folder: Path, name: str) -> bool:
    """An entry an interrupted save of tsrnn leaves behind (never a name a person would choose)."""
    if name == _LOCK or _TEMP.fullmatch(name):
        return True
    if _PAYLOAD.fullmatch(name):
        entry = folder / name
        with contextlib.suppress(OSError):
            return entry.is_dir() and not entry.is_symlink() and set(os.listdir(entry)) <= _PAYLOAD_FILES
    return False


def _classify(path: Path) -> tuple[str, str]:
    """``(kind, detail)``: kind is "missing", "empty" (nothing or only tsrnn leftovers), "model" or "other"."""
    if not os.path.lexists(path):
        return "missing", ""
    if not path.is_dir():
        return "other", "it is a file" if path.is_file() else "it is not a folder"
    try:
        names = sorted(os.listdir(path))
    except OSError as err:
        return "other", f"it cannot be listed ({err.strerror})"
    if _MANIFEST in names:
        manifest = _small_json(path / _MANIFEST)
        if isinstance(manifest, dict) and manifest.get("format") == _MARK:
            return "model", ""
        return "other", f"its {_MANIFEST} is not a tsrnn manifest"
    if _is_format1(path, names):
        return "model", ""
    foreign = [n for n in names if not _is_leftover(path, n)]
    if not foreign:
        return "empty", ""
    shown = ", ".join(repr(n) for n in foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    return "other", f"it holds {shown}"


def check_save_target(path: str | os.PathLike, overwrite: bool = False) -> None:
    """Raise `OutputExistsError` unless a model may be saved at ``path``; changes nothing on disk.

    A model may be saved to a path that does not exist, to an empty folder, and to an existing tsrnn model
    folder (one with a tsrnn ``manifest.json``, or a folder of the earlier format 1) when ``overwrite=True``.
    Anything else (a file, a folder holding other files, the current directory) is refused even with
    ``overwrite=True``: saving never deletes what tsrnn did not write. Call it before an expensive fit.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_save_target(folder / "new")  # a new path: fine
    >>> (folder / "thesis.tex").write_text("...")
    3
    >>> check_save_target(folder, overwrite=True)
    Traceback (most recent call last):
    ...
    tsrnn.errors.OutputExistsError: ... is not a tsrnn model folder (it holds 'thesis.tex'); ...
    """
    path = Path(path).expanduser()  # "~/models/m" is the user's home, as pandas reads it
    kind, detail = _classify(path)
    if kind == "model" and not overwrite:
        raise OutputExistsError(f"{path} already holds a tsrnn model; pass overwrite=True (CLI: --force) to "
                                "replace it")
    if kind == "other":
        raise OutputExistsError(f"{path} is not a tsrnn model folder ({detail}); tsrnn saves a model only to a "
                                "new path, an empty folder or an existing model folder, and never replaces "
                                "anything else, even with overwrite=True / --force: choose another path")


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold the exclusive save lock of a model folder (released by the kernel if the process dies)."""
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, umask_mode(0o666))
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _collect_garbage(folder: Path, keep: str) -> None:
    """Delete what earlier or interrupted saves left in ``folder``; call only under its lock, after a commit."""
    for name in os.listdir(folder):
        entry = folder / name
        # Only what tsrnn wrote: a payload-named folder holding anything else is the user's and stays.
        if name not in (keep, _LOCK) and _is_leftover(folder, name):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    config = _small_json(folder / _CONFIG)
    if isinstance(config, dict) and config.get("format_version") == 1:  # a format-1 model this save replaced
        (folder / _TENSORS).unlink(missing_ok=True)
        (folder / _CONFIG).unlink(missing_ok=True)


def _write_arrays(fh, arrays: dict) -> None:
    import numpy as np

    plain = {}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.hasobject:  # savez would pickle it, and the reader refuses pickles
            raise ValueError(f"the array {key!r} holds Python objects; a model folder keeps numbers only")
        plain[key] = array
    np.savez(fh, **plain)


def write_model_folder(path: str | os.PathLike, config: dict, arrays: dict, *, weights: dict | None = None,
                       overwrite: bool = False) -> Path:
    """Write a model folder (``config`` as JSON, ``arrays`` as ``.npz``, ``weights``, a torch state dict, with
    ``torch.save``) so that a kill never loses it.

    ``path`` may be new, an empty folder, or (with ``overwrite=True``) a tsrnn model folder, which is then
    replaced: either the old or the new model loads whatever happens. Anything else raises
    `OutputExistsError` before anything is written (see `check_save_target`). Concurrent saves to one
    path run one after the other; the last one wins. Without ``weights`` torch is never imported.

    Example
    -------
    >>> import tempfile, pathlib, numpy as np
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m"
    >>> _ = write_model_folder(p, {"kind": "demo"}, {"w": np.ones(2)})
    >>> _ = write_model_folder(p, {"kind": "newer"}, {"w": np.zeros(2)}, overwrite=True)
    >>> read_model_folder(p)[0]["kind"]
    'newer'
    """
    from .. import __version__

    path = Path(path).expanduser()
    check_save_target(path, overwrite)  # refuse before creating anything
    full = dict(config, format_version=FORMAT_VERSION)
    full.setdefault("tsrnn_version", __version__)
    config_bytes = json.dumps(full, indent=1, sort_keys=True).encode("utf-8")  # fails before any write
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o777)
    with _locked(path):
        check_save_target(path, overwrite)  # again: another process may have saved here meanwhile
        name = f"payload-{uuid.uuid4().hex}"
        payload = path / name
        payload.mkdir(mode=0o777)
        try:
            files = {_ARRAYS: _write_synced(payload / _ARRAYS, lambda fh: _write_arrays(fh, arrays))}
            if weights is not None:
                import torch

                files[_WEIGHTS] = _write_synced(payload / _WEIGHTS, lambda fh: torch.save(dict(weights), fh))
            files[_CONFIG] = _write_synced(payload / _CONFIG, lambda fh: fh.write(config_bytes))
            fsync_dir(payload)
            manifest = {"format": _MARK, "format_version": FORMAT_VERSION, "payload": name, "files": files,
                        "class": config.get("class"), "tsrnn_version": full["tsrnn_version"]}
            manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
            tmp = path / f".tsrnn-tmp-{uuid.uuid4().hex}.json"
            _write_synced(tmp, lambda fh: fh.write(manifest_bytes))
        except BaseException:
            shutil.rmtree(payload, ignore_errors=True)
            raise
        os.replace(tmp, path / _MANIFEST)  # the commit point: from here on the new payload is the model
        fsync_dir(path)
        _collect_garbage(path, keep=name)
    return path


# ----------------------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------------------


def _read_manifest(path: Path) -> dict:
    if not path.is_dir():
        raise IncompatibleModelError(f"{path} is not a tsrnn model folder: "
                                     f"{'it does not exist' if not os.path.lexists(path) else 'it is a file'}")
    names = set(os.listdir(path))
    if _MANIFEST not in names:
        if _is_format1(path, names):
            raise IncompatibleModelError(
                f"{path} was saved by an earlier tsrnn in model format 1, whose config.json was not covered by "
                f"a checksum; this tsrnn reads format {FORMAT_VERSION}. Refit the model and save it again")
        hint = " (an interrupted save left only temporary files)" if names and all(
            _is_leftover(path, n) for n in names) else ""
        raise IncompatibleModelError(f"{path} is not a tsrnn model folder: it has no {_MANIFEST}{hint}")
    manifest = _small_json(path / _MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != _MARK:
        raise IncompatibleModelError(f"{path / _MANIFEST} is not a tsrnn manifest (unreadable, not JSON, or "
                                     f"without format {_MARK!r})")
    version = manifest.get("format_version")
    if version not in _READABLE_VERSIONS:
        raise IncompatibleModelError(f"{path} has model format version {version!r}; this tsrnn reads versions "
                                     f"{list(_READABLE_VERSIONS)}. Refit the model with this version")
    expected = [{_CONFIG, _TENSORS}] if version == 2 else [{_CONFIG, _ARRAYS}, {_CONFIG, _ARRAYS, _WEIGHTS}]
    payload, files = manifest.get("payload"), manifest.get("files")
    ok = (isinstance(payload, str) and _PAYLOAD.fullmatch(payload) is not None and isinstance(files, dict)
          and set(files) in expected
          and all(isinstance(e, dict) and isinstance(e.get("size"), int) and not isinstance(e.get("size"), bool)
                  and e["size"] >= 0 and isinstance(e.get("sha256"), str)
                  and re.fullmatch(r"[0-9a-f]{64}", e["sha256"]) for e in files.values()))
    if not ok:
        wanted = " or ".join(" + ".join(sorted(names)) for names in expected)
        raise IncompatibleModelError(f"{path / _MANIFEST} is malformed: it needs a payload-<hex> folder name and "
                                     f"the size and sha256 of {wanted}")
    return manifest


def _open_verified(path: Path, manifest: dict, name: str):
    """An open binary file of the payload, positioned at 0, whose size and SHA-256 match the manifest.

    The size is compared before anything is read, and the content is hashed in chunks, so a replaced
    (e.g. huge) file is refused without being loaded. Readers keep the file open: a concurrent save that
    deletes the payload cannot change what they read.
    """
    entry = manifest["files"][name]
    file = path / manifest["payload"] / name
    fh = open(file, "rb")  # FileNotFoundError: the caller looks at the manifest again
    try:
        size = os.fstat(fh.fileno()).st_size
        if size != entry["size"]:
            raise IncompatibleModelError(f"{file} has {size} bytes but the manifest records {entry['size']}: the "
                                         "file was modified or is incomplete")
        digest = hashlib.sha256()
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
        if digest.hexdigest() != entry["sha256"]:
            raise IncompatibleModelError(f"{file} does not match the checksum in {_MANIFEST}: the file was "
                                         "modified or is incomplete")
        fh.seek(0)
        return fh
    except BaseException:
        fh.close()
        raise


_IN_MEMORY = 1 << 24  # array files up to this size are read into memory at once
# The header numpy's ``save`` writes for a plain array (format 1.0), e.g. ``{'descr': '<f8', 'fortran_order':
# False, 'shape': (176,), }`` padded with spaces: matched exactly and read without a Python-literal parser.
_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_NPY_HEADER = re.compile(rb"\{'descr': '([<>|][biuf]\d{1,2})', 'fortran_order': False, "
                         rb"'shape': \((|\d+,|\d+(?:, \d+)+)\), \} *\n")


def _read_npy(member, size: int):
    """One ``.npy`` member of the zip, of ``size`` bytes, as a new array.

    The plain header numpy's ``save`` writes is matched here and the data read straight into the array (loading
    a small model is otherwise dominated by numpy's generic header parser); other headers are read by numpy's
    header readers (formats 1 and 2). Either way nothing is allocated before the header's shape is checked to
    fill exactly the bytes that follow it, and arrays of Python objects (pickles) are refused.
    """
    import io
    import math

    import numpy as np

    head = member.read(10)
    match = None
    if head[:8] == _NPY_MAGIC:
        head += member.read(int.from_bytes(head[8:10], "little"))
        match = _NPY_HEADER.fullmatch(head, 10)
    if match is not None:
        dtype, fortran = np.dtype(match[1].decode()), False
        shape = tuple(int(s) for s in match[2].split(b",") if s.strip())
        used, body = len(head), None
    else:
        fp = io.BytesIO(head + member.read())  # bounded: members are stored uncompressed (checked by the caller)
        version = np.lib.format.read_magic(fp)
        readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        if version not in readers:
            raise ValueError(f"an array is in .npy format {version}, which tsrnn does not write")
        shape, fortran, dtype = readers[version](fp)
        if dtype.hasobject:
            raise ValueError("an array holds Python objects, which would be unpickled: refused")
        used, body = fp.tell(), fp.getvalue()[fp.tell():]
    count = math.prod(shape)
    if count * dtype.itemsize != size - used:
        raise ValueError(f"an array's header promises {count * dtype.itemsize} bytes of values but "
                         f"{size - used} follow it")
    if body is not None:
        return np.frombuffer(body, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C").copy(
            order="K")
    array = np.empty(shape, dtype=dtype)
    if array.nbytes and member.readinto(memoryview(array.reshape(-1)).cast("B")) != array.nbytes:
        raise EOFError("an array holds fewer values than its header says")
    if member.read(1):
        raise ValueError("an array holds more values than its header says")
    return array


def _read_arrays(fh, path: Path) -> dict:
    """The arrays of ``arrays.npz``, read without unpickling anything."""
    import io
    import zipfile

    try:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(0)
        if size <= _IN_MEMORY:  # small: one read, then the members are sliced from memory
            fh = io.BytesIO(fh.read())
        with zipfile.ZipFile(fh) as npz:
            arrays = {}
            for info in npz.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"member {info.filename!r} is not an array")
                if info.compress_type != zipfile.ZIP_STORED:  # np.savez stores; a compressed member could be a bomb
                    raise ValueError(f"member {info.filename!r} is compressed")
                with npz.open(info) as member:
                    arrays[info.filename[:-4]] = _read_npy(member, info.file_size)
            return arrays
    except Exception as err:  # noqa: BLE001 - the checksums passed: whatever fails here, the file is not ours
        # A pickled array is refused above: nothing from the file ran.
        raise IncompatibleModelError(f"{path}: {_ARRAYS} cannot be read as plain arrays ({type(err).__name__}: "
                                     f"{err}); it was not written by tsrnn's save. Refit and save the model again") \
            from None


def _read_torch(fh, path: Path, name: str):
    import torch

    try:
        return torch.load(fh, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - pickle, zip and torch errors all mean a file we must not trust
        # torch's own message suggests weights_only=False, which would run whatever the file holds.
        raise IncompatibleModelError(f"{path}: {name} cannot be read as plain tensors ({type(err).__name__}); it "
                                     "was not written by tsrnn's save. Refit and save the model again") from None


def _from_format2(tensors, path: Path) -> dict:
    """The content of a format-2 ``tensors.pt`` as format 3 holds it: numpy arrays, the weights apart, the
    per-series parameters of classical models under ``fit_params_<i>``."""
    import torch

    if not isinstance(tensors, dict):
        raise IncompatibleModelError(f"{path}: {_TENSORS} does not hold a dictionary of tensors")
    out = {}
    for key, value in tensors.items():
        if key == STATE_DICT:
            out[key] = value
        elif key == "fit_params" and isinstance(value, list):
            for i, theta in enumerate(value):
                out[f"fit_params_{i}"] = theta.numpy() if isinstance(theta, torch.Tensor) else theta
        else:
            out[key] = value.numpy() if isinstance(value, torch.Tensor) else value
    return out


def _read(path, expect_class=None, with_tensors: bool = True):
    path = Path(path).expanduser()
    for attempt in range(_READ_ATTEMPTS):
        manifest = _read_manifest(path)
        version = manifest["format_version"]
        try:
            with _open_verified(path, manifest, _CONFIG) as fh:
                try:
                    config = json.loads(fh.read().decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as err:
                    raise IncompatibleModelError(f"{path}: {_CONFIG} is not valid JSON ({err})") from None
            if not isinstance(config, dict) or config.get("format_version") != version:
                raise IncompatibleModelError(f"{path}: {_CONFIG} is not a format-{version} model config")
            if expect_class is not None and config.get("class") not in expect_class:
                raise IncompatibleModelError(f"{path} holds a {config.get('class')!r}, which tsrnn cannot load "
                                             f"here; it loads {sorted(expect_class)}")
            if not with_tensors:
                return config, None
            if version == 2:
                with _open_verified(path, manifest, _TENSORS) as fh:
                    return config, _from_format2(_read_torch(fh, path, _TENSORS), path)
            with _open_verified(path, manifest, _ARRAYS) as fh:
                contents = _read_arrays(fh, path)
            if _WEIGHTS in manifest["files"]:
                with _open_verified(path, manifest, _WEIGHTS) as fh:
                    contents[STATE_DICT] = _read_torch(fh, path, _WEIGHTS)
            return config, contents
        except FileNotFoundError as err:
            again = _small_json(path / _MANIFEST)
            if attempt + 1 < _READ_ATTEMPTS and isinstance(again, dict) and again.get("payload") != manifest["payload"]:
                continue  # a concurrent save replaced the model: read the new one
            raise IncompatibleModelError(f"{path} is incomplete: {err.filename} is missing") from None
    raise AssertionError("unreachable")  # pragma: no cover


def read_model_config(path: str | os.PathLike) -> dict:
    """Read the ``config.json`` of a model folder (class, parameters...), checked against the manifest.

    Cheap: the arrays are neither read nor checked (`read_model_folder` does that).

    Example
    -------
    >>> import tempfile, pathlib, numpy as np
    >>> p = write_model_folder(pathlib.Path(tempfile.mkdtemp()) / "m", {"class": "Demo"}, {"w": np.ones(1)})
    >>> read_model_config(p)["class"]
    'Demo'
    """
    return _read(path, with_tensors=False)[0]


def read_model_folder(path: str | os.PathLike, expect_class: tuple[str, ...] | None = None) -> tuple[dict, dict]:
    """Read ``(config, arrays)`` from a model folder, checking the format version and every checksum.

    ``arrays`` maps names to numpy arrays; a neural model's weights are under ``"state_dict"`` (torch tensors,
    read ``weights_only``). ``expect_class`` refuses, before the arrays are read, a folder whose config names
    another class. Format-2 folders (one ``tensors.pt``) are read into the same shape. Raises
    `IncompatibleModelError` for anything that is not an intact tsrnn model folder.

    Example
    -------
    >>> import tempfile, pathlib, numpy as np
    >>> p = write_model_folder(pathlib.Path(tempfile.mkdtemp()) / "m", {"kind": "demo"}, {"w": np.zeros(1)})
    >>> config, arrays = read_model_folder(p)
    >>> config["format_version"] == FORMAT_VERSION, arrays["w"].tolist()
    (True, [0.0])
    """
    return _read(path, expect_class=expect_class)


# ----------------------------------------------------------------------------------------------------------
# Content: JSON values, panels and arrays, written and validated
# ----------------------------------------------------------------------------------------------------------


def _plain(value, what: str):
    """``value`` as plain JSON types: numpy scalars and arrays become numbers and lists, tuples lists, pandas
    offsets their alias. Anything else is a ValueError naming ``what``."""
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray):
        return [_plain(v, what) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_plain(v, what) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v, f"{what}[{k!r}]") for k, v in value.items()}
    if isinstance(value, pd.offsets.BaseOffset):
        return value.freqstr
    raise ValueError(f"{what} cannot be saved: {type(value).__name__} {value!r} is not a number, string, list, "
                     "dict or None")


def _encode_ids(ids) -> list:
    out = []
    for uid in ids:
        if isinstance(uid, tuple):  # several id columns: saved as a list, read back as a tuple
            out.append(_encode_ids(uid))
            continue
        plain = uid.item() if hasattr(uid, "item") and not isinstance(uid, str) else uid
        if not (isinstance(plain, str | bool | int) or (isinstance(plain, float) and plain == plain)):
            raise ValueError(f"series id {uid!r} ({type(uid).__name__}) cannot be saved: a saved model keeps ids "
                             "that are strings or numbers; rename the series")
        out.append(plain)
    return out


def _tz_name(tz) -> str | None:
    if tz is None:
        return None
    return getattr(tz, "key", None) or getattr(tz, "zone", None) or str(tz)


def _decode_starts(ints, unit: str, tz: str | None):
    import numpy as np
    import pandas as pd

    starts = pd.DatetimeIndex(np.asarray(ints, dtype=np.int64).astype(f"datetime64[{unit}]"))
    return starts.tz_localize("UTC").tz_convert(tz) if tz is not None else starts


def _encode_panel(panel) -> tuple[dict, dict]:
    """``(config entries, arrays)`` describing a Panel exactly: ids, frequency, time unit and zone, values.

    The first timestamps are kept in the panel's own unit (so dates before 1677 save) and, for tz-aware data,
    as UTC instants plus the zone name. Raises ValueError, naming the problem, when they cannot be kept exactly.
    """
    import numpy as np
    from pandas.tseries.frequencies import to_offset

    starts = panel.starts
    unit, tz = starts.unit, _tz_name(starts.tz)
    ints = starts.asi8.astype(np.int64)
    try:
        back = _decode_starts(ints, unit, tz)
        same = np.array_equal(back.asi8, ints) and str(back.tz) == str(starts.tz)
    except Exception:  # noqa: BLE001 - an unknown zone name, whatever the zone library raises
        same = False
    if not same:
        raise ValueError(f"the time zone {starts.tz!r} of the data cannot be saved; convert the timestamps to a "
                         "named zone (tz_convert('Europe/Berlin')) or to UTC before fitting")
    freq = panel.freq.freqstr
    import pandas as pd

    custom = {}
    if isinstance(panel.freq, pd.offsets.CustomBusinessDay):
        # Trading days: the weekmask and the holidays are the frequency (freq="NYSE", freq="trading").
        custom = {"freq_weekmask": panel.freq.weekmask, "freq_n": int(panel.freq.n),
                  "freq_holidays": [str(pd.Timestamp(h).date()) for h in panel.freq.holidays]}
        rebuilt = pd.offsets.CustomBusinessDay(n=custom["freq_n"], weekmask=custom["freq_weekmask"],
                                               holidays=custom["freq_holidays"])
        if rebuilt != panel.freq or panel.freq.offset:
            custom = {}
    if not custom and to_offset(freq) != panel.freq:
        raise ValueError(f"the frequency {panel.freq!r} cannot be saved (its alias {freq!r} does not describe it "
                         "fully); pass a plain frequency such as freq='B' or 'W-SUN'")
    config = {"ids": _encode_ids(panel.ids), "freq": freq, "time_unit": unit, "time_zone": tz,
              "covariate_names": [str(c) for c in panel.covariate_names], **custom}
    arrays = {"panel_values": np.asarray(panel.values, dtype=np.float32),
              "panel_offsets": np.asarray(panel.offsets, dtype=np.int64),
              "panel_covariates": np.asarray(panel.covariates, dtype=np.float32), "panel_starts": ints}
    missing = getattr(panel, "missing", None)
    if missing is not None:  # which values fill_missing filled in: slices fill them again from their own data
        arrays["panel_missing"] = np.asarray(missing, dtype=bool)
        config["fill_missing_policy"] = panel.fill_missing
    return config, arrays


def check_savable(panel) -> None:
    """Raise ValueError if a model fitted on ``panel`` could not be saved (series ids, time zone, frequency).

    Cheap: call it before a long fit so the problem shows before the work, not after it.

    Example
    -------
    >>> import pandas as pd
    >>> from tsrnn.data import to_panel
    >>> s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("1500-01-01", periods=3, freq="YS", unit="s"), name="a")
    >>> check_savable(to_panel(s))  # dates before 1677 are fine
    """
    _encode_panel(panel)


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise IncompatibleModelError(message)


def _entry(mapping, key: str, types, what: str):
    """``mapping[key]``, checked to be one of ``types`` (bool is never taken for an int)."""
    _need(isinstance(mapping, dict) and key in mapping, f"{what} has no entry {key!r}")
    value = mapping[key]
    types = types if isinstance(types, tuple) else (types,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    _need(ok, f"{what}[{key!r}] has the wrong type ({type(value).__name__})")
    return value


def _array(arrays: dict, key: str, dtype, ndim: int, *, finite: bool = False):
    """``arrays[key]``, checked to be a numpy array of this dtype and number of dimensions (and finite)."""
    import numpy as np

    _need(key in arrays, f"{_ARRAYS} has no {key!r}")
    value = arrays[key]
    dtype = np.dtype(dtype)
    if not (isinstance(value, np.ndarray) and value.dtype == dtype and value.ndim == ndim):  # message only then
        _need(False, f"{_ARRAYS}[{key!r}] must be a {ndim}-d {dtype} array, got "
                     f"{getattr(value, 'dtype', type(value).__name__)} of shape {tuple(getattr(value, 'shape', ()))}")
    if finite:
        _need(bool(np.isfinite(value).all()), f"{_ARRAYS}[{key!r}] holds NaN or infinite values")
    return value


def _decode_panel(config: dict, arrays: dict):
    """The Panel `_encode_panel` described, validated (shapes, finite values, unique ids, valid times)."""
    import numpy as np
    from pandas.tseries.frequencies import to_offset

    from ..data import Panel

    ids_list = _entry(config, "ids", list, _CONFIG)
    ids_list = [tuple(u) if isinstance(u, list) else u for u in ids_list]  # ids of several id columns
    _need(all(isinstance(u, str | int | float) or (isinstance(u, tuple) and all(isinstance(v, str | int | float)
                                                                               for v in u)) for u in ids_list),
          f"{_CONFIG}: series ids must be strings or numbers")
    _need(len(set(ids_list)) == len(ids_list) and len(ids_list) > 0, f"{_CONFIG}: series ids must be unique")
    names = _entry(config, "covariate_names", list, _CONFIG)
    _need(all(isinstance(c, str) for c in names), f"{_CONFIG}: covariate names must be strings")
    unit = _entry(config, "time_unit", str, _CONFIG)
    _need(unit in _TIME_UNITS, f"{_CONFIG}: time_unit must be one of {_TIME_UNITS}, got {unit!r}")
    tz = _entry(config, "time_zone", (str, type(None)), _CONFIG)
    try:
        freq = to_offset(_entry(config, "freq", str, _CONFIG))
        if "freq_holidays" in config:  # trading days: custom business days with their holidays
            import pandas as pd

            holidays = _entry(config, "freq_holidays", list, _CONFIG)
            _need(all(isinstance(h, str) for h in holidays), f"{_CONFIG}: freq_holidays must be ISO dates")
            freq = pd.offsets.CustomBusinessDay(n=_entry(config, "freq_n", int, _CONFIG),
                                                weekmask=_entry(config, "freq_weekmask", str, _CONFIG),
                                                holidays=holidays)
    except ValueError:
        raise IncompatibleModelError(f"{_CONFIG}: {config['freq']!r} is not a frequency") from None
    _need(getattr(freq, "n", 1) > 0, f"{_CONFIG}: freq {config['freq']!r} runs backwards in time")
    n = len(ids_list)
    values = _array(arrays, "panel_values", np.float32, 1, finite=True)
    offsets = _array(arrays, "panel_offsets", np.int64, 1)
    covariates = _array(arrays, "panel_covariates", np.float32, 2, finite=True)
    starts_int = _array(arrays, "panel_starts", np.int64, 1)
    _need(len(offsets) == n + 1 and offsets[0] == 0 and offsets[-1] == len(values)
          and bool(np.all(np.diff(offsets) >= 1)),
          f"{_ARRAYS}: panel_offsets must rise from 0 to the number of values, one step per series")
    _need(covariates.shape == (len(values), len(names)),
          f"{_ARRAYS}: panel_covariates has shape {covariates.shape}, expected {(len(values), len(names))}")
    _need(len(starts_int) == n, f"{_ARRAYS}: panel_starts has {len(starts_int)} entries for {n} series")
    try:
        starts = _decode_starts(starts_int, unit, tz)
    except Exception as err:  # noqa: BLE001 - out-of-range times, unknown zone names
        raise IncompatibleModelError(f"{_CONFIG}: the first timestamps cannot be rebuilt ({err})") from None
    _need(not starts.isna().any(), f"{_ARRAYS}: panel_starts holds a missing timestamp")
    ids = np.empty(n, dtype=object)
    for i, uid in enumerate(ids_list):  # one by one: a tuple id must stay one value
        ids[i] = uid
    filled = {}
    if "panel_missing" in arrays:
        from ..data import FILL_POLICIES

        missing = _array(arrays, "panel_missing", bool, 2)
        _need(missing.shape == (len(values), 1 + len(names)),
              f"{_ARRAYS}: panel_missing has shape {missing.shape}, expected {(len(values), 1 + len(names))}")
        policy = config.get("fill_missing_policy")
        if isinstance(policy, list):  # one policy per column (fill_missing given as a dict)
            policy = tuple(policy)
            _need(len(policy) == 1 + len(names) and all(p is None or p in FILL_POLICIES for p in policy),
                  f"{_CONFIG}: fill_missing_policy must hold one policy (or null) per column, got {policy!r}")
        else:
            _need(policy in FILL_POLICIES,
                  f"{_CONFIG}: fill_missing_policy must be one of {FILL_POLICIES}, got {policy!r}")
        filled = {"missing": missing, "fill_missing": policy}
    panel = Panel(ids, values, offsets, starts, freq, covariates, tuple(names), **filled)
    try:
        # every series' calendar must stay inside the representable range, one step beyond its end included
        max(panel.end(i) for i in range(panel.n_series)) + panel.freq
    except Exception as err:  # noqa: BLE001
        raise IncompatibleModelError(f"the timestamps of the saved data are out of range ({err})") from None
    return panel


def _data_kwargs(config: dict) -> dict:
    kwargs = _entry(config, "data_kwargs", dict, _CONFIG)
    _need(set(kwargs) == set(_DATA_KEYS), f"{_CONFIG}: data_kwargs must have exactly the keys {list(_DATA_KEYS)}")
    # Column names are strings or, in frames built from arrays, integers (JSON keeps both; never bools).
    def is_name(value):
        return isinstance(value, str | int) and not isinstance(value, bool)

    id_col, fill = kwargs.get("id_col"), kwargs.get("fill_missing")
    _need((is_name(id_col) or (isinstance(id_col, list) and len(id_col) > 1 and all(is_name(c) for c in id_col)))
          and all(is_name(kwargs[k]) for k in ("time_col", "target_col"))
          and (kwargs["freq"] is None or isinstance(kwargs["freq"], str))
          and (fill is None or isinstance(fill, str) or (isinstance(fill, dict) and all(
              v is None or isinstance(v, str) for v in fill.values()))),
          f"{_CONFIG}: data_kwargs values must be column names, a frequency alias and a fill policy")
    return dict(kwargs)


def _instantiate(cls, config: dict):
    """``cls(**params)``, its parameters validated the way fit validates them."""
    params = _entry(config, "params", dict, _CONFIG)
    # A parameter the class gained after the model was saved takes the value that behaves as the saved model did.
    accepted = inspect.signature(cls.__init__).parameters
    params = {**{k: v for k, v in BEFORE_ADDED.items() if k in accepted}, **params}
    try:
        return cls(**params)
    except TypeError as err:
        raise IncompatibleModelError(f"{_CONFIG}: the parameters do not fit {cls.__name__} ({err})") from None


# ----------------------------------------------------------------------------------------------------------
# Any forecaster
# ----------------------------------------------------------------------------------------------------------


def save_forecaster(est, path: str | os.PathLike, *, horizon: int | None = None, overwrite: bool = False) -> Path:
    """Save any fitted tsrnn forecaster to a model folder; returns the path (``est.save(path)`` does the same).

    Every registered forecaster (`tsrnn.registry`) saves its parameters, its training data and what it
    learnt: a neural model its weights; ARIMA and ETS their fitted models' parameters (restored on load by
    one filtering pass per series: no search, no optimisation, no statsmodels object pickled); the naive
    family nothing more (it is refitted on load, which is instant). Saving a classical model never imports
    torch. ``horizon``, if given, is recorded as the horizon the model was fitted for
    (`read_model_config(path)["horizon"]`), so tools can forecast without asking again.

    ``overwrite``: an existing tsrnn model folder at ``path`` is replaced only when True; a file or any other
    non-empty folder is never replaced (`OutputExistsError`, see `check_save_target`). Replacing is atomic:
    after a crash at any moment, the old or the new model loads.

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
    from .. import registry

    name = type(est).__name__
    registered = sorted(e.class_name for e in registry.FORECASTERS)
    if not registry.is_registered(type(est)):
        raise ValueError(f"save_forecaster saves the forecasters of tsrnn's registry {registered}, not {name} "
                         f"({type(est).__module__}); register it in tsrnn.registry to make it loadable")
    check_save_target(path, overwrite)  # before any work
    check_is_fitted(est)
    own = est.default_horizon  # a model trained for a horizon records it as a parameter
    if horizon is not None and own is not None and horizon != own:
        raise ValueError(f"horizon={horizon} differs from the {name}'s horizon={own}")
    panel_config, arrays = _encode_panel(est.panel_)
    extra, state, weights = est._saved_state()
    config = {
        "class": name,
        # A model whose parameters hold objects (an estimator) writes them as plain values in its saved state.
        "params": extra["params"] if "params" in extra else _plain(est.get_params(), f"the parameters of {name}"),
        "horizon": None if horizon is None else _plain(horizon, "horizon"),
        "data_kwargs": _plain(est.data_kwargs_, "the data arguments of fit"),
        **panel_config,
        **extra,
    }
    arrays.update(state)
    return write_model_folder(path, config, arrays, weights=weights, overwrite=overwrite)


def load_forecaster(path: str | os.PathLike):
    """Load a forecaster saved with `save_forecaster` or ``model.save`` (``tsrnn.load``), ready to ``predict``.

    Only the classes of tsrnn's registry are ever built. Neural models get their saved weights back; ARIMA
    and ETS their fitted parameters (one filtering pass per series, no refit); the naive family is refitted
    from its stored data. The forecasts equal those of the saved model. Raises `IncompatibleModelError` (a
    ValueError) for a folder that is not an intact, valid tsrnn model, before building anything from it.

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
    from .. import registry

    config, arrays = read_model_folder(path, expect_class=tuple(e.class_name for e in registry.FORECASTERS))
    return restore(registry.load_class(config["class"]), config, arrays, path)


def restore(cls, config: dict, arrays: dict, path):
    """The fitted ``cls`` a folder's ``(config, arrays)`` describe (read by `read_model_folder`); anything
    malformed is an `IncompatibleModelError` naming ``path``."""
    name = cls.__name__
    try:
        panel = _decode_panel(config, arrays)
        data_kwargs = _data_kwargs(config)
        model = _instantiate(cls, config)
        model._restore_state(config, arrays, panel, data_kwargs)
        return model
    except IncompatibleModelError as err:
        raise IncompatibleModelError(f"{path} does not describe a valid {name}: {err}") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError, OverflowError) as err:
        raise IncompatibleModelError(f"{path} does not describe a valid {name}: {type(err).__name__}: {err}") \
            from None


def _ints(value, size: int, what: str) -> tuple[int, ...]:
    _need(isinstance(value, list | tuple) and len(value) == size
          and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10**6 for v in value),
          f"{what} must be {size} non-negative integers, got {value!r}")
    return tuple(value)
