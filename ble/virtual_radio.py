"""A virtual BLE radio: Bumble's emulated controllers on a shared in-process link.

Used by the tests, the in-process simulator and ``python -m device_sim``. The
helpers fix two defects of Bumble 0.0.236's emulated controller (pitfalls 3 and
9 in ``shared/notes/ble-simulation.md``) and optionally emulate a connection
interval (pitfall 7). Typical use::

    link = VirtualLink(hop_delay=0.0075)          # or VirtualLink() for no delay
    controller = new_controller(link, "central")
    device = Device(name="x", address=Address("F0:..."), host=host_for(controller))
    ...
    detach_controller(controller)                 # when a TCP client goes away
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

from bumble import hci, ll
from bumble.controller import Controller
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink, TransportSink, TransportSource

__all__ = [
    "VirtualController",
    "VirtualLink",
    "detach_controller",
    "host_for",
    "new_controller",
]


class VirtualController(Controller):
    """Bumble's emulated controller with a working LE Create Connection Cancel.

    Pitfall 3: upstream, the cancel command is a no-op, so after one timed-out
    connect the stale pending connection makes every later LE Create Connection
    fail with COMMAND_DISALLOWED. Here cancel clears it and, as the spec asks
    (Vol 4, Part E, 7.8.13), reports an LE Connection Complete event with status
    UNKNOWN_CONNECTION_IDENTIFIER, which Bumble's ``connect()`` turns into its
    TimeoutError.
    """

    def on_hci_le_create_connection_cancel_command(
        self, _command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        if pending is None:
            # The spec says COMMAND_DISALLOWED, but Bumble's connect() sends the
            # cancel even when the connection completed at the very moment of its
            # timeout, and would then raise although it is connected. SUCCESS lets
            # it pick up the completed connection instead.
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)
        self.pending_le_connection = None
        event = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=0,
            role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address.address_type,
            peer_address=pending.peer_address,
            connection_interval=0,
            peripheral_latency=0,
            supervision_timeout=0,
            central_clock_accuracy=0,
        )
        # The Command Complete for the cancel must reach the host first; it is
        # queued (call_soon) after this handler returns, so queue ours behind it.
        asyncio.get_running_loop().call_soon(self.send_hci_packet, event)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


class VirtualLink(LocalLink):
    """A ``LocalLink`` that can delay every connection-channel hop.

    Pitfall 7: Bumble simulates no connection interval, so round trips are pure
    software. With ``hop_delay`` > 0, ACL data and LL control PDUs reach the peer
    controller that many seconds later (7.5 ms is the shortest BLE interval).
    Delivery order is kept with one FIFO and one timer, since timers due at the
    same instant have no ordering guarantee in asyncio. Advertising is not delayed:
    it has its own interval.
    """

    def __init__(self, hop_delay: float = 0.0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # untyped upstream
        if hop_delay < 0:
            raise ValueError("hop_delay must be >= 0")
        self.hop_delay = hop_delay
        self._queue: collections.deque[tuple[float, Callable[[], None]]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def _later(self, deliver: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        self._queue.append((loop.time() + self.hop_delay, deliver))
        if self._timer is None:
            self._timer = loop.call_at(self._queue[0][0], self._drain)

    def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = None
        now = loop.time()
        while self._queue and self._queue[0][0] <= now:
            _, deliver = self._queue.popleft()
            deliver()
        if self._queue:
            self._timer = loop.call_at(self._queue[0][0], self._drain)

    def send_acl_data(self, *args: Any, **kwargs: Any) -> None:
        if self.hop_delay == 0:
            super().send_acl_data(*args, **kwargs)
        else:
            self._later(lambda: super(VirtualLink, self).send_acl_data(*args, **kwargs))

    def send_ll_control_pdu(self, *args: Any, **kwargs: Any) -> None:
        if self.hop_delay == 0:
            super().send_ll_control_pdu(*args, **kwargs)
        else:
            self._later(lambda: super(VirtualLink, self).send_ll_control_pdu(*args, **kwargs))

    def close(self) -> None:
        """Drop undelivered PDUs (call when the radio is torn down)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._queue.clear()


def new_controller(
    link: LocalLink,
    name: str,
    *,
    host_source: TransportSource | None = None,
    host_sink: TransportSink | None = None,
) -> VirtualController:
    """Create a fixed controller on ``link``.

    Without a source/sink, attach a host in process with :func:`host_for`. For a
    TCP client, pass the ``tcp-server:`` transport's source and sink (pitfall 4:
    use a fresh controller per client). Must be called inside a running loop.
    """
    return VirtualController(name, host_source=host_source, host_sink=host_sink, link=link)


def host_for(controller: Controller) -> Host:
    """A Bumble ``Host`` wired to an in-process controller (events arrive synchronously,
    commands are delivered on the next loop iteration, as Bumble's own tests do)."""
    return Host(controller, AsyncPipeSink(controller))


def detach_controller(
    controller: Controller, reason: int = hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR
) -> None:
    """Take a controller off its link cleanly.

    Pitfall 9: a removed controller keeps its advertising timers and its link
    reference, a "ghost" a central can still "connect" to. Pitfall 4: its peers
    would stay connected for good. So: stop advertising, tell every LE peer the
    link is terminated, then remove it from the link. Its own host is not told.
    """
    controller.le_legacy_advertiser.stop()
    for advertising_set in controller.advertising_sets.values():
        advertising_set.stop()
    for peer_address, connection in list(controller.le_connections.items()):
        connection.send_ll_control_pdu(ll.TerminateInd(reason))
        # No Disconnection Complete to our own host: it is going away (its TCP
        # socket may already be closed).
        del controller.le_connections[peer_address]
    link = controller.link
    if link is not None and controller in link.controllers:
        link.remove_controller(controller)
