"""One place chooses the BLE backend, from a single setting string.

- ``"platform"``: bleak's own backend for this OS (real hardware; the OS keeps bonds).
- ``"sim"``: the in-process virtual radio. `ble` must not import `device_sim`, so
  the caller creates the link (a `bumble.link.LocalLink`, e.g. `VirtualLink`) and
  the simulator on it, and passes the link here.
- any Bumble transport spec, e.g. ``"tcp-client:127.0.0.1:PORT"`` (the simulator
  process) or ``"usb:0"`` (a USB dongle): our Bumble backend; bonds go to a key
  store file if `key_store_path` is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bleak.exc import BleakError

from ble.errors import BackendUnavailable

if TYPE_CHECKING:  # Bumble is loaded when a backend is built, not when the app starts
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.scanner import BaseBleakScanner
    from bumble.link import LocalLink

    from ble.bumble_bleak.adapter import BumbleAdapter

PLATFORM = "platform"
SIM = "sim"


@dataclass
class Backend:
    """The chosen backend: bleak backend classes (None means bleak's default)."""

    setting: str
    adapter: BumbleAdapter | None = None

    @property
    def scanner_backend(self) -> type[BaseBleakScanner] | None:
        return self.adapter.scanner_backend() if self.adapter else None

    @property
    def client_backend(self) -> type[BaseBleakClient] | None:
        return self.adapter.client_backend() if self.adapter else None

    def scanner_kwargs(self) -> dict[str, Any]:
        """`backend=` for BleakScanner, or nothing: bleak then picks the platform's own."""
        return {"backend": self.adapter.scanner_backend()} if self.adapter else {}

    def client_kwargs(self) -> dict[str, Any]:
        return {"backend": self.adapter.client_backend()} if self.adapter else {}

    async def is_bonded(self, address: str) -> bool | None:
        """Whether we hold a bond with `address`; None when the OS keeps bonds and won't say."""
        if self.adapter is None:
            return None
        keystore = self.adapter.device.keystore
        if keystore is None:
            return False
        return await keystore.get(address.upper()) is not None

    @property
    def alive(self) -> bool:
        """False once the adapter's transport died: build a new backend then."""
        return self.adapter is None or self.adapter.alive

    async def forget_bond(self, address: str) -> None:
        """Delete our bond with `address` (the person chose to pair again); no-op without one."""
        if self.adapter is None:
            return
        keystore = self.adapter.device.keystore
        if keystore is not None and await keystore.get(address.upper()) is not None:
            await keystore.delete(address.upper())

    async def open(self) -> None:
        if self.adapter is None:
            return
        try:
            await self.adapter.open()
            # The adapter imports its backend modules lazily on first use. An import
            # stats files (PySide6's import hook even reads sources), so do it once
            # here at startup rather than in the middle of a connect.
            self.adapter.scanner_backend()
            self.adapter.client_backend()
        except (BleakError, OSError) as exc:
            raise BackendUnavailable(
                f"cannot open Bluetooth backend {self.setting!r}: {exc}"
            ) from exc

    async def close(self) -> None:
        if self.adapter is not None:
            await self.adapter.close()

    async def __aenter__(self) -> Backend:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


# Builds an unopened backend that keeps bonds in the given key store file (None: memory).
BackendFactory = Callable[[Path | None], Backend]


def on_link(link: LocalLink) -> BackendFactory:
    """Backends on one in-process virtual radio (tests, the self-test, benchmarks)."""
    return lambda key_store: choose_backend(SIM, link=link, key_store_path=key_store)


def choose_backend(
    setting: str,
    *,
    link: LocalLink | None = None,
    key_store_path: str | Path | None = None,
) -> Backend:
    """Build (not open) the backend a setting names; raise BackendUnavailable if it can't be."""
    setting = setting.strip()
    if setting == PLATFORM:
        return Backend(setting)
    # Imported here: Bumble's HCI layer is ~0.5 s of start-up the first window does not need.
    from ble.bumble_bleak.adapter import BumbleAdapter

    if setting == SIM:
        if link is None:
            raise BackendUnavailable(
                "the 'sim' backend needs the in-process link the simulator runs on",
                "Start the simulator in this process, or use 'tcp-client:127.0.0.1:PORT'.",
            )
        return Backend(setting, BumbleAdapter(link, key_store_path=key_store_path))
    if ":" in setting:  # a Bumble transport spec: tcp-client:HOST:PORT, usb:0, serial:...
        return Backend(setting, BumbleAdapter(setting, key_store_path=key_store_path))
    raise BackendUnavailable(
        f"unknown Bluetooth backend setting {setting!r}",
        "Use 'platform', 'sim', 'tcp-client:127.0.0.1:PORT' or 'usb:0'.",
    )
