"""Run the virtual massager as its own process: `python -m device_sim --help`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

from device_sim.peripheral import DeviceIdentity, SimulatedMassager
from device_sim.server import (
    DEFAULT_PORT,
    LOOK_ALIKE_ADDRESS,
    LOOK_ALIKE_ORDERS,
    SimulatorServer,
)
from massage import Zone

log = logging.getLogger("device_sim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m device_sim",
        description="A simulated Thenar hand massager on a virtual BLE radio, served on "
        "127.0.0.1 for apps using the transport tcp-client:127.0.0.1:PORT.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port (0: any free)")
    parser.add_argument("--name", default="Thenar", help="advertised name (8 characters fit)")
    parser.add_argument("--address", default=DeviceIdentity().address)
    parser.add_argument(
        "--interval-ms",
        type=float,
        default=0.0,
        help="emulate a BLE connection interval: delay each link hop (7.5 is the shortest)",
    )
    parser.add_argument(
        "--look-alike",
        nargs="?",
        const="last",
        choices=LOOK_ALIKE_ORDERS,
        metavar="first|last|alone",
        help="add an unbonded massager with the same name, model and service (a "
        f"neighbour's device, {LOOK_ALIKE_ADDRESS}), listed first (a stronger signal), "
        "last (a weaker one; the default) or alone (the genuine one is off)",
    )
    parser.add_argument(
        "--bonds",
        metavar="FILE",
        help="keep the massager's bonds in this file across restarts, as a real one keeps "
        "them in its memory (default: forgotten when the simulator stops)",
    )
    faults = parser.add_argument_group("fault injection (times in seconds from start)")
    faults.add_argument("--drop-link-after", type=float, metavar="S")
    faults.add_argument("--refuse-commands", action="store_true")
    faults.add_argument("--response-delay", type=float, default=0.0, metavar="S")
    faults.add_argument("--malformed-every", type=float, metavar="S")
    faults.add_argument("--overheat-after", type=float, metavar="S")
    faults.add_argument(
        "--stuck-valve-after", type=float, metavar="S", help="the palm zone's valve sticks"
    )
    faults.add_argument("--low-battery-after", type=float, metavar="S")
    faults.add_argument("--stop-advertising-after", type=float, metavar="S")
    faults.add_argument("--port-file", help="write the chosen port to this file when ready")
    faults.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one goes away (the app crashed)",
    )
    faults.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


async def _after(seconds: float | None, action: object) -> None:
    if seconds is None:
        return
    await asyncio.sleep(seconds)
    log.warning("fault injection: %s", getattr(action, "__name__", action))
    result = action() if callable(action) else None
    if asyncio.iscoroutine(result):
        await result


async def serve(args: argparse.Namespace) -> None:
    server = SimulatorServer(
        [DeviceIdentity(address=args.address, name=args.name)],
        port=args.port,
        hop_delay=args.interval_ms / 1000,
        look_alike=args.look_alike,
        bond_store=Path(args.bonds) if args.bonds else None,
    )
    port = await server.start()
    sim: SimulatedMassager = server.primary
    sim.faults.refuse_commands = args.refuse_commands
    sim.faults.response_delay_s = args.response_delay
    if args.port_file:
        Path(args.port_file).write_text(str(port))  # noqa: ASYNC240 - once, before serving
    on_air = ", ".join(
        f"{m.identity.address}{' (look-alike)' if m is server.look_alike else ''}"
        for m in server.massagers
    )
    print(
        f"Simulated massager '{args.name}' ({on_air}) on tcp-client:127.0.0.1:{port}",
        flush=True,
    )

    async def malformed_forever() -> None:
        while args.malformed_every:
            await asyncio.sleep(args.malformed_every)
            await sim.send_malformed_status(3)

    stop = asyncio.Event()

    async def watch_parent() -> None:
        parent = os.getppid()
        while args.exit_with_parent:
            await asyncio.sleep(1.0)
            if os.getppid() != parent:  # re-parented: whoever started us is gone
                log.warning("the app that started the simulator is gone; stopping")
                stop.set()
                return

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    tasks = [
        asyncio.create_task(_after(args.drop_link_after, sim.drop_link)),
        asyncio.create_task(_after(args.overheat_after, sim.model.inject_overheat)),
        asyncio.create_task(
            _after(args.stuck_valve_after, lambda: sim.model.inject_stuck_valve(Zone.PALM))
        ),
        asyncio.create_task(_after(args.low_battery_after, lambda: sim.model.set_battery(4))),
        asyncio.create_task(_after(args.stop_advertising_after, sim.stop_advertising)),
        asyncio.create_task(malformed_forever()),
        asyncio.create_task(watch_parent()),
    ]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
