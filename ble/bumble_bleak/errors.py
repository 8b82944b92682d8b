"""The backend's own errors, in a module that loads no Bumble: callers can catch them
without paying for Bumble's import at start-up."""

from __future__ import annotations

from bleak.exc import BleakError


class BondNotAccepted(BleakError):
    """We hold a bond with this address but the peer would not encrypt with it.

    Either the device was reset, or it is another device at the same address. We
    never pair over a bond by ourselves: the bond stays until the person chooses to
    pair again (`BleakClient.unpair()` then `pair=True`).
    """
