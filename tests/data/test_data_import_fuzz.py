"""`import_json` fuzzed (issue 12 item 9): on any input only the log's own errors escape,
and a refused import leaves the store exactly as it was.

Structure-aware: the inputs are a real export with one part removed, retyped,
replaced by something deeply nested, or the text cut short.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import devices, dump, programs, ratings, schedules, screenings
from data.db import LogDb
from data.errors import RestoreError, StoreError
from data.models import Outcome, Rating, RatingKind, SessionStart, TelemetrySample
from data.sessions import SessionWriter, start_session
from data.store import open_memory
from tests.data.helpers import T0
from tests.soak import examples

Path_ = tuple[str | int, ...]


@cache
def export_text() -> str:
    """A small export touching every table (telemetry as base64 too)."""
    db = open_memory()
    pid = programs.save_program(db, "Gentle wave", {"steps": [[60, 1, 30]]}, created_at=T0)
    devices.record_device(db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=T0)
    screenings.record_screening(
        db, taken_at=T0, rules_version="1", answers={"a": "no"}, caps={"m": 50}, blocks=[]
    )
    start = SessionStart(pid, {"steps": [1]}, {"max_mmhg": 50}, 3, 40.0, T0, "AA:BB")
    sid = start_session(db, start, before=Rating(T0, 6, 5))
    writer = SessionWriter(db, sid)
    for t in range(0, 3000, 500):
        writer.add(TelemetrySample(t, (10, 20, 30, 40, 50, 60), 380))
    writer.finish(Outcome.COMPLETED, ended_at=T0 + timedelta(minutes=5))
    ratings.add_rating(db, Rating(T0, 3, 3), kind=RatingKind.AFTER, session_id=sid)
    ratings.add_checkin(db, Rating(T0, 4, 4, grip_kg=22.5, note="ok"))
    schedules.add_schedule(db, program_id=pid, rrule_text="FREQ=DAILY", dtstart=T0, lead_min=10)
    text = dump.export_json(db)
    db.close()
    return text


def paths(value: Any, here: Path_ = ()) -> list[Path_]:
    """Every place in the document (not the root)."""
    found: list[Path_] = [here] if here else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*here, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths(child, (*here, i))
    return found


def parent_of(document: Any, path: Path_) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


DEEP = "@@deep@@"
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.just({"$base64": "not base64!"})
    | st.just(DEEP),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@st.composite
def malformed(draw: st.DrawFn) -> str:
    """A valid export with some parts removed, retyped or nested deeply, or cut short."""
    document = json.loads(export_text())
    for _ in range(draw(st.integers(1, 3))):
        places = paths(document)
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent, key = parent_of(document, path), path[-1]
        if draw(st.booleans()):
            del parent[key]  # removed (a list shrinks by one: rows change length)
        else:
            # A copy: st.just() hands out one shared object, and a later step may
            # delete inside it, which would change what the next example draws.
            parent[key] = copy.deepcopy(draw(json_values))  # retyped
    text = json.dumps(document)
    depth = draw(st.sampled_from([2, 50, 5000, 200_000]))
    text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text


def contents(db: LogDb) -> str:
    return dump.export_json(db)


@settings(
    max_examples=examples(100, soak=1_000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(malformed())
def test_only_the_logs_errors_escape_and_a_refusal_changes_nothing(text: str) -> None:
    db = open_memory()
    before = contents(db)
    try:
        dump.import_json(db, text)
    except StoreError:
        assert contents(db) == before
    db.close()


@settings(max_examples=50, deadline=None)
@given(malformed())
def test_a_store_with_history_is_never_changed_by_an_import(text: str) -> None:
    db = open_memory()
    dump.import_json(db, export_text())
    before = contents(db)
    try:
        dump.import_json(db, text)
    except StoreError:
        pass
    else:
        raise AssertionError("an import into a store with history must be refused")
    assert contents(db) == before
    db.close()


def test_the_cases_the_issue_found_are_refused_in_words() -> None:
    document = json.loads(export_text())
    cases = [
        document | {"tables": document["tables"] | {"ratings": []}},  # AttributeError before
        document
        | {
            "tables": document["tables"]
            | {"devices": document["tables"]["devices"] | {"rows": [["AA:BB"]]}}
        },  # ProgrammingError (wrong number of bindings) before
    ]
    texts = [json.dumps(c) for c in cases] + ["[" * 100_000 + "]" * 100_000]  # RecursionError
    for text in texts:
        db = open_memory()
        with pytest.raises(RestoreError):
            dump.import_json(db, text)
        assert dump.is_empty(db)
        db.close()
