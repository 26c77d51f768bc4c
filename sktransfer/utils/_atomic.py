"""Atomic file writes shared by every ``save`` of sktransfer."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path"]


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
