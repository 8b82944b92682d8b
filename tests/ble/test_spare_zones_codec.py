"""Spare Zones (docs/gatt-profile.md): the real codec, both ways, and malformed frames refused."""

from __future__ import annotations

import pytest

from ble import protocol as p
from massage import ZONE_COUNT, Zone


def test_spare_zones_round_trips_with_its_mask_and_zones() -> None:
    cmd = p.SpareZones(p.zone_mask([Zone.THUMB_BASE, Zone.FINGERS]), seq=7)
    assert bytes(cmd) == bytes([0x0B, 7, 0b1001])
    decoded = p.decode_command(bytes(cmd))
    assert decoded == cmd
    assert isinstance(decoded, p.SpareZones)
    assert decoded.zones == (Zone.THUMB_BASE, Zone.FINGERS)
    assert p.SpareZones(0).zones == ()
    assert p.SpareZones(p.ALL_ZONES_MASK).zones == tuple(Zone)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (bytes([0x0B, 1]), "expected 1 bytes, got 0"),
        (bytes([0x0B, 1, 0x01, 0x00]), "expected 1 bytes, got 2"),
        (bytes([0x0B, 1, 1 << ZONE_COUNT]), "beyond the 6 a Thenar massager has"),
        (bytes([0x0B, 1, 0xFF]), "only bits 0..5"),
    ],
    ids=["no mask", "trailing byte", "zone 6", "every bit"],
)
def test_malformed_spare_zones_is_refused_with_a_clear_error(raw: bytes, why: str) -> None:
    with pytest.raises(p.ProtocolError, match="SPARE_ZONES") as err:
        p.decode_command(raw)
    assert why in str(err.value)


def test_a_mask_the_device_could_not_honour_cannot_be_encoded() -> None:
    with pytest.raises(p.ProtocolError):
        p.SpareZones(0x40)
    with pytest.raises(p.ProtocolError):
        p.SpareZones(-1)
    with pytest.raises(p.ProtocolError, match="zone"):
        p.zone_mask([Zone(ZONE_COUNT)])
