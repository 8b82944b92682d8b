"""The Device page's sentences about massagers: rows found by a scan, the audit trail's
lines, and what a model does not protect by itself. Pure words, from plain values
(`appcore.massager` re-exports them, where the page has always found them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ble.client import DiscoveredMassager
    from data.models import CommandEntry
    from drivers import registry
    from drivers.description import Description


def signal_words(rssi: int) -> str:
    """RSSI in words: people do not think in dBm."""
    if rssi >= -60:
        return "strong signal"
    if rssi >= -75:
        return "good signal"
    if rssi >= -85:
        return "weak signal"
    return "very weak signal"


def candidate_words(m: DiscoveredMassager, pinned: str | None) -> str:
    """One row of the Device page: everything that tells look-alikes apart."""
    if pinned and m.address.upper() != pinned.upper():
        return f"{m.name} ({m.address}): not your massager, Thenar will not use it"
    parts = [m.name or "Massager"]
    if m.model:
        parts.append(m.model)
    if m.serial:
        parts.append(f"serial {m.serial}")
    if not m.pairs:
        pairing = "takes no pairing: anyone nearby could control it"
    else:
        pairing = "paired" if m.bonded else "not paired yet"
    parts += [signal_words(m.rssi), m.address, pairing]
    return " · ".join(parts)


_HISTORY_NAMES = {
    "connected": "Connected",
    "reconnected": "Connected again",
    "link_lost": "Connection lost",
    "reconnect_gave_up": "Stopped trying to reconnect",
    "connect_attempt_failed": "A connection attempt failed",
    "disconnected": "Disconnected",
    "outcome_unknown": "No answer from the massager",
    "device_silent": "The massager went quiet",
    "device_back": "The massager is talking again",
    "stop_unacknowledged": "Stop not confirmed",
    "request_control": "Took control",
    "limits": "Safety limits written",
    "upload_program": "Program sent",
    "start_program": "Started",
    "pause": "Paused",
    "resume": "Resumed",
    "stop": "Stopped",
    "set_intensity": "Intensity set",
    "set_heat": "Warmth set",
    "clear_fault": "Fault cleared",
    "heartbeat": "Heartbeat",
    "fault": "The massager reported a fault",
}


def history_words(entry: CommandEntry) -> str:
    """One line of the audit trail for a person: when, what, with what, and the result."""
    when = entry.at.astimezone().strftime("%d %b %H:%M:%S")
    what = _HISTORY_NAMES.get(entry.command, entry.command.replace("_", " ").capitalize())
    params = dict(entry.params) if isinstance(entry.params, dict) else {}
    ident = params.pop("id", None)
    detail = ""
    if entry.command == "limits":
        back = params.get("read_back")
        if isinstance(back, dict):
            heat = back.get("max_heat_dc", 0)
            warmth = "off" if not heat else f"{int(heat) / 10:g} °C"
            detail = (
                f"{back.get('max_pressure_mmhg')} mmHg, warmth {warmth}, "
                f"{int(back.get('max_session_s', 0)) // 60} min, read back"
            )
    elif params:
        detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in params.items())
    quiet = {"ok", "success", "event"}
    result = "" if entry.result in quiet else entry.result.replace("_", " ")
    line = f"{when}  {what}"
    if detail:
        line += f" ({detail})"
    if result:
        line += f": {result}"
    if ident is not None:
        line += f"  [#{ident}]"
    return line


def protection_words(description: Description | None) -> str:
    """Before the first session: what this massager does not do for the person, plainly."""
    if description is None:
        return (
            "Thenar does not know this device. You can save a capture of what it shows "
            "of itself (nothing is written to it) and share the file with the project."
        )
    missing = description.protections.missing()
    if not missing:
        return (
            f"{description.model}: keeps to your limits by itself, stops when the "
            "connection drops or Thenar goes quiet, and has its own timer."
        )
    return f"{description.model} lacks some protections. " + " ".join(missing)


def nearby_words(found: registry.Found) -> str:
    """One row of "other devices nearby" on the Device page."""
    name = found.name or "Unnamed device"
    if found.description is None:
        return f"{name} ({found.address}): not a massager Thenar knows"
    return f"{found.description.model} ({found.address}): a model Thenar knows"
