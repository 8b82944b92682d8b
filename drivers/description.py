"""What a massager model is and can do, read from a TOML file: data, not code.

A third model on a protocol Thenar already speaks needs a new file in
`drivers/descriptions/` (or a folder passed to `load_descriptions`), no code. The
format is documented in docs/drivers.md; `load_description` rejects a file that
leaves out anything the app relies on, with the field named.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUILTIN_DIR = Path(__file__).with_name("descriptions")
DRIVERS = ("thenar", "aa55")


class DescriptionError(ValueError):
    """A description file that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class Protections:
    """What the device enforces itself, without Thenar."""

    limits: bool  # keeps to caps written to it (pressure, heat, time)
    stop_on_link_loss: bool
    watchdog_s: float | None  # stops when the app goes quiet this long; None: no watchdog
    auto_off_s: int | None  # its own timer; None: runs until told to stop

    def missing(self) -> list[str]:
        """What this device does not do for the person, in plain words (Device page)."""
        lacks = []
        if not self.limits:
            lacks.append(
                "It does not keep to your limits by itself: Thenar caps the level it asks "
                "for, but buttons on the massager can go higher."
            )
        if not self.stop_on_link_loss:
            lacks.append(
                "It keeps running if the connection drops: Thenar reconnects and stops it, "
                "but if Thenar cannot reach it, switch it off with its button."
            )
        if self.watchdog_s is None:
            lacks.append(
                "It does not notice when Thenar stops talking to it (for example if the "
                "computer sleeps): Thenar keeps its own timer and stops it on exit."
            )
        if self.auto_off_s is None:
            lacks.append("It has no timer of its own: only Thenar's timer ends a session.")
        return lacks


@dataclass(frozen=True)
class Capabilities:
    """What the app can ask of the device."""

    zones: tuple[str, ...]
    intensity: str  # "mmhg": pressures with a measured reading; "levels": 1..levels
    levels: int  # for "levels": the highest level; for "mmhg": the device's own 1..N scale
    level_mmhg: tuple[int, ...]  # calibration: the pressure measured at each level 1..levels
    max_mmhg: int  # the highest pressure the device can make
    heat: tuple[int, ...]  # heat settings in tenths of °C besides off (empty: no heater)
    programs: bool  # takes an uploaded step program
    modes: Mapping[str, int]  # on-device modes by pattern name (e.g. "wave": 3)
    status: tuple[str, ...]  # what status reports: "pressure", "temperature", "level", ...
    status_on_request: bool  # status only when asked (no stream)
    spare_zones: bool = False  # can keep single zones empty during a session (Spare Zones)


@dataclass(frozen=True)
class Match:
    """How an advertisement is recognised: every given criterion must hold."""

    names: tuple[str, ...]  # shell-style patterns: "Palma P5*"
    service_uuids: tuple[str, ...]  # any of them advertised
    company_id: int | None = None
    data_prefix: bytes = b""  # the manufacturer data after the company id starts with this

    def matches(
        self, name: str, service_uuids: Iterable[str], manufacturer_data: Mapping[int, bytes]
    ) -> bool:
        if self.names and not any(fnmatch.fnmatchcase(name, n) for n in self.names):
            return False
        uuids = {u.lower() for u in service_uuids}
        if self.service_uuids and not uuids & set(self.service_uuids):
            return False
        if self.company_id is not None:
            data = manufacturer_data.get(self.company_id)
            if data is None or not bytes(data).startswith(self.data_prefix):
                return False
        return True


@dataclass(frozen=True)
class Description:
    """One massager model: who makes it, how to recognise it, which driver speaks to it."""

    key: str  # the file's stem: stable, shown in captures and logs
    model: str
    maker: str
    driver: str
    match: Match
    endpoints: Mapping[str, str]  # role -> characteristic UUID (lower-case, 128-bit)
    capabilities: Capabilities
    protections: Protections
    path: Path

    def level_for(self, max_mmhg: int) -> int:
        """The highest level whose measured pressure stays within `max_mmhg` (0: none does)."""
        allowed = [i + 1 for i, mmhg in enumerate(self.capabilities.level_mmhg) if mmhg <= max_mmhg]
        return max(allowed, default=0)


def _uuid(text: str) -> str:
    """ "ffe0" or "0xFFE0" (a 16-bit SIG UUID) or a full UUID, as bleak spells it."""
    t = text.strip().lower().removeprefix("0x")
    if len(t) == 4:
        return f"0000{t}-0000-1000-8000-00805f9b34fb"
    if len(t) == 36:
        return t
    raise ValueError(f"{text!r} is not a 16-bit or 128-bit UUID")


