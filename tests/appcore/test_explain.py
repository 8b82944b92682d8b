"""The one mapper from an exception to words: each kind of error said once."""

from __future__ import annotations

import errno

import pytest

from appcore.explain import DATA_SAFE, explain, in_words
from ble.errors import ConnectFailed, MassagerError
from data.errors import StoreLockedError
from therapy import SessionNotAllowed


def test_a_massager_error_says_its_advice_once() -> None:
    exc = ConnectFailed("could not connect after 3 attempts", 3, None)
    said = explain(exc)
    assert said.what == "Could not connect after 3 attempts."
    assert said.advice == ConnectFailed.advice
    assert said.sentence().count(ConnectFailed.advice) == 1
    assert str(exc) == "could not connect after 3 attempts"  # str() is the message alone


def test_a_log_error_says_what_is_safe_and_what_to_do() -> None:
    said = explain(StoreLockedError("the health log is already open elsewhere"))
    assert said.what == "The health log is already open elsewhere."
    assert said.safe  # "Your saved history has not been changed."
    assert said.advice == StoreLockedError.advice
    assert in_words(StoreLockedError("locked")) == said.paragraphs().replace(
        "The health log is already open elsewhere.", "Locked."
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EACCES, "Thenar is not allowed to write there."),
        (errno.ENOENT, "That folder does not exist any more."),
        (errno.ENOSPC, "The disk is full."),
        (errno.EIO, "Something went wrong while writing it."),
    ],
)
def test_os_errors_are_said_by_cause(code: int, words: str) -> None:
    assert explain(OSError(code, "raw")).what == words


def test_words_for_the_person_are_kept_and_the_unexpected_is_named() -> None:
    assert explain(ValueError("Please type the clinician's name")).what == (
        "Please type the clinician's name."
    )
    blocked = SessionNotAllowed(["Answer the safety questions first."])
    assert "Answer the safety questions first" in explain(blocked).what
    assert explain(KeyError("x")).what == "Something went wrong: 'x'."
    assert in_words(RuntimeError("boom")) == f"Something went wrong: boom.\n\n{DATA_SAFE}"
    assert in_words(MassagerError("lost", "Move closer.")) == (
        "Something went wrong: Lost.\n\nMove closer."
    )
