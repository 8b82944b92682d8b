"""The Thenar massager's GATT wire format: one pure codec shared by app and simulator.

No asyncio, bleak, Bumble or Qt here, so the central, the simulated firmware and
the tests all encode and decode with the same definitions and cannot drift.
`docs/gatt-profile.md` is the human-readable version of this module.

Only the encoding lives here: the zones, patterns, caps and ceilings it carries are
`massage`'s (the vocabulary every layer shares), and the firmware's behaviour is
`device_sim`'s. Conventions: little-endian; pressure in whole mmHg (u8); temperature in
tenths of a degree Celsius (u16, "dc"); durations in whole seconds (u16). Every decoder
either returns a frame or raises `ProtocolError`; unknown enum codes are kept
(as open enum members) rather than rejected, so a newer device does not crash
an older app.

Protocol version 2 (this module): every control point command carries a request
id that its indication echoes, and Features lists the protocol versions the
device speaks. Version 1 (no request ids) is not spoken any more.

Why this module is long: one wire format. Every frame's encoder and decoder sit together
(commands, control responses, program chunks, the advert's identity, status, features,
limits), so a reader checks each against docs/gatt-profile.md side by side, and the app
and the simulator share one definition that cannot drift; there is no behaviour here to
split off.
"""

from __future__ import annotations

import dataclasses
import enum
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Self

from massage import MAX_PLAN_STEPS, ZONE_COUNT, Limits, OpenIntEnum, Pattern, Zone

# --- UUIDs -----------------------------------------------------------------

_BASE = "a8d1{:04x}-7c3e-4b6e-9f59-2f0c6b1e7a00"

SERVICE_UUID = _BASE.format(0x0001)
FEATURES_UUID = _BASE.format(0x0002)
LIMITS_UUID = _BASE.format(0x0003)
CONTROL_POINT_UUID = _BASE.format(0x0004)
PROGRAM_UUID = _BASE.format(0x0005)
STATUS_UUID = _BASE.format(0x0006)


