"""The client half of the Bumble bleak backend (see :mod:`ble.bumble_bleak.adapter`).

Why this module is long: it implements bleak's whole client surface over Bumble
(connect, pairing, discovery with Service Changed, reads, writes, notifications), and
every part needs the same connection and the same pitfall handling
(docs/bumble-pitfalls.md).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import att, core, hci
from bumble.device import Connection, Peer

from ble.bumble_bleak.errors import BondNotAccepted
from ble.bumble_bleak.scanner import bumble_uuid_to_str

if TYPE_CHECKING:
    from bleak.args import SizedBuffer
    from bleak.assigned_numbers import CharacteristicPropertyName
    from bleak.backends.client import NotifyCallback
    from bumble.gatt_client import CharacteristicProxy, Client

    from ble.bumble_bleak.adapter import BumbleAdapter

__all__ = ["ATT_MTU", "BondNotAccepted", "BumbleClient"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

# The largest ATT MTU (Core Vol 3, Part F, 3.2.9: 512-byte value + 5); Bumble
# stays at 23 unless asked (note: "Exchange MTU after connecting").
ATT_MTU = 517
SERVICE_CHANGED_UUID = "00002a05-0000-1000-8000-00805f9b34fb"  # in the GATT service (0x1801)
# How long a controller may take to confirm an LE Create Connection Cancel
# before we stop waiting: real ones answer within a few connection events.
CONNECT_CANCEL_GRACE = 2.0




def _properties(bits: int) -> list[CharacteristicPropertyName]:
    return [name for bit, name in CHARACTERISTIC_PROPERTIES.items() if bit <= 0x80 and bits & bit]


class BumbleClient(BaseBleakClient):
    """Bleak client on a :class:`BumbleAdapter`; get it from ``adapter.client_backend()``.

    The disconnected callback fires on every disconnection, ours included, as
    with BlueZ. Pairing is LE Secure Connections Just Works with bonding; a bond
    in the key store is used to encrypt the link right after connecting, and a
    peripheral's security request is answered (encrypt if bonded, else pair).
    """

    adapter: ClassVar[BumbleAdapter]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        services: set[str] | None = None,
        timeout: float,
        **kwargs: Any,  # bluez=, winrt= and other platforms' arguments: not ours
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        if isinstance(address_or_ble_device, BLEDevice):
            details = address_or_ble_device.details
            self._peer = (
                details
                if isinstance(details, hci.Address)
                else self.adapter.resolve_address(self.address)
            )
            self._name = address_or_ble_device.name
        else:
            self._peer = self.adapter.resolve_address(address_or_ble_device)
            self._name = None
        self._service_filter = services
        self._connection: Connection | None = None
        self._notify_handlers: dict[int, Callable[[bytes], None]] = {}
        self._security_task: asyncio.Task[None] | None = None
        self._may_pair = False  # only when the app asked (connect(pair=True) or pair())
        self._orphans: set[asyncio.Future[Any]] = set()  # requests whose callers left
        self._subscribed_uuids: dict[int, str] = {}  # handle -> characteristic UUID
        self._rediscovery: asyncio.Task[None] | None = None
        self.service_changes = 0  # Service Changed indications acted on (diagnostics, tests)

    # -- properties ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        connection = self._connection
        return connection.att_mtu if connection is not None else att.ATT_DEFAULT_MTU

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    # -- connection --------------------------------------------------------------------

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self.is_connected:
            raise BleakError("Client is already connected")
        self._may_pair = pair
        timeout: float = kwargs.get("timeout", self._timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        adapter = self.adapter
        adapter.require_alive()
        async with asyncio.timeout_at(deadline):
            await adapter.connect_lock.acquire()
        try:
            adapter.expect_connection(self._peer, self)
            try:
                # Pitfall 3: the timeout goes into Bumble, which cancels the pending
                # connection in the controller; cancelling this call from outside
                # would leave it pending.
                remaining = max(deadline - loop.time(), 0.001)
                # The outer bound is only a backstop: Bumble waits without limit for
                # the controller to confirm the cancel, which a broken controller
                # (pitfall 3) never does.
                connection = await asyncio.wait_for(
                    adapter.device.connect(self._peer, timeout=remaining),
                    remaining + CONNECT_CANCEL_GRACE,
                )
            except (core.TimeoutError, TimeoutError) as error:  # pitfall 12: both kinds
                raise TimeoutError(f"connecting to {self.address} timed out") from error
            except core.BaseBumbleError as error:
                raise BleakError(f"connecting to {self.address} failed: {error}") from error
            except asyncio.CancelledError:
                # Cancelled from outside (e.g. the app's own timeout): Bumble leaves
                # the connection pending in the controller (pitfall 3).
                await asyncio.shield(self._abandon_connect())
                raise
            finally:
                adapter.forget_connection(self._peer)
        finally:
            adapter.connect_lock.release()
        self.attach(connection)  # no-op if the adapter's connection event did it
        try:
            async with asyncio.timeout_at(deadline):
                await self._run(lambda: Peer(connection).request_mtu(ATT_MTU))
                await self._secure(pair=pair)
                self.services = await self._discover()
                await self._watch_service_changes()
        except BaseException:
            await self._drop(connection)
            raise

    async def _abandon_connect(self) -> None:
        try:
            await self.adapter.device.send_sync_command(
                hci.HCI_LE_Create_Connection_Cancel_Command()
            )
        except core.BaseBumbleError as error:
            logger.debug("cancelling the pending connection: %r", error)
        if self._connection is not None:  # it completed meanwhile: do not orphan it
            await self._drop(self._connection)

    def attach(self, connection: Connection) -> None:
        """Adopt a fresh connection; called from the device's connection event (pitfall 11)."""
        if self._connection is connection:
            return
        self._connection = connection
        self.adapter.clients.add(self)
        self._notify_handlers.clear()
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        connection.on(Connection.EVENT_SECURITY_REQUEST, self._on_security_request)

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            await connection.disconnect(hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)
        except core.BaseBumbleError as error:
            # The link went down on its own meanwhile (HCI "unknown connection").
            logger.debug("disconnect: %r", error)

    async def _drop(self, connection: Connection) -> None:
        """Disconnect after a failed connect, whatever the state, without raising."""
        if self._connection is connection:
            try:
                await asyncio.wait_for(self.disconnect(), 2.0)
            except (TimeoutError, core.BaseBumbleError) as error:
                logger.debug("disconnect after failed connect: %r", error)

    def transport_lost(self) -> None:
        """The adapter's transport died: the link is gone, though no HCI event will say so."""
        connection = self._connection
        if connection is not None:
            gatt = connection.gatt_client
            if gatt.pending_response is not None and not gatt.pending_response.done():
                gatt.pending_response.cancel()  # a waiting request fails as "link lost"
            self._on_disconnection(hci.HCI_CONNECTION_TIMEOUT_ERROR)

    def _on_disconnection(self, reason: int) -> None:
        self.adapter.clients.discard(self)
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.remove_listener(Connection.EVENT_DISCONNECTION, self._on_disconnection)
            connection.remove_listener(Connection.EVENT_SECURITY_REQUEST, self._on_security_request)
        self._notify_handlers.clear()
        logger.debug("%s disconnected, reason 0x%02X", self.address, reason)
        if self._disconnected_callback is not None:
            # Scheduled, as bleak documents, and so that an exception in it does
            # not unwind through Bumble's event dispatch.
            asyncio.get_running_loop().call_soon(self._disconnected_callback)

    # -- security ----------------------------------------------------------------------

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        self._may_pair = True
        await self._secure(pair=True)

    async def unpair(self) -> None:
        """Forget the bond (and disconnect, as bleak documents)."""
        keystore = self.adapter.device.keystore
        if keystore is not None and await keystore.get(str(self._peer)) is not None:
            await keystore.delete(str(self._peer))
        await self.disconnect()

    def _on_security_request(self, _auth_req: int) -> None:
        if self._security_task is None or self._security_task.done():
            self._security_task = asyncio.get_running_loop().create_task(
                self._answer_security_request()
            )

    async def _answer_security_request(self) -> None:
        """Encrypt with our bond; pair only if the app allowed pairing on this link."""
        try:
            await self._secure(pair=self._may_pair)
        except (BleakError, TimeoutError) as error:
            logger.warning("answering %s's security request failed: %s", self.address, error)

    async def _secure(self, *, pair: bool) -> None:
        """Encrypt with the stored bond if there is one, else pair if asked."""
        pending = self._security_task
        if pending is not None and pending is not asyncio.current_task() and not pending.done():
            await asyncio.shield(pending)
        connection = self._require_connection()
        if connection.is_encrypted:
            return
        device = self.adapter.device
        keystore = device.keystore
        bonded = keystore is not None and await keystore.get(str(connection.peer_address))
        if bonded:
            try:
                await self._run(lambda: device.encrypt(connection), what="encryption")
                return
            except BleakError as error:
                logger.warning("bond with %s not accepted: %s", self.address, error)
                raise BondNotAccepted(
                    f"{self.address} did not accept our bond: {error}"
                ) from error
        if pair:
            await self._run(lambda: device.pair(connection), what="pairing")
            # A Bumble peer stores the bond in a task that its disconnection
            # cancels; if our disconnect overtakes it (a delayed link, or an app
            # that disconnects right after pair()), the bond is lost on its side
            # only. One ATT round trip (Find Information on handle 1, any answer
            # will do) proves it has processed our key distribution.
            gatt = connection.gatt_client
            await self._run(
                lambda: gatt.discover_descriptors(start_handle=1, end_handle=1),
                what="post-pairing round trip",
            )

    # -- GATT ----------------------------------------------------------------------------

    def _orphan_done(self, transaction: asyncio.Future[Any]) -> None:
        """A request whose caller left: its outcome is only logged (and never re-raised)."""
        self._orphans.discard(transaction)
        if transaction.cancelled():
            return
        error = transaction.exception()
        if isinstance(error, (core.TimeoutError, TimeoutError)):
            self._end_after_timeout()
        elif error is not None:
            logger.debug("%s: abandoned request ended with %r", self.address, error)

    def _end_after_timeout(self) -> None:
        connection = self._connection
        if connection is None:
            return
        logger.warning("%s: ATT transaction timed out; dropping the link", self.address)
        task = asyncio.get_running_loop().create_task(self._drop(connection))
        self._orphans.add(task)
        task.add_done_callback(self._orphans.discard)

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError(f"{self.address}: not connected")
        return self._connection

    def _gatt(self) -> Client:
        return self._require_connection().gatt_client

    async def _run(self, operation: Callable[[], Awaitable[_T]], what: str = "GATT request") -> _T:
        """Run one Bumble operation, mapping its errors to bleak's.

        The operation is a callable so that nothing is created (and left
        un-awaited) when we are not connected. It runs as its own task, shielded:
        if our caller is cancelled, the request still owns the ATT slot until its
        response arrives or the link drops (ATT allows one outstanding request), so
        the next request can never be matched with this one's late response.
        """
        self._require_connection()
        transaction = asyncio.ensure_future(operation())
        try:
            return await asyncio.shield(transaction)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                if not transaction.done():
                    self._orphans.add(transaction)
                    transaction.add_done_callback(self._orphan_done)
                raise  # our caller cancelled us: let it through; the request runs on
            # Pitfall 12: Bumble cancels the pending request when the link drops.
            raise BleakError(f"{self.address}: link lost during {what}") from None
        except att.ATT_Error as error:
            raise BleakGATTProtocolError(error.error_code) from error
        except (core.TimeoutError, TimeoutError) as error:  # pitfall 12: both kinds
            # An ATT transaction timeout ends the bearer (Core Vol 3, Part F, 3.3.3):
            # no further request may go out on it, so the link is dropped.
            self._end_after_timeout()
            raise TimeoutError(f"{self.address}: {what} timed out") from error
        except core.BaseBumbleError as error:
            raise BleakError(f"{self.address}: {what} failed: {error}") from error

    async def _discover(self) -> BleakGATTServiceCollection:
        client = self._gatt()
        collection = BleakGATTServiceCollection()
        for service_proxy in await self._run(client.discover_services):
            service_uuid = bumble_uuid_to_str(service_proxy.uuid)
            if self._service_filter and service_uuid not in self._service_filter:
                continue
            service = BleakGATTService(service_proxy, service_proxy.handle, service_uuid)
            collection.add_service(service)
            proxies = await self._run(
                functools.partial(client.discover_characteristics, (), service_proxy)
            )
            for proxy in proxies:
                characteristic = BleakGATTCharacteristic(
                    proxy,
                    proxy.handle,
                    bumble_uuid_to_str(proxy.uuid),
                    _properties(int(proxy.properties)),
                    lambda: self.mtu_size - 3,
                    service,
                )
                collection.add_characteristic(characteristic)
                for descriptor_proxy in await self._run(
                    functools.partial(client.discover_descriptors, proxy)
                ):
                    collection.add_descriptor(
                        BleakGATTDescriptor(
                            descriptor_proxy,
                            descriptor_proxy.handle,
                            bumble_uuid_to_str(descriptor_proxy.type),
                            characteristic,
                        )
                    )
                # Bumble never sets this flag itself; without it every subscribe
                # re-runs descriptor discovery.
                proxy.descriptors_discovered = True
        return collection

    async def _watch_service_changes(self) -> None:
        """Subscribe to Service Changed, as BlueZ, CoreBluetooth and WinRT do on connect."""
        services = self.services
        characteristic = services.get_characteristic(SERVICE_CHANGED_UUID) if services else None
        if characteristic is None:
            return
        proxy: CharacteristicProxy[bytes] = characteristic.obj
        client = self._gatt()
        await self._run(
            lambda: client.subscribe(proxy, self._on_service_changed, prefer_notify=False),
            what="Service Changed subscription",
        )

    def _on_service_changed(self, _value: bytes) -> None:
        if self._rediscovery is None or self._rediscovery.done():
            self._rediscovery = asyncio.get_running_loop().create_task(self._rediscover())

    async def _rediscover(self) -> None:
        """The peer's database changed: discover it again and renew our subscriptions."""
        subscribed = {
            self._subscribed_uuids[h]: on_value
            for h, on_value in self._notify_handlers.items()
            if h in self._subscribed_uuids
        }
        client = self._gatt()
        for subscribers in (client.notification_subscribers, client.indication_subscribers):
            subscribers.clear()
        client.services = []
        self._notify_handlers.clear()
        self._subscribed_uuids.clear()
        try:
            self.services = await self._discover()
            await self._watch_service_changes()
            for uuid, on_value in subscribed.items():
                characteristic = self.services.get_characteristic(uuid)
                if characteristic is None:
                    logger.warning("%s: %s is gone after Service Changed", self.address, uuid)
                    continue
                proxy: CharacteristicProxy[bytes] = characteristic.obj
                self._notify_handlers[characteristic.handle] = on_value
                self._subscribed_uuids[characteristic.handle] = uuid
                await self._run(functools.partial(client.subscribe, proxy, on_value, True))
        except (BleakError, TimeoutError) as error:
            logger.warning("%s: re-discovery after Service Changed failed: %s", self.address, error)
            return
        self.service_changes += 1
        logger.info("%s: services re-discovered after Service Changed", self.address)

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(characteristic.handle, use_cached)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(descriptor.handle, use_cached)

    async def _read(self, handle: int, use_cached: bool) -> bytearray:
        client = self._gatt()
        if use_cached and handle in client.cached_values:
            return bytearray(client.cached_values[handle][1])
        return bytearray(await self._run(lambda: client.read_value(handle)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        client = self._gatt()
        value = bytes(data)
        # Pitfall 13: without response, a peer that refuses the write says nothing.
        await self._run(
            lambda: client.write_value(characteristic.handle, value, with_response=response)
        )

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        client = self._gatt()
        value = bytes(data)
        await self._run(lambda: client.write_value(descriptor.handle, value, with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe, preferring notifications over indications as bleak asks."""
        client = self._gatt()
        proxy: CharacteristicProxy[bytes] = characteristic.obj
        handle = characteristic.handle
        if handle in self._notify_handlers:
            raise BleakError(f"notifications already started on {characteristic.uuid}")

        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        self._notify_handlers[handle] = on_value
        self._subscribed_uuids[handle] = characteristic.uuid
        try:
            await self._run(lambda: client.subscribe(proxy, on_value, prefer_notify=True))
        except BaseException:
            # Bumble registers the subscriber before writing the CCCD: undo it.
            self._notify_handlers.pop(handle, None)
            for subscribers in (client.notification_subscribers, client.indication_subscribers):
                subscribers.pop(handle, None)
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        client = self._gatt()
        on_value = self._notify_handlers.pop(characteristic.handle, None)
        if on_value is None:
            return
        proxy: CharacteristicProxy[bytes] = characteristic.obj
        await self._run(lambda: client.unsubscribe(proxy, on_value))
