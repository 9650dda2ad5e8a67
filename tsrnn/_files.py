"""Atomic file writes shared by model folders, reports and the command line: a reader (or a crash) never sees
half a file, and new files get the usual permissions (0o666 less the umask), not those of a temporary file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "umask_mode", "fsync_dir"]


def umask_mode(mode: int) -> int:
    """``mode`` less the process umask: the permissions ``open()`` would give a new file (0o666) or folder (0o777).

    Example
    -------
    >>> umask_mode(0o666) & ~0o666
    0
    """
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def fsync_dir(folder: str | os.PathLike) -> None:
    """Make a rename or a new entry in ``folder`` durable (a power cut, not only a kill, then keeps it).

    Example
    -------
    >>> import tempfile
    >>> fsync_dir(tempfile.mkdtemp())
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


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
    path = Path(path).expanduser()  # "~/report.html" is the user's home, as pandas writes it
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, umask_mode(0o666))  # mkstemp creates 0o600
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