def sig_uuid(short: int) -> str:
    """Expand a 16-bit Bluetooth SIG UUID to the lower-case 128-bit string bleak uses."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


DEVICE_INFORMATION_SERVICE_UUID = sig_uuid(0x180A)
MANUFACTURER_NAME_UUID = sig_uuid(0x2A29)
MODEL_NUMBER_UUID = sig_uuid(0x2A24)
SERIAL_NUMBER_UUID = sig_uuid(0x2A25)
FIRMWARE_REVISION_UUID = sig_uuid(0x2A26)
BATTERY_SERVICE_UUID = sig_uuid(0x180F)
BATTERY_LEVEL_UUID = sig_uuid(0x2A19)

# Version 2: control point commands carry a request id that the indication echoes.
PROTOCOL_VERSION = 2


class ProtocolError(ValueError):
    """Bytes that are not a valid frame of this protocol (or a frame that cannot be encoded)."""


class ChunkOutOfSequence(ProtocolError):
    """A program chunk that does not follow the previous one: the upload must restart."""


class Opcode(OpenIntEnum):
    REQUEST_CONTROL = 0x01
    START_PROGRAM = 0x02
    PAUSE = 0x03
    RESUME = 0x04
    STOP = 0x05
    SET_INTENSITY = 0x06
    SET_HEAT = 0x07
    HEARTBEAT = 0x08
    CLEAR_FAULT = 0x09
    RELEASE_CONTROL = 0x0A
    SPARE_ZONES = 0x0B
    RESPONSE = 0x80


class ResultCode(OpenIntEnum):
    """Control point result codes, numbered as in the Fitness Machine Service."""

    SUCCESS = 0x01
    OPCODE_NOT_SUPPORTED = 0x02
    INVALID_PARAMETER = 0x03
    OPERATION_FAILED = 0x04
    CONTROL_NOT_PERMITTED = 0x05
    LIMIT_EXCEEDED = 0x06
    INVALID_STATE = 0x07


class AppError(OpenIntEnum):
    """ATT application error codes (0x80-0x9F) returned on writes to our characteristics."""

    NOT_IN_CONTROL = 0x80
    INVALID_PROGRAM = 0x81
    CHUNK_OUT_OF_SEQUENCE = 0x82
    BUSY = 0x83


# ATT errors from the core spec / common profile errors that the device uses.
ATT_INSUFFICIENT_ENCRYPTION = 0x0F
ATT_INVALID_ATTRIBUTE_VALUE_LENGTH = 0x0D
ATT_VALUE_OUT_OF_RANGE = 0xFF


class State(OpenIntEnum):
    IDLE = 0
    RUNNING = 1
    PAUSED = 2
    STOPPED = 3
    FAULT = 4


class StopReason(OpenIntEnum):
    NONE = 0
    USER = 1
    LIMIT = 2
    WATCHDOG = 3
    LINK_LOST = 4
    OVER_TEMPERATURE = 5
    BATTERY = 6
    AUTO_OFF = 7
    COMPLETED = 8
    FAULT = 9


class FaultFlags(enum.IntFlag, boundary=enum.KEEP):
    NONE = 0
    OVER_TEMPERATURE = 1 << 0
    STUCK_VALVE = 1 << 1
    LOW_BATTERY = 1 << 2
    PRESSURE_SENSOR = 1 << 3


# --- helpers ---------------------------------------------------------------


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProtocolError(f"{name}={value!r} is outside {low}..{high}")


def _unpack(fmt: str, data: bytes, what: str) -> tuple[int, ...]:
    try:
        return struct.unpack(fmt, data)
    except struct.error as exc:
        expected = struct.calcsize(fmt)
        raise ProtocolError(f"{what}: expected {expected} bytes, got {len(data)}") from exc


# --- Features (read) -------------------------------------------------------

_FEATURES_HEAD = struct.Struct("<BBBBHHHH")


@dataclass(frozen=True)
class Features:
    """What this device can do; read once after connecting."""

    protocol_version: int
    zone_names: tuple[str, ...]
    pressure_min_mmhg: int
    pressure_max_mmhg: int
    pressure_step_mmhg: int
    heat_min_dc: int
    heat_max_dc: int
    heat_step_dc: int
    max_session_s: int
    opcodes: tuple[Opcode, ...]
    # Every protocol version the device speaks (a trailing list on the wire). A Features
    # frame without it comes from a version 1 device: it decodes as `(protocol_version,)`.
    protocol_versions: tuple[int, ...] = (PROTOCOL_VERSION,)

    def __post_init__(self) -> None:
        _check_range("protocol_version", self.protocol_version, 0, 0xFF)
        if len(self.protocol_versions) > 0xFF:
            raise ProtocolError("too many protocol versions")
        for version in self.protocol_versions:
            _check_range("protocol version", version, 0, 0xFF)
        for name in ("pressure_min_mmhg", "pressure_max_mmhg", "pressure_step_mmhg"):
            _check_range(name, getattr(self, name), 0, 0xFF)
        for name in ("heat_min_dc", "heat_max_dc", "heat_step_dc", "max_session_s"):
            _check_range(name, getattr(self, name), 0, 0xFFFF)
        if len(self.opcodes) > 0xFF or len(self.zone_names) > 0xFF:
            raise ProtocolError("too many opcodes or zones")
        for op in self.opcodes:
            _check_range("opcode", int(op), 0, 0xFF)
        for name in self.zone_names:
            if len(name.encode()) > 0xFF:
                raise ProtocolError("zone name too long")

    def __bytes__(self) -> bytes:
        out = bytearray(
            _FEATURES_HEAD.pack(
                self.protocol_version,
                self.pressure_min_mmhg,
                self.pressure_max_mmhg,
                self.pressure_step_mmhg,
                self.heat_min_dc,
                self.heat_max_dc,
                self.heat_step_dc,
                self.max_session_s,
            )
        )
        out.append(len(self.opcodes))
        out.extend(int(op) for op in self.opcodes)
        out.append(len(self.zone_names))
        for name in self.zone_names:
            raw = name.encode()
            out.append(len(raw))
            out.extend(raw)
        out.append(len(self.protocol_versions))
        out.extend(self.protocol_versions)
        return bytes(out)

    def speaks(self, version: int) -> bool:
        """Whether the device speaks protocol `version` (the app speaks `PROTOCOL_VERSION`)."""
        return version in self.protocol_versions

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        head = _unpack(_FEATURES_HEAD.format, data[: _FEATURES_HEAD.size], "Features")
        pos = _FEATURES_HEAD.size
        try:
            n_ops = data[pos]
            ops = tuple(Opcode(b) for b in data[pos + 1 : pos + 1 + n_ops])
            if len(ops) != n_ops:
                raise ProtocolError("Features: opcode list truncated")
            pos += 1 + n_ops
            n_zones = data[pos]
            pos += 1
            names = []
            for _ in range(n_zones):
                length = data[pos]
                raw = data[pos + 1 : pos + 1 + length]
                if len(raw) != length:
                    raise ProtocolError("Features: zone name truncated")
                names.append(raw.decode())
                pos += 1 + length
            version = head[0]
            versions: tuple[int, ...] = (version,)  # version 1 framing: no list
            if pos < len(data):
                n_versions = data[pos]
                versions = tuple(data[pos + 1 : pos + 1 + n_versions])
                if len(versions) != n_versions:
                    raise ProtocolError("Features: protocol version list truncated")
                pos += 1 + n_versions
        except IndexError as exc:
            raise ProtocolError("Features: truncated") from exc
        except UnicodeDecodeError as exc:
            raise ProtocolError("Features: zone name is not UTF-8") from exc
        if pos != len(data):
            raise ProtocolError(f"Features: {len(data) - pos} trailing bytes")
        _, p_min, p_max, p_step, h_min, h_max, h_step, max_session = head
        return cls(
            version,
            tuple(names),
            p_min,
            p_max,
            p_step,
            h_min,
            h_max,
            h_step,
            max_session,
            ops,
            versions,
        )


# --- Limits (read, write) --------------------------------------------------

_LIMITS = struct.Struct("<BHH")


def encode_limits(limits: Limits) -> bytes:
    """The Limits characteristic's value for these caps (`max_heat_dc == 0`: heat off)."""
    _check_range("max_pressure_mmhg", limits.max_pressure_mmhg, 0, 0xFF)
    _check_range("max_heat_dc", limits.max_heat_dc, 0, 0xFFFF)
    _check_range("max_session_s", limits.max_session_s, 0, 0xFFFF)
    return _LIMITS.pack(limits.max_pressure_mmhg, limits.max_heat_dc, limits.max_session_s)


