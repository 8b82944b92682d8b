"""The "AA 55" wire format: short checksummed frames, as many consumer massagers use.

A second device family, unlike Thenar's own profile in every respect: one vendor
service (0xFFE0) with a command characteristic written *without response* (0xFFE1)
and a notify characteristic (0xFFE2); discrete levels instead of mmHg; heat on or
off; on-device modes instead of uploaded programs; a status frame only on request;
no encryption, no request ids. `docs/aa55-protocol.md` describes it for people.

Pure: no asyncio, bleak or Bumble, so the simulated device and the driver share one
codec. Every decoder returns a frame or raises `FrameError`, never anything else.

Frame: ``AA 55 LEN CMD PARAMS... SUM`` from the central, ``BB 66 LEN CMD PARAMS... SUM``
from the device; LEN counts CMD and PARAMS; SUM is the sum of every preceding byte
(header included) modulo 256.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ble.protocol import sig_uuid

SERVICE_UUID = sig_uuid(0xFFE0)
COMMAND_UUID = sig_uuid(0xFFE1)  # write without response
NOTIFY_UUID = sig_uuid(0xFFE2)  # notify: replies to STATUS_REQUEST

COMMAND_HEADER = b"\xaa\x55"
REPLY_HEADER = b"\xbb\x66"
MAX_PARAMS = 16  # no frame of this family carries more; a longer one is refused


class FrameError(ValueError):
    """Bytes that are not a valid frame of this family."""


class Cmd(enum.IntEnum):
    POWER = 0x01  # 0 = off (everything stops), 1 = on (level 1, mode 1, heat off)
    LEVEL = 0x02  # 1..levels
    MODE = 0x03  # 1..modes
    HEAT = 0x04  # 0 = off, 1 = on
    TIMER = 0x05  # auto-off in minutes, 1..the model's maximum
    STATUS_REQUEST = 0x10
    STATUS = 0x90  # the device's reply


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def _encode(header: bytes, cmd: int, params: bytes) -> bytes:
    if len(params) > MAX_PARAMS:
        raise FrameError(f"{len(params)} parameter bytes, at most {MAX_PARAMS}")
    body = header + bytes([1 + len(params), cmd]) + params
    return body + bytes([checksum(body)])


def _decode(header: bytes, data: bytes) -> tuple[int, bytes]:
    if len(data) < 5:
        raise FrameError(f"{len(data)} bytes is too short for a frame: {data.hex()}")
    if data[:2] != header:
        raise FrameError(f"header {data[:2].hex()} is not {header.hex()}")
    length = data[2]
    if length < 1 or len(data) != 3 + length + 1:
        raise FrameError(f"length byte {length} does not match {len(data)} bytes")
    if checksum(data[:-1]) != data[-1]:
        raise FrameError(f"checksum {data[-1]:02x} should be {checksum(data[:-1]):02x}")
    return data[3], bytes(data[4:-1])


@dataclass(frozen=True)
class Command:
    """A central-to-device frame: one command byte and its parameters."""

    cmd: Cmd
    params: bytes = b""

    def __bytes__(self) -> bytes:
        return _encode(COMMAND_HEADER, self.cmd, self.params)

    @classmethod
    def from_bytes(cls, data: bytes) -> Command:
        cmd, params = _decode(COMMAND_HEADER, data)
        try:
            return cls(Cmd(cmd), params)
        except ValueError as exc:
            raise FrameError(f"unknown command 0x{cmd:02x}") from exc


def power(on: bool) -> Command:
    return Command(Cmd.POWER, bytes([int(on)]))


def level(n: int) -> Command:
    if not 1 <= n <= 0xFF:
        raise FrameError(f"level {n} is outside 1..255")
    return Command(Cmd.LEVEL, bytes([n]))


def mode(n: int) -> Command:
    if not 1 <= n <= 0xFF:
        raise FrameError(f"mode {n} is outside 1..255")
    return Command(Cmd.MODE, bytes([n]))


def heat(on: bool) -> Command:
    return Command(Cmd.HEAT, bytes([int(on)]))


def timer(minutes: int) -> Command:
    if not 1 <= minutes <= 0xFF:
        raise FrameError(f"timer {minutes} min is outside 1..255")
    return Command(Cmd.TIMER, bytes([minutes]))


def status_request() -> Command:
    return Command(Cmd.STATUS_REQUEST)


@dataclass(frozen=True)
class Status:
    """The device's sparse status, sent only when asked: no pressure, no temperature."""

    running: bool
    level: int
    mode: int
    heat_on: bool
    battery: int  # percent
    minutes_left: int  # until the device's own auto-off; 0 when not running

    def __bytes__(self) -> bytes:
        params = bytes(
            [
                int(self.running),
                self.level,
                self.mode,
                int(self.heat_on),
                self.battery,
                self.minutes_left,
            ]
        )
        return _encode(REPLY_HEADER, Cmd.STATUS, params)

    @classmethod
    def from_bytes(cls, data: bytes) -> Status:
        cmd, params = _decode(REPLY_HEADER, data)
        if cmd != Cmd.STATUS:
            raise FrameError(f"reply 0x{cmd:02x} is not a status frame")
        if len(params) != 6:
            raise FrameError(f"a status frame has 6 parameter bytes, not {len(params)}")
        running, lvl, md, heat_on, battery, left = params
        if running > 1 or heat_on > 1 or battery > 100:
            raise FrameError(f"status values out of range: {params.hex()}")
        return cls(bool(running), lvl, md, bool(heat_on), battery, left)
