"""A demo session in the terminal: `python -m ble.demo` (what `make run` starts for now).

It starts the simulated massager as its own process (`python -m device_sim`,
loopback TCP only), then does what the app will do, through bleak's public API:
scan, pair, take control, write the caps, upload a short program, run it while
printing live status, and stop cleanly. With `--transport usb:0` (and no
simulator) the same steps drive a real massager through a USB Bluetooth dongle.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from bleak import BleakClient, BleakScanner

from ble import protocol as p
from ble.bumble_backend import BumbleAdapter
from ble.sim_process import simulator_process

HEARTBEAT_S = 1.0
COMMAND_TIMEOUT_S = 2.0
# Gentle demo caps, well inside the design defaults (50 mmHg, 42 °C).
DEMO_LIMITS = p.Limits(max_pressure_mmhg=40, max_heat_dc=400, max_session_s=5 * 60)
DEMO_PROGRAM = p.Program(
    program_id=1,
    steps=(
        p.ProgramStep(6, p.Pattern.WAVE, 380, (25, 25, 25, 30, 25, 20)),
        p.ProgramStep(4, p.Pattern.ALTERNATE, 380, (30,) * 6),
        p.ProgramStep(4, p.Pattern.HOLD, 380, (35, 0, 20, 0, 0, 0)),
        p.ProgramStep(4, p.Pattern.REST, 0, (0,) * 6),
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


async def run_demo(transport: str) -> int:
    async with BumbleAdapter(transport) as adapter:
        print("Scanning for massagers...")
        device = await BleakScanner.find_device_by_filter(
            lambda _d, _adv: True,
            timeout=10,
            backend=adapter.scanner_backend(),
            service_uuids=[p.SERVICE_UUID],
        )
        if device is None:
            print("No massager found. Is it switched on and in range?")
            return 1
        print(f"Found {device.name} at {device.address}; connecting and pairing...")
        responses: asyncio.Queue[p.ControlResponse] = asyncio.Queue()
        finished = asyncio.Event()
        last_printed: list[tuple[int, int, int]] = []

        def on_status(_char: object, data: bytearray) -> None:
            try:
                status = p.Status.from_bytes(bytes(data))
            except p.ProtocolError as exc:
                print(f"  (ignored a malformed status frame: {exc})")
                return
            key = (int(status.state), status.step_index, status.elapsed_s)
            if not last_printed or key != last_printed[-1]:  # about one line a second
                last_printed.append(key)
                print("  " + format_status(status))
            if status.state in (p.State.STOPPED, p.State.FAULT):
                finished.set()

        def on_response(_char: object, data: bytearray) -> None:
            with contextlib.suppress(p.ProtocolError):
                responses.put_nowait(p.ControlResponse.from_bytes(bytes(data)))

        async with BleakClient(device, backend=adapter.client_backend(), pair=True) as client:
            await client.start_notify(p.CONTROL_POINT_UUID, on_response)

            async def command(cmd: p.Command) -> None:
                await client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(cmd), response=True)
                reply = await asyncio.wait_for(responses.get(), COMMAND_TIMEOUT_S)
                if reply.request_opcode != cmd.opcode or reply.result != p.ResultCode.SUCCESS:
                    raise RuntimeError(f"{cmd.opcode.name} failed: {reply.result.name}")

            firmware = bytes(await client.read_gatt_char(p.FIRMWARE_REVISION_UUID)).decode()
            battery = (await client.read_gatt_char(p.BATTERY_LEVEL_UUID))[0]
            print(f"Paired. Firmware {firmware}, battery {battery}%.")
            await command(p.RequestControl())
            await client.write_gatt_char(p.LIMITS_UUID, bytes(DEMO_LIMITS), response=True)
            written = p.Limits.from_bytes(bytes(await client.read_gatt_char(p.LIMITS_UUID)))
            if written != DEMO_LIMITS:
                raise RuntimeError(f"the device holds {written}, not the caps we wrote")
            print(
                f"Caps written and verified: {written.max_pressure_mmhg} mmHg, "
                f"{written.max_heat_dc / 10:.1f} °C, {written.max_session_s // 60} min."
            )
            for chunk in p.chunk_program(DEMO_PROGRAM, client.mtu_size):
                await client.write_gatt_char(p.PROGRAM_UUID, bytes(chunk), response=True)
            print(f"Program uploaded ({DEMO_PROGRAM.duration_s} s). Starting; Ctrl+C stops.")
            await client.start_notify(p.STATUS_UUID, on_status)
            await command(p.StartProgram(DEMO_PROGRAM.program_id))

            async def heartbeat() -> None:
                while True:
                    await asyncio.sleep(HEARTBEAT_S)
                    await command(p.Heartbeat())

            beat = asyncio.create_task(heartbeat())
            try:
                await finished.wait()
            finally:
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await beat
                await command(p.Stop())  # acknowledged before we disconnect
            print("Session over; the massager acknowledged the stop. Goodbye.")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ble.demo", description=__doc__)
    parser.add_argument(
        "--transport",
        help="a Bumble transport (e.g. usb:0, tcp-client:127.0.0.1:7878); "
        "default: start the built-in simulator",
    )
    parser.add_argument("--interval-ms", type=float, default=7.5, help="simulated link interval")
    args = parser.parse_args(argv)

    async def go() -> int:
        if args.transport:
            return await run_demo(args.transport)
        async with simulator_process(args.interval_ms) as spec:
            print(f"[sim] simulated massager on {spec}")
            return await run_demo(spec)

    try:
        sys.exit(asyncio.run(go()))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
