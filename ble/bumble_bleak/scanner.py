"""The scanner half of the Bumble bleak backend (see :mod:`ble.bumble_bleak.adapter`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bumble.core import AdvertisingData

if TYPE_CHECKING:
    from bleak.backends.scanner import AdvertisementDataCallback
    from bumble import core
    from bumble.device import Advertisement

    from ble.bumble_bleak.adapter import BumbleAdapter

__all__ = ["BumbleScanner", "advertisement_data", "bumble_uuid_to_str"]

_T = AdvertisingData.Type


def bumble_uuid_to_str(value: core.UUID) -> str:
    """A Bumble UUID as bleak's lower-case 128-bit string.

    Pitfall 8: ``str()`` of a Bumble UUID is ``UUID-16:180F (Battery)``; go
    through the little-endian 128-bit bytes instead.
    """
    return str(uuid.UUID(bytes=bytes(reversed(value.uuid_128_bytes))))


def advertisement_data(advertisement: Advertisement) -> AdvertisementData:
    """Convert a Bumble advertisement into bleak's ``AdvertisementData``.

    Bumble hands over the advert and (when scanning actively) its scan response
    concatenated. Pitfall 1: upstream's emulated controller repeats the advert as
    the scan response (``ble.bumble_bleak.radio.VirtualController`` sends the real one),
    so a field may appear twice: UUIDs are de-duplicated (keeping order) and the
    first name, service data and manufacturer data per key win. Manufacturer data
    (e.g. the massager's model and serial number) comes in the scan response, so
    it needs the default active scanning.
    """
    data = advertisement.data
    uuid_lists = [
        *data.get_all(_T.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS),
        *data.get_all(_T.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS),
        *data.get_all(_T.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS),
        *data.get_all(_T.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS),
        *data.get_all(_T.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS),
        *data.get_all(_T.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS),
    ]
    service_uuids: list[str] = []
    for uuid_list in uuid_lists:
        for value in uuid_list:
            text = bumble_uuid_to_str(value)
            if text not in service_uuids:
                service_uuids.append(text)
    service_data: dict[str, bytes] = {}
    for service_uuid, payload in [
        *data.get_all(_T.SERVICE_DATA_16_BIT_UUID),
        *data.get_all(_T.SERVICE_DATA_32_BIT_UUID),
        *data.get_all(_T.SERVICE_DATA_128_BIT_UUID),
    ]:
        service_data.setdefault(bumble_uuid_to_str(service_uuid), bytes(payload))
    manufacturer_data: dict[int, bytes] = {}
    for company, payload in data.get_all(_T.MANUFACTURER_SPECIFIC_DATA):
        manufacturer_data.setdefault(company, bytes(payload))
    name = data.get(_T.COMPLETE_LOCAL_NAME) or data.get(_T.SHORTENED_LOCAL_NAME)
    tx_power = data.get(_T.TX_POWER_LEVEL)
    if tx_power is not None and tx_power > 127:
        tx_power -= 256  # Bumble decodes this signed dBm value as unsigned.
    return AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer_data,
        service_data=service_data,
        service_uuids=service_uuids,
        tx_power=tx_power,
        rssi=advertisement.rssi,
        platform_data=(advertisement,),
    )


class BumbleScanner(BaseBleakScanner):
    """Bleak scanner on a :class:`BumbleAdapter`; get it from ``adapter.scanner_backend()``."""

    adapter: ClassVar[BumbleAdapter]

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        **kwargs: Any,  # bluez=, cb= and other platforms' arguments: not ours
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._active = scanning_mode != "passive"
        self._token = object()

    async def start(self) -> None:
        self.seen_devices = {}
        await self.adapter.add_scan_listener(self._token, self._on_advertisement, self._active)

    async def stop(self) -> None:
        await self.adapter.remove_scan_listener(self._token)

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        adv = advertisement_data(advertisement)
        if not self.is_allowed_uuid(adv.service_uuids):
            return
        address = advertisement.address
        key = address.to_string(True)  # keeps public and random apart
        name = adv.local_name
        if name is None and key in self.seen_devices:
            name = self.seen_devices[key][0].name
        # details: the Bumble Address, so the address type survives to connect().
        device = self.create_or_update_device(key, address.to_string(False), name, address, adv)
        self.call_detection_callbacks(device, adv)