def decode_limits(data: bytes) -> Limits:
    """The caps in a Limits value. Raises ProtocolError."""
    return Limits(*_unpack(_LIMITS.format, data, "Limits"))


# --- Control point (write with response + indicate) ------------------------


@dataclass(frozen=True)
class Command:
    """Base of all control point requests: `bytes(cmd)` is what is written.

    On the wire: `[opcode, seq, params...]`. `seq` is the request id (0-255) that the
    device echoes in its indication, so a late answer to an older command is never
    taken for the answer to a newer one. The app uses 1-255; 0 is what the device
    echoes for a write too short to carry an id.
    """

    OPCODE: ClassVar[Opcode]
    seq: int = field(default=0, kw_only=True)

    def __post_init__(self) -> None:
        _check_range("seq", self.seq, 0, 0xFF)

    @property
    def opcode(self) -> Opcode:
        return self.OPCODE

    def params(self) -> bytes:
        return b""

    def with_seq(self, seq: int) -> Self:
        """The same command with request id `seq`."""
        return dataclasses.replace(self, seq=seq)

    def __bytes__(self) -> bytes:
        return bytes([int(self.opcode), self.seq]) + self.params()


@dataclass(frozen=True)
class RequestControl(Command):
    OPCODE = Opcode.REQUEST_CONTROL


@dataclass(frozen=True)
class ReleaseControl(Command):
    OPCODE = Opcode.RELEASE_CONTROL


@dataclass(frozen=True)
class StartProgram(Command):
    """Start the uploaded program; the id must match the upload, so a stale upload cannot run."""

    OPCODE = Opcode.START_PROGRAM
    program_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_range("program_id", self.program_id, 0, 0xFFFF)

    def params(self) -> bytes:
        return struct.pack("<H", self.program_id)


