"""Print pip constraints that pin each direct dependency to its lowest allowed version.

`make test-floor` installs Thenar with these into a separate venv and runs the tests,
so a floor in pyproject.toml (`sqlite-utils>=4.0`) is one the code really works with.
`>=X` (alone or with an upper bound) becomes `==X` and `==X.*` becomes `==X.0`;
environment markers are kept, so each Python gets its own floor.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*([^;]*?)\s*(;.*)?$")


def floor(requirement: str) -> str:
    """`name>=1.2,<2; marker` -> `name==1.2; marker` (unchanged when there is no floor)."""
    match = _REQ.match(requirement)
    if match is None:
        raise ValueError(f"cannot read the requirement {requirement!r}")
    name, spec, marker = match.group(1), match.group(2), match.group(3) or ""
    name = name.split("[", 1)[0]  # constraints take no extras
    for clause in (c.strip() for c in spec.split(",") if c.strip()):
        if clause.startswith(">="):
            return f"{name}=={clause[2:].strip()}{marker}"
        if clause.startswith("==") and clause.endswith(".*"):
            return f"{name}=={clause[2:-2].strip()}.0{marker}"
        if clause.startswith("=="):
            return f"{name}{clause}{marker}"
    return f"{name}{spec}{marker}"


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")
    project = tomllib.loads(path.read_text(encoding="utf-8"))
    groups = [project["project"]["dependencies"]]
    groups += [project["project"]["optional-dependencies"][g] for g in sys.argv[2:]]
    for group in groups:
        for requirement in group:
            print(floor(requirement))


if __name__ == "__main__":
    main()