def _get(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise DescriptionError(f"{where}: `{key}` is missing")
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DescriptionError(f"{where}: `{key}` should be {kind.__name__}, not {value!r}")
    return value


def load_description(path: Path) -> Description:
    """Read and check one description file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DescriptionError(f"{path.name}: {exc}") from exc
    name = path.name
    try:
        device = _get(raw, "device", dict, name)
        driver = _get(device, "driver", str, f"{name} [device]")
        if driver not in DRIVERS:
            raise DescriptionError(f"{name}: driver {driver!r} is not one of {DRIVERS}")
        match_t = _get(raw, "match", dict, name)
        company = match_t.get("company_id")
        match = Match(
            names=tuple(match_t.get("names", ())),
            service_uuids=tuple(_uuid(u) for u in match_t.get("service_uuids", ())),
            company_id=int(company) if company is not None else None,
            data_prefix=bytes.fromhex(match_t.get("data_prefix", "")),
        )
        if not (match.names or match.service_uuids or match.company_id is not None):
            raise DescriptionError(f"{name} [match]: give names, service_uuids or company_id")
        endpoints = {k: _uuid(v) for k, v in _get(raw, "endpoints", dict, name).items()}
        caps = _get(raw, "capabilities", dict, name)
        where = f"{name} [capabilities]"
        intensity = _get(caps, "intensity", str, where)
        if intensity not in ("mmhg", "levels"):
            raise DescriptionError(f"{where}: intensity is 'mmhg' or 'levels', not {intensity!r}")
        levels = _get(caps, "levels", int, where)
        level_mmhg = tuple(int(v) for v in _get(caps, "level_mmhg", list, where))
        if len(level_mmhg) != levels or list(level_mmhg) != sorted(level_mmhg):
            raise DescriptionError(
                f"{where}: level_mmhg needs {levels} rising pressures, one per level"
            )
        capabilities = Capabilities(
            zones=tuple(_get(caps, "zones", list, where)),
            intensity=intensity,
            levels=levels,
            level_mmhg=level_mmhg,
            max_mmhg=_get(caps, "max_mmhg", int, where),
            heat=tuple(int(v) for v in caps.get("heat_dc", ())),
            programs=bool(caps.get("programs", False)),
            modes={str(k): int(v) for k, v in caps.get("modes", {}).items()},
            status=tuple(caps.get("status", ())),
            status_on_request=bool(caps.get("status_on_request", False)),
            spare_zones=_get(caps, "spare_zones", bool, where) if "spare_zones" in caps else False,
        )
        prot = _get(raw, "protections", dict, name)
        where = f"{name} [protections]"
        watchdog = prot.get("watchdog_s", 0)
        auto_off = prot.get("auto_off_s", 0)
        protections = Protections(
            limits=_get(prot, "limits", bool, where),
            stop_on_link_loss=_get(prot, "stop_on_link_loss", bool, where),
            watchdog_s=float(watchdog) if watchdog else None,
            auto_off_s=int(auto_off) if auto_off else None,
        )
        return Description(
            key=path.stem,
            model=_get(device, "model", str, f"{name} [device]"),
            maker=str(device.get("maker", "")),
            driver=driver,
            match=match,
            endpoints=endpoints,
            capabilities=capabilities,
            protections=protections,
            path=path,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, DescriptionError):
            raise
        raise DescriptionError(f"{name}: {exc}") from exc


def load_descriptions(*folders: Path) -> list[Description]:
    """The built-in descriptions, then those in `folders` (later ones win on the same key)."""
    if not any(BUILTIN_DIR.glob("*.toml")):  # a broken install: never guess what a device is
        raise DescriptionError(f"no built-in massager descriptions in {BUILTIN_DIR}")
    found: dict[str, Description] = {}
    for folder in (BUILTIN_DIR, *folders):
        for path in sorted(folder.glob("*.toml")):
            description = load_description(path)
            found[description.key] = description
    return list(found.values())


def identify(
    descriptions: Iterable[Description],
    name: str,
    service_uuids: Iterable[str],
    manufacturer_data: Mapping[int, bytes],
) -> Description | None:
    """The first description whose match holds for this advertisement (None: unknown)."""
    uuids = list(service_uuids)
    for description in descriptions:
        if description.match.matches(name, uuids, manufacturer_data):
            return description
    return None
