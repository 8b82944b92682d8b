"""A demo session in the terminal, no window needed: `make demo` / `python -m device_sim.demo`.

It starts the simulated massager as its own process (`python -m device_sim`,
loopback TCP only), then drives it with the app's own client (`MassagerClient`):
scan, pair, take control, write and verify the caps, upload a short program, run
it while printing live status, and stop with an acknowledgement. With `--transport usb:0` (and no
simulator) the same steps drive a real massager through a USB Bluetooth dongle.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from ble import protocol as p
from ble.backends import choose_backend
from ble.client import DiscoveredMassager, MassagerClient, discover
from ble.errors import MassagerError
from ble.pinning import PinnedDevice
from device_sim.process import simulator_process
from massage import Limits, Pattern

SCAN_S = 3.0  # adverts come every 20 ms to 1 s: three seconds hears every massager in range
# Gentle demo caps, well inside the design defaults (50 mmHg, 42 °C).
DEMO_LIMITS = Limits(max_pressure_mmhg=40, max_heat_dc=400, max_session_s=5 * 60)
DEMO_PROGRAM = p.Program(
    program_id=1,
    steps=(
        p.ProgramStep(6, Pattern.WAVE, 380, (25, 25, 25, 30, 25, 20)),
        p.ProgramStep(4, Pattern.ALTERNATE, 380, (30,) * 6),
        p.ProgramStep(4, Pattern.HOLD, 380, (35, 0, 20, 0, 0, 0)),
        p.ProgramStep(4, Pattern.REST, 0, (0,) * 6),
    ),
)


def format_status(status: p.Status) -> str:
    zones = " ".join(f"{v:>2}" for v in status.pressures_mmhg)
    faults = f" faults={status.faults!r}" if status.faults else ""
    return (
        f"{status.state.name:<8} step {status.step_index + 1}  "
        f"{status.elapsed_s:>3}s done {status.remaining_s:>3}s left  "
        f"mmHg [{zones}]  heater {status.heater_dc / 10:4.1f} °C{faults}"
    )


def describe(index: int, m: DiscoveredMassager) -> str:
    """One numbered line per candidate: everything that tells look-alikes apart."""
    parts = [m.name or "massager"]
    if m.model:
        parts.append(m.model)
    if m.serial:
        parts.append(f"serial {m.serial}")
    parts += [f"signal {m.rssi} dBm", m.address]
    return f"  {index}. " + ", ".join(parts)


def choose(found: list[DiscoveredMassager], address: str | None) -> DiscoveredMassager | None:
    """The massager to use: the one asked for, the only one, or the one the person picks."""
    if address:
        match = [m for m in found if m.address.upper() == address.upper()]
        if not match:
            print(f"No massager at {address} is in range.")
        return match[0] if match else None
    if len(found) == 1:
        return found[0]
    print("More than one massager is in range. Which one is yours?")
    for i, m in enumerate(found, 1):
        print(describe(i, m))
    if not sys.stdin.isatty():
        print("Run again with --address ADDRESS to choose one (nothing was sent to any).")
        return None
    answer = input("Number (Enter to cancel): ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(found):
        print("Nothing chosen; nothing was sent to any massager.")
        return None
    return found[int(answer) - 1]


async def run_demo(transport: str, address: str | None = None) -> int:
    """The app's own client does the work: pairing, caps, heartbeats, acknowledged stop."""
    async with choose_backend(transport) as backend:
        print("Scanning for massagers...")
        found = await discover(backend, timeout=SCAN_S)
        if not found:
            print("No massager found. Is it switched on and in range?")
            return 1
        massager = choose(found, address)
        if massager is None:
            return 2
        print(f"Using {massager.name} at {massager.address}; connecting and pairing...")
        finished = asyncio.Event()
        last_printed: list[tuple[int, int, int]] = []

        def on_status(status: p.Status) -> None:
            key = (int(status.state), status.step_index, status.elapsed_s)
            if not last_printed or key != last_printed[-1]:  # about one line a second
                last_printed.append(key)
                print("  " + format_status(status))
            if status.state in (p.State.STOPPED, p.State.FAULT):
                finished.set()

        pinned = PinnedDevice(massager.address, massager.name)
        client = MassagerClient(backend, pinned, DEMO_LIMITS, allow_pairing=True)
        await client.connect()  # pairs, takes control, writes the caps and reads them back
        try:
            info = await client.device_info()
            print(f"Paired. Firmware {info.firmware_revision}, battery {await client.battery()}%.")
            caps = client.caps
            print(
                f"Caps written and verified: {caps.max_pressure_mmhg} mmHg, "
                f"{caps.max_heat_dc / 10:.1f} °C, {caps.max_session_s // 60} min."
            )
            await client.upload_program(DEMO_PROGRAM)
            print(f"Program uploaded ({DEMO_PROGRAM.duration_s} s). Starting; Ctrl+C stops.")
            client.on_status(on_status)
            await client.start(DEMO_PROGRAM.program_id)
            await finished.wait()
        finally:
            acknowledged = await client.close()  # stop, wait for its acknowledgement, disconnect
        if not acknowledged:
            print("The massager did not acknowledge the stop.")
            return 1
        print("Session over; the massager acknowledged the stop. Goodbye.")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m device_sim.demo", description=__doc__)
    parser.add_argument(
        "--transport",
        help="a Bumble transport (e.g. usb:0, tcp-client:127.0.0.1:7878); "
        "default: start the built-in simulator",
    )
    parser.add_argument("--interval-ms", type=float, default=7.5, help="simulated link interval")
    parser.add_argument("--address", help="the massager to use, when more than one is in range")
    parser.add_argument(
        "--look-alike",
        choices=("first", "last", "alone"),
        help="the simulator adds a look-alike massager (same name and service)",
    )
    args = parser.parse_args(argv)

    async def go() -> int:
        if args.transport:
            return await run_demo(args.transport, args.address)
        extra = ("--look-alike", args.look_alike) if args.look_alike else ()
        async with simulator_process(args.interval_ms, *extra) as spec:
            print(f"[sim] simulated massager on {spec}")
            return await run_demo(spec, args.address)

    try:
        sys.exit(asyncio.run(go()))
    except KeyboardInterrupt:
        sys.exit(130)
    except MassagerError as exc:  # expected trouble: said in words, never a traceback
        print(f"Stopped: {exc.args[0] if exc.args else exc}. {exc.advice}")
        sys.exit(1)


if __name__ == "__main__":
    main()
