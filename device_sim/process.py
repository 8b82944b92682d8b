"""Start the built-in simulated massager as its own process (`python -m device_sim`).

Its own process, so a crash of either side does not take the other down, and
the app reaches it exactly as it would a real adapter: through a Bumble
transport (`tcp-client:127.0.0.1:PORT`). Nothing here imports the simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator

START_TIMEOUT_S = 20.0  # a cold Python start with Bumble imported takes ~1 s; slack for CI


@contextlib.asynccontextmanager
async def simulator_process(interval_ms: float = 7.5, *extra: str) -> AsyncIterator[str]:
    """Run the simulator on a free loopback port; yield its transport spec; stop it after."""
    # In a frozen bundle (PyInstaller) there is no `-m`: the app binary runs the
    # simulator itself when given `--simulator` (see desktop/__main__.py).
    launcher = (
        [sys.executable, "--simulator"]
        if getattr(sys, "frozen", False)
        else [sys.executable, "-m", "device_sim"]
    )
    proc = await asyncio.create_subprocess_exec(
        *launcher,
        "--port",
        "0",
        "--interval-ms",
        str(interval_ms),
        "--exit-with-parent",  # never outlive the app, even if it is killed
        *extra,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT_S)).decode()
        if "tcp-client:" not in line:
            raise RuntimeError(f"the simulated massager did not start: {line.strip()!r}")
        yield line[line.index("tcp-client:") :].strip()
    finally:
        if proc.returncode is None:
            proc.terminate()
        with contextlib.suppress(ProcessLookupError):
            await asyncio.wait_for(proc.wait(), 5)
