"""No product module over 400 lines without a reason in its docstring (issue 17).

A long module is sometimes right (one table, one wire format read beside its
document); the test makes the author say so where the next reader looks first,
so a module that grew by accident is noticed instead of accepted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "massage",
    "student_t",
    "ble",
    "drivers",
    "device_sim",
    "data",
    "therapy",
    "appcore",
    "desktop",
)
LIMIT = 400
MARK = "Why this module is long:"
# The reason itself, after the mark: a few words at least, not a placeholder.
MIN_REASON_CHARS = 30


def has_reason(source: str) -> bool:
    """True if the module docstring has a paragraph starting with `MARK` and a reason."""
    docstring = ast.get_docstring(ast.parse(source)) or ""
    for paragraph in docstring.split("\n\n"):
        text = " ".join(paragraph.split())
        if text.startswith(MARK) and len(text) - len(MARK) >= MIN_REASON_CHARS:
            return True
    return False


def test_has_reason_reads_the_docstring_only() -> None:
    reason = f'"""Title.\n\n{MARK} one table, each rule beside its source document."""\n'
    assert has_reason(reason)
    assert not has_reason(f'"""Title.\n\n{MARK}"""\n')
    assert not has_reason(f'"""Title."""\n# {MARK} a comment is not the docstring at all\n')
    assert not has_reason(f'"""Title. {MARK} mid-paragraph is not a paragraph of its own."""\n')


def test_every_long_module_says_why() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines = len(source.splitlines())
            if lines > LIMIT and not has_reason(source):
                offenders.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not offenders, (
        f"modules over {LIMIT} lines need a paragraph starting {MARK!r} in their "
        "docstring (or a split): " + ", ".join(offenders)
    )
