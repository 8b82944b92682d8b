"""docs/gatt-profile.md against the codec: the doc's tables are read and checked mechanically.

Each frame table (offset, field, type) is used to decode bytes that the codec
encoded, field by field, so a wrong size, offset, order or name in the doc fails
here; so do the opcode and result code tables and the sizes stated in the text.
"""

from __future__ import annotations

import dataclasses
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from ble import protocol as p
from device_sim.clock import ManualClock
from device_sim.model import SUPPORTED_OPCODES, MassagerModel
from massage import ZONE_COUNT, Limits, Pattern

DOC = Path(__file__).resolve().parents[2] / "docs" / "gatt-profile.md"
TYPES = {"u8": "B", "u16": "H", "u32": "I"}


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def tables_after(heading: str) -> list[list[dict[str, str]]]:
    """The markdown tables of the section that starts with `heading` (up to the next heading)."""
    lines = doc_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("#") and heading in line]
    assert len(starts) == 1, f"heading {heading!r} found {len(starts)} times"
    tables: list[list[dict[str, str]]] = []
    header: list[str] | None = None
    for line in lines[starts[0] + 1 :]:
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if header is None:
            header = cells
            tables.append([])
        elif not all(set(c) <= {"-", ":"} for c in cells):
            tables[-1].append(dict(zip(header, cells, strict=True)))
    return tables


def field_name(cell: str) -> str | None:
    match = re.fullmatch(r"`(\w+)`", cell)
    return match.group(1) if match else None


def fixed_format(type_cell: str) -> str | None:
    """`u16` -> "H", `u8 × 6` -> "BBBBBB"; None for variable-length types."""
    match = re.fullmatch(r"(u8|u16|u32)(?: × (\d+))?", type_cell)
    if match is None:
        return None
    return TYPES[match.group(1)] * int(match.group(2) or 1)


def check_fixed_frame(rows: list[dict[str, str]], raw: bytes, frame: object) -> int:
    """Decode `raw` with the doc's offsets and types; every named field must equal the
    frame's attribute. Returns the size the table describes."""
    pos = 0
    for row in rows:
        offset = int(row["Offset"])
        assert offset == pos, f"{row['Field']}: the doc says offset {offset}, it is {pos}"
        if row["Type"] == "rest":
            assert field_name(row["Field"]) is not None
            assert getattr(frame, field_name(row["Field"]) or "") == raw[pos:]
            return len(raw)
        fmt = fixed_format(row["Type"])
        assert fmt is not None, f"unknown type {row['Type']!r}"
        values = struct.unpack_from("<" + fmt, raw, pos)
        name = field_name(row["Field"])
        if name is not None:
            expected = getattr(frame, name)
            actual: Any = values if isinstance(expected, tuple) else values[0]
            assert actual == expected, f"{name}: doc layout reads {actual}, codec has {expected}"
        pos += struct.calcsize("<" + fmt)
    return pos


def sizes_in_text(pattern: str) -> list[int]:
    return [int(n) for n in re.findall(pattern, doc_text())]


# --- frames -----------------------------------------------------------------------------


def test_status_table_matches_the_codec() -> None:
    rows = tables_after("### Status")[0]
    status = p.Status(
        0x1234,
        p.State.PAUSED,
        p.StopReason.WATCHDOG,
        0xBEEF,
        7,
        0x0102,
        0x0304,
        (11, 22, 33, 44, 55, 66),
        0x0405,
        0x0506,
        9,
        p.FaultFlags(0x0A0B),
    )
    raw = bytes(status)
    assert check_fixed_frame(rows, raw, status) == len(raw) == p.STATUS_SIZE
    names = [field_name(row["Field"]) for row in rows]
    assert names == [f.name for f in dataclasses.fields(p.Status)]


def test_sizes_stated_in_the_text_match_the_codec() -> None:
    assert sizes_in_text(r"(\d+) bytes in all, the longest frame") == [p.STATUS_SIZE]
    assert sizes_in_text(r"Status frame is (\d+) bytes") == [p.STATUS_SIZE]
    assert sizes_in_text(r"exchange one of at least (\d+)") == [p.MIN_MTU]
    step = p.ProgramStep(1, Pattern.HOLD, 0, (0,) * ZONE_COUNT)
    assert sizes_in_text(r"A step is (\d+) bytes") == [len(bytes(step))]
    limits_size = len(p.encode_limits(Limits(1, 2, 3)))
    assert sizes_in_text(r"\n(\d+) bytes\. The device clamps") == [limits_size]


def test_limits_table_matches_the_codec() -> None:
    (rows,) = tables_after("### Limits")
    limits = Limits(0x42, 0x0102, 0x0304)
    raw = p.encode_limits(limits)
    assert check_fixed_frame(rows, raw, limits) == len(raw)
    assert [field_name(row["Field"]) for row in rows] == [
        f.name for f in dataclasses.fields(Limits)
    ]


