"""Property-based tests of the wire codec: round trips, and no crash on any bytes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ble import protocol as p

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
pressures = st.tuples(*[u8] * p.ZONE_COUNT)

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
)
limits = st.builds(p.Limits, u8, u16, u16)
steps = st.builds(p.ProgramStep, st.integers(1, 0xFFFF), u8.map(p.Pattern), u16, pressures)
programs = st.builds(
    p.Program, u16, st.lists(steps, min_size=1, max_size=p.MAX_PROGRAM_STEPS).map(tuple)
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
commands = st.one_of(
    st.sampled_from(
        [
            p.RequestControl(),
            p.ReleaseControl(),
            p.Pause(),
            p.Resume(),
            p.Stop(),
            p.Heartbeat(),
            p.ClearFault(),
        ]
    ),
    st.builds(p.StartProgram, u16),
    st.builds(p.SetIntensity, u8),
    st.builds(p.SetHeat, u16),
    st.builds(
        p.UnknownCommand, st.integers(0x0B, 0x7F) | st.integers(0x81, 0xFF), st.binary(max_size=8)
    ),
)
responses = st.builds(
    p.ControlResponse, u8.map(p.Opcode), u8.map(p.ResultCode), st.binary(max_size=8)
)
chunks = st.builds(p.ProgramChunk, st.booleans(), st.booleans(), u8, st.binary(max_size=40))


@settings(max_examples=500)
@given(features)
def test_features_round_trip(frame: p.Features) -> None:
    assert p.Features.from_bytes(bytes(frame)) == frame


@settings(max_examples=500)
@given(limits)
def test_limits_round_trip(frame: p.Limits) -> None:
    assert p.Limits.from_bytes(bytes(frame)) == frame


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


@settings(max_examples=500)
@given(responses)
def test_response_round_trip(frame: p.ControlResponse) -> None:
    assert p.ControlResponse.from_bytes(bytes(frame)) == frame


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
    p.Limits.from_bytes,
    p.Program.from_bytes,
    p.ProgramStep.from_bytes,
    p.ProgramChunk.from_bytes,
    p.Status.from_bytes,
    p.ControlResponse.from_bytes,
    p.decode_command,
]


@settings(max_examples=10_000, deadline=None)
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
    step = p.ProgramStep(10, p.Pattern.HOLD, 0, (10,) * 6)
    blob = bytearray(bytes(p.Program(7, (step,))))
    blob[5] ^= 0x01
    with pytest.raises(p.ProtocolError, match="CRC"):
        p.Program.from_bytes(bytes(blob))


def test_out_of_sequence_chunk_is_refused() -> None:
    step = p.ProgramStep(10, p.Pattern.HOLD, 0, (10,) * 6)
    chunks_ = p.chunk_program(p.Program(7, (step,) * 8), p.MIN_MTU)
    assembler = p.ProgramAssembler()
    assembler.feed(chunks_[0])
    with pytest.raises(p.ProtocolError, match="sequence"):
        assembler.feed(chunks_[2])
    with pytest.raises(p.ProtocolError, match="sequence"):
        assembler.feed(chunks_[1])  # the assembler reset: a fresh upload must start again


def test_encoder_range_checks() -> None:
    with pytest.raises(p.ProtocolError):
        p.Limits(256, 0, 0)
    with pytest.raises(p.ProtocolError):
        p.ProgramStep(0, p.Pattern.HOLD, 0, (0,) * 6)
    with pytest.raises(p.ProtocolError):
        p.ProgramStep(1, p.Pattern.HOLD, 0, (0,) * 5)
