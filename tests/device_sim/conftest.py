"""The simulator's GATT tests share the in-process stack fixtures of the BLE tests."""

from tests.ble.conftest import adapter, central, clock, link, sim

__all__ = ["adapter", "central", "clock", "link", "sim"]
