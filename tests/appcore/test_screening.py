"""The screening and check-in flows without a display: order, validation, saving, wording."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appcore.screening import CheckInFlow, CheckInOutcome, ScreeningFlow
from appcore.screening_log import (
    list_clearance_records,
    load_profile,
    record_clearance_for,
    save_screening,
    stored_answers,
)
from appcore.summary import NextStep, ProfileSummary, rescreen_due, summarize
from data.store import open_store
from therapy import (
    SCREENING_QUESTIONS,
    CheckIn,
    Clearance,
    SafetyProfile,
    Screening,
    Verdict,
    apply_checkin,
    evaluate_screening,
)
from therapy.rules import CapName

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


# ---------------------------------------------------------------------------
# The summary's words: one number per limit, each reason under its own limit


def answered(**answers: str) -> ScreeningFlow:
    flow = ScreeningFlow()
    all_no(flow)
    for qid, option in answers.items():
        flow.choose(option, qid)
    return flow


def line_for(summary: ProfileSummary, cap: CapName) -> tuple[str, str]:
    (line,) = [line for line in summary.limits if line.cap == cap]
    return line.text, line.why


def page_text(summary: ProfileSummary) -> str:
    parts = [summary.headline, summary.design_note, summary.next_step or ""]
    for line in summary.blocked + summary.needs_clearance + summary.postpone + summary.limits:
        parts += [line.text, line.why]
    return "\n".join(parts)


def test_blood_thinner_and_numbness_says_one_number_per_limit() -> None:
    """Issue 10: "once cleared, 30 mmHg", then "up to 40 mmHg" under the heat reason."""
    profile = answered(blood_thinners="yes", sensation="mild").result(TODAY)
    assert profile.verdict is Verdict.NEEDS_CLEARANCE
    summary = summarize(profile)

    squeeze, squeeze_why = line_for(summary, "pressure")
    # 40 in force now; the rules give 30 once the clearance is recorded, and nothing else.
    assert profile.max_pressure.value == 40
    cleared = evaluate_screening(
        answered(blood_thinners="yes", sensation="mild").screening(TODAY),
        [Clearance("blood_thinners", TODAY, "Dr Okafor")],
        today=TODAY,
    )
    assert cleared.max_pressure.value == 30
    # No session runs until the clearance is recorded, so the line gives the 30 to come.
    assert squeeze == "Squeezing: up to 30 mmHg once your clearance is recorded."
    assert "heat" not in squeeze_why.lower()
    assert "squeezing" in squeeze_why
    assert "bruise" in squeeze_why  # the blood thinner's reason for the later 30

    heat, heat_why = line_for(summary, "heat")
    assert heat == "Heat: off."
    assert "heat" in heat_why
    assert "squeez" not in heat_why.lower()
    assert heat_why != squeeze_why

    text = page_text(summary)
    assert len(re.findall(r"\d+ mmHg", text)) == 1  # the 30 to come, said once
    assert text.count("design value") == 1
    assert summary.design_note
    (waiting,) = summary.needs_clearance
    assert not re.search(r"\d", waiting.why)  # the numbers live on the limit lines only
    assert summary.next_step is NextStep.RECORD_CLEARANCE


def test_heat_waiting_for_a_clearance_says_off_until_then() -> None:
    profile = answered(circulation="yes").result(TODAY)
    assert profile.verdict is Verdict.ALLOWED
    summary = summarize(profile)
    heat, heat_why = line_for(summary, "heat")
    assert heat.startswith("Heat: off until your clearance is recorded, then up to 42.0 °C")
    assert "circulation" in heat_why
    squeeze, _ = line_for(summary, "pressure")
    assert squeeze == "Squeezing (compression): off."


def test_several_clearances_name_the_one_that_changes_a_limit() -> None:
    profile = answered(clot="past", surgery="yes").result(TODAY)
    summary = summarize(profile)
    squeeze, _ = line_for(summary, "pressure")
    assert squeeze == (
        "Squeezing: up to 30 mmHg once the clearance for “Past blood clot (DVT)” is recorded."
    )
    session, session_why = line_for(summary, "session")
    assert session.endswith("is recorded.")
    assert "10 minutes" in session
    assert "sessions" in session_why


def test_osteoporosis_says_which_techniques_a_clearance_leaves_out() -> None:
    summary = summarize(answered(osteoporosis="yes").result(TODAY))
    (line,) = [line for line in summary.limits if line.cap == "techniques"]
    assert line.text.startswith("Once your clearance is recorded, not used for you:")
    assert "bones" in line.why
    cleared = summarize(
        evaluate_screening(
            answered(osteoporosis="yes").screening(TODAY),
            [Clearance("osteoporosis", TODAY, "Dr A")],
            today=TODAY,
        )
    )
    (line,) = [line for line in cleared.limits if line.cap == "techniques"]
    assert line.text.startswith("Not used for you:")


@pytest.mark.parametrize(
    ("answers", "paired", "step"),
    [
        pytest.param({"blood_thinners": "yes"}, True, NextStep.RECORD_CLEARANCE, id="clearance"),
        pytest.param({"circulation": "yes"}, True, NextStep.RECORD_CLEARANCE, id="heat-clearance"),
        pytest.param({}, False, NextStep.PAIR, id="pair"),
        pytest.param({}, True, NextStep.MASSAGE, id="massage"),
        pytest.param({"report_discomfort": "no"}, False, NextStep.PAIR, id="with-a-helper"),
        pytest.param({"fever": "yes"}, True, None, id="blocked"),
        pytest.param({"fever": "yes", "blood_thinners": "yes"}, True, None, id="blocked-too"),
    ],
)
def test_next_step(answers: dict[str, str], paired: bool, step: NextStep | None) -> None:
    summary = summarize(answered(**answers).result(TODAY), paired=paired)
    assert summary.next_step is step


def test_next_step_names_its_page() -> None:
    assert NextStep.RECORD_CLEARANCE == "Record a clinician's clearance in Settings"
    for step in NextStep:
        assert step.page in step


@st.composite
def screening_answers(draw: st.DrawFn) -> dict[str, frozenset[str]]:
    """Any complete set of answers the questions allow."""
    out: dict[str, frozenset[str]] = {}
    for q in SCREENING_QUESTIONS:
        if not q.multiple:
            out[q.question_id] = frozenset({draw(st.sampled_from(sorted(q.option_ids)))})
            continue
        others = sorted(q.option_ids - q.exclusive)
        alone = st.sampled_from(sorted(q.exclusive)).map(lambda o: frozenset({o}))
        several = st.sets(st.sampled_from(others), min_size=1).map(frozenset)
        out[q.question_id] = draw(alone | several if q.exclusive else several)
    return out


def values(text: str, pattern: str) -> list[float]:
    """The numbers a limit line states, in order; "off" counts as 0."""
    return [float(m[1] or 0) for m in re.finditer(rf"\boff\b|{pattern}", text)]


@settings(max_examples=300, deadline=None)
@given(
    answers=screening_answers(),
    clear_some=st.data(),
    checkin=st.none() | st.builds(CheckIn, day=st.just(TODAY), discomfort=st.integers(0, 10)),
)
def test_summary_numbers_are_the_profiles_and_reasons_stay_under_their_limit(
    answers: dict[str, frozenset[str]], clear_some: st.DataObject, checkin: CheckIn | None
) -> None:
    screening = Screening(answers, completed_on=TODAY)
    first = evaluate_screening(screening, today=TODAY)
    pending = [p.item for p in first.pending_clearances]
    chosen = clear_some.draw(st.sets(st.sampled_from(pending))) if pending else set()
    base = evaluate_screening(
        screening, [Clearance(item, TODAY, "Dr A") for item in chosen], today=TODAY
    )
    every = [Clearance(p.item, TODAY, "Dr A") for p in first.pending_clearances]
    later = evaluate_screening(screening, every, today=TODAY)

    def day(p: SafetyProfile) -> SafetyProfile:
        return p if checkin is None else apply_checkin(p, checkin)

    profile, later = day(base), day(later)
    summary = summarize(profile)

    # While a clearance blocks sessions, nothing runs: a line says only the value to come.
    waiting = profile.verdict is Verdict.NEEDS_CLEARANCE
    squeeze, squeeze_why = line_for(summary, "pressure")
    said = values(squeeze, r"(\d+) mmHg")
    if later.max_pressure.value == profile.max_pressure.value:
        assert said == [profile.max_pressure.value]
    elif waiting:
        assert said == [later.max_pressure.value]
        assert "once" in squeeze
    else:
        assert said == [profile.max_pressure.value, later.max_pressure.value]
    assert not re.search(r"heat|warm", squeeze_why, re.IGNORECASE)

    heat, heat_why = line_for(summary, "heat")
    shown = values(heat, r"(\d+\.\d) °C")
    if not (waiting and "once" in heat):
        assert shown[0] == (profile.max_heat_c or 0)
        if not profile.heat_off:
            assert f"at most {profile.max_heat_time.value // 60} minutes" in heat
    assert shown[-1] == (later.max_heat_c or 0)
    assert not re.search(r"squeez|pressure|compression", heat_why, re.IGNORECASE)

    session, _ = line_for(summary, "session")
    minutes = [int(m) for m in re.findall(r"at most (\d+) minute", session)]
    if not (waiting and "once" in session):
        assert minutes[0] == profile.max_session.value // 60
    assert minutes[-1] == later.max_session.value // 60

    text = page_text(summary)
    assert text.count("design value") <= 1
    for line in summary.limits + summary.needs_clearance + summary.postpone:
        assert not re.search(r"\d", line.why), line  # numbers only on the limit lines
    if profile.verdict is Verdict.NEEDS_CLEARANCE:
        assert summary.next_step is NextStep.RECORD_CLEARANCE
    if profile.verdict is Verdict.ALLOWED and not profile.pending_clearances:
        assert summary.next_step is NextStep.PAIR
