"""Atomic file writes shared by every ``save`` of sktransfer."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path"]


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path`` that replaces it on success.

    The file is written under a temporary name in the destination folder
    and moved over ``path`` with ``os.replace`` only once the block ends
    without an error; otherwise the temporary file is removed, so a failed
    save never corrupts an existing file.

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
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
