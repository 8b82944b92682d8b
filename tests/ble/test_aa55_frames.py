"""The "AA 55" codec: frames round-trip, and every malformed frame is a FrameError."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ble import aa55


def test_a_command_frame_has_header_length_command_params_and_sum() -> None:
    frame = bytes(aa55.level(3))
    assert frame == bytes([0xAA, 0x55, 0x02, 0x02, 0x03, (0xAA + 0x55 + 2 + 2 + 3) & 0xFF])
    assert aa55.Command.from_bytes(frame) == aa55.level(3)


def test_status_round_trips() -> None:
    status = aa55.Status(True, 4, 2, True, 77, 12)
    assert aa55.Status.from_bytes(bytes(status)) == status


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (b"", "too short"),
        (bytes(aa55.level(3))[:-1], "length"),
        (b"\xab" + bytes(aa55.level(3))[1:], "header"),
        (bytes(aa55.level(3))[:-1] + b"\x00", "checksum"),
        (bytes([0xAA, 0x55, 0x01, 0x7F, (0xAA + 0x55 + 1 + 0x7F) & 0xFF]), "unknown command"),
    ],
)
def test_malformed_commands_are_refused_with_a_reason(frame: bytes, words: str) -> None:
    with pytest.raises(aa55.FrameError, match=words):
        aa55.Command.from_bytes(frame)


def test_a_status_with_impossible_values_is_refused() -> None:
    frame = aa55._encode(aa55.REPLY_HEADER, aa55.Cmd.STATUS, bytes([2, 1, 1, 0, 50, 0]))
    with pytest.raises(aa55.FrameError, match="out of range"):
        aa55.Status.from_bytes(frame)


@given(st.binary(max_size=40))
def test_any_bytes_decode_or_raise_frame_error(data: bytes) -> None:
    for decode in (aa55.Command.from_bytes, aa55.Status.from_bytes):
        with contextlib.suppress(aa55.FrameError):
            decode(data)
