"""Child process for the permission cases of the corruption matrix: open the log, say what happened.

Usage: python open_child.py FOLDER
Prints one JSON line: {"error": class name or null, "message", "safe", "advice",
"notices", "history"}. Run as the test's user, or (when the tests run as root,
whom file modes do not stop) as `nobody`, so unreadable and read-only are real.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from data.errors import StoreError
from data.health import history
from data.store import open_store


def main() -> None:
    out: dict[str, object] = {"error": None}
    try:
        with open_store(Path(sys.argv[1])) as store:
            out |= {"notices": store.notices, "history": history(store.db.conn)}
    except StoreError as exc:
        out |= {
            "error": type(exc).__name__,
            "message": str(exc),
            "safe": exc.safe,
            "advice": exc.advice,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
