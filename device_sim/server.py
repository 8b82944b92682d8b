"""`python -m device_sim`: the virtual massager as its own process, reached over loopback TCP.

The process owns one virtual radio (a Bumble `LocalLink`) with the massager on it.
Each TCP client (an app using the `tcp-client:127.0.0.1:PORT` transport) gets a
*fresh* emulated controller on that radio, speaking H4 HCI over the socket, and
loses it when the socket closes, with its links terminated (pitfall 4: one
long-lived controller would stay "connected" for ever after an app crash).
Bound to 127.0.0.1 only: health devices do not listen on the network.

A look-alike (a neighbour's massager: same name, model and service, another
address and serial number) can be put on the radio too, listed first (it is
heard more strongly and starts advertising first), last, or alone (the genuine
one is off).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any, Literal, get_args

from bumble.controller import Controller
from bumble.transport.common import StreamPacketSource

from ble.bumble_bleak.radio import DEFAULT_RSSI, VirtualLink, detach_controller, new_controller
from device_sim.peripheral import DeviceIdentity, SimulatedMassager

log = logging.getLogger(__name__)

DEFAULT_PORT = 7878
LookAlike = Literal["first", "last", "alone"]
LOOK_ALIKE_ORDERS: tuple[str, ...] = get_args(LookAlike)
LOOK_ALIKE_ADDRESS = "F0:7E:4A:00:00:99"
LOOK_ALIKE_SERIAL = "SIM-0099"
# Scans list the strongest signal first: the look-alike "first" is heard better.
STRONG_RSSI = -45
WEAK_RSSI = -70


def look_alike_of(identity: DeviceIdentity) -> DeviceIdentity:
    """A neighbour's massager: the same name, model and service; another address and serial."""
    return dataclasses.replace(
        identity, address=LOOK_ALIKE_ADDRESS, serial_number=LOOK_ALIKE_SERIAL
    )


class _SocketSink:
    """Sends the controller's HCI packets (already H4-framed) to the client's socket."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def on_packet(self, packet: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(packet)


class _ClientProtocol(asyncio.Protocol):
    def __init__(self, server: SimulatorServer) -> None:
        self._server = server
        self._source = StreamPacketSource()
        self._controller: Controller | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._server.client_count += 1
        name = f"client-{self._server.client_count}"
        log.info("%s connected from %s", name, transport.get_extra_info("peername"))
        self._controller = new_controller(
            self._server.link, name, host_source=self._source, host_sink=_SocketSink(transport)
        )

    def data_received(self, data: bytes) -> None:
        self._source.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._controller is not None:
            log.info("%s went away (%s): terminating its links", self._controller.name, exc)
            detach_controller(self._controller)
            self._controller = None


class SimulatorServer:
    """One virtual radio with one or more simulated massagers, served over loopback TCP.

    `look_alike` adds a look-alike of the first identity: "first" (heard more strongly
    than the genuine ones, and advertising before them), "last" (heard more weakly,
    advertising after them) or "alone" (the genuine ones are not on the radio).
    """

    def __init__(
        self,
        identities: list[DeviceIdentity] | None = None,
        port: int = DEFAULT_PORT,
        hop_delay: float = 0.0,
        look_alike: LookAlike | None = None,
        bond_store: Path | None = None,
    ) -> None:
        if look_alike is not None and look_alike not in LOOK_ALIKE_ORDERS:
            raise ValueError(f"look_alike must be one of {LOOK_ALIKE_ORDERS}, not {look_alike!r}")
        self.link = VirtualLink(hop_delay=hop_delay)
        genuine_identities = identities or [DeviceIdentity()]
        genuine_rssi = {None: DEFAULT_RSSI, "first": WEAK_RSSI, "last": STRONG_RSSI}
        self.genuine = [
            SimulatedMassager(
                self.link, ident, rssi=genuine_rssi[look_alike], bond_store=bond_store
            )
            for ident in genuine_identities
            if look_alike != "alone"
        ]
        self.look_alike: SimulatedMassager | None = None
        if look_alike is not None:
            twin = look_alike_of(genuine_identities[0])
            if any(m.identity.address == twin.address for m in self.genuine):
                raise ValueError(f"{twin.address} is the look-alike's address: choose another")
            rssi = {"first": STRONG_RSSI, "last": WEAK_RSSI, "alone": DEFAULT_RSSI}[look_alike]
            self.look_alike = SimulatedMassager(self.link, twin, rssi=rssi)
        # In the order they go on the air.
        self.massagers = (
            [self.look_alike, *self.genuine]
            if self.look_alike is not None and look_alike == "first"
            else [*self.genuine, *([self.look_alike] if self.look_alike else [])]
        )
        self.requested_port = port
        self.port: int | None = None
        self.client_count = 0
        self._server: asyncio.Server | None = None

    @property
    def primary(self) -> SimulatedMassager:
        """The massager the command line's fault injection acts on: the first genuine one,
        or the look-alike when it is alone."""
        return self.genuine[0] if self.genuine else self.massagers[0]

    async def start(self) -> int:
        for massager in self.massagers:
            await massager.start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _ClientProtocol(self), host="127.0.0.1", port=self.requested_port
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for massager in self.massagers:
            await massager.stop()
        self.link.close()

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: Any) -> None:
        await self.stop()
