"""Starting Thenar twice brings the first window forward instead of opening a second app."""

from __future__ import annotations

import uuid

from pytestqt.qtbot import QtBot

from desktop.single_instance import SingleInstance


def test_second_instance_pokes_the_first(qtbot: QtBot) -> None:
    name = f"thenar-test-{uuid.uuid4().hex}"
    first = SingleInstance(name)
    assert first.claim()
    try:
        second = SingleInstance(name)
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert not second.claim()
    finally:
        first.release()
    third = SingleInstance(name)
    assert third.claim()  # released: the next start is the first again
    third.release()
