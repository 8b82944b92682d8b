"""Capture a device Thenar does not know, for the person to share with the project.

Scan, connect without pairing, list every service, characteristic (with its
properties) and descriptor, read what is readable, and keep the advertisement:
everything a driver author needs to recognise the device and start reading its
protocol. Nothing is written to the device, not even a subscription; nothing
leaves the computer (the person decides what to do with the file).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from ble.errors import DeviceNotFound
from data.files import make_private_dirs, write_private

if TYPE_CHECKING:
    from ble.backends import Backend

SCAN_TIMEOUT_S = 3.0
CONNECT_TIMEOUT_S = 10.0
FORMAT = "thenar-capture-1"


def _text(data: bytes) -> str | None:
    """The value as text when it plainly is text (names, serial numbers)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None


async def _read(read: Any) -> dict[str, Any]:
    try:
        data = bytes(await read)
    except (BleakError, TimeoutError, OSError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    value: dict[str, Any] = {"hex": data.hex()}
    if (text := _text(data)) is not None:
        value["text"] = text
    return value


async def capture(
    backend: Backend, address: str, timeout: float = SCAN_TIMEOUT_S
) -> dict[str, Any]:
    """Everything the device shows of itself, as JSON-ready data; writes nothing to it."""
    seen = await BleakScanner.discover(timeout=timeout, return_adv=True, **backend.scanner_kwargs())
    hit = next(((d, a) for addr, (d, a) in seen.items() if addr.upper() == address.upper()), None)
    if hit is None:
        raise DeviceNotFound(f"{address} is not advertising")
    device, adv = hit
    advertisement = {
        "address": device.address,
        "local_name": adv.local_name,
        "rssi": adv.rssi,
        "tx_power": adv.tx_power,
        "service_uuids": sorted(adv.service_uuids),
        "manufacturer_data": {str(k): bytes(v).hex() for k, v in adv.manufacturer_data.items()},
        "service_data": {k: bytes(v).hex() for k, v in adv.service_data.items()},
    }
    services: list[dict[str, Any]] = []
    client = BleakClient(device, timeout=CONNECT_TIMEOUT_S, pair=False, **backend.client_kwargs())
    await client.connect()
    try:
        for service in client.services:
            characteristics = []
            for char in service.characteristics:
                entry: dict[str, Any] = {
                    "uuid": char.uuid,
                    "description": char.description,
                    "properties": sorted(char.properties),
                }
                if "read" in char.properties:
                    entry["value"] = await _read(client.read_gatt_char(char))
                entry["descriptors"] = [
                    {"uuid": d.uuid, "value": await _read(client.read_gatt_descriptor(d))}
                    for d in char.descriptors
                ]
                characteristics.append(entry)
            services.append(
                {
                    "uuid": service.uuid,
                    "description": service.description,
                    "characteristics": characteristics,
                }
            )
    finally:
        with contextlib.suppress(BleakError, TimeoutError, OSError):
            await client.disconnect()
    return {
        "format": FORMAT,
        "captured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "advertisement": advertisement,
        "services": services,
    }


def write_capture(data: dict[str, Any], path: Path) -> Path:
    """Save a capture, readable by the person only (it names their device), atomically.

    File I/O: call it in a worker thread (`Massager.capture` does). Its folder is created
    private if missing; the write is the one atomic write (`data.files.write_private`).
    """
    make_private_dirs(path.parent)
    return write_private(path, json.dumps(data, indent=2, sort_keys=True))
