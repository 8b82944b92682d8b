"""The demo a newcomer sees with `make run`: a whole session against the simulator process."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_demo_runs_a_session_and_stops_cleanly() -> None:
    result = subprocess.run(
        # A look-alike is in range too: --address says which massager is ours.
        [
            sys.executable, "-m", "device_sim.demo", "--interval-ms", "0", "--look-alike", "first",
            "--address", "F0:7E:4A:00:00:01",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Using Thenar at F0:7E:4A:00:00:01" in out
    assert "Caps written and verified: 40 mmHg" in out
    assert "RUNNING  step 4" in out  # every step ran
    assert "STOPPED" in out
    assert "acknowledged the stop" in out
    running = [line for line in out.splitlines() if "RUNNING" in line]
    peaks = [max(int(v) for v in line.split("[")[1].split("]")[0].split()) for line in running]
    assert max(peaks) <= 40  # the caps held on the device


@pytest.mark.parametrize("order", ["first", "last"])
def test_demo_never_guesses_between_look_alikes(order: str) -> None:
    """Issue 11, item 4: with two in range and no one to ask, nothing is sent to either."""
    result = subprocess.run(
        [sys.executable, "-m", "device_sim.demo", "--interval-ms", "0", "--look-alike", order],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    out = result.stdout
    assert result.returncode == 2, out + result.stderr
    assert "More than one massager is in range" in out
    assert "serial SIM-0001" in out
    assert "serial SIM-0099" in out
    assert "--address" in out
    assert "connecting" not in out
    assert "Traceback" not in result.stderr