@dataclass(frozen=True)
class Pause(Command):
    OPCODE = Opcode.PAUSE


@dataclass(frozen=True)
class Resume(Command):
    OPCODE = Opcode.RESUME


@dataclass(frozen=True)
class Stop(Command):
    OPCODE = Opcode.STOP


@dataclass(frozen=True)
class SetIntensity(Command):
    """Scale the running program's pressures to level/10 (1..10); 10 is the program as uploaded."""

    OPCODE = Opcode.SET_INTENSITY
    level: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_range("level", self.level, 0, 0xFF)

    def params(self) -> bytes:
        return bytes([self.level])


@dataclass(frozen=True)
class SetHeat(Command):
    """Override the heater setpoint for this session (tenths of °C); 0 turns heat off."""

    OPCODE = Opcode.SET_HEAT
    heat_dc: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_range("heat_dc", self.heat_dc, 0, 0xFFFF)

    def params(self) -> bytes:
        return struct.pack("<H", self.heat_dc)


ALL_ZONES_MASK = (1 << ZONE_COUNT) - 1  # bit n is zone n (`massage.Zone`)


def zone_mask(zones: Iterable[Zone]) -> int:
    """The Spare Zones bitmask for these zones (bit n = zone n). Raises ProtocolError."""
    mask = 0
    for zone in zones:
        _check_range("zone", int(zone), 0, ZONE_COUNT - 1)
        mask |= 1 << int(zone)
    return mask


@dataclass(frozen=True)
class SpareZones(Command):
    """Spare exactly the zones in `mask` (bit n = zone n) for the rest of this session: they
    vent at once and stay empty; a zone left out of a later mask is given back. 0 spares none."""

    OPCODE = Opcode.SPARE_ZONES
    mask: int

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_range("mask", self.mask, 0, 0xFF)
        if self.mask & ~ALL_ZONES_MASK:
            raise ProtocolError(
                f"SPARE_ZONES: mask 0x{self.mask:02x} names zones beyond the {ZONE_COUNT} a "
                f"Thenar massager has (only bits 0..{ZONE_COUNT - 1})"
            )

    @property
    def zones(self) -> tuple[Zone, ...]:
        return tuple(zone for zone in Zone if self.mask & (1 << zone))

    def params(self) -> bytes:
        return bytes([self.mask])


@dataclass(frozen=True)
class Heartbeat(Command):
    OPCODE = Opcode.HEARTBEAT


@dataclass(frozen=True)
class ClearFault(Command):
    OPCODE = Opcode.CLEAR_FAULT


@dataclass(frozen=True)
class UnknownCommand(Command):
    """A request whose opcode this codec does not know; kept so the device can answer it."""

    OPCODE = Opcode.RESPONSE  # placeholder, `opcode` is overridden
    raw_opcode: int
    raw_params: bytes = b""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_range("raw_opcode", self.raw_opcode, 0, 0xFF)

    @property
    def opcode(self) -> Opcode:
        return Opcode(self.raw_opcode)

    def params(self) -> bytes:
        return self.raw_params


_NO_PARAM_COMMANDS: dict[int, type[Command]] = {
    cls.OPCODE: cls
    for cls in (RequestControl, ReleaseControl, Pause, Resume, Stop, Heartbeat, ClearFault)
}


def decode_command(data: bytes) -> Command:
    """Decode a control point write `[opcode, seq, params...]`.

    Unknown opcodes become `UnknownCommand`.
    """
    if len(data) < 2:
        raise ProtocolError(f"control point write: no opcode and request id in {len(data)} bytes")
    opcode, seq, params = data[0], data[1], bytes(data[2:])
    if opcode in _NO_PARAM_COMMANDS:
        if params:
            raise ProtocolError(f"{Opcode(opcode).name} takes no parameters")
        return _NO_PARAM_COMMANDS[opcode](seq=seq)
    if opcode == Opcode.START_PROGRAM:
        return StartProgram(*_unpack("<H", params, "START_PROGRAM"), seq=seq)
    if opcode == Opcode.SET_INTENSITY:
        return SetIntensity(*_unpack("<B", params, "SET_INTENSITY"), seq=seq)
    if opcode == Opcode.SET_HEAT:
        return SetHeat(*_unpack("<H", params, "SET_HEAT"), seq=seq)
    if opcode == Opcode.SPARE_ZONES:
        return SpareZones(*_unpack("<B", params, "SPARE_ZONES"), seq=seq)
    if opcode == Opcode.RESPONSE:
        raise ProtocolError("0x80 is the response code, not a request")
    return UnknownCommand(opcode, params, seq=seq)


