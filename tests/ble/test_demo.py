"""The demo a newcomer sees with `make run`: a whole session against the simulator process."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_a_session_and_stops_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ble.demo", "--interval-ms", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Caps written and verified: 40 mmHg" in out
    assert "RUNNING  step 4" in out  # every step ran
    assert "STOPPED" in out
    assert "acknowledged the stop" in out
    running = [line for line in out.splitlines() if "RUNNING" in line]
    peaks = [max(int(v) for v in line.split("[")[1].split("]")[0].split()) for line in running]
    assert max(peaks) <= 40  # the caps held on the device