@pytest.mark.parametrize(
    "features",
    [
        MassagerModel(ManualClock()).features(),
        p.Features(1, ("a", "bé"), 1, 2, 3, 0x0405, 0x0607, 0x0809, 0x0A0B, (p.Opcode(0x33),), ()),
    ],
    ids=["simulator", "edge"],
)
def test_features_table_matches_the_codec(features: p.Features) -> None:
    """Walk the encoded Features with the doc's table as the only description of it."""
    rows = tables_after("### Features")[0]
    raw = bytes(features)
    pos = 0
    counts: dict[str, int] = {}
    decoded: dict[str, Any] = {}
    for row in rows:
        name = field_name(row["Field"])
        assert name is not None
        kind = row["Type"]
        if (fmt := fixed_format(kind)) is not None:
            (value,) = struct.unpack_from("<" + fmt, raw, pos)
            pos += struct.calcsize(fmt)
            if name.startswith("n_"):
                counts[name] = value
            else:
                decoded[name] = value
        elif match := re.fullmatch(r"u8 × (n_\w+)", kind):
            n = counts[match.group(1)]
            decoded[name] = tuple(raw[pos : pos + n])
            pos += n
        elif kind.startswith("per zone: u8 length"):
            names = []
            for _ in range(counts["n_zones"]):
                length = raw[pos]
                names.append(raw[pos + 1 : pos + 1 + length].decode())
                pos += 1 + length
            decoded[name] = tuple(names)
        else:
            pytest.fail(f"unknown Features type {kind!r}")
    assert pos == len(raw)
    assert decoded == {
        f.name: tuple(int(v) for v in value) if f.name == "opcodes" else value
        for f in dataclasses.fields(p.Features)
        for value in [getattr(features, f.name)]
    }
    assert counts == {
        "n_opcodes": len(features.opcodes),
        "n_zones": len(features.zone_names),
        "n_versions": len(features.protocol_versions),
    }


def test_control_point_framing_tables_match_the_codec() -> None:
    request_rows, answer_rows, _opcodes, _results = tables_after("### Control Point")
    command = p.StartProgram(0xA1B2, seq=0x5C)
    raw = bytes(command)
    framing = {"opcode": int(command.opcode), "seq": command.seq, "params": command.params()}
    assert check_fixed_frame(request_rows, raw, type("Req", (), framing)) == len(raw)

    answer = p.ControlResponse(p.Opcode.SET_HEAT, p.ResultCode.LIMIT_EXCEEDED, b"xy", seq=0xC3)
    raw = bytes(answer)
    assert check_fixed_frame(answer_rows, raw, answer) == len(raw)
    assert "0x80" in answer_rows[0]["Meaning"]
    assert raw[0] == int(p.Opcode.RESPONSE) == 0x80


def _params_size(cell: str) -> int:
    return sum(struct.calcsize(TYPES[t]) for t in re.findall(r"\b(u8|u16|u32)\b", cell))


SAMPLE_COMMANDS: dict[p.Opcode, p.Command] = {
    p.Opcode.REQUEST_CONTROL: p.RequestControl(),
    p.Opcode.START_PROGRAM: p.StartProgram(1),
    p.Opcode.PAUSE: p.Pause(),
    p.Opcode.RESUME: p.Resume(),
    p.Opcode.STOP: p.Stop(),
    p.Opcode.SET_INTENSITY: p.SetIntensity(5),
    p.Opcode.SET_HEAT: p.SetHeat(400),
    p.Opcode.HEARTBEAT: p.Heartbeat(),
    p.Opcode.CLEAR_FAULT: p.ClearFault(),
    p.Opcode.RELEASE_CONTROL: p.ReleaseControl(),
    p.Opcode.SPARE_ZONES: p.SpareZones(0b101),
}


def test_opcode_table_matches_the_codec() -> None:
    _request, _answer, rows, _results = tables_after("### Control Point")
    documented = {int(row["Opcode"], 16): row for row in rows}
    requests = {op for op in p.Opcode if op != p.Opcode.RESPONSE}
    assert set(documented) == {int(op) for op in requests} == {int(op) for op in SAMPLE_COMMANDS}
    assert set(SUPPORTED_OPCODES) == requests  # the simulator supports what the doc lists
    for op in requests:
        row = documented[int(op)]
        assert row["Name"].upper().replace(" ", "_") == op.name
        command = SAMPLE_COMMANDS[op]
        assert command.opcode == op
        assert _params_size(row["Parameters"]) == len(command.params()), op.name
        decoded = p.decode_command(bytes(command))
        assert type(decoded) is type(command)


def test_result_code_table_matches_the_codec() -> None:
    *_, rows = tables_after("### Control Point")
    documented = {int(row["Result"], 16): row["Meaning"].split("(")[0].strip() for row in rows}
    assert documented == {int(r): r.name.lower().replace("_", " ") for r in p.ResultCode}


def test_scan_response_table_matches_the_codec() -> None:
    _services, rows = tables_after("## Services")
    company, identity = rows
    assert company["Type"] == "u16"
    assert int(re.findall(r"0x[0-9A-F]{4}", company["Meaning"])[0], 16) == p.TESTING_COMPANY_ID
    assert sizes_in_text(r"UTF-8, at most (\d+) bytes") == [p.SCAN_IDENTITY_MAX]
    assert bytes(p.ScanIdentity("TG-1", "SN-1")) == b"TG-1|SN-1"  # `model|serial`
    assert "`model\\|serial`" in identity["Meaning"]