_RESPONSE_HEAD_SIZE = 4  # 0x80, request opcode, seq, result


@dataclass(frozen=True)
class ControlResponse:
    """The indication that answers a control point write.

    On the wire: `[0x80, request opcode, seq, result, params...]`, where `seq` echoes
    the request id of the command it answers.
    """

    request_opcode: Opcode
    result: ResultCode
    params: bytes = b""
    seq: int = field(default=0, kw_only=True)

    def __post_init__(self) -> None:
        _check_range("request_opcode", int(self.request_opcode), 0, 0xFF)
        _check_range("result", int(self.result), 0, 0xFF)
        _check_range("seq", self.seq, 0, 0xFF)

    def __bytes__(self) -> bytes:
        head = [Opcode.RESPONSE, int(self.request_opcode), self.seq, int(self.result)]
        return bytes(head) + self.params

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        if len(data) < _RESPONSE_HEAD_SIZE:
            raise ProtocolError(
                f"control response: expected at least {_RESPONSE_HEAD_SIZE} bytes, got {len(data)}"
            )
        if data[0] != Opcode.RESPONSE:
            raise ProtocolError(f"control response must start with 0x80, got 0x{data[0]:02x}")
        return cls(Opcode(data[1]), ResultCode(data[3]), bytes(data[4:]), seq=data[2])


# --- Program (write, chunked) ----------------------------------------------

_STEP = struct.Struct("<HBH" + "B" * ZONE_COUNT)
_PROGRAM_HEAD = struct.Struct("<HB")
_CRC = struct.Struct("<I")


@dataclass(frozen=True)
class ProgramStep:
    """One step: for `duration_s`, drive each zone toward its pressure with `pattern`."""

    duration_s: int
    pattern: Pattern
    heat_dc: int
    pressures_mmhg: tuple[int, ...]

    def __post_init__(self) -> None:
        _check_range("duration_s", self.duration_s, 1, 0xFFFF)
        _check_range("pattern", int(self.pattern), 0, 0xFF)
        _check_range("heat_dc", self.heat_dc, 0, 0xFFFF)
        if len(self.pressures_mmhg) != ZONE_COUNT:
            raise ProtocolError(f"a step needs {ZONE_COUNT} zone pressures")
        for p in self.pressures_mmhg:
            _check_range("pressure", p, 0, 0xFF)

    def __bytes__(self) -> bytes:
        return _STEP.pack(self.duration_s, int(self.pattern), self.heat_dc, *self.pressures_mmhg)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        duration, pattern, heat, *pressures = _unpack(_STEP.format, data, "ProgramStep")
        return cls(duration, Pattern(pattern), heat, tuple(pressures))


@dataclass(frozen=True)
class Program:
    """A whole program as the device stores it: id, steps and a CRC-32 over both."""

    program_id: int
    steps: tuple[ProgramStep, ...]

    def __post_init__(self) -> None:
        _check_range("program_id", self.program_id, 0, 0xFFFF)
        if not 1 <= len(self.steps) <= MAX_PLAN_STEPS:
            count = len(self.steps)
            raise ProtocolError(f"a program has 1..{MAX_PLAN_STEPS} steps, not {count}")

    @property
    def duration_s(self) -> int:
        return sum(step.duration_s for step in self.steps)

    def __bytes__(self) -> bytes:
        body = _PROGRAM_HEAD.pack(self.program_id, len(self.steps))
        body += b"".join(bytes(step) for step in self.steps)
        return body + _CRC.pack(zlib.crc32(body))

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        if len(data) < _PROGRAM_HEAD.size + _CRC.size:
            raise ProtocolError("Program: truncated")
        body, (crc,) = data[: -_CRC.size], _CRC.unpack(data[-_CRC.size :])
        if zlib.crc32(body) != crc:
            raise ProtocolError("Program: CRC mismatch")
        program_id, count = _PROGRAM_HEAD.unpack(body[: _PROGRAM_HEAD.size])
        expected = _PROGRAM_HEAD.size + count * _STEP.size
        if len(body) != expected:
            raise ProtocolError(f"Program: {count} steps need {expected} bytes, got {len(body)}")
        steps = tuple(
            ProgramStep.from_bytes(body[i : i + _STEP.size])
            for i in range(_PROGRAM_HEAD.size, expected, _STEP.size)
        )
        return cls(program_id, steps)


