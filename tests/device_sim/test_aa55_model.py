"""The consumer family's firmware: what it does with frames and time, and what it does not do."""

from __future__ import annotations

from ble import aa55
from device_sim.aa55_model import Aa55Firmware, Aa55Spec, StopCause
from device_sim.clock import ManualClock


def test_power_level_mode_heat_and_status() -> None:
    fw = Aa55Firmware(ManualClock())
    assert fw.receive(bytes(aa55.power(True))) is None
    fw.receive(bytes(aa55.level(4)))
    fw.receive(bytes(aa55.mode(3)))
    fw.receive(bytes(aa55.heat(True)))
    status = fw.receive(bytes(aa55.status_request()))
    assert status == aa55.Status(True, 4, 3, True, 80, 15)
    assert fw.frames == 5
    assert fw.bad_frames == 0


def test_bad_frames_and_out_of_range_values_are_ignored_and_counted() -> None:
    fw = Aa55Firmware(ManualClock(), Aa55Spec(levels=5))
    fw.receive(bytes(aa55.power(True)))
    fw.receive(bytes(aa55.level(9)))  # above this model's levels
    fw.receive(bytes(aa55.level(3))[:-1] + b"\x00")  # bad checksum
    assert fw.level == 1
    assert fw.bad_frames == 2


def test_its_own_timer_is_its_only_protection() -> None:
    clock = ManualClock()
    fw = Aa55Firmware(clock, Aa55Spec(auto_off_min=15))
    fw.receive(bytes(aa55.power(True)))
    fw.connected()
    fw.disconnected()  # the link dropped: it keeps running
    assert fw.running
    clock.advance(15 * 60 - 1)
    fw.update()
    assert fw.running
    clock.advance(1)
    fw.update()
    assert not fw.running
    assert fw.stop_cause is StopCause.AUTO_OFF
