"""A bleak 3.1 backend on a Bumble host, so the app's BLE code uses only bleak's API.

One :class:`BumbleAdapter` owns a Bumble ``Device``/``Host``, its HCI transport,
a fixed random static address, the scan refcount, a connect lock and the bond
key store. Because bleak's ``backend=`` takes a class, the adapter hands out
scanner and client classes bound to itself::

    async with BumbleAdapter(link) as adapter:            # or "tcp-client:127.0.0.1:PORT", "usb:0"
        device = await BleakScanner.find_device_by_filter(
            lambda d, ad: True, service_uuids=[SERVICE], backend=adapter.scanner_backend()
        )
        async with BleakClient(device, backend=adapter.client_backend()) as client:
            ...

The Bumble pitfalls each workaround addresses are numbered as in
``docs/bumble-pitfalls.md``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakError
from bumble import core, hci, pairing
from bumble.device import Advertisement, Device
from bumble.host import Host
from bumble.keys import JsonKeyStore, MemoryKeyStore
from bumble.link import LocalLink
from bumble.transport import open_transport

from ble.bumble_bleak.client import BumbleClient
from ble.bumble_bleak.radio import detach_controller, host_for, new_controller
from ble.bumble_bleak.scanner import BumbleScanner, bumble_uuid_to_str

if TYPE_CHECKING:
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.scanner import BaseBleakScanner
    from bumble.device import Connection
    from bumble.keys import KeyStore, PairingKeys
    from bumble.transport.common import Transport

    from ble.bumble_bleak.radio import VirtualController

__all__ = ["DEFAULT_CENTRAL_ADDRESS", "BumbleAdapter", "ThreadedJsonKeyStore", "bumble_uuid_to_str"]

logger = logging.getLogger(__name__)

# Pitfall 8: a fixed random static address (two top bits set), otherwise every
# power-on invents a new one and bonds keyed by our address are lost.
DEFAULT_CENTRAL_ADDRESS = "F2:7E:4A:00:00:01"
# Pitfall 10: power-on has no timeout of its own. In process and over loopback TCP
# it took about 5 ms here; 5 s leaves room for a USB dongle's reset and firmware
# load (not measured: no dongle on these machines) and still fails clearly.
POWER_ON_TIMEOUT = 5.0
# Bounded so that close() cannot hang on a peer that never answers.
DISCONNECT_TIMEOUT = 2.0

ScanListener = Callable[[Advertisement], None]
_T = TypeVar("_T")


class BumbleAdapter:
    """One Bumble host (a "Bluetooth adapter") shared by the scanners and clients bound to it.

    ``transport`` is a :class:`bumble.link.LocalLink` (a virtual radio in this
    process: a controller is created on it) or a Bumble transport spec such as
    ``tcp-client:127.0.0.1:PORT`` or ``usb:0``. ``key_store_path`` makes bonds
    survive restarts (a JSON file, namespaced by our address); without it bonds
    live in memory only.
    """

    def __init__(
        self,
        transport: LocalLink | str,
        *,
        address: str | hci.Address = DEFAULT_CENTRAL_ADDRESS,
        name: str = "Thenar",
        key_store_path: str | Path | None = None,
        power_on_timeout: float = POWER_ON_TIMEOUT,
    ) -> None:
        self._transport_spec = transport
        self.address = address if isinstance(address, hci.Address) else hci.Address(address)
        self.name = name
        self.key_store_path = Path(key_store_path) if key_store_path is not None else None
        self._power_on_timeout = power_on_timeout
        self._device: Device | None = None
        self._transport: Transport | None = None
        self._controller: VirtualController | None = None
        self._scan_listeners: dict[object, ScanListener] = {}
        self._scan_lock = asyncio.Lock()
        # Bumble (like a real controller) allows one pending LE connection at a time.
        self.connect_lock = asyncio.Lock()
        # Clients waiting in Device.connect(), by peer address (pitfall 11).
        self._connecting: dict[hci.Address, BumbleClient] = {}
        # Addresses with their type, as last seen in an advertisement.
        self.known_addresses: dict[str, hci.Address] = {}
        self._scanner_cls: type[BaseBleakScanner] | None = None
        self._client_cls: type[BaseBleakClient] | None = None
        # Clients with a live link, told when the transport itself dies (no HCI event
        # will ever say so: the controller is gone with it).
        self.clients: set[BumbleClient] = set()
        self.lost = False  # the transport died (simulator killed, dongle unplugged)
        self._watch: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------

    @property
    def device(self) -> Device:
        """The Bumble device; only valid between :meth:`open` and :meth:`close`."""
        if self._device is None:
            raise BleakError("BumbleAdapter is not open")
        return self._device

    @property
    def is_open(self) -> bool:
        return self._device is not None

    @property
    def alive(self) -> bool:
        """Open and its transport still there: a lost adapter must be replaced, not reused."""
        return self._device is not None and not self.lost

    def require_alive(self) -> Device:
        """The device, or BleakBluetoothNotAvailableError if the transport is gone."""
        if self.lost:
            raise BleakBluetoothNotAvailableError(
                f"the Bluetooth adapter at {self._describe()} is gone",
                BleakBluetoothNotAvailableReason.NO_BLUETOOTH,
            )
        return self.device

    async def _watch_transport(self, terminated: asyncio.Future[None]) -> None:
        try:
            await asyncio.shield(terminated)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the transport ended with an error: the same for us
            logger.debug("transport ended: %r", error)
        if self._device is None:
            return  # we closed it ourselves
        self.lost = True
        logger.warning("the Bluetooth transport %s was lost", self._describe())
        for client in list(self.clients):
            client.transport_lost()

    async def open(self) -> None:
        """Create the host on its transport and power it on."""
        if self._device is not None:
            return
        host: Host
        if isinstance(self._transport_spec, LocalLink):
            self._controller = new_controller(self._transport_spec, f"{self.name}-controller")
            host = host_for(self._controller)
        else:
            self._transport = await open_transport(self._transport_spec)
            host = Host(self._transport.source, self._transport.sink)
            terminated = getattr(self._transport.source, "terminated", None)
            if isinstance(terminated, asyncio.Future):
                self._watch = asyncio.get_running_loop().create_task(
                    self._watch_transport(terminated), name="bumble-transport-watch"
                )
        device = Device(name=self.name, address=self.address, host=host)
        device.keystore = await self._make_key_store()
        device.pairing_config_factory = _just_works_pairing_config
        device.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
        device.on(Device.EVENT_CONNECTION, self._on_connection)
        self._device = device
        try:
            # Pitfall 10: a tcp-server peer drops HCI packets until a client connects,
            # and power_on() would then wait for ever.
            await asyncio.wait_for(device.power_on(), self._power_on_timeout)
        except TimeoutError as error:
            await self._teardown()
            raise BleakBluetoothNotAvailableError(
                f"Bluetooth controller at {self._describe()} did not answer within "
                f"{self._power_on_timeout} s",
                BleakBluetoothNotAvailableReason.NO_BLUETOOTH,
            ) from error
        except BaseException:
            await self._teardown()
            raise

    async def close(self) -> None:
        """Disconnect every link, power off and release the transport."""
        device = self._device
        if device is None:
            return
        for connection in list(device.connections.values()):
            try:
                await asyncio.wait_for(
                    connection.disconnect(hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR),
                    DISCONNECT_TIMEOUT,
                )
            except (TimeoutError, core.BaseBumbleError) as error:
                logger.debug("disconnect on close failed: %r", error)
        await self._teardown()

    async def __aenter__(self) -> BumbleAdapter:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _teardown(self) -> None:
        device, self._device = self._device, None
        watch, self._watch = self._watch, None
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()
        self._scan_listeners.clear()
        self._connecting.clear()
        if device is not None:
            device.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            device.remove_listener(Device.EVENT_CONNECTION, self._on_connection)
            if device.powered_on and not self.lost:
                try:
                    await asyncio.wait_for(device.power_off(), DISCONNECT_TIMEOUT)
                except (TimeoutError, core.BaseBumbleError) as error:
                    logger.debug("power off failed: %r", error)
        if self._controller is not None:
            detach_controller(self._controller)  # pitfalls 4 and 9
            self._controller = None
        if self._transport is not None:
            transport, self._transport = self._transport, None
            await transport.close()

    async def _make_key_store(self) -> KeyStore:
        if self.key_store_path is None:
            return MemoryKeyStore()
        # Namespaced by our own address, so one file can hold several adapters' bonds.
        # Built in a thread: its constructor resolves the path on disk.
        return await asyncio.to_thread(
            ThreadedJsonKeyStore, str(self.address), str(self.key_store_path)
        )

    def _describe(self) -> str:
        spec = self._transport_spec
        return spec if isinstance(spec, str) else "in-process link"

    # -- bleak backend classes -------------------------------------------------------

    def scanner_backend(self) -> type[BaseBleakScanner]:
        """A ``BaseBleakScanner`` subclass bound to this adapter, for ``BleakScanner(backend=)``."""
        if self._scanner_cls is None:
            self._scanner_cls = type("BumbleScanner", (BumbleScanner,), {"adapter": self})
        return self._scanner_cls

    def client_backend(self) -> type[BaseBleakClient]:
        """A ``BaseBleakClient`` subclass bound to this adapter, for ``BleakClient(backend=)``."""
        if self._client_cls is None:
            self._client_cls = type("BumbleClient", (BumbleClient,), {"adapter": self})
        return self._client_cls

    # -- used by the scanner and client modules ---------------------------------------

    async def add_scan_listener(self, token: object, listener: ScanListener, active: bool) -> None:
        """Start scanning if this is the first listener (the scan is refcounted)."""
        async with self._scan_lock:
            device = self.require_alive()
            self._scan_listeners[token] = listener
            if not device.is_scanning:
                try:
                    await device.start_scanning(active=active, filter_duplicates=False)
                except core.BaseBumbleError as error:  # e.g. a controller that stopped answering
                    self._scan_listeners.pop(token, None)
                    raise BleakError(f"scanning failed: {error}") from error

    async def remove_scan_listener(self, token: object) -> None:
        """Stop scanning when the last listener goes."""
        async with self._scan_lock:
            self._scan_listeners.pop(token, None)
            device = self._device
            if not self._scan_listeners and device is not None and device.is_scanning:
                if self.lost:
                    return
                try:
                    await device.stop_scanning()
                except core.BaseBumbleError as error:
                    logger.debug("stop scanning failed: %r", error)

    def resolve_address(self, address: str) -> hci.Address:
        """Parse a bleak address string, keeping the type seen in advertisements."""
        known = self.known_addresses.get(address.upper())
        return known if known is not None else hci.Address(address)

    def expect_connection(self, peer: hci.Address, client: BumbleClient) -> None:
        self._connecting[peer] = client

    def forget_connection(self, peer: hci.Address) -> None:
        self._connecting.pop(peer, None)

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        self.known_addresses[advertisement.address.to_string(False)] = advertisement.address
        for listener in list(self._scan_listeners.values()):
            listener(advertisement)

    def _on_connection(self, connection: Connection) -> None:
        # Pitfall 11: a security request or a notification can arrive before
        # Device.connect() returns, so the client attaches its listeners here.
        if connection.role != hci.Role.CENTRAL:
            return
        client = self._connecting.get(connection.peer_address)
        if client is not None:
            client.attach(connection)


class ThreadedJsonKeyStore(JsonKeyStore):
    """Bumble's JSON key store with its file I/O off the event loop.

    Upstream ``load``/``save`` are ``async`` but do blocking file I/O. They never
    suspend, so each is driven to completion in a worker thread; a lock keeps
    the load-modify-save of concurrent updates from interleaving.
    """

    def __init__(self, namespace: str, filename: str) -> None:
        super().__init__(namespace, filename)
        self._lock = asyncio.Lock()

    async def load(self) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, dict[str, Any]]]:
        return await asyncio.to_thread(_run_to_completion, super().load())

    async def save(self, db: dict[str, dict[str, dict[str, Any]]]) -> None:
        await asyncio.to_thread(_run_to_completion, super().save(db))

    async def update(self, name: str, keys: PairingKeys) -> None:
        async with self._lock:
            await super().update(name, keys)

    async def delete(self, name: str) -> None:
        async with self._lock:
            await super().delete(name)

    async def delete_all(self) -> None:
        async with self._lock:
            await super().delete_all()


def _run_to_completion(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine that never suspends (plain code behind ``async def``)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(_T, done.value)
    coroutine.close()
    raise RuntimeError("coroutine suspended; it cannot run outside the event loop")


def _just_works_pairing_config(_connection: Connection) -> pairing.PairingConfig:
    """LE Secure Connections, Just Works, bonding: a desktop app has no passkey UI yet."""
    return pairing.PairingConfig(
        sc=True,
        mitm=False,
        bonding=True,
        delegate=pairing.PairingDelegate(
            io_capability=pairing.PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT
        ),
    )
