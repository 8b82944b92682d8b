"""A rotating diagnostic log for connection trouble. It must never hold health data.

Only module-level loggers of the transport and app plumbing write at INFO here;
ratings, notes and screening answers are never passed to a logger anywhere.
The log and its rotated copies are created 0600 in 0700 folders (they name the
massager and when it was used), whatever the process umask.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path

import platformdirs

from appcore.settings import APP_NAME
from data.files import FILE_MODE, make_private, make_private_dirs

MAX_BYTES = 1_000_000
BACKUPS = 3


def default_log_folder() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose every new file is created 0600 (rotation renames it,
    so the rotated copies keep that mode)."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(folder: Path, level: int = logging.INFO) -> Path | None:
    """Log to `folder`/thenar.log; None (and a line on stderr) if the folder cannot be
    written: a diagnostic log is never a reason not to start."""
    path = folder / "thenar.log"
    try:
        make_private_dirs(folder)
        for private in (folder, *([folder.parent] if folder.parent.name == APP_NAME else [])):
            if private.stat().st_mode & 0o077:
                os.chmod(private, 0o700)  # an older Thenar made them 0755
        for old in folder.glob("thenar.log*"):
            make_private(old)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        print(f"Thenar: no diagnostic log in {folder}: {exc}", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("bumble", "bleak"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
