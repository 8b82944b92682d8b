"""`python -m device_sim`: the virtual massager as its own process, reached over loopback TCP.

The process owns one virtual radio (a Bumble `LocalLink`) with the massager on it.
Each TCP client (an app using the `tcp-client:127.0.0.1:PORT` transport) gets a
*fresh* emulated controller on that radio, speaking H4 HCI over the socket, and
loses it when the socket closes, with its links terminated (pitfall 4: one
long-lived controller would stay "connected" for ever after an app crash).
Bound to 127.0.0.1 only: health devices do not listen on the network.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bumble.controller import Controller
from bumble.transport.common import StreamPacketSource

from ble.virtual_radio import VirtualLink, detach_controller, new_controller
from device_sim.peripheral import DeviceIdentity, SimulatedMassager

log = logging.getLogger(__name__)

DEFAULT_PORT = 7878


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
    """One virtual radio with one or more simulated massagers, served over loopback TCP."""

    def __init__(
        self,
        identities: list[DeviceIdentity] | None = None,
        port: int = DEFAULT_PORT,
        hop_delay: float = 0.0,
    ) -> None:
        self.link = VirtualLink(hop_delay=hop_delay)
        self.massagers = [
            SimulatedMassager(self.link, ident) for ident in identities or [DeviceIdentity()]
        ]
        self.requested_port = port
        self.port: int | None = None
        self.client_count = 0
        self._server: asyncio.Server | None = None

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
