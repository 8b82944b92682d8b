"""`make test-floor` pins each direct dependency to the lowest version pyproject allows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tools.floor_constraints import floor


@pytest.mark.parametrize(
    ("requirement", "pinned"),
    [
        ("sqlite-utils>=4.0,<5", "sqlite-utils==4.0"),
        ("bleak==3.1.*", "bleak==3.1.0"),
        ("bumble==0.0.236", "bumble==0.0.236"),
        (
            "PySide6>=6.11.3,<6.12; python_version < '3.12'",
            "PySide6==6.11.3; python_version < '3.12'",
        ),
        ("fhir.resources>=8", "fhir.resources==8"),
        ("thenar[dev]>=1.2", "thenar==1.2"),
    ],
)
def test_each_requirement_becomes_its_floor(requirement: str, pinned: str) -> None:
    assert floor(requirement) == pinned


def test_every_direct_dependency_has_a_floor() -> None:
    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        assert "==" in floor(requirement), requirement
