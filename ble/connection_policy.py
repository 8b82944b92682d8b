"""When to retry a failed connection attempt, and after how long: pure policy.

In the spirit of bleak-retry-connector's `calculate_backoff_time(exc)`, but not
that package: it is BlueZ/D-Bus-centric (adapter resets, cached device lookup,
BlueZ error strings) and our Bumble backend raises none of those errors. Here the
whole decision is one pure function of (error kind, attempt, time left), so it
is tested without a radio. Every attempt is clipped to the overall budget, so a
timeout cannot multiply it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bleak.exc import BleakBluetoothNotAvailableError, BleakError, BleakGATTProtocolError

from ble import protocol as p
from ble.errors import BackendUnavailable, DeviceNotFound, PairingFailed


class ErrorKind(enum.Enum):
    NOT_FOUND = "not found"  # not advertising (off, out of range, busy with another central)
    TIMEOUT = "timeout"  # connect or GATT request timed out
    TRANSIENT = "transient"  # link dropped during setup, controller busy
    AUTH = "auth"  # pairing/encryption refused: the bond may be stale
    FATAL = "fatal"  # no Bluetooth at all: retrying cannot help


def classify(exc: BaseException) -> ErrorKind:
    """Sort an exception from one connection attempt into a kind of failure."""
    if isinstance(exc, BleakBluetoothNotAvailableError | BackendUnavailable):
        return ErrorKind.FATAL
    if isinstance(exc, DeviceNotFound):
        return ErrorKind.NOT_FOUND
    if isinstance(exc, PairingFailed):
        return ErrorKind.AUTH
    if (
        isinstance(exc, BleakGATTProtocolError)
        and exc.args
        and exc.args[0]
        in (
            p.ATT_INSUFFICIENT_ENCRYPTION,
            0x05,  # insufficient authentication
        )
    ):
        return ErrorKind.AUTH
    if isinstance(exc, TimeoutError):
        return ErrorKind.TIMEOUT
    if isinstance(exc, BleakError | OSError | EOFError):
        return ErrorKind.TRANSIENT
    return ErrorKind.FATAL


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff per kind of error under one overall budget.

    Numbers: a massager advertises every 20-100 ms, so a short first backoff finds
    it again quickly after a radio fade; 2 s caps the wait so a device switched
    back on is found within about one press of its button; 30 s of budget is how
    long a person waits at a "connecting…" screen before giving up.
    """

    budget_s: float = 30.0
    base_s: float = 0.05
    max_backoff_s: float = 2.0
    factor: float = 2.0
    max_auth_attempts: int = 2  # one retry: a stale bond is re-paired once, never looped
    attempt_timeout_s: float = 10.0  # one connect; bleak's default, clipped to the budget

    def next_delay(self, kind: ErrorKind, attempt: int, remaining_s: float) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to give up.

        `attempt` counts failed attempts so far (1 after the first failure).
        """
        if kind is ErrorKind.FATAL:
            return None
        if kind is ErrorKind.AUTH and attempt >= self.max_auth_attempts:
            return None
        scale = {
            ErrorKind.NOT_FOUND: 1.0,
            ErrorKind.TRANSIENT: 1.0,
            ErrorKind.TIMEOUT: 2.0,  # the link layer just spent a long time: back off more
            ErrorKind.AUTH: 4.0,  # give the peer time to forget a half-done pairing
        }[kind]
        delay = min(self.max_backoff_s, self.base_s * scale * self.factor ** (attempt - 1))
        if delay >= remaining_s:
            return None  # not even one more attempt would fit: give up now, not after waiting
        return delay

    def attempt_timeout(self, remaining_s: float) -> float:
        """Time allowed to one attempt: never beyond what is left of the budget."""
        return max(0.0, min(self.attempt_timeout_s, remaining_s))
