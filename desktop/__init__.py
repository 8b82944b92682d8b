"""The desktop app (PySide6 + qasync).

`import_asyncio` imports asyncio with the `ssl` module hidden. Thenar opens no network
connections (health data stays local), so asyncio's TLS support is never used, and
OpenSSL is about 4 MB of the first window's memory and 30 ms of its start (issue 13).
Only asyncio's own modules see no TLS: `import ssl` anywhere later loads it as usual.
`python -m desktop` calls it once its window has painted (asyncio is not needed before).
"""

from __future__ import annotations

import linecache
import sys


def import_asyncio() -> None:
    """Import asyncio without its TLS support (see above); nothing if already imported.

    PySide6 reads the source of every module imported after it into linecache (the
    window's and asyncio's by now, ~3 MB of a start's peak that nothing needs; a
    traceback reads them again), so the cache is emptied here too."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        return  # imported already (a test runner, an embedding tool): nothing to save
    sys.modules["ssl"] = None  # type: ignore[assignment]  # `import ssl` raises ImportError
    try:
        import asyncio  # noqa: F401
    finally:
        del sys.modules["ssl"]
    linecache.clearcache()
