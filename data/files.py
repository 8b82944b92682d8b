"""Private files and folders, and the single-writer lock.

Health data is personal: the folder is 0700 and every file 0600 (the database,
its WAL and SHM, backups, exports). Files are created with those modes rather
than chmod-ed afterwards, so there is no moment when they are readable by others.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from pathlib import Path

from .errors import StoreLockedError

DIR_MODE = 0o700
FILE_MODE = 0o600
_POSIX = os.name == "posix"


PRIVATE_UMASK = 0o077


def private_umask() -> int:
    """Make everything this process creates from now on private (0600/0700); returns the old mask.

    For files written by libraries we do not control (Bumble's pairing keys, Qt's
    caches): they are created private rather than tightened after the fact.
    """
    return os.umask(PRIVATE_UMASK)


def make_private_dirs(folder: Path) -> Path:
    """Create `folder` and any missing parents, each 0700 whatever the umask (folders that
    exist are left as they are: they may not be Thenar's)."""
    missing: list[Path] = []
    for level in (folder, *folder.parents):
        if level.exists():
            break
        missing.append(level)
    for level in reversed(missing):
        with contextlib.suppress(FileExistsError):  # created meanwhile (another process)
            level.mkdir(mode=DIR_MODE)
        if _POSIX:
            os.chmod(level, DIR_MODE)
    return folder


def ensure_private_dir(folder: Path) -> Path:
    """Create `folder` and any missing parents, each 0700, and make `folder` private."""
    make_private_dirs(folder)
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    mode = stat.S_IMODE(folder.stat().st_mode)
    if _POSIX and mode & ~DIR_MODE:  # only take away: a read-only folder stays read-only
        os.chmod(folder, mode & DIR_MODE)
    return folder


def create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 if it does not exist yet."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    make_private(path)


def make_private(path: Path) -> None:
    """Tighten an existing file to 0600 (a no-op where modes do not exist, or already 0600)."""
    if _POSIX and path.exists() and stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
        os.chmod(path, FILE_MODE)


def write_private(path: Path, data: bytes | str) -> Path:
    """Write an export or backup atomically (temp file, then rename), mode 0600."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".partial")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    make_private(path)
    return path


class WriterLock:
    """An exclusive, non-blocking OS lock on a side file: the log has one writer.

    The OS drops the lock when the process dies, so a crash never leaves a stale lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
        try:
            self._lock(self._fd)
        except OSError as exc:
            os.close(self._fd)
            self._fd = None
            raise StoreLockedError(
                "the health log is already open in another Thenar window or process"
            ) from exc

    if sys.platform == "win32":

        @staticmethod
        def _lock(fd: int) -> None:
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    else:

        @staticmethod
        def _lock(fd: int) -> None:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        """Let another process open the log (closing the descriptor drops the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
