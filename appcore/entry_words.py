"""Entries and rated sessions in words, for the list where the person corrects their log.

Qt-free so the exact sentences are tested without a display: the list and the
confirmation before a deletion both say what an entry holds, in the same words.
Only what the person rated is named; an untouched scale is left out, never "0".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from data.entries import Hand
from data.models import SessionKind
from massage import ZONE_NAMES

if TYPE_CHECKING:
    from data.entries import Entry, EntryRecord
    from data.models import Rating
    from data.queries import SessionSummary

LIST_NOTE_CHARS = 120  # a note is cut here in the list; the confirmation shows it whole
KIND_WORDS = {
    SessionKind.THENAR: "with the Thenar massager",
    SessionKind.BY_HAND: "by hand",
    SessionKind.OTHER_MASSAGER: "with another massager",
}
OUTCOME_WORDS = {
    "running": "still running",
    "completed": "completed",
    "stopped_by_user": "stopped by you",
    "interrupted_link": "interrupted (the link was lost)",
    "interrupted_crash": "interrupted (Thenar closed)",
    "device_fault": "stopped by a device fault",
}
CHECKIN_KEPT = (
    "This entry was your check-in before a session. Correcting or deleting it changes "
    "your log and your charts only: the check-in's answers, the limits it set that day "
    "and each session's record of the limits in force stay as they were."
)


def _places(entry: Entry) -> list[str]:
    out = []
    for hand, zones in (("Left hand", entry.left_zones), ("Right hand", entry.right_zones)):
        if zones:
            out.append(f"{hand}: {', '.join(ZONE_NAMES[z] for z in sorted(zones))}.")
    return out


def describe_entry(entry: Entry, *, note_chars: int | None = LIST_NOTE_CHARS) -> str:
    """What the entry holds, e.g. "Pain 3, stiffness 5. Both hands. Left hand: wrist. A
    flare. Took Paracetamol. Note: stiff after typing." (`note_chars=None`: the whole note)."""
    parts = []
    scores = []
    if entry.pain is not None:
        scores.append(f"pain {entry.pain}")
    if entry.stiffness is not None:
        scores.append(f"stiffness {entry.stiffness}")
    if entry.morning_stiffness_min is not None:
        scores.append(f"morning stiffness {entry.morning_stiffness_min} min")
    if scores:
        text = ", ".join(scores)
        parts.append(text[:1].upper() + text[1:] + ".")
    places = _places(entry)
    said = {Hand.LEFT: bool(entry.left_zones), Hand.RIGHT: bool(entry.right_zones)}
    said[Hand.BOTH] = said[Hand.LEFT] and said[Hand.RIGHT]
    if entry.hand is not None and not said[Hand(entry.hand)]:  # its places name it otherwise
        parts.append(
            {Hand.LEFT: "Left hand.", Hand.RIGHT: "Right hand.", Hand.BOTH: "Both hands."}[
                Hand(entry.hand)
            ]
        )
    parts += places
    if entry.flare is True:
        parts.append("A flare.")
    elif entry.flare is False:
        parts.append("No flare.")
    if entry.medications:
        parts.append(f"Took {', '.join(sorted(entry.medications, key=str.casefold))}.")
    if entry.note is not None:
        note = " ".join(entry.note.split())
        if note_chars is not None and len(note) > note_chars:
            note = note[: note_chars - 1].rstrip() + "…"
        parts.append(f"Note: {note}")
    return " ".join(parts)


def entry_title(record: EntryRecord, when: str) -> str:
    """The line above an entry: its time, and whether it was the check-in."""
    return f"{when}: check-in before a session" if record.checkin_id is not None else when


def _rating(word: str, rating: Rating | None) -> str:
    if rating is None:
        return f"{word}: not rated."
    return f"{word}: pain {rating.pain}, stiffness {rating.stiffness}."


def session_title(summary: SessionSummary, when: str) -> str:
    s = summary.session
    return f"{when}: session {KIND_WORDS[s.kind]}"


def describe_session(summary: SessionSummary) -> str:
    """A rated session: its routine, how it ended, the ratings before and after."""
    s = summary.session
    outcome = OUTCOME_WORDS.get(s.outcome, str(s.outcome))
    return " ".join(
        [
            f"{s.program_name}, {outcome}.",
            _rating("Before", summary.before),
            _rating("After", summary.after),
        ]
    )


def deletion_question(record: EntryRecord, when: str) -> str:
    """Exactly what goes if the person confirms, and what stays."""
    text = (
        f"Delete your entry of {when}? This removes, for good: "
        f"{describe_entry(record.entry, note_chars=None) or 'the entry'}"
    )
    if record.checkin_id is not None:
        text += (
            " Your check-in itself stays: its answers and the limits it set that day, and "
            "each session's record of the limits in force, are kept."
        )
    else:
        text += " Nothing else changes."
    return text
