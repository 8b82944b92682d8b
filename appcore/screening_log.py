"""Screenings and clearances in the log: saving them, and the profile they give back.

All functions take a `LogDb` (run them through `ctx.db.run`);
`appcore.safety.SafetyOwner` calls the writing ones. Rows become domain values in
`appcore.records`, the one place for that.

Clearances belong to the screening they were recorded against: after screening again
the person records them again, because the answers (and what a clinician cleared) may
have changed since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appcore.records import (
    answers_json,
    blocks_json,
    caps_json,
    clearance_of,
    screening_of,
    usable_answers,
)
from data import screenings as store
from therapy import SCREENING_RULES, evaluate_screening

if TYPE_CHECKING:
    from data.db import LogDb
    from therapy import Clearance, SafetyProfile
    from therapy.rules import RuleSet


def save_screening(
    db: LogDb, answers: Mapping[str, Collection[str]], profile: SafetyProfile, now: dt.datetime
) -> int:
    """Store the answers with the rules version and the caps and blocks they gave."""
    return store.record_screening(
        db,
        taken_at=now,
        rules_version=profile.rules_version,
        answers=answers_json(answers),
        caps=caps_json(profile),
        blocks=blocks_json(profile),
    )


def stored_answers(db: LogDb) -> dict[str, frozenset[str]]:
    """The latest screening's answers (to pre-fill screening again); empty if none."""
    latest = store.latest_screening(db)
    if latest is None:
        return {}
    return {
        k: frozenset([v]) if isinstance(v, str) else frozenset(v)
        for k, v in usable_answers(latest.answers, SCREENING_RULES).items()
    }


def clearances_for(
    db: LogDb, screening_id: int, today: dt.date, rules: RuleSet = SCREENING_RULES
) -> list[Clearance]:
    """The stored clearances that apply to this screening, as the domain's `Clearance`."""
    return [
        clearance_of(c)
        for c in store.list_clearances(db)
        if c.screening_id == screening_id
        and c.what in rules.clearable
        and c.cleared_by.strip()
        and c.cleared_on <= today
    ]


def load_profile(db: LogDb, today: dt.date) -> SafetyProfile | None:
    """Rebuild the profile from the latest screening and its clearances (None: never screened)."""
    loaded = load_screening(db, today)
    return None if loaded is None else loaded[1]


def load_screening(db: LogDb, today: dt.date) -> tuple[int, SafetyProfile] | None:
    """The latest screening's id and the profile it gives today with its clearances."""
    latest = store.latest_screening(db)
    if latest is None:
        return None
    screening = screening_of(latest, today)
    profile = evaluate_screening(screening, clearances_for(db, latest.id, today), today=today)
    return latest.id, profile


@dataclass(frozen=True)
class StoredClearance:
    """One clearance as recorded, with its title in words and whether it applies now.

    `id` is the record's, for withdrawing it (`SafetyService.remove_clearance`);
    `withdrawn_at` says when it was withdrawn (it stays in the log, and applies no more).
    """

    id: int
    what: str
    title: str
    cleared_on: dt.date
    cleared_by: str
    applies: bool
    withdrawn_at: dt.datetime | None = None


def list_clearance_records(db: LogDb) -> list[StoredClearance]:
    """Every recorded clearance, withdrawn ones too, newest first, for the Settings list."""
    latest = store.latest_screening(db)
    rules = SCREENING_RULES.by_rule_id
    withdrawn = store.withdrawn_clearances(db)
    out = [
        StoredClearance(
            c.id,
            c.what,
            rules[c.what].title if c.what in rules else c.what,
            c.cleared_on,
            c.cleared_by,
            c.id not in withdrawn and latest is not None and c.screening_id == latest.id,
            withdrawn.get(c.id),
        )
        for c in store.list_clearances(db, withdrawn=True)
    ]
    return out[::-1]


def record_clearance_for(
    db: LogDb, item: str, cleared_on: dt.date, clinician: str, now: dt.datetime
) -> SafetyProfile:
    """Record that a clinician cleared `item` for the latest screening; return the new profile.

    Raises ValueError with a message for the person when the record cannot be right.
    """
    if item not in SCREENING_RULES.clearable:
        raise ValueError("That item is not one a clinician can clear in Thenar.")
    if not clinician.strip():
        raise ValueError("Please type the name of the clinician who cleared it.")
    today = now.astimezone().date()
    if cleared_on > today:
        raise ValueError("The date they cleared it cannot be in the future.")
    latest = store.latest_screening(db)
    if latest is None:
        raise ValueError("Please answer the safety questions first.")
    store.record_clearance(
        db,
        what=item,
        cleared_on=cleared_on,
        cleared_by=clinician.strip(),
        recorded_at=now,
        screening_id=latest.id,
    )
    profile = load_profile(db, today)
    assert profile is not None
    return profile
