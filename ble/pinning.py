"""Remember which massager the person chose, so the client never talks to another.

A small JSON file at a path the caller chooses. File I/O runs in a worker thread,
so loading or saving never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class PinnedDevice:
    """The chosen massager: its address is its identity (bonds are keyed by it)."""

    address: str
    name: str = ""

    def matches(self, address: str) -> bool:
        return address.upper() == self.address.upper()


class PinStore:
    """Load and save the pinned device in one JSON file; atomically replaced on save."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    async def load(self) -> PinnedDevice | None:
        return await asyncio.to_thread(self._load)

    async def save(self, device: PinnedDevice) -> None:
        await asyncio.to_thread(self._save, device)

    async def forget(self) -> None:
        await asyncio.to_thread(self.path.unlink, True)

    def _load(self) -> PinnedDevice | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return PinnedDevice(address=str(data["address"]), name=str(data.get("name", "")))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            return None  # a damaged file means "nothing chosen": the person picks again

    def _save(self, device: PinnedDevice) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(asdict(device)), encoding="utf-8")
        os.replace(tmp, self.path)
