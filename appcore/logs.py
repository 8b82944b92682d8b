"""A rotating diagnostic log for connection trouble. It must never hold health data.

Only module-level loggers of the transport and app plumbing write at INFO here;
ratings, notes and screening answers are never passed to a logger anywhere.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from appcore.settings import APP_NAME

MAX_BYTES = 1_000_000
BACKUPS = 3


def default_log_folder() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME))


def setup_logging(folder: Path, level: int = logging.INFO) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "thenar.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("bumble", "bleak"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if path.exists():
        os.chmod(path, 0o600)
    return path
