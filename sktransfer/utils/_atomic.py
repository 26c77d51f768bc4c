"""Atomic file writes shared by every ``save`` of sktransfer."""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_directory", "atomic_path"]


def _umask():
    """Return the process's umask, from /proc when it can (no global change)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path`` that replaces it on success.

    The file is written under a temporary name in the destination folder
    and moved over ``path`` with ``os.replace`` only once the block ends
    without an error; otherwise the temporary file is removed, so a failed
    save never corrupts an existing file. The written file gets the
    permissions ``open()`` would give a new file (``0o666`` less the umask).

    Parameters
    ----------
    path : str or path-like
        Destination file.

    Yields
    ------
    tmp : str
        Where to write.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        if os.path.isfile(tmp):
            # mkstemp creates the file 0600; give it the mode open() would.
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@contextmanager
def atomic_directory(path):
    """Yield a temporary directory next to ``path`` that replaces it on success.

    As :func:`atomic_path`, for a directory: it is written under a temporary
    name in the destination folder (with the permissions ``mkdir`` would give,
    ``0o777`` less the umask) and swapped in only once the block ends without
    an error. An existing ``path`` is moved aside first and put back if the
    swap fails, so a failed save never corrupts it.

    Parameters
    ----------
    path : str or path-like
        Destination directory (replaced if it exists).

    Yields
    ------
    tmp : pathlib.Path
        Where to write.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{str(path)!r} exists and is not a directory.")
    prefix = f".{path.name}."
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix, suffix=".tmp"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=prefix + "old."))
            os.rmdir(old)
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            if old is not None:
                os.replace(old, path)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
