"""Issue 11 item 4, the simulator's side: what a scan shows before any connection.

The model and serial number travel in the scan response (manufacturer-specific
data, company 0xFFFF "for testing"), so an active scan can tell two massagers
with the same name apart; the look-alike can be listed first, last or alone.
Scans wait for adverts (events), never for a guessed time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Literal

import pytest
from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from ble import protocol as p
from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink
from device_sim.__main__ import parse_args
from device_sim.clock import ManualClock
from device_sim.peripheral import DeviceIdentity, SimulatedMassager
from device_sim.process import simulator_process
from device_sim.server import (
    LOOK_ALIKE_ADDRESS,
    LOOK_ALIKE_SERIAL,
    STRONG_RSSI,
    WEAK_RSSI,
    LookAlike,
    SimulatorServer,
)

GENUINE = DeviceIdentity().address
ADVERTS_SEEN = 5  # at 20 ms a sweep, anything advertising is seen in well under this many


async def scan(
    adapter: BumbleAdapter,
    expect: set[str],
    mode: Literal["active", "passive"] = "active",
) -> dict[str, AdvertisementData]:
    """Scan until each address in `expect` was seen ADVERTS_SEEN times (and, scanning
    actively, with its scan response); return the latest data of everything seen."""
    latest: dict[str, AdvertisementData] = {}
    seen: Counter[str] = Counter()
    done = asyncio.Event()

    def on_advert(device: BLEDevice, adv: AdvertisementData) -> None:
        latest[device.address] = adv
        if mode == "passive" or adv.manufacturer_data:
            seen[device.address] += 1
        if all(seen[address] >= ADVERTS_SEEN for address in expect):
            done.set()

    async with (
        BleakScanner(
            on_advert,
            service_uuids=[p.SERVICE_UUID],
            scanning_mode=mode,
            backend=adapter.scanner_backend(),
        ),
        asyncio.timeout(5),
    ):
        await done.wait()
    return latest


def listed(found: dict[str, AdvertisementData]) -> list[str]:
    """The order the app lists candidates in (`ble.client.discover`): strongest first."""
    return sorted(found, key=lambda address: -(found[address].rssi or -127))


def identity_of(adv: AdvertisementData) -> p.ScanIdentity:
    return p.ScanIdentity.from_bytes(adv.manufacturer_data[p.TESTING_COMPANY_ID])


# --- in process ------------------------------------------------------------------------


async def test_active_scan_gets_model_and_serial_passive_scan_does_not(
    link: VirtualLink, clock: ManualClock, adapter: BumbleAdapter, sim: SimulatedMassager
) -> None:
    found = await scan(adapter, {GENUINE})
    adv = found[GENUINE]
    assert identity_of(adv) == p.ScanIdentity("TG-1 SIM", "SIM-0001")
    assert adv.local_name == "Thenar"
    assert adv.service_uuids == [p.SERVICE_UUID]
    assert adv.rssi == -50

    passive = await scan(adapter, {GENUINE}, mode="passive")
    assert passive[GENUINE].manufacturer_data == {}  # no scan request, no scan response
    assert passive[GENUINE].local_name == "Thenar"


async def test_each_massager_is_heard_at_its_own_signal_strength(
    link: VirtualLink, clock: ManualClock, adapter: BumbleAdapter, sim: SimulatedMassager
) -> None:
    neighbour = SimulatedMassager(
        link,
        DeviceIdentity(address="F0:7E:4A:00:00:42", serial_number="SIM-0042"),
        clock=clock,
        autotick=False,
        rssi=-38,
    )
    async with neighbour:
        found = await scan(adapter, {GENUINE, "F0:7E:4A:00:00:42"})
    assert listed(found) == ["F0:7E:4A:00:00:42", GENUINE]
    assert {a: identity_of(found[a]).serial for a in found} == {
        GENUINE: "SIM-0001",
        "F0:7E:4A:00:00:42": "SIM-0042",
    }


def test_a_long_model_number_is_shortened_to_fit_and_the_serial_kept(link: VirtualLink) -> None:
    long_model = "Thenar Glove Professional Edition"
    ident = p.ScanIdentity.fitting(long_model, "SIM-0001")
    assert ident.serial == "SIM-0001"
    assert long_model.startswith(ident.model)
    assert len(bytes(ident)) == p.SCAN_IDENTITY_MAX


# --- the simulator server: look-alike first, last, alone --------------------------------


@pytest.fixture
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[SimulatorServer, str]]:
    order: LookAlike | None = request.param
    server = SimulatorServer(port=0, look_alike=order)
    port = await server.start()
    try:
        yield server, f"tcp-client:127.0.0.1:{port}"
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ("first", [LOOK_ALIKE_ADDRESS, GENUINE]),
        ("last", [GENUINE, LOOK_ALIKE_ADDRESS]),
        ("alone", [LOOK_ALIKE_ADDRESS]),
        (None, [GENUINE]),
    ],
    indirect=["served"],
    ids=["first", "last", "alone", "none"],
)
async def test_look_alike_is_listed_first_last_or_alone(
    served: tuple[SimulatorServer, str], expected: list[str]
) -> None:
    server, spec = served
    # The one listed first also goes on the air first.
    assert [m.identity.address for m in server.massagers] == expected
    async with BumbleAdapter(spec) as adapter:
        found = await scan(adapter, set(expected))
    assert listed(found) == expected
    serial_of = {GENUINE: "SIM-0001", LOOK_ALIKE_ADDRESS: LOOK_ALIKE_SERIAL}
    assert {a: identity_of(found[a]).serial for a in found} == {a: serial_of[a] for a in expected}
    assert {found[a].local_name for a in found} == {"Thenar"}  # the same name: only serials differ
    if len(expected) == 2:
        assert found[expected[0]].rssi == STRONG_RSSI
        assert found[expected[1]].rssi == WEAK_RSSI
    assert server.primary.identity.address == (GENUINE if GENUINE in expected else expected[0])


def test_server_refuses_an_unknown_order_and_a_shared_address() -> None:
    with pytest.raises(ValueError, match="look_alike"):
        SimulatorServer(port=0, look_alike="middle")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="look-alike's address"):
        SimulatorServer([DeviceIdentity(address=LOOK_ALIKE_ADDRESS)], port=0, look_alike="last")


def test_command_line_look_alike_orders() -> None:
    assert parse_args([]).look_alike is None
    assert parse_args(["--look-alike"]).look_alike == "last"  # a bare flag keeps its meaning
    assert parse_args(["--look-alike", "--port", "0"]).look_alike == "last"
    for order in ("first", "last", "alone"):
        assert parse_args(["--look-alike", order]).look_alike == order
    with pytest.raises(SystemExit):
        parse_args(["--look-alike", "middle"])


async def test_simulator_process_puts_the_look_alike_first() -> None:
    """`python -m device_sim --look-alike first`, over a real socket."""
    async with (
        simulator_process(0, "--look-alike", "first") as spec,
        BumbleAdapter(spec) as adapter,
    ):
        found = await scan(adapter, {GENUINE, LOOK_ALIKE_ADDRESS})
    assert listed(found) == [LOOK_ALIKE_ADDRESS, GENUINE]
    assert identity_of(found[LOOK_ALIKE_ADDRESS]).serial == LOOK_ALIKE_SERIAL
