"""During a massage: gentler, firmer, warmth off and on, a clear pause, and words for
what the glove is doing, driven through the real window on the simulated massager."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from appcore.session import Phase
from ble import protocol as p
from desktop.session_view import technique_name
from tests.desktop.helpers import answer_checkin, shot, until
from tests.desktop.test_app import ready_massage_page, running_app
from therapy.techniques import MUSCLE_WORDS


async def test_gentler_firmer_and_warmth_reach_the_massager_within_the_caps(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        page = await ready_massage_page(app, qtbot)
        page.routines.setCurrentRow(0)  # Morning ease: warm
        page.intensity.setValue(10)
        caps = app.ctx.safety.state.caps
        seen: list[p.Status] = []
        statuses = app.massager.statuses.subscribe(seen.append)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
        await until(lambda: "mmHg" in page.live_numbers.text(), timeout=10)
        assert page.session.level == 10
        assert not page.firmer_button.isEnabled()  # the plan is as firm as it goes

        # The words: units on every number, the technique's name, the muscles in plain words.
        numbers = page.live_numbers.text()
        assert "min" in numbers
        assert "mmHg" in numbers
        assert "°C" in numbers
        plan = page.session.plan
        assert plan is not None
        guidance = plan.compiled.guidance

        def names_the_technique() -> bool:  # "Gliding wave (Effleurage)"
            step = guidance[seen[-1].step_index]
            return technique_name(step.technique) in page.step_title.text()

        await until(names_the_technique, timeout=5)
        assert page.step_text.text()  # what to do now
        words = " ".join(label.text() for label in page.about_labels)
        assert "Works the" in words
        assert any(w in words for w in MUSCLE_WORDS.values())
        await shot(app.window, screenshot_dir, "session_live_controls")

        # The screen says a new level once the massager has confirmed it, not before.
        qtbot.mouseClick(page.gentler_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.level == 8, timeout=10)
        assert device.model.intensity == 8
        assert page.firmer_button.isEnabled()
        qtbot.mouseClick(page.gentler_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.level == 6, timeout=10)
        assert device.model.intensity == 6
        qtbot.mouseClick(page.firmer_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.level == 8, timeout=10)
        assert device.model.intensity == 8
        await until(lambda: "level 8 of 10" in page.live_numbers.text(), timeout=5)

        assert page.warmth_button.isEnabled()
        qtbot.mouseClick(page.warmth_button, Qt.MouseButton.LeftButton)  # off
        await until(lambda: page.warmth_button.text() == "Warmth: off", timeout=10)
        await until(lambda: seen[-1].heat_setpoint_dc == 0, timeout=10)
        qtbot.mouseClick(page.warmth_button, Qt.MouseButton.LeftButton)  # on again
        planned = page.session.planned_heat_dc()
        assert 0 < planned <= caps.max_heat_dc
        await until(lambda: page.warmth_button.text() == "Warmth: on", timeout=10)
        await until(lambda: seen[-1].heat_setpoint_dc == planned, timeout=10)

        # Paused is plain to see, and nothing can be adjusted while paused.
        qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
        await until(lambda: device.model.state == p.State.PAUSED, timeout=10)
        await until(lambda: page.paused_banner.isVisible(), timeout=5)
        assert not page.gentler_button.isEnabled()
        assert page.pause_button.text() == "▶ Resume"
        await shot(app.window, screenshot_dir, "session_paused")
        qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
        await until(lambda: device.model.state == p.State.RUNNING, timeout=10)
        await until(lambda: not page.paused_banner.isVisible(), timeout=5)

        # Everything went through the massager's commands, so the audit trail has it.
        await app.massager.audit_written()
        history = await app.massager.history(100)
        levels = [e.params.get("level") for e in history if e.command == "set_intensity"]
        heats = [e.params.get("heat_dc") for e in history if e.command == "set_heat"]
        assert sorted(levels) == [6, 8, 8]
        assert sorted(heats) == [0, planned]
        assert all(e.result == "success" for e in history if e.command.startswith("set_"))

        # The caps held all along.
        assert seen
        for status in seen:
            assert max(status.pressures_mmhg) <= caps.max_pressure_mmhg
            assert status.heat_setpoint_dc <= caps.max_heat_dc

        statuses.close()
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: page.session.phase == Phase.ENDED, timeout=10)


async def test_the_next_session_starts_as_planned_after_a_gentler_one(
    qtbot: QtBot, isolated_home: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        page = await ready_massage_page(app, qtbot)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
        qtbot.mouseClick(page.gentler_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.level == 8, timeout=10)
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: page.stack.currentIndex() == 2, timeout=10)
        qtbot.mouseClick(page.save_after, Qt.MouseButton.LeftButton)  # "Skip"
        await until(lambda: page.session.phase == Phase.CHOOSING, timeout=10)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
        assert device.model.intensity == 10
        assert page.session.level == 10
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: page.session.phase == Phase.ENDED, timeout=10)
