"""Description files: the built-in ones load; a broken one is refused with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.description import DescriptionError, identify, load_description, load_descriptions
from tests.drivers.test_aa55_driver import THIRD


def test_the_built_in_descriptions_load_and_say_what_is_missing() -> None:
    known = {d.key: d for d in load_descriptions()}
    assert {"thenar-tg1", "palma-p5"} <= set(known)
    assert known["thenar-tg1"].protections.missing() == []
    palma = known["palma-p5"].protections.missing()
    assert len(palma) == 3  # limits, link-loss stop, watchdog; it has its own timer
    assert known["palma-p5"].level_for(45) == 3
    assert known["palma-p5"].level_for(19) == 0


def test_matching_needs_every_criterion_given() -> None:
    known = load_descriptions()
    ffe0 = ["0000ffe0-0000-1000-8000-00805f9b34fb"]
    palma = identify(known, "Palma P5 #2", ffe0, {0x0A55: b"P5"})
    assert palma is not None
    assert palma.key == "palma-p5"
    assert identify(known, "Palma P5", ffe0, {0x0A55: b"ZZ"}) is None  # other model code
    assert identify(known, "Palma P5", [], {0x0A55: b"P5"}) is None  # no service
    assert identify(known, "Something", ffe0, {}) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('driver = "aa55"', 'driver = "magic"'), "driver"),
        (("levels = 3\n", "levels = 4\n"), "level_mmhg"),
        (("level_mmhg = [25, 35, 45]", "level_mmhg = [45, 35, 25]"), "level_mmhg"),
        (("limits = false\n", ""), "limits"),
        (('intensity = "levels"', 'intensity = "newtons"'), "intensity"),
        (('model = "Kneadle K3"\n', ""), "model"),
        (("[match]", "[match\n"), "kneadle.toml"),
    ],
)
def test_a_broken_description_is_refused_with_the_field_named(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    old, new = change
    assert old in THIRD
    path = tmp_path / "kneadle.toml"
    path.write_text(THIRD.replace(old, new), encoding="utf-8")
    with pytest.raises(DescriptionError, match=field):
        load_description(path)


def test_a_folder_can_add_a_model_and_replace_a_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "kneadle-k3.toml").write_text(THIRD, encoding="utf-8")
    (tmp_path / "palma-p5.toml").write_text(
        THIRD.replace("Kneadle K3", "Palma P5 (corrected)"), encoding="utf-8"
    )
    known = {d.key: d for d in load_descriptions(tmp_path)}
    assert known["kneadle-k3"].model == "Kneadle K3"
    assert known["palma-p5"].model == "Palma P5 (corrected)"
