"""Which massager the person chose, so the client never talks to another.

The choice itself is kept in the app's settings (`appcore.settings`); this is the
value the client is given.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PinnedDevice:
    """The chosen massager: its address is its identity (bonds are keyed by it)."""

    address: str
    name: str = ""

    def matches(self, address: str) -> bool:
        return address.upper() == self.address.upper()
