"""Files that hold what people asked (the audit log, ratings, exports) are readable by their owner
only: created with mode 0600 before anything is written to them, whatever the umask."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private(path: Path) -> Path:
    """Create ``path`` (and its folder) as an empty file of mode 0600 unless it exists; an existing
    file that others can read is narrowed to 0600 where its owner may do so. SQLite gives its
    journal and WAL files the mode of the database, so they are private too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
        return path
    except FileExistsError:
        pass
    mode = path.stat().st_mode
    if stat.S_ISREG(mode) and mode & 0o077:
        # Someone else's file: whether it can be read or written is decided by its own mode.
        with contextlib.suppress(PermissionError):
            os.chmod(path, PRIVATE_MODE)
    return path
