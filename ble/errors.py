"""Typed errors of the massager client, each carrying advice a person can act on.

Errors carry fields: `message` (what happened; also `str()`) and `advice` (what to do,
an action: move closer, switch the massager on, pair again). They are put into
sentences once, by `appcore.explain`. Result codes of the control point map to one
subclass each, so callers can `except LimitExceeded` and the like.

The classes need no codec: the app's first window imports them (to word errors) before
any massager is near, so the codec (`ble.protocol`) loads only where a frame is read.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ble import protocol as p


class MassagerError(Exception):
    """Base of everything `ble.client` raises on purpose."""

    advice = "Try again; if it keeps happening, restart the massager and the app."

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        if advice is not None:
            self.advice = advice

    @property
    def message(self) -> str:
        """What happened, without the advice."""
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class BackendUnavailable(MassagerError):
    advice = "Check that Bluetooth is switched on, or that the configured adapter is plugged in."


class DeviceNotFound(MassagerError):
    advice = "Switch the massager on, keep it within a few metres, and try again."


class ConnectFailed(MassagerError):
    """Every attempt within the time budget failed; `last_error` is the final cause."""

    advice = "Move the massager closer, make sure it is charged, then connect again."

    def __init__(self, message: str, attempts: int, last_error: BaseException | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_error = last_error


class PairingFailed(MassagerError):
    advice = "Remove the massager from the system's Bluetooth settings and pair it again."


class BondRejected(MassagerError):
    """We hold a bond with the pinned address, but the device there would not use it."""

    advice = "If the massager was reset, pair it again on the Device page."


class NotPaired(MassagerError):
    """No bond with the pinned address, and pairing was not asked for: nothing was sent."""

    advice = "Pair the massager on the Device page first."


class NotConnected(MassagerError):
    advice = "Wait for the massager to reconnect, or connect it again."


class WrongDevice(MassagerError):
    advice = "This is not the massager you chose; pick it again in the device list if it is."


class UnsupportedDevice(MassagerError):
    """The device does not speak this app's protocol version: nothing was written to it."""

    advice = (
        "This massager and this version of Thenar do not speak the same language. "
        "Update Thenar, or the massager's firmware, then connect again."
    )


def require_protocol(features: bytes) -> p.Features:
    """The device's Features if it speaks our protocol version; else `UnsupportedDevice`."""
    from ble import protocol as p

    try:
        decoded = p.Features.from_bytes(features)
    except p.ProtocolError as exc:
        raise UnsupportedDevice(f"the massager's Features cannot be read: {exc}") from exc
    if not decoded.speaks(p.PROTOCOL_VERSION):
        spoken = ", ".join(str(v) for v in decoded.protocol_versions) or "none"
        raise UnsupportedDevice(
            f"the massager speaks protocol version {spoken}; "
            f"Thenar speaks version {p.PROTOCOL_VERSION}"
        )
    return decoded


class CapExceeded(MassagerError):
    """Refused by the client before anything was written: the user's caps forbid it."""

    advice = "Lower the setting, or change the caps in the safety settings."


class LimitsMismatch(MassagerError):
    advice = "The massager did not keep the safety caps; do not use it, and contact support."


class OutcomeUnknown(MassagerError):
    """No answer (timeout, link lost): the command may or may not have run.

    Never treated as success; the client reads the status before the next command.
    """

    advice = "Check the massager's status on screen before doing anything else."

    def __init__(self, message: str, opcode: p.Opcode | None = None) -> None:
        super().__init__(message)
        self.opcode = opcode


class CommandRefused(MassagerError):
    """The device answered with a result other than success."""

    advice = "The massager refused this; check its status and try again."

    def __init__(self, opcode: p.Opcode, result: p.ResultCode) -> None:
        super().__init__(f"{opcode.name} refused: {result.name}")
        self.opcode = opcode
        self.result = result


class OpcodeNotSupported(CommandRefused):
    advice = "This massager's firmware does not support that; update it or skip this step."


class InvalidParameter(CommandRefused):
    advice = "The value is not one the massager accepts; pick another value."


class OperationFailed(CommandRefused):
    advice = "The massager could not do it now (fault, low battery?); check its status."


class ControlNotPermitted(CommandRefused):
    advice = "Another app or phone controls the massager; close it, then try again."


class LimitExceeded(CommandRefused):
    advice = "That is beyond the massager's safety limits; choose a lower value."


class InvalidState(CommandRefused):
    advice = "The massager is not in a state that allows this (e.g. not running); check it."


class WriteRefused(MassagerError):
    """A GATT write was refused with an ATT error: nothing was applied."""

    def __init__(self, what: str, att_code: int, advice: str | None = None) -> None:
        super().__init__(f"{what} refused with ATT error 0x{att_code:02X}", advice)
        self.att_code = att_code


@cache
def _by_result() -> dict[int, type[CommandRefused]]:
    from ble import protocol as p

    return {
        p.ResultCode.OPCODE_NOT_SUPPORTED: OpcodeNotSupported,
        p.ResultCode.INVALID_PARAMETER: InvalidParameter,
        p.ResultCode.OPERATION_FAILED: OperationFailed,
        p.ResultCode.CONTROL_NOT_PERMITTED: ControlNotPermitted,
        p.ResultCode.LIMIT_EXCEEDED: LimitExceeded,
        p.ResultCode.INVALID_STATE: InvalidState,
    }


def refusal_for(opcode: p.Opcode, result: p.ResultCode) -> CommandRefused:
    """The typed exception for a non-success result (unknown codes: the base class)."""
    return _by_result().get(int(result), CommandRefused)(opcode, result)


@cache
def _att_advice() -> dict[int, str]:
    from ble import protocol as p

    return {
        p.ATT_INSUFFICIENT_ENCRYPTION: PairingFailed.advice,
        p.AppError.NOT_IN_CONTROL: ControlNotPermitted.advice,
        p.AppError.INVALID_PROGRAM: "The program is not valid for this massager; rebuild it.",
        p.AppError.BUSY: "Stop the running session before uploading a new program.",
        p.ATT_VALUE_OUT_OF_RANGE: "The value is beyond the massager's hard limits.",
    }


def write_refused(what: str, att_code: int) -> WriteRefused:
    return WriteRefused(what, att_code, _att_advice().get(att_code))


class MalformedReply(MassagerError):
    """The device answered a read with something the profile does not allow."""

    advice = "Switch the massager off and on again; if it keeps happening, it may need service."


class BadArgument(MassagerError):
    """Refused by the client before anything was written: not a value the protocol allows."""

    advice = "Pick a value within the range shown."