CHUNK_FIRST = 0x01
CHUNK_LAST = 0x02
_CHUNK_HEAD = struct.Struct("<BB")


@dataclass(frozen=True)
class ProgramChunk:
    """One write to the Program characteristic: [flags, sequence, payload...]."""

    first: bool
    last: bool
    seq: int
    payload: bytes = field(default=b"")

    def __post_init__(self) -> None:
        _check_range("seq", self.seq, 0, 0xFF)

    def __bytes__(self) -> bytes:
        flags = (CHUNK_FIRST if self.first else 0) | (CHUNK_LAST if self.last else 0)
        return _CHUNK_HEAD.pack(flags, self.seq) + self.payload

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        if len(data) < _CHUNK_HEAD.size:
            raise ProtocolError("ProgramChunk: truncated")
        flags, seq = _CHUNK_HEAD.unpack(data[: _CHUNK_HEAD.size])
        if flags & ~(CHUNK_FIRST | CHUNK_LAST):
            raise ProtocolError(f"ProgramChunk: unknown flags 0x{flags:02x}")
        return cls(bool(flags & CHUNK_FIRST), bool(flags & CHUNK_LAST), seq, bytes(data[2:]))


def chunk_program(program: Program, mtu: int) -> list[ProgramChunk]:
    """Split a program into writes that fit one ATT Write Request at this MTU."""
    room = mtu - 3 - _CHUNK_HEAD.size  # 3 = ATT opcode + handle
    if room < 1:
        raise ProtocolError(f"MTU {mtu} is too small to upload a program")
    blob = bytes(program)
    parts = [blob[i : i + room] for i in range(0, len(blob), room)]
    if len(parts) > 0x100:
        raise ProtocolError("program too large for 256 chunks")
    return [ProgramChunk(i == 0, i == len(parts) - 1, i, part) for i, part in enumerate(parts)]


