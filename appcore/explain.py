"""The one mapper from an exception to words for the person: what happened, what is
safe, what to do.

Errors carry fields (`MassagerError.advice`, `StoreError.safe` and `.advice`, an
`OSError`'s errno; a `TherapyError` or `ValueError` from Thenar's owners is already
worded for the person); only this module turns them into sentences, so nothing is said
twice and every page says the same thing for the same failure. Views add only their
own lead-in ("Connecting did not work: ...").
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from data.errors import StoreError
from therapy.errors import TherapyError

DATA_SAFE = "Your saved data is safe."

# An OS error's cause as a clause ("Could not save x.csv: the disk is full.").
_OS_CAUSES = {
    errno.EACCES: "Thenar is not allowed to write there",
    errno.EPERM: "Thenar is not allowed to write there",
    errno.EROFS: "Thenar is not allowed to write there",
    errno.ENOENT: "that folder does not exist any more",
    errno.ENOSPC: "the disk is full",
}
_OS_UNKNOWN = "something went wrong while writing it"


@dataclass(frozen=True)
class Explanation:
    """A failure in words; each part is a sentence or empty."""

    what: str
    safe: str = ""
    advice: str = ""

    def sentence(self) -> str:
        """All of it on one line, for a status message."""
        return " ".join(t for t in (self.what, self.safe, self.advice) if t)

    def paragraphs(self) -> str:
        """One paragraph each, for a dialog."""
        return "\n\n".join(t for t in (self.what, self.safe, self.advice) if t)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def os_cause(exc: OSError) -> str:
    """Why a file could not be written, as a clause (no capital, no full stop)."""
    return _OS_CAUSES.get(exc.errno or 0, _OS_UNKNOWN)


def explain(exc: BaseException) -> Explanation:
    """The words for `exc`: its own fields where it has them, plain words where not."""
    # The massager's errors load with the link, not with the first window (issue 13).
    from ble.errors import MassagerError

    if isinstance(exc, StoreError):
        return Explanation(_sentence(str(exc)), exc.safe, exc.advice)
    if isinstance(exc, MassagerError):
        return Explanation(_sentence(exc.message), "", exc.advice)
    if isinstance(exc, OSError):
        return Explanation(_sentence(os_cause(exc)))
    if isinstance(exc, TherapyError | ValueError):  # raised with words for the person
        return Explanation(_sentence(str(exc)))
    return Explanation(
        _sentence(f"Something went wrong: {exc}" if str(exc) else "Something went wrong")
    )


def in_words(exc: BaseException) -> str:
    """For a dialog about an unexpected failure: what happened, what is safe, what to do.

    A log error says all three itself; anything else is "Something went wrong" with its
    advice, or the reassurance that saved data is safe (nothing here deletes any)."""
    if isinstance(exc, StoreError):
        return explain(exc).paragraphs()
    said = explain(exc)
    what = said.what
    if not what.startswith("Something went wrong"):
        what = f"Something went wrong: {what}"
    return f"{what}\n\n{said.advice or DATA_SAFE}"
