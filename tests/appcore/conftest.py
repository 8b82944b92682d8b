"""The app's core against the real simulator in process and a real SQLite log in tmp."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.massager import Massager
from appcore.settings import Settings
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from device_sim.clock import ManualClock
from device_sim.peripheral import SimulatedMassager
from therapy import CheckIn, SafetyProfile, Screening, evaluate_screening
from therapy.questionnaire import SCREENING_QUESTIONS

TODAY = dt.date(2026, 11, 26)
# The moment `ctx` lives in: a fixed clock, so no test meets midnight between its check-in
# and its session (the safety state expires at the day's end).
NOW = dt.datetime.combine(TODAY, dt.time(10)).astimezone()


CLEAR_ANSWERS = {q.question_id: q.options[0].option_id for q in SCREENING_QUESTIONS}
CLEAR_ANSWERS["report_discomfort"] = "yes"


def clear_profile() -> SafetyProfile:
    """A person who answered no to everything (and can report discomfort)."""
    return evaluate_screening(Screening(CLEAR_ANSWERS, TODAY), today=TODAY)


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[AppContext]:
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    context = AppContext(Settings(), tmp_path / "settings.json", worker, now=lambda: NOW)
    await context.safety.save_screening(CLEAR_ANSWERS)
    await context.safety.check_in(CheckIn(context.today()))
    yield context
    await worker.close()


@pytest.fixture
async def radio() -> AsyncIterator[tuple[VirtualLink, SimulatedMassager]]:
    link = VirtualLink()
    sim = SimulatedMassager(link)  # real clock: the client's heartbeats run in real time
    await sim.start()
    yield link, sim
    await sim.stop()


@pytest.fixture
async def manual_radio() -> AsyncIterator[tuple[VirtualLink, SimulatedMassager]]:
    """The simulator on a manual clock: a test steps device time (`helpers.massage_time`),
    so minutes of massage take milliseconds and nothing depends on the wall clock."""
    link = VirtualLink()
    sim = SimulatedMassager(link, clock=ManualClock(), autotick=False)
    await sim.start()
    yield link, sim
    await sim.stop()


@pytest.fixture
async def massager(
    ctx: AppContext, radio: tuple[VirtualLink, SimulatedMassager]
) -> AsyncIterator[Massager]:
    link, _sim = radio
    m = Massager(ctx, on_link(link))
    yield m
    await m.close()