class ProgramAssembler:
    """Reassembles chunks in order; the program is only checked (CRC, ranges) when whole."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._next_seq: int | None = None

    def feed(self, chunk: ProgramChunk) -> Program | None:
        """Add a chunk; return the program after the last one. Raises ProtocolError."""
        if chunk.first:
            self._buffer.clear()
            self._next_seq = 0
        if self._next_seq is None or chunk.seq != self._next_seq:
            self.reset()
            raise ChunkOutOfSequence(f"chunk {chunk.seq} out of sequence")
        self._buffer.extend(chunk.payload)
        self._next_seq += 1
        if len(self._buffer) > _PROGRAM_HEAD.size + MAX_PLAN_STEPS * _STEP.size + _CRC.size:
            self.reset()
            raise ProtocolError("program longer than the device can hold")
        if not chunk.last:
            return None
        blob = bytes(self._buffer)
        self.reset()
        return Program.from_bytes(blob)

    def reset(self) -> None:
        self._buffer.clear()
        self._next_seq = None


# --- Scan response (advertising) ------------------------------------------

# Bluetooth SIG company identifier 0xFFFF is reserved "for testing": a product
# would use its maker's own. The manufacturer-specific data in the scan response
# carries `model|serial` so that a central can tell candidates apart before pairing.
TESTING_COMPANY_ID = 0xFFFF
# 31-byte legacy scan response - AD length (1) - AD type (1) - company id (2).
SCAN_IDENTITY_MAX = 27


@dataclass(frozen=True)
class ScanIdentity:
    """Model and serial number from the scan response: `model|serial` in UTF-8, at most
    27 bytes. The serial number contains no `|` and is never shortened (it is what tells
    two massagers apart); see `fitting` for a model number too long to fit."""

    model: str
    serial: str

    def __post_init__(self) -> None:
        if "|" in self.serial:
            raise ProtocolError("ScanIdentity: the serial number cannot contain '|'")
        if len(bytes(self)) > SCAN_IDENTITY_MAX:
            raise ProtocolError(f"ScanIdentity: more than {SCAN_IDENTITY_MAX} bytes")

    def __bytes__(self) -> bytes:
        return f"{self.model}|{self.serial}".encode()

    @classmethod
    def fitting(cls, model: str, serial: str) -> Self:
        """The identity with the model number cut (whole characters) so that it fits."""
        room = SCAN_IDENTITY_MAX - len(f"|{serial}".encode())
        if room < 0:
            raise ProtocolError(f"ScanIdentity: serial number {serial!r} is too long")
        while len(model.encode()) > room:
            model = model[:-1]
        return cls(model, serial)

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        try:
            text = bytes(data).decode()
        except UnicodeDecodeError as exc:
            raise ProtocolError("ScanIdentity: not UTF-8") from exc
        model, separator, serial = text.rpartition("|")
        if not separator:
            raise ProtocolError("ScanIdentity: no '|' between model and serial number")
        return cls(model, serial)


# --- Status (notify, read) -------------------------------------------------

_STATUS = struct.Struct("<HBBHBHH" + "B" * ZONE_COUNT + "HHBH")


@dataclass(frozen=True)
class Status:
    """What the device is doing now, sent on every change and at least once a second.

    `seq` increments by one per frame (mod 2**16) so a central can see gaps.
    """

    seq: int
    state: State
    stop_reason: StopReason
    program_id: int
    step_index: int
    elapsed_s: int
    remaining_s: int
    pressures_mmhg: tuple[int, ...]
    heater_dc: int
    heat_setpoint_dc: int
    intensity: int
    faults: FaultFlags

    def __post_init__(self) -> None:
        _check_range("seq", self.seq, 0, 0xFFFF)
        _check_range("state", int(self.state), 0, 0xFF)
        _check_range("stop_reason", int(self.stop_reason), 0, 0xFF)
        _check_range("program_id", self.program_id, 0, 0xFFFF)
        _check_range("step_index", self.step_index, 0, 0xFF)
        _check_range("elapsed_s", self.elapsed_s, 0, 0xFFFF)
        _check_range("remaining_s", self.remaining_s, 0, 0xFFFF)
        if len(self.pressures_mmhg) != ZONE_COUNT:
            raise ProtocolError(f"status needs {ZONE_COUNT} zone pressures")
        for p in self.pressures_mmhg:
            _check_range("pressure", p, 0, 0xFF)
        _check_range("heater_dc", self.heater_dc, 0, 0xFFFF)
        _check_range("heat_setpoint_dc", self.heat_setpoint_dc, 0, 0xFFFF)
        _check_range("intensity", self.intensity, 0, 0xFF)
        _check_range("faults", int(self.faults), 0, 0xFFFF)

    def __bytes__(self) -> bytes:
        return _STATUS.pack(
            self.seq,
            int(self.state),
            int(self.stop_reason),
            self.program_id,
            self.step_index,
            self.elapsed_s,
            self.remaining_s,
            *self.pressures_mmhg,
            self.heater_dc,
            self.heat_setpoint_dc,
            self.intensity,
            int(self.faults),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        values = _unpack(_STATUS.format, data, "Status")
        seq, state, reason, program_id, step, elapsed, remaining = values[:7]
        pressures = tuple(values[7 : 7 + ZONE_COUNT])
        heater, setpoint, intensity, faults = values[7 + ZONE_COUNT :]
        return cls(
            seq,
            State(state),
            StopReason(reason),
            program_id,
            step,
            elapsed,
            remaining,
            pressures,
            heater,
            setpoint,
            intensity,
            FaultFlags(faults),
        )


STATUS_SIZE = _STATUS.size
# Status is the longest notification; with the default ATT MTU of 23 only 20 bytes fit.
MIN_MTU = STATUS_SIZE + 3
