"""The app's massager: which backend, which device, and the connection state a person sees.

One place owns the connected massager's `drivers.base.Driver` (of whichever family),
so the Device page, the Session page and shutdown all talk to the same connection.
Every state change is turned into a short plain sentence for the window's header and
the screen reader. "Connected" is said only once the device is in the log and its
details are read: a session may start from then on.

The caps on the device follow the safety owner (`appcore.safety`): on every
connect and reconnect, and on every change of the safety state, the caps in force
are written to the device's Limits and read back. While a session runs they never
loosen past the caps it started with (`hold_session_caps`).

Why this module is long: one owner of the connection: backend choice, scan, connect with
its plain-words state, the caps synced on every link and safety change, and the audit
log all depend on the same driver and link state.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from appcore.explain import explain
from ble.errors import MalformedReply, MassagerError
from ble.observers import Observers
from data import devices as device_log

# Bleak, the drivers' registry and the device words load on the first search or connect:
# the first window needs none of them (issue 13's fast start; tests/desktop/test_launch).
if TYPE_CHECKING:
    from appcore.context import AppContext
    from appcore.safety import SafetyChanged
    from ble.backends import Backend, BackendFactory
    from ble.client import AuditEntry, DeviceInfo, DiscoveredMassager
    from ble.observers import Subscription
    from data.db import LogDb
    from data.models import CommandEntry
    from drivers import registry
    from drivers.base import DeviceStatus, Driver, LinkEvent
    from drivers.description import Description
    from massage import Limits

log = logging.getLogger(__name__)


SIM_BONDS = "simulator-bonds.json"  # the simulated massager's own memory of its bonds
SIM_INTERVAL_MS = 7.5  # the shortest BLE connection interval, as a real link would have
THENAR_DESCRIPTION = "thenar-tg1"  # drivers/descriptions/: the profile this app's client speaks
CAPTURES = "captures"  # in the data folder: device captures the person may share
IDENTIFY_TIMEOUT_S = 1.0  # one advert tells a pinned device's family; adverts come every <1 s


class LinkState(enum.Enum):
    DISCONNECTED = "not connected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "connection lost, reconnecting"
    FAILED = "could not connect"


@dataclass(frozen=True)
class LinkChanged:
    """The connection state a person sees, and a sentence about why (may be empty)."""

    state: LinkState
    detail: str = ""


_EVENT_STATES = {
    "connected": LinkState.CONNECTED,
    "reconnected": LinkState.CONNECTED,
    "link_lost": LinkState.RECONNECTING,
    "reconnect_gave_up": LinkState.FAILED,
    "disconnected": LinkState.DISCONNECTED,
}


def _gave_up_words(event: LinkEvent, backend: Backend | None) -> str:
    """What the header says when reconnecting stopped, and what to do."""
    if backend is not None and not backend.alive:
        return (
            "The Bluetooth adapter went away (for the simulated massager: its process "
            "stopped). Press Search on the Device page to start again."
        )
    advice = explain(event.error).advice if event.error is not None else ""
    return f"Thenar stopped trying to reconnect. {advice}".strip()


class Massager:
    """Backend + pinned device + its driver, with listeners for state and status."""

    def __init__(
        self,
        ctx: AppContext,
        backends: BackendFactory | None = None,
        key_store: Path | None = None,
    ) -> None:
        self.ctx = ctx
        # None: the settings choose (and "sim" starts the simulator process). Tests and the
        # self-test pass a factory for a backend on an in-process radio.
        self._backends = backends
        self._key_store = key_store
        self._backend: Backend | None = None
        self._backend_lock = asyncio.Lock()  # one backend (one simulator, one dongle) at a time
        self._resources = contextlib.AsyncExitStack()  # the simulator process, the backend
        self.state = LinkState.DISCONNECTED
        self.detail = ""
        self.info: DeviceInfo | None = None
        self.battery: int | None = None
        self.rssi: int | None = None
        self.link_changes: Observers[LinkChanged] = Observers()
        self.statuses: Observers[DeviceStatus] = Observers()  # the connected device's
        self.events: Observers[LinkEvent] = Observers()  # its link's events, as the driver says
        self.caps_failures = 0  # caps the device did not confirm (each one also stops it)
        self._session_caps: Limits | None = None
        self._caps_lock = asyncio.Lock()
        self._syncs: set[asyncio.Task[None]] = set()
        self._safety = ctx.safety.subscribe(self._on_safety)
        self.session_id: int | None = None  # set by the session controller; tags the trail
        self.audit_saved: Observers[AuditEntry] = Observers()  # the Device page's history
        self._audit_writes: set[asyncio.Task[None]] = set()
        # Read off the loop on first use (`known_models`): a few small TOML files.
        self.descriptions: list[Description] = []
        self.descriptions_by_key: dict[str, Description] = {}
        self.nearby: list[registry.Found] = []  # unknown devices the last scan saw
        self._recognised: dict[str, Description] = {}  # other families' models seen, by address
        self._seen: set[str] = set()  # every address the last scan saw
        # The connected massager (either family): the app's one way to reach it.
        self.driver: Driver | None = None
        self.description: Description | None = None  # of the connected massager
        self._driver_subs: list[Subscription] = []
        self._connecting: Driver | None = None  # "connected" waits until it is in the log

    # --- backend ------------------------------------------------------------

    async def known_models(self) -> list[Description]:
        """The massager descriptions (docs/drivers.md), read once, in a worker thread."""
        if not self.descriptions:
            from drivers.description import load_descriptions

            self.descriptions = await asyncio.to_thread(load_descriptions)
            self.descriptions_by_key = {d.key: d for d in self.descriptions}
        return self.descriptions

    async def backend(self) -> Backend:
        """The backend the settings name; "sim" starts the simulator process the first time.

        Created under a lock (two callers at once get the same one), and built anew when
        the old one's transport died (the simulator process or the dongle went away).
        """
        async with self._backend_lock:
            if self._backend is not None and not self._backend.alive:
                await self._drop_backend()
            if self._backend is not None:
                return self._backend
            if self._backends is not None:
                backend = self._backends(self._key_store)
                self._backend = await self._resources.enter_async_context(backend)
                return self._backend
            from ble.backends import choose_backend
            from device_sim.process import simulator_process

            setting = self.ctx.settings.transport
            if setting == "sim":
                # The simulated massager keeps its bonds beside ours (private data folder),
                # so a restarted simulator still knows this computer, as a real one would.
                bonds = self._key_store.with_name(SIM_BONDS) if self._key_store else None
                extra = ("--bonds", str(bonds)) if bonds else ()
                process = simulator_process(SIM_INTERVAL_MS, *extra)
                setting = await self._resources.enter_async_context(process)
            backend = choose_backend(setting, key_store_path=self._key_store)
            self._backend = await self._resources.enter_async_context(backend)
            return self._backend

    async def _drop_backend(self) -> None:
        """Forget a dead backend: its driver, then the backend and its simulator process."""
        driver, self.driver = self.driver, None
        if driver is not None:
            await driver.close()
            self._close_driver_subs()
        self._backend = None
        resources, self._resources = self._resources, contextlib.AsyncExitStack()
        try:
            await resources.aclose()
        except Exception:
            log.exception("closing a dead Bluetooth backend failed")

    async def scan(self) -> list[DiscoveredMassager]:
        """Massagers of Thenar's own profile in range; `nearby` gets everything else seen."""
        from ble.client import DiscoveredMassager, discover
        from drivers import registry

        backend = await self.backend()
        ours, seen = await asyncio.gather(
            discover(backend), registry.discover(backend, await self.known_models())
        )
        addresses = {m.address.upper() for m in ours}
        others = [f for f in seen if f.address.upper() not in addresses]
        self._recognised = {f.address.upper(): f.description for f in others if f.description}
        # Known models of another family are massagers too; the unknown go to `nearby`.
        ours += [
            DiscoveredMassager(f.address, f.name, f.rssi, None, f.description.model, pairs=False)
            for f in others
            if f.description is not None
        ]
        self.nearby = [f for f in others if f.description is None]
        self._seen = {m.address.upper() for m in ours} | {f.address.upper() for f in others}
        return sorted(ours, key=lambda m: -m.rssi)

    def description_of(self, address: str) -> Description | None:
        """What the last scan saw at `address`: a model of another family, an unknown
        device (None), or else Thenar's own profile."""
        key = address.upper()
        if key in self._recognised:
            return self._recognised[key]
        if any(f.address.upper() == key for f in self.nearby):
            return None
        return self.descriptions_by_key.get(THENAR_DESCRIPTION)

    async def capture(self, address: str) -> Path:
        """Record a device Thenar does not know (writing nothing to it) into the data folder.

        The file is the person's to share with the project, or not; nothing is sent.
        """
        from drivers.capture import capture, write_capture

        data = await capture(await self.backend(), address)
        folder = self.ctx.settings.data_path() / CAPTURES
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        name = f"capture-{address.replace(':', '')}-{stamp}.json"
        return await asyncio.to_thread(write_capture, data, folder / name)

    # --- connection -----------------------------------------------------------

    def _set_state(self, state: LinkState, detail: str = "") -> None:
        self.state, self.detail = state, detail
        self.link_changes.publish(LinkChanged(state, detail))

    @property
    def is_connected(self) -> bool:
        """A massager of either family is connected and usable (a session may start)."""
        return self.driver is not None and self.driver.is_connected

    def describe(self) -> str:
        name = self.ctx.settings.pinned_name
        text = f"{name}, {self.state.value}" if name else self.state.value
        if self.state == LinkState.CONNECTED and self.battery is not None:
            text += f", battery {self.battery}%"
        if self.detail:
            text += f". {self.detail}"
        return text

    async def connect(self, address: str, name: str, *, pair: bool = False) -> None:
        """Pin this massager and connect through its family's driver; it is given the caps
        in force before anything else. The state becomes CONNECTED (a session may start)
        only once the device is in the log.

        `pair`: the person chose this massager to pair with (Device page). Otherwise the
        stored bond must encrypt the link, or the connect fails with a typed error.
        """
        if self.driver is not None:
            await self.disconnect()
        self._set_state(LinkState.CONNECTING)
        backend = await self.backend()
        description = await self._description_for(address)
        if description is None:
            self._set_state(LinkState.FAILED, "Thenar does not know this device.")
            raise MassagerError(
                f"{address} is not a massager Thenar knows.",
                "Save a capture of it on the Device page and share it with the project.",
            )
        from drivers import registry

        driver = registry.open_driver(
            description, backend, address, self.caps_in_force(), name=name, pair=pair
        )
        subs = [
            driver.links.subscribe(lambda event: self._on_link(driver, event)),
            driver.statuses.subscribe(self.statuses.publish),
            driver.audits.subscribe(self._on_audit),
        ]
        self._connecting = driver
        try:
            await driver.connect()
            self.driver, self.description, self._driver_subs = driver, description, subs
            if self.ctx.settings.pinned_address != address or self.ctx.settings.pinned_name != name:
                self.ctx.update_settings(pinned_address=address, pinned_name=name)
            self.info = await driver.device_info()
            try:
                self.battery = await driver.battery()
            except MalformedReply as exc:  # unknown, not 0 %: the link itself is fine
                log.warning("%s", exc)
                self.battery = None
            firmware = self.info.firmware_revision or None
            family = description.key
            await self.ctx.db.run(
                lambda db: device_log.record_device(
                    db, address, name, firmware, seen_at=self.ctx.now(), family=family
                )
            )
        except Exception as exc:
            if self.driver is driver:
                self.driver = None
                await driver.close()
            for sub in subs:
                sub.close()
            self._set_state(LinkState.FAILED, explain(exc).sentence())
            raise
        finally:
            self._connecting = None
        if driver.is_connected:  # ready: in the log, so a session may start now
            self._set_state(LinkState.CONNECTED)
        await self.sync_caps()  # the safety state may have moved while we connected

    async def _description_for(self, address: str) -> Description | None:
        """The model at `address`: from the last scan, else the family stored when it was
        paired (no scan), else from its next advertisement."""
        await self.known_models()
        key = address.upper()
        if key not in self._seen:  # e.g. reconnecting at start: no scan yet
            family = await self.ctx.db.run(device_log.device_family, address)
            stored = self.descriptions_by_key.get(family)
            if stored is not None:
                return stored
            from drivers import registry

            found = await registry.identify_address(
                await self.backend(), self.descriptions, address, IDENTIFY_TIMEOUT_S
            )
            if found is not None and found.description is not None:
                self._recognised[key] = found.description
        return self.description_of(address)

    def _on_link(self, driver: Driver, event: LinkEvent) -> None:
        """The driver's link events, as the header says them (the driver audits them)."""
        log.info("massager event: %s %s", event.kind, event.detail)
        stops_itself = driver.description.protections.stop_on_link_loss
        state = _EVENT_STATES.get(event.kind)
        detail = event.detail
        if event.kind == "connected" and self._connecting is driver:
            state = None  # said once the device is in the log (`connect`)
        elif event.kind == "link_lost" and not stops_itself:
            detail = "This massager keeps running without Thenar: reconnecting to stop it."
        elif event.kind == "reconnected" and not stops_itself:
            detail = "It was stopped after the connection dropped."
        elif event.kind == "reconnect_gave_up":
            detail = (
                _gave_up_words(event, self._backend)
                if stops_itself
                else "Thenar could not reach the massager to stop it: switch it off with its "
                "button."
            )
        if state is not None:
            self._set_state(state, detail)
        self.events.publish(event)

    async def pair_again(self, address: str, name: str) -> None:
        """The person chose to pair again (a reset massager): drop our old bond, then pair."""
        if self.driver is not None:
            await self.disconnect()
        backend = await self.backend()
        await backend.forget_bond(address)
        await self.connect(address, name, pair=True)

    # --- caps -------------------------------------------------------------------

    def caps_in_force(self) -> Limits:
        """The owner's caps, never looser than those a running session started with."""
        caps = self.ctx.safety.state.caps
        return caps if self._session_caps is None else caps.stricter(self._session_caps)

    def hold_session_caps(self, caps: Limits | None) -> None:
        """A session started with `caps` (None: it ended); they are the ceiling until it ends."""
        self._session_caps = caps
        if caps is None:
            self._spawn_sync()

    def _on_safety(self, _event: SafetyChanged) -> None:
        self._spawn_sync()

    def _spawn_sync(self) -> None:
        task = asyncio.get_running_loop().create_task(self._sync_reported(), name="caps-sync")
        self._syncs.add(task)
        task.add_done_callback(self._syncs.discard)

    async def _sync_reported(self) -> None:
        try:
            await self.sync_caps()
        except MassagerError as exc:
            log.warning("caps not confirmed: %s", exc)

    async def sync_caps(self) -> None:
        """Write the caps in force to the device and read them back.

        If the device does not confirm them, it is told to stop (a running program may
        be above the new caps) and the failure is raised and shown in the header.
        """
        async with self._caps_lock:
            driver = self.driver
            if driver is None:
                return
            try:  # the driver lowers (or stops) what runs if the device keeps no caps
                await driver.set_caps(self.caps_in_force())
            except MassagerError as exc:
                self.caps_failures += 1
                with contextlib.suppress(MassagerError):
                    await driver.stop()
                why = f"The massager did not confirm your new limits ({exc}); it was stopped."
                self._set_state(self.state, why)
                raise

    async def settled(self) -> None:
        """Wait until every caps write started so far has finished (tests, shutdown)."""
        while self._syncs:
            await asyncio.gather(*list(self._syncs), return_exceptions=True)

    # --- the audit trail ----------------------------------------------------------

    def _on_audit(self, entry: AuditEntry) -> None:
        """Every command, limits write and link event goes into the log, in order."""
        if entry.what == "heartbeat" and entry.result == "success":
            return  # once a second for as long as a session runs: only failures are kept
        params = dict(entry.params)
        if entry.command_id is not None:
            params["id"] = entry.command_id
        device = self.ctx.settings.pinned_address
        session = self.session_id

        def save(db: LogDb) -> None:
            device_log.log_command(
                db,
                entry.what,
                params,
                entry.result,
                at=entry.at,
                device_id=device,
                session_id=session,
            )

        task = asyncio.get_running_loop().create_task(self._save_audit(save, entry))
        self._audit_writes.add(task)
        task.add_done_callback(self._audit_writes.discard)

    async def _save_audit(self, save: Callable[[LogDb], None], entry: AuditEntry) -> None:
        try:
            await self.ctx.db.run(save)
        except Exception as exc:  # the device matters more than its diary: log and go on
            log.warning("could not write the audit trail: %s", exc)
            return
        self.audit_saved.publish(entry)

    async def history(self, limit: int = 50) -> list[CommandEntry]:
        """The newest lines of the audit trail, newest first."""
        await self.audit_written()
        return await self.ctx.db.run(device_log.recent_commands, limit)

    async def audit_written(self) -> None:
        """Wait until every audit line so far is in the log."""
        while self._audit_writes:
            await asyncio.gather(*list(self._audit_writes), return_exceptions=True)

    async def disconnect(self) -> bool:
        """Stop (acknowledged) and disconnect; False if the stop was not acknowledged."""
        driver, self.driver = self.driver, None
        acknowledged = True
        if driver is not None:
            acknowledged = await driver.close()  # stop, confirmed
            self._close_driver_subs()
        self._set_state(LinkState.DISCONNECTED)
        return acknowledged

    def _close_driver_subs(self) -> None:
        subs, self._driver_subs = self._driver_subs, []
        for sub in subs:
            sub.close()

    async def forget(self) -> None:
        await self.disconnect()
        self.ctx.update_settings(pinned_address=None, pinned_name=None)

    async def close(self) -> bool:
        acknowledged = await self.disconnect()
        self._backend = None
        try:
            await self._resources.aclose()  # backend first, then the simulator process
        except Exception:
            log.exception("closing the Bluetooth backend failed")
        return acknowledged
