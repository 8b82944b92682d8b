"""Capture mode on both simulated families: the dump is complete and nothing was written."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

from ble import aa55
from ble import protocol as p
from drivers.capture import capture, write_capture


def chars(dump: dict) -> dict[str, dict]:
    return {c["uuid"]: c for s in dump["services"] for c in s["characteristics"]}


async def test_capture_of_the_consumer_family_writes_nothing(backend, palma, tmp_path) -> None:
    dump = await capture(backend, palma.identity.address)
    assert palma.writes == 0
    assert palma.firmware.frames == 0
    adv = dump["advertisement"]
    assert adv["local_name"] == "Palma P5"
    assert adv["manufacturer_data"] == {str(0x0A55): b"P5".hex()}
    assert aa55.SERVICE_UUID in adv["service_uuids"]
    found = chars(dump)
    assert found[aa55.COMMAND_UUID]["properties"] == ["write-without-response"]
    assert found[aa55.NOTIFY_UUID]["properties"] == ["notify"]
    assert found[aa55.NOTIFY_UUID]["descriptors"]  # the CCCD is listed (read, not written)
    name = found[p.sig_uuid(0x2A00)]["value"]
    assert name["text"] == "Palma P5"
    path = await asyncio.to_thread(write_capture, dump, tmp_path / "palma.json")
    assert json.loads(path.read_text()) == dump
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_capture_of_thenar_family_writes_nothing(backend, thenar_sim) -> None:
    dump = await capture(backend, thenar_sim.identity.address)
    assert thenar_sim.writes == 0
    assert thenar_sim.model.controller is None  # nobody took control
    found = chars(dump)
    assert set(found) >= {
        p.FEATURES_UUID, p.LIMITS_UUID, p.CONTROL_POINT_UUID, p.PROGRAM_UUID, p.STATUS_UUID,
    }
    assert found[p.MANUFACTURER_NAME_UUID]["value"]["text"] == thenar_sim.identity.manufacturer
    assert bytes.fromhex(found[p.FEATURES_UUID]["value"]["hex"])  # readable without pairing
    assert "error" in found[p.LIMITS_UUID]["value"]  # needs encryption: recorded, not paired
    assert sorted(found[p.CONTROL_POINT_UUID]["properties"]) == ["indicate", "write"]


def test_written_captures_are_private(tmp_path: Path) -> None:
    path = write_capture({"format": "x"}, tmp_path / "captures" / "c.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [f.name for f in path.parent.iterdir()] == ["c.json"]  # no temporary file left


def test_a_capture_replaces_an_older_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    write_capture({"format": "x", "services": list(range(1000))}, path)
    write_capture({"format": "y"}, path)
    assert json.loads(path.read_text()) == {"format": "y"}
