"""JSON columns: the program as run, caps, screening answers.

Stored as canonical JSON text (sorted keys, no NaN), so the log never depends on
another package's types and two equal values always serialise the same way.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidInputError


def dumps(value: Any, what: str) -> str:
    """Serialise `value`; InvalidInputError if it is not plain JSON."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be plain JSON data: {exc}") from exc


def loads(text: str) -> Any:
    """Parse a JSON column."""
    return json.loads(text)
