"""Starting Thenar twice brings the first window forward instead of opening a second app."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.single_instance import SingleInstance, server_name

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")


def _name(tmp_path: Path) -> str:
    return str(tmp_path / f"t-{uuid.uuid4().hex[:8]}.sock")


def test_second_instance_pokes_the_first(qtbot: QtBot, tmp_path: Path) -> None:
    name = _name(tmp_path)
    first = SingleInstance(name)
    assert first.claim()
    assert first.listen()
    try:
        second = SingleInstance(name)
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert not second.claim()
    finally:
        first.release()
    third = SingleInstance(name)
    assert third.claim()  # released: the next start is the first again
    assert third.listen()
    third.release()


@posix_only
def test_a_socket_left_by_a_crash_neither_blocks_nor_fools_the_next_start(
    qtbot: QtBot, tmp_path: Path
) -> None:
    name = _name(tmp_path)
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(name)  # as a crash leaves it: the file is there, nobody listens
    left.close()
    assert Path(name).exists()
    first = SingleInstance(name)
    assert first.claim()
    assert first.listen()
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert not SingleInstance(name).claim()
    finally:
        first.release()


@posix_only
def test_asking_does_not_load_qtnetwork() -> None:
    """`claim()` runs before the first window; QtNetwork loads with `listen()`, after it."""
    code = (
        "import sys, uuid\n"
        "from desktop.single_instance import SingleInstance\n"
        "assert SingleInstance(f'/tmp/thenar-q-{uuid.uuid4().hex}.sock').claim()\n"
        "print('PySide6.QtNetwork' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@posix_only
def test_the_socket_is_in_the_users_own_runtime_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1234")
    assert server_name().startswith("/run/user/1234/thenar-")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert server_name().endswith(".sock")


@posix_only
def test_two_real_starts_make_one_thenar(tmp_path: Path) -> None:
    """`python -m desktop` twice: the second finds the first (listening once its window
    is up), asks it to come forward and exits; the first closes safely on SIGTERM."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(tmp_path),
        "HOME": str(tmp_path),
        **{
            v: str(tmp_path / v.lower())
            for v in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")
        },
    }
    args = [
        sys.executable,
        "-m",
        "desktop",
        "--transport",
        "platform",
        "--data-dir",
        str(tmp_path / "log"),
    ]
    first = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        name = server_name_in(tmp_path)
        deadline = time.monotonic() + 60
        while not _answers(name):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first start never listened"
            time.sleep(0.05)
        second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        assert first.poll() is None  # still the one Thenar
    finally:
        first.send_signal(signal.SIGTERM)
        _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err


def server_name_in(runtime: Path) -> str:
    return str(runtime / f"thenar-{getpass.getuser()}.sock")


def _answers(name: str) -> bool:
    """Whether a Thenar listens at `name` (connect only: no raise asked)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.connect(name)
    except OSError:
        return False
    return True
