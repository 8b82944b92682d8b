"""Issue 3: the pure parts of the client: retry policy, error advice, pinning, backend choice."""

from __future__ import annotations

import pytest
from bleak.exc import BleakBluetoothNotAvailableError, BleakError, BleakGATTProtocolError

from ble import protocol as p
from ble.backends import choose_backend
from ble.connection_policy import ErrorKind, RetryPolicy, classify
from ble.errors import (
    BackendUnavailable,
    CommandRefused,
    DeviceNotFound,
    LimitExceeded,
    refusal_for,
)
from ble.pinning import PinnedDevice


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (DeviceNotFound("gone"), ErrorKind.NOT_FOUND),
        (TimeoutError(), ErrorKind.TIMEOUT),
        (BleakError("link lost during discovery"), ErrorKind.TRANSIENT),
        (BleakGATTProtocolError(p.ATT_INSUFFICIENT_ENCRYPTION), ErrorKind.AUTH),
        (BleakBluetoothNotAvailableError("no adapter", None), ErrorKind.FATAL),  # type: ignore[arg-type]
        (ValueError("bug"), ErrorKind.FATAL),
    ],
)
def test_classify(exc: BaseException, kind: ErrorKind) -> None:
    assert classify(exc) is kind


def test_backoff_grows_per_kind_and_is_capped() -> None:
    policy = RetryPolicy(base_s=0.1, max_backoff_s=1.0, factor=2.0)
    delays = [policy.next_delay(ErrorKind.NOT_FOUND, n, 100.0) for n in range(1, 7)]
    assert delays == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert policy.next_delay(ErrorKind.TIMEOUT, 1, 100.0) == 0.2


def test_fatal_and_repeated_auth_are_not_retried() -> None:
    policy = RetryPolicy()
    assert policy.next_delay(ErrorKind.FATAL, 1, 100.0) is None
    assert policy.next_delay(ErrorKind.AUTH, 1, 100.0) is not None
    assert policy.next_delay(ErrorKind.AUTH, 2, 100.0) is None


def test_budget_is_never_exceeded() -> None:
    policy = RetryPolicy(base_s=0.5, attempt_timeout_s=10.0)
    assert policy.next_delay(ErrorKind.TRANSIENT, 1, 0.4) is None
    assert policy.attempt_timeout(3.0) == 3.0
    assert policy.attempt_timeout(-1.0) == 0.0


def test_result_codes_map_to_typed_errors_with_advice() -> None:
    err = refusal_for(p.Opcode.SET_HEAT, p.ResultCode.LIMIT_EXCEEDED)
    assert isinstance(err, LimitExceeded)
    assert err.advice
    unknown = refusal_for(p.Opcode.STOP, p.ResultCode(0x42))
    assert type(unknown) is CommandRefused
    assert "STOP" in str(unknown)


def test_pinned_device_matches_its_address_in_any_case() -> None:
    pinned = PinnedDevice("F0:7E:4A:00:00:01", "Thenar")
    assert pinned.matches("f0:7e:4a:00:00:01")
    assert not pinned.matches("F0:7E:4A:00:00:99")


def test_backend_settings() -> None:
    assert choose_backend("platform").adapter is None
    assert choose_backend("platform").scanner_kwargs() == {}
    assert choose_backend("tcp-client:127.0.0.1:9999").adapter is not None
    assert choose_backend("usb:0").adapter is not None
    with pytest.raises(BackendUnavailable):
        choose_backend("sim")  # needs the caller's link
    with pytest.raises(BackendUnavailable) as err:
        choose_backend("bluetooth please")
    assert "platform" in err.value.advice
