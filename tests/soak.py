"""How many examples a fuzzing property draws: enough for the everyday run, many more in
`make soak` (THENAR_SOAK=1). The property is the same in both; only the search is longer.
"""

from __future__ import annotations

import os

SOAK = os.environ.get("THENAR_SOAK") == "1"


def examples(everyday: int, soak: int) -> int:
    """`everyday` for `make test`, `soak` under THENAR_SOAK=1."""
    return soak if SOAK else everyday
