"""`thenar --self-test` as an installed app runs it: its own process, exit code and report."""

from __future__ import annotations

import subprocess
import sys


def test_self_test_passes_and_leaves_nothing_behind(tmp_path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--self-test"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Thenar self-test passed." in result.stdout
    assert result.stdout.count("ok  ") == 6
    # Nothing but the diagnostic log was created for the user (no data, no settings).
    created = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert created <= {"state"}, created
