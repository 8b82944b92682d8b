"""The screening and check-in flows without a display: order, validation, saving, wording."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from appcore.screening import (
    CheckInFlow,
    CheckInOutcome,
    ScreeningFlow,
    list_clearance_records,
    load_profile,
    record_clearance_for,
    rescreen_due,
    save_screening,
    stored_answers,
    summarize,
)
from data.store import open_store
from therapy import SCREENING_QUESTIONS, Verdict

TODAY = dt.date(2025, 3, 10)
NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)  # noon: the same date in every zone


def all_no(flow: ScreeningFlow) -> None:
    """Answer every question the harmless way, moving through with next()."""
    safe = {"sensation": "normal", "report_discomfort": "yes", "precautions": "none"}
    flow.index = 0
    while True:
        qid = flow.current.question_id
        if flow.current.multiple:
            flow.toggle(safe[qid], True)
        else:
            flow.choose(safe.get(qid, "no"))
        if flow.is_last:
            break
        assert flow.next()


def test_flow_needs_every_answer_and_moves_both_ways() -> None:
    flow = ScreeningFlow()
    assert flow.progress() == f"Question 1 of {len(SCREENING_QUESTIONS)}"
    assert not flow.next()  # unanswered: stays
    assert flow.index == 0
    flow.choose("no")
    assert flow.next()
    assert flow.progress() == f"Question 2 of {len(SCREENING_QUESTIONS)}"
    flow.back()
    assert flow.chosen() == {"no"}
    assert not flow.complete
    with pytest.raises(ValueError, match="not every question"):
        flow.screening(TODAY)
    all_no(flow)
    assert flow.complete
    profile = flow.result(TODAY)
    assert profile.verdict is Verdict.ALLOWED
    assert profile.max_pressure.value == 50


def test_exclusive_option_stands_alone() -> None:
    flow = ScreeningFlow()
    flow.go_to("precautions")
    flow.toggle("pregnant", True)
    flow.toggle("pacemaker", True)
    assert flow.chosen() == {"pregnant", "pacemaker"}
    flow.toggle("none", True)
    assert flow.chosen() == {"none"}
    flow.toggle("pregnant", True)
    assert flow.chosen() == {"pregnant"}
    flow.toggle("pregnant", False)
    assert not flow.answered()


def test_save_load_round_trip_and_clearance(tmp_path: Path) -> None:
    with open_store(tmp_path / "data", now=NOW) as store:
        assert load_profile(store.db, TODAY) is None
        assert rescreen_due(None)
        flow = ScreeningFlow()
        all_no(flow)
        flow.go_to("blood_thinners")
        flow.choose("yes")
        first = flow.result(TODAY)
        assert first.verdict is Verdict.NEEDS_CLEARANCE
        save_screening(store.db, flow.answers, first, NOW)

        loaded = load_profile(store.db, TODAY)
        assert loaded == first
        assert stored_answers(store.db) == flow.answers
        summary = summarize(loaded)
        assert summary.verdict is Verdict.NEEDS_CLEARANCE
        assert [line.text for line in summary.needs_clearance] == [
            "Blood thinners or a bleeding disorder (no sessions until then)"
        ]

        with pytest.raises(ValueError, match="name of the clinician"):
            record_clearance_for(store.db, "blood_thinners", TODAY, "  ", NOW)
        with pytest.raises(ValueError, match="future"):
            record_clearance_for(store.db, "blood_thinners", TODAY + dt.timedelta(1), "Dr A", NOW)
        cleared = record_clearance_for(store.db, "blood_thinners", TODAY, "Dr Okafor", NOW)
        assert cleared.verdict is Verdict.ALLOWED
        assert cleared.max_pressure.value == 30  # the cleared design cap
        assert load_profile(store.db, TODAY) == cleared
        records = list_clearance_records(store.db)
        assert [(r.title, r.cleared_by, r.applies) for r in records] == [
            ("Blood thinners or a bleeding disorder", "Dr Okafor", True)
        ]

        # Screening again starts clean: the earlier clearance belongs to the old screening.
        save_screening(store.db, flow.answers, first, NOW + dt.timedelta(minutes=5))
        again = load_profile(store.db, TODAY)
        assert again is not None
        assert again.verdict is Verdict.NEEDS_CLEARANCE
        assert not list_clearance_records(store.db)[0].applies


def test_old_screening_is_due_again(tmp_path: Path) -> None:
    with open_store(tmp_path / "data", now=NOW) as store:
        flow = ScreeningFlow()
        all_no(flow)
        save_screening(store.db, flow.answers, flow.result(TODAY), NOW)
        later = load_profile(store.db, TODAY + dt.timedelta(days=200))
        assert later is not None
        assert later.rescreen_due
        assert "6 months" in later.rescreen_due
        assert summarize(later).rescreen == later.rescreen_due


def test_summary_says_what_is_allowed_and_why() -> None:
    flow = ScreeningFlow()
    all_no(flow)
    summary = summarize(flow.result(TODAY), "F")
    assert summary.verdict is Verdict.ALLOWED
    assert "comfort and relaxation" in summary.headline
    texts = [line.text for line in summary.limits]
    assert texts[0] == "Squeezing: up to 50 mmHg."
    assert texts[1].startswith("Heat: up to 108 °F")
    assert all(line.why for line in summary.limits)
    assert not summary.blocked
    assert not summary.needs_clearance


def test_blocking_answer_gives_the_reason() -> None:
    flow = ScreeningFlow()
    all_no(flow)
    flow.go_to("fever")
    flow.choose("yes")
    summary = summarize(flow.result(TODAY))
    assert summary.verdict is Verdict.BLOCKED
    assert summary.blocked[0].text == "Fever or acute infection"
    assert "infection" in summary.blocked[0].why


def checkin(flow: CheckInFlow, **yes: bool) -> None:
    for q in flow.questions:
        if q.question_id == "discomfort":
            flow.choose("3", "discomfort")
        else:
            flow.choose("yes" if yes.get(q.question_id) else "no", q.question_id)


def test_checkin_flare_is_stricter_and_suggests_rest() -> None:
    screening = ScreeningFlow()
    all_no(screening)
    base = screening.result(TODAY)
    flow = CheckInFlow(base, TODAY)
    assert "helper_present" not in {q.question_id for q in flow.questions}
    with pytest.raises(ValueError, match="not every"):
        flow.result()
    checkin(flow)
    calm = flow.result()
    assert calm.outcome is CheckInOutcome.GO
    assert calm.profile.max_heat.value == base.max_heat.value
    checkin(flow, flare=True)
    flare = flow.result()
    assert flare.outcome is CheckInOutcome.POSTPONE
    assert flare.profile.heat_off
    assert flare.profile.max_pressure.value < base.max_pressure.value
    assert any("Flare today" in r for r in flare.reasons)
    checkin(flow, new_injury=True)
    blocked = flow.result()
    assert blocked.outcome is CheckInOutcome.BLOCKED
    assert any("New injury" in r for r in blocked.reasons)


def test_checkin_asks_for_a_helper_only_when_it_matters() -> None:
    screening = ScreeningFlow()
    all_no(screening)
    screening.go_to("report_discomfort")
    screening.choose("no")
    base = screening.result(TODAY)
    assert base.verdict is Verdict.BLOCKED
    flow = CheckInFlow(base, TODAY)
    assert flow.questions[-1].question_id == "helper_present"
    checkin(flow, helper_present=True)
    with_helper = flow.result()
    assert with_helper.outcome is CheckInOutcome.GO
    assert with_helper.profile.heat_off
    with pytest.raises(ValueError, match="screening profile"):
        CheckInFlow(with_helper.profile, TODAY)
