"""Property-based tests of the wire codec: round trips, and no crash on any bytes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ble import protocol as p
from massage import MAX_PLAN_STEPS, ZONE_COUNT, Limits, Pattern
from tests.soak import examples

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
pressures = st.tuples(*[u8] * ZONE_COUNT)

features = st.builds(
    p.Features,
    protocol_version=u8,
    zone_names=st.lists(st.text(max_size=20), max_size=8).map(tuple),
    pressure_min_mmhg=u8,
    pressure_max_mmhg=u8,
    pressure_step_mmhg=u8,
    heat_min_dc=u16,
    heat_max_dc=u16,
    heat_step_dc=u16,
    max_session_s=u16,
    opcodes=st.lists(u8.map(p.Opcode), max_size=16).map(tuple),
    protocol_versions=st.lists(u8, max_size=4).map(tuple),
)
limits = st.builds(Limits, u8, u16, u16)
steps = st.builds(p.ProgramStep, st.integers(1, 0xFFFF), u8.map(Pattern), u16, pressures)
programs = st.builds(
    p.Program, u16, st.lists(steps, min_size=1, max_size=MAX_PLAN_STEPS).map(tuple)
)
statuses = st.builds(
    p.Status,
    u16,
    u8.map(p.State),
    u8.map(p.StopReason),
    u16,
    u8,
    u16,
    u16,
    pressures,
    u16,
    u16,
    u8,
    u16.map(p.FaultFlags),
)
no_param_commands = st.sampled_from(
    [p.RequestControl, p.ReleaseControl, p.Pause, p.Resume, p.Stop, p.Heartbeat, p.ClearFault]
)
commands = st.one_of(
    st.builds(lambda cls, seq: cls(seq=seq), no_param_commands, u8),
    st.builds(p.StartProgram, u16, seq=u8),
    st.builds(p.SetIntensity, u8, seq=u8),
    st.builds(p.SetHeat, u16, seq=u8),
    st.builds(p.SpareZones, st.integers(0, p.ALL_ZONES_MASK), seq=u8),
    st.builds(
        p.UnknownCommand,
        st.integers(0x0C, 0x7F) | st.integers(0x81, 0xFF),
        st.binary(max_size=8),
        seq=u8,
    ),
)
responses = st.builds(
    p.ControlResponse, u8.map(p.Opcode), u8.map(p.ResultCode), st.binary(max_size=8), seq=u8
)
scan_identities = st.builds(
    p.ScanIdentity.fitting,
    st.text(max_size=30),
    st.text(max_size=12).filter(lambda t: "|" not in t and len(f"|{t}".encode()) <= 27),
)
chunks = st.builds(p.ProgramChunk, st.booleans(), st.booleans(), u8, st.binary(max_size=40))


@settings(max_examples=500)
@given(features)
def test_features_round_trip(frame: p.Features) -> None:
    assert p.Features.from_bytes(bytes(frame)) == frame


@settings(max_examples=500)
@given(limits)
def test_limits_round_trip(frame: Limits) -> None:
    assert p.decode_limits(p.encode_limits(frame)) == frame


@settings(max_examples=300)
@given(programs)
def test_program_round_trip(frame: p.Program) -> None:
    assert p.Program.from_bytes(bytes(frame)) == frame


@settings(max_examples=500)
@given(statuses)
def test_status_round_trip(frame: p.Status) -> None:
    assert p.Status.from_bytes(bytes(frame)) == frame


@settings(max_examples=500)
@given(commands)
def test_command_round_trip(frame: p.Command) -> None:
    decoded = p.decode_command(bytes(frame))
    assert decoded == frame
    assert decoded.opcode == frame.opcode
    assert decoded.seq == frame.seq
    assert bytes(frame)[:2] == bytes([int(frame.opcode), frame.seq])  # [opcode, seq, params...]


@settings(max_examples=300)
@given(commands, u8)
def test_with_seq_changes_only_the_request_id(frame: p.Command, seq: int) -> None:
    renumbered = frame.with_seq(seq)
    assert type(renumbered) is type(frame)
    assert renumbered.seq == seq
    assert renumbered.with_seq(frame.seq) == frame
    assert bytes(renumbered)[0] == bytes(frame)[0]
    assert bytes(renumbered)[2:] == bytes(frame)[2:]


@settings(max_examples=500)
@given(responses)
def test_response_round_trip(frame: p.ControlResponse) -> None:
    assert p.ControlResponse.from_bytes(bytes(frame)) == frame
    raw = bytes(frame)
    assert raw[:4] == bytes([0x80, int(frame.request_opcode), frame.seq, int(frame.result)])


@settings(max_examples=500)
@given(scan_identities)
def test_scan_identity_round_trip(frame: p.ScanIdentity) -> None:
    raw = bytes(frame)
    assert len(raw) <= p.SCAN_IDENTITY_MAX
    assert p.ScanIdentity.from_bytes(raw) == frame


def test_scan_identity_keeps_the_serial_and_shortens_the_model() -> None:
    assert bytes(p.ScanIdentity("TG-1 SIM", "SIM-0001")) == b"TG-1 SIM|SIM-0001"
    long = p.ScanIdentity.fitting("Thenar Glove Pro Max Ultra Édition", "SN-123456")
    assert long.serial == "SN-123456"
    assert len(bytes(long)) <= p.SCAN_IDENTITY_MAX
    assert "Thenar Glove Pro Max Ultra Édition".startswith(long.model)
    assert p.ScanIdentity.from_bytes(b"a|b|c") == p.ScanIdentity("a|b", "c")
    for bad in (b"no separator", b"\xff|x", b"m|" + b"s" * 30):
        with pytest.raises(p.ProtocolError):
            p.ScanIdentity.from_bytes(bad)
    with pytest.raises(p.ProtocolError):
        p.ScanIdentity("m", "a|b")


@settings(max_examples=300)
@given(chunks)
def test_chunk_round_trip(frame: p.ProgramChunk) -> None:
    assert p.ProgramChunk.from_bytes(bytes(frame)) == frame


@settings(max_examples=200)
@given(programs, st.integers(p.MIN_MTU, 517))
def test_chunked_program_reassembles(program: p.Program, mtu: int) -> None:
    chunks_ = p.chunk_program(program, mtu)
    assert all(len(bytes(c)) <= mtu - 3 for c in chunks_)
    assembler = p.ProgramAssembler()
    results = [assembler.feed(c) for c in chunks_]
    assert results[:-1] == [None] * (len(chunks_) - 1)
    assert results[-1] == program


DECODERS: list[Callable[[bytes], object]] = [
    p.Features.from_bytes,
    p.decode_limits,
    p.Program.from_bytes,
    p.ProgramStep.from_bytes,
    p.ProgramChunk.from_bytes,
    p.Status.from_bytes,
    p.ControlResponse.from_bytes,
    p.decode_command,
    p.ScanIdentity.from_bytes,
]


@settings(max_examples=examples(1_000, soak=10_000), deadline=None)
@given(st.sampled_from(DECODERS), st.binary(max_size=64))
def test_arbitrary_bytes_give_frame_or_protocol_error(
    decoder: Callable[[bytes], object], data: bytes
) -> None:
    try:
        frame = decoder(data)
    except p.ProtocolError:
        return
    assert frame is not None


def test_unknown_codes_are_kept_not_rejected() -> None:
    status = p.Status(
        1, p.State.RUNNING, p.StopReason.NONE, 0, 0, 0, 0, (0,) * 6, 0, 0, 10, p.FaultFlags.NONE
    )
    raw = bytearray(bytes(status))
    raw[2] = 0x7E  # a state from a future firmware
    raw[-1] = 0x80  # an unknown fault bit
    status = p.Status.from_bytes(bytes(raw))
    assert int(status.state) == 0x7E
    assert status.state.name == "State[126]"
    assert int(status.faults) & 0x8000
    assert bytes(status) == bytes(raw)


def test_corrupted_program_is_refused_whole() -> None:
    step = p.ProgramStep(10, Pattern.HOLD, 0, (10,) * 6)
    blob = bytearray(bytes(p.Program(7, (step,))))
    blob[5] ^= 0x01
    with pytest.raises(p.ProtocolError, match="CRC"):
        p.Program.from_bytes(bytes(blob))


def test_out_of_sequence_chunk_is_refused() -> None:
    step = p.ProgramStep(10, Pattern.HOLD, 0, (10,) * 6)
    chunks_ = p.chunk_program(p.Program(7, (step,) * 8), p.MIN_MTU)
    assembler = p.ProgramAssembler()
    assembler.feed(chunks_[0])
    with pytest.raises(p.ProtocolError, match="sequence"):
        assembler.feed(chunks_[2])
    with pytest.raises(p.ProtocolError, match="sequence"):
        assembler.feed(chunks_[1])  # the assembler reset: a fresh upload must start again


def test_positional_call_sites_keep_working_and_seq_defaults_to_zero() -> None:
    assert bytes(p.StartProgram(5)) == bytes([0x02, 0x00, 0x05, 0x00])
    assert bytes(p.StartProgram(5, seq=9)) == bytes([0x02, 0x09, 0x05, 0x00])
    assert bytes(p.Heartbeat(seq=255)) == bytes([0x08, 0xFF])
    ok = p.ControlResponse(p.Opcode.STOP, p.ResultCode.SUCCESS)
    assert bytes(ok) == bytes([0x80, 0x05, 0x00, 0x01])
    assert p.ControlResponse(p.Opcode.STOP, p.ResultCode.SUCCESS, seq=3).seq == 3


def test_request_id_is_checked_and_required() -> None:
    for make in (lambda: p.Heartbeat(seq=256), lambda: p.SetHeat(400, seq=-1)):
        with pytest.raises(p.ProtocolError):
            make()
    with pytest.raises(p.ProtocolError):
        p.ControlResponse(p.Opcode.STOP, p.ResultCode.SUCCESS, seq=300)
    with pytest.raises(p.ProtocolError, match="request id"):
        p.decode_command(bytes([p.Opcode.HEARTBEAT]))  # version 1 framing: no id
    with pytest.raises(p.ProtocolError, match="at least 4"):
        p.ControlResponse.from_bytes(bytes([0x80, 0x08, 0x01]))  # version 1 framing


def test_features_list_protocol_versions_and_a_v1_frame_is_recognised() -> None:
    v2 = p.Features(2, ("palm",), 0, 80, 1, 300, 450, 5, 1800, (p.Opcode.STOP,), (2,))
    assert bytes(v2).endswith(bytes([1, 2]))  # trailing count + versions
    assert p.Features.from_bytes(bytes(v2)).speaks(2)
    v1_bytes = bytes(v2)[:-2]
    v1_bytes = bytes([1]) + v1_bytes[1:]  # version 1 framing: no list, version byte 1
    v1 = p.Features.from_bytes(v1_bytes)
    assert v1.protocol_versions == (1,)
    assert not v1.speaks(p.PROTOCOL_VERSION)
    truncated = bytes(v2)[:-1]
    with pytest.raises(p.ProtocolError, match="version list"):
        p.Features.from_bytes(truncated)
    with pytest.raises(p.ProtocolError, match="trailing"):
        p.Features.from_bytes(bytes(v2) + b"\x00")


def test_encoder_range_checks() -> None:
    with pytest.raises(p.ProtocolError, match="max_pressure_mmhg"):
        p.encode_limits(Limits(256, 0, 0))
    with pytest.raises(p.ProtocolError, match="max_session_s"):
        p.encode_limits(Limits(80, 450, 0x10000))
    with pytest.raises(p.ProtocolError):
        p.ProgramStep(0, Pattern.HOLD, 0, (0,) * 6)
    with pytest.raises(p.ProtocolError):
        p.ProgramStep(1, Pattern.HOLD, 0, (0,) * 5)


def test_caps_are_whole_numbers_of_at_least_zero() -> None:
    """The caps themselves (`massage.Limits`) refuse nonsense before any encoding."""
    for bad in ((-1, 0, 0), (0, 1.5, 0), (0, 0, True)):
        with pytest.raises(ValueError, match="whole number"):
            Limits(*bad)  # type: ignore[arg-type]
