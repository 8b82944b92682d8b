"""`therapy` loads each part of the domain when first used (issue 13): every public name
still resolves, to the object its own module defines, and a name it does not have is an
AttributeError as usual."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import therapy


def test_every_public_name_resolves_to_its_modules_object() -> None:
    assert sorted(therapy.__all__) == sorted(therapy._HOME)
    # what type checkers see (the TYPE_CHECKING imports) is what runs (`_HOME`)
    tree = ast.parse(Path(therapy.__file__).read_text())
    checked = {
        alias.name: node.module
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert checked == therapy._HOME
    for name, module in therapy._HOME.items():
        own = importlib.import_module(f"therapy.{module}")
        assert getattr(therapy, name) is getattr(own, name), name
    assert set(therapy.__all__) <= set(dir(therapy))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NOT_A_NAME'"):
        _ = therapy.NOT_A_NAME  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        exec("from therapy import NOT_A_NAME")


def test_the_screening_rules_do_not_load_the_trial_or_the_compiler() -> None:
    """What the first window asks for (the questions and the profile) leaves the trial's
    analysis and the program compiler unloaded; a fresh interpreter shows it."""
    code = (
        "import sys\n"
        "from therapy import SCREENING_QUESTIONS, SafetyProfile\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('therapy.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "therapy.profile" in loaded
    assert not loaded & {"therapy.trial", "therapy.trial_analysis", "therapy.compiler"}
