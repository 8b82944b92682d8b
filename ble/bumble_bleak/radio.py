"""A virtual BLE radio: Bumble's emulated controllers on a shared in-process link.

Used by the tests, the in-process simulator and ``python -m device_sim``. The
helpers fix three defects of Bumble 0.0.236's emulated controller (pitfalls 1, 3
and 9 in ``docs/bumble-pitfalls.md``), give each controller its own
signal strength, and optionally emulate a connection interval (pitfall 7). Typical use::

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bumble import hci, ll
from bumble.controller import Controller
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

if TYPE_CHECKING:
    from bumble.transport.common import TransportSink, TransportSource

__all__ = [
    "VirtualController",
    "VirtualLink",
    "detach_controller",
    "host_for",
    "new_controller",
]


DEFAULT_RSSI = -50  # dBm: what Bumble's emulated controller reports for every advert


@dataclass(frozen=True)
class _Advertiser:
    """What a scanner learns about an advertiser on the link (its advertising parameters)."""

    connectable: bool
    scannable: bool
    legacy: bool
    scan_response: bytes
    rssi: int


class VirtualController(Controller):
    """Bumble's emulated controller with a working LE Create Connection Cancel, real scan
    responses, and a signal strength per advertiser.

    Pitfall 3: upstream, the cancel command is a no-op, so after one timed-out
    connect the stale pending connection makes every later LE Create Connection
    fail with COMMAND_DISALLOWED. Here cancel clears it and, as the spec asks
    (Vol 4, Part E, 7.8.13), reports an LE Connection Complete event with status
    UNKNOWN_CONNECTION_IDENTIFIER, which Bumble's ``connect()`` turns into its
    TimeoutError.

    Pitfall 1: upstream, a scanner gets the advert repeated as the scan response,
    even when scanning passively, and every advert with -50 dBm. Here an active
    scanner gets the advertiser's own scan response data (as if it had sent a
    SCAN_REQ), a passive one none, and each report carries the advertiser's
    ``rssi`` (set it on the advertising controller: how strongly others hear it).
    """

    rssi: int = DEFAULT_RSSI

    def on_hci_le_set_extended_scan_parameters_command(
        self, command: hci.HCI_LE_Set_Extended_Scan_Parameters_Command
    ) -> hci.HCI_StatusReturnParameters:
        # Upstream keeps the scan type only from the legacy command; active or passive
        # decides whether scan responses are reported.
        result = super().on_hci_le_set_extended_scan_parameters_command(command)
        self.le_scan_type = command.scan_types[0] if command.scan_types else 0
        return result

    def on_advertising_pdu(self, pdu: ll.AdvInd | ll.AdvExtInd) -> None:
        if not self.le_scan_enable:
            super().on_advertising_pdu(pdu)
            return
        advertiser = self._advertiser(pdu.advertiser_address) or _Advertiser(
            connectable=True,  # not found on the link: report the advert as it came
            scannable=False,
            legacy=isinstance(pdu, ll.AdvInd),
            scan_response=b"",
            rssi=DEFAULT_RSSI,
        )
        self._report(pdu, advertiser)
        # Upstream reports too (the advert twice, pitfall 1): let it do everything else
        # (periodic advertising sync, a pending connection) with its reporting off.
        self.le_scan_enable = False
        try:
            super().on_advertising_pdu(pdu)
        finally:
            self.le_scan_enable = True

    def _advertiser(self, address: hci.Address) -> _Advertiser | None:
        """The advertiser with this address on the link, as its controller has set it up."""
        link = self.link
        for controller in link.controllers if link is not None else ():
            rssi = getattr(controller, "rssi", DEFAULT_RSSI)
            legacy = controller.le_legacy_advertiser
            if legacy.enabled and legacy.address == address:
                kind = hci.HCI_LE_Set_Advertising_Parameters_Command.AdvertisingType
                return _Advertiser(
                    connectable=legacy.advertising_type
                    in (kind.ADV_IND, kind.ADV_DIRECT_IND, kind.ADV_DIRECT_IND_LOW_DUTY),
                    scannable=legacy.advertising_type in (kind.ADV_IND, kind.ADV_SCAN_IND),
                    legacy=True,
                    scan_response=bytes(legacy.scan_response_data),
                    rssi=rssi,
                )
            for adv_set in controller.advertising_sets.values():
                if adv_set.enabled and adv_set.address == address and adv_set.parameters:
                    props = (
                        hci.HCI_LE_Set_Extended_Advertising_Parameters_Command.AdvertisingProperties
                    )
                    bits = adv_set.parameters.advertising_event_properties
                    return _Advertiser(
                        connectable=bool(bits & props.CONNECTABLE_ADVERTISING),
                        scannable=bool(bits & props.SCANNABLE_ADVERTISING),
                        legacy=bool(bits & props.USE_LEGACY_ADVERTISING_PDUS),
                        scan_response=bytes(adv_set.scan_response_data),
                        rssi=rssi,
                    )
        return None

    def _report(self, pdu: ll.AdvInd | ll.AdvExtInd, advertiser: _Advertiser) -> None:
        """Advertising report(s) for one advert: the advert, then (active scanning of a
        scannable advertiser) its scan response."""
        active = (
            self.le_scan_type == hci.HCI_LE_Set_Extended_Scan_Parameters_Command.ACTIVE_SCANNING
        )
        scan_response = active and advertiser.scannable
        address = pdu.advertiser_address
        if self.le_features & hci.LeFeatureMask.LE_EXTENDED_ADVERTISING:
            ext = hci.HCI_LE_Extended_Advertising_Report_Event
            kind = ext.EventType(0)
            if advertiser.connectable:
                kind |= ext.EventType.CONNECTABLE_ADVERTISING
            if advertiser.scannable:
                kind |= ext.EventType.SCANNABLE_ADVERTISING
            if advertiser.legacy:
                kind |= ext.EventType.LEGACY_ADVERTISING_PDU_USED

            def extended(event_type: int, data: bytes) -> None:
                report = ext.Report(
                    event_type=event_type,
                    address_type=address.address_type,
                    address=address,
                    primary_phy=hci.Phy.LE_1M,
                    secondary_phy=hci.Phy.LE_1M,
                    advertising_sid=0,
                    tx_power=ext.TX_POWER_INFORMATION_NOT_AVAILABLE,
                    rssi=advertiser.rssi,
                    periodic_advertising_interval=0,
                    direct_address_type=0,
                    direct_address=hci.Address.ANY,
                    data=data,
                )
                self.send_hci_packet(ext([report]))

            extended(int(kind), pdu.data)
            if scan_response:
                extended(int(kind | ext.EventType.SCAN_RESPONSE), advertiser.scan_response)
            return
        legacy_event = hci.HCI_LE_Advertising_Report_Event
        types = legacy_event.EventType
        advert_type = (
            types.ADV_IND
            if advertiser.connectable
            else types.ADV_SCAN_IND
            if advertiser.scannable
            else types.ADV_NONCONN_IND
        )

        def legacy_report(event_type: int, data: bytes) -> None:
            report = legacy_event.Report(
                event_type=event_type,
                address_type=address.address_type,
                address=address,
                data=data,
                rssi=advertiser.rssi,
            )
            self.send_hci_packet(legacy_event([report]))

        legacy_report(advert_type, pdu.data)
        if scan_response:
            legacy_report(types.SCAN_RSP, advertiser.scan_response)

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
