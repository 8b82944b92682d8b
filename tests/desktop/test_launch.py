"""What `make run` says on a Linux machine that cannot show Qt's window."""

from __future__ import annotations

import sys

import pytest

from desktop import __main__ as launcher


@pytest.fixture(autouse=True)
def on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def test_no_display_suggests_the_terminal_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    problem = launcher.display_problem()
    assert problem is not None
    assert "make demo" in problem


def test_missing_xcb_libraries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(
        launcher.ctypes.util, "find_library", lambda name: None if "cursor" in name else name
    )
    problem = launcher.display_problem()
    assert problem is not None
    assert "sudo apt-get install libxcb-cursor0" in problem
    assert problem.rstrip().endswith("Missing: libxcb-cursor")


def test_all_present_means_no_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(launcher.ctypes.util, "find_library", lambda name: name)
    assert launcher.display_problem() is None
