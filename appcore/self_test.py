"""`thenar --self-test`: a short simulated session, headless, end to end.

It proves an installed Thenar works on this machine: the simulator runs in
process on a virtual radio, the real client connects and pairs, writes and
verifies the caps, uploads and starts a program, stops it (acknowledged), and the
session, ratings and exports land in a temporary log that is deleted afterwards.
Exit 0 only if every step worked.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.massager import Massager
from appcore.programs import ensure_routines
from appcore.session import Phase, SessionController
from appcore.settings import Settings
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from data import export, fhir, sessions
from data.models import Outcome, Rating
from device_sim.peripheral import SimulatedMassager
from therapy import (
    BlockSpec,
    CheckIn,
    CustomProgram,
    Technique,
)
from therapy.questionnaire import SCREENING_QUESTIONS

STEP_TIMEOUT_S = 10.0


def _say(ok: bool, what: str) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)


async def _self_test(folder: Path) -> None:
    answers = {q.question_id: q.options[0].option_id for q in SCREENING_QUESTIONS}
    answers["report_discomfort"] = "yes"
    db = DbWorker(folder / "data")
    await db.open()
    ctx = AppContext(Settings(data_folder=str(folder / "data")), folder / "settings.json", db)
    await ctx.safety.save_screening(answers)
    await ctx.safety.check_in(CheckIn(ctx.today()))
    link = VirtualLink()
    sim = SimulatedMassager(link)
    await sim.start()
    massager = Massager(ctx, on_link(link))
    try:
        found = await asyncio.wait_for(massager.scan(), STEP_TIMEOUT_S)
        assert found, "the simulated massager was not found"
        _say(True, f"found {found[0].name} ({found[0].address})")
        limits = ctx.safety.state.caps
        connecting = massager.connect(found[0].address, found[0].name, pair=True)
        await asyncio.wait_for(connecting, STEP_TIMEOUT_S)
        assert sim.model.limits == limits, "the device does not hold the caps we wrote"
        _say(
            True, f"paired, connected, caps written and verified ({limits.max_pressure_mmhg} mmHg)"
        )
        program_ids = await db.run(ensure_routines)
        session = SessionController(massager)
        spec = CustomProgram("Self-test", (BlockSpec(Technique.TRIGGER_POINT, 20),))
        session.plan_for(spec, next(iter(program_ids.values())), 5)
        sid = await session.start(Rating(datetime.now().astimezone(), 2, 3))
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while max(sim.model.status().pressures_mmhg) == 0:
            assert time.monotonic() < deadline, "the massager did not start inflating"
            await asyncio.sleep(0.05)
        _say(True, "program uploaded and running")
        await session.stop()
        assert session.phase == Phase.ENDED, session.phase
        assert sim.model.state == p.State.STOPPED, sim.model.state
        _say(True, "stopped, and the massager acknowledged it")
        record = await db.run(sessions.get_session, sid)
        assert record.outcome == Outcome.STOPPED_BY_USER, record.outcome
        _say(True, f"session {sid} is in the log as {record.outcome.value}")
        csv_text = await db.run(export.sessions_csv)
        bundle = await db.run(lambda d: fhir.fhir_bundle(d, now=datetime.now().astimezone()))
        out = folder / "sessions.csv"
        export.write_export(out, csv_text)
        assert out.stat().st_size > 0, "empty CSV export"
        assert bundle["resourceType"] == "Bundle", "not a FHIR bundle"
        _say(True, "exports written (CSV, FHIR bundle)")
    finally:
        await massager.close()
        await sim.stop()
        await db.close()


def run_self_test() -> int:
    with tempfile.TemporaryDirectory(prefix="thenar-self-test-") as tmp:
        try:
            asyncio.run(_self_test(Path(tmp)))
        except Exception as exc:
            _say(False, f"{type(exc).__name__}: {exc}")
            return 1
    print("Thenar self-test passed.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run_self_test())
