"""Canary: the bleak and Bumble internals the Bumble backend relies on.

The backend (``ble/bumble_bleak/adapter.py``, ``ble/bumble_scanner.py``,
``ble/bumble_client.py``, ``ble/bumble_bleak/radio.py``) subclasses bleak's backend
base classes and reaches into Bumble's emulated controller, link and GATT
client. None of that is a stable API. If a test here fails after an upgrade,
re-check the backend (and the pitfalls in docs/bumble-pitfalls.md)
before touching the test.
"""

from __future__ import annotations

import importlib.metadata
import inspect
from collections.abc import Callable
from typing import Any

import bleak
import pytest
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)
from bumble import att, controller, core, device, gatt_client, hci, keys, link, pairing
from bumble.transport import common as transport_common

from ble.bumble_bleak.client import BumbleClient
from ble.bumble_bleak.radio import VirtualController, VirtualLink
from ble.bumble_bleak.scanner import BumbleScanner


def params(func: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(func).parameters)


# -- versions --------------------------------------------------------------------------


def test_versions_the_backend_was_checked_against() -> None:
    # Bumping either is fine, but re-run this file and the backend tests, and
    # re-check the pitfalls (some may be fixed upstream, workarounds may break).
    assert importlib.metadata.version("bumble") == "0.0.236"
    assert importlib.metadata.version("bleak").startswith("3.1.")


# -- bleak ---------------------------------------------------------------------------------


def test_bleak_client_base_contract() -> None:
    abstract = set(BaseBleakClient.__abstractmethods__)
    assert abstract == {
        "mtu_size", "connect", "disconnect", "pair", "unpair", "is_connected",
        "read_gatt_char", "read_gatt_descriptor", "write_gatt_char", "write_gatt_descriptor",
        "start_notify", "stop_notify",
    }  # fmt: skip
    assert not BumbleClient.__abstractmethods__
    assert params(BaseBleakClient.__init__) == [
        "self", "address_or_ble_device", "disconnected_callback", "timeout", "kwargs",
    ]  # fmt: skip
    # We read these two attributes the base class sets.
    source = inspect.getsource(BaseBleakClient.__init__)
    assert "self._timeout = timeout" in source
    assert "self._disconnected_callback = disconnected_callback" in source


def test_bleak_facade_passes_what_our_constructors_accept() -> None:
    client_init = inspect.getsource(bleak.BleakClient.__init__)
    for keyword in ("disconnected_callback=", "services=", "timeout=", "bluez=", "winrt="):
        assert keyword in client_init
    scanner_init = inspect.getsource(bleak.BleakScanner.__init__)
    assert "scanning_mode" in scanner_init
    assert params(BumbleScanner.__init__)[:4] == [
        "self", "detection_callback", "service_uuids", "scanning_mode",
    ]  # fmt: skip


def test_bleak_scanner_base_contract() -> None:
    assert set(BaseBleakScanner.__abstractmethods__) == {"start", "stop"}
    assert not BumbleScanner.__abstractmethods__
    assert params(BaseBleakScanner.__init__) == ["self", "detection_callback", "service_uuids"]
    assert params(BaseBleakScanner.create_or_update_device) == [
        "self", "key", "address", "name", "details", "adv",
    ]  # fmt: skip
    for name in ("is_allowed_uuid", "call_detection_callbacks", "register_detection_callback"):
        assert callable(getattr(BaseBleakScanner, name))
    assert AdvertisementData._fields == (
        "local_name", "manufacturer_data", "service_data", "service_uuids",
        "tx_power", "rssi", "platform_data",
    )  # fmt: skip


def test_bleak_gatt_object_constructors() -> None:
    assert params(BleakGATTService.__init__) == ["self", "obj", "handle", "uuid"]
    assert params(BleakGATTCharacteristic.__init__) == [
        "self", "obj", "handle", "uuid", "properties", "max_write_without_response_size",
        "service",
    ]  # fmt: skip
    assert params(BleakGATTDescriptor.__init__) == [
        "self", "obj", "handle", "uuid", "characteristic",
    ]  # fmt: skip
    for name in ("add_service", "add_characteristic", "add_descriptor"):
        assert callable(getattr(BleakGATTServiceCollection, name))
    assert {bit: CHARACTERISTIC_PROPERTIES[bit] for bit in (0x02, 0x04, 0x08, 0x10, 0x20)} == {
        0x02: "read", 0x04: "write-without-response", 0x08: "write",
        0x10: "notify", 0x20: "indicate",
    }  # fmt: skip


def test_bleak_errors() -> None:
    error = BleakGATTProtocolError(0x0F)
    assert error.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION
    unavailable = BleakBluetoothNotAvailableError(
        "x", BleakBluetoothNotAvailableReason.NO_BLUETOOTH
    )
    assert unavailable.reason is BleakBluetoothNotAvailableReason.NO_BLUETOOTH


# -- Bumble: controller and link (ble/bumble_bleak/radio.py) --------------------------------------


def test_controller_dispatches_commands_by_handler_name() -> None:
    # VirtualController overrides the cancel handler; Controller finds it by name.
    assert "on_{command.name.lower()}" in inspect.getsource(
        controller.Controller.on_hci_command_packet
    )
    assert hci.HCI_LE_Create_Connection_Cancel_Command().name == (
        "HCI_LE_CREATE_CONNECTION_CANCEL_COMMAND"
    )
    assert "on_hci_le_create_connection_cancel_command" in vars(VirtualController)
    assert "pending_le_connection" in inspect.getsource(
        controller.Controller.on_hci_le_create_connection_command
    )
    fields = set(hci.HCI_LE_Connection_Complete_Event.__dataclass_fields__)
    assert {"status", "connection_handle", "role", "peer_address_type", "peer_address"} <= fields


def test_controller_cancel_upstream_is_still_a_noop() -> None:
    # Pitfall 3. If this fails, upstream fixed it: VirtualController's override
    # may then be dropped (or must at least not send a second event).
    source = inspect.getsource(controller.Controller.on_hci_le_create_connection_cancel_command)
    assert "pending_le_connection" not in source


def test_controller_internals_used_to_detach() -> None:
    for name in ("le_legacy_advertiser", "advertising_sets", "le_connections", "link"):
        assert name in inspect.getsource(controller.Controller.__init__)
    assert callable(controller.Connection.send_ll_control_pdu)
    assert callable(controller.LegacyAdvertiser.stop)
    assert callable(controller.AdvertisingSet.stop)


def test_controller_internals_used_for_scan_reports() -> None:
    # Pitfall 1: VirtualController reports adverts itself (real scan response, per
    # advertiser RSSI) and lets upstream do the rest with `le_scan_enable` off.
    source = inspect.getsource(controller.Controller.on_advertising_pdu)
    assert "if self.le_scan_enable:" in source
    assert "create_le_connection" in source
    assert "pdu.data" in source  # upstream still repeats the advert as the scan response
    assert params(controller.Controller.on_advertising_pdu) == ["self", "pdu"]
    assert "on_advertising_pdu" in vars(VirtualController)
    assert "on_hci_le_set_extended_scan_parameters_command" in vars(VirtualController)
    assert "le_scan_type" not in inspect.getsource(
        controller.Controller.on_hci_le_set_extended_scan_parameters_command
    )  # upstream forgets active/passive: if this fails, the override may go
    assert "scan_types" in params(hci.HCI_LE_Set_Extended_Scan_Parameters_Command.__init__)
    for name in ("scan_response_data", "advertising_type", "enabled", "address"):
        assert hasattr(controller.LegacyAdvertiser, name)
    fields = controller.AdvertisingSet.__dataclass_fields__
    assert {"scan_response_data", "parameters", "enabled"} <= set(fields)
    assert "controllers" in inspect.getsource(link.LocalLink.__init__)


def test_gatt_server_internals_used_by_the_simulator() -> None:
    # device_sim.peripheral replaces the default GAP/GATT services, counts Service
    # Changed subscribers and computes the Database Hash as Bumble does.
    from bumble import gatt_server
    from bumble.crypto import aes_cmac  # type: ignore[attr-defined]
    from bumble.profiles.gatt_service import GenericAttributeProfileService

    config_fields = device.DeviceConfiguration.__dataclass_fields__
    assert {"gap_service_enabled", "gatt_service_enabled"} <= set(config_fields)
    assert "self.subscribers" in inspect.getsource(gatt_server.Server.__init__)
    assert callable(GenericAttributeProfileService.get_attribute_data)
    assert "aes_cmac" in inspect.getsource(GenericAttributeProfileService.get_database_hash)
    assert callable(aes_cmac)


def test_local_link_methods_we_delay() -> None:
    assert params(link.LocalLink.send_acl_data) == [
        "self", "sender_controller", "destination_address", "transport", "data",
    ]  # fmt: skip
    assert params(link.LocalLink.send_ll_control_pdu) == [
        "self", "sender_address", "receiver_address", "packet",
    ]  # fmt: skip
    for name in ("send_acl_data", "send_ll_control_pdu"):
        assert name in vars(VirtualLink)
    assert callable(link.LocalLink.remove_controller)


def test_in_process_host_wiring() -> None:
    assert params(transport_common.AsyncPipeSink.__init__) == ["self", "sink"]


# -- Bumble: device, connection, GATT client (ble/bumble_*.py) ---------------------------------


def test_device_api() -> None:
    assert "timeout" in params(device.Device.connect)
    # Pitfall 3: Bumble itself cancels in the controller when its timeout expires.
    assert "HCI_LE_Create_Connection_Cancel_Command" in inspect.getsource(device.Device.connect_le)
    assert {"active", "filter_duplicates"} <= set(params(device.Device.start_scanning))
    for name in ("power_on", "power_off", "stop_scanning", "pair", "encrypt", "send_sync_command"):
        assert callable(getattr(device.Device, name))
    assert device.Device.EVENT_ADVERTISEMENT == "advertisement"
    assert device.Device.EVENT_CONNECTION == "connection"
    init = inspect.getsource(device.Device.__init__)
    for attribute in ("self.keystore", "self.powered_on", "self.connections"):
        assert attribute in init
    assert isinstance(device.Device.pairing_config_factory, property)
    assert isinstance(device.Device.is_scanning, property)
    # power_on only creates a key store when none was set: ours must survive.
    assert "if self.keystore is None" in inspect.getsource(device.Device.power_on)


def test_connection_api() -> None:
    assert device.Connection.EVENT_DISCONNECTION == "disconnection"
    assert device.Connection.EVENT_SECURITY_REQUEST == "security_request"
    init = inspect.getsource(device.Connection.__init__)
    for attribute in ("self.att_mtu", "self.gatt_client", "self.role", "self.peer_address"):
        assert attribute in init
    assert isinstance(device.Connection.is_encrypted, property)
    assert "reason" in params(device.Connection.disconnect)
    assert callable(device.Peer.request_mtu)


def test_advertisement_api() -> None:
    fields = device.Advertisement.__dataclass_fields__
    assert {"address", "rssi", "data"} <= set(fields)
    assert callable(core.AdvertisingData.get_all)
    assert hci.Address("F0:00:00:00:00:01").to_string(False) == "F0:00:00:00:00:01"
    assert len(core.UUID("180F").uuid_128_bytes) == 16


def test_gatt_client_api() -> None:
    client = gatt_client.Client
    assert params(client.discover_characteristics)[:3] == ["self", "uuids", "service"]
    assert params(client.discover_descriptors)[:4] == [
        "self", "characteristic", "start_handle", "end_handle",
    ]  # fmt: skip
    assert params(client.read_value)[:2] == ["self", "attribute"]
    assert params(client.write_value)[:4] == ["self", "attribute", "value", "with_response"]
    assert params(client.subscribe)[:4] == ["self", "characteristic", "subscriber", "prefer_notify"]
    assert params(client.unsubscribe)[:3] == ["self", "characteristic", "subscriber"]
    init = inspect.getsource(client.__init__)
    for attribute in ("cached_values", "notification_subscribers", "indication_subscribers"):
        assert f"self.{attribute}" in init
    # Pitfall 12: link loss cancels the pending request (we map that to BleakError).
    assert "pending_response.cancel()" in inspect.getsource(client.on_disconnection)
    # We set this flag after discovering descriptors (Bumble never does).
    assert "self.descriptors_discovered = False" in inspect.getsource(
        gatt_client.CharacteristicProxy.__init__
    )
    assert "descriptors_discovered" in inspect.getsource(client.subscribe)


def test_errors_and_timeouts() -> None:
    assert issubclass(att.ATT_Error, core.BaseBumbleError)
    assert att.ATT_Error(0x0F).error_code == 0x0F
    # Pitfall 12: Bumble's TimeoutError is its own class.
    assert not issubclass(core.TimeoutError, TimeoutError)


def test_peer_stores_its_bond_in_a_cancellable_task() -> None:
    # The reason for the ATT round trip after pairing in BumbleClient._secure:
    # if this changes, that round trip may no longer be needed.
    from bumble import smp

    source = inspect.getsource(smp.Session.on_peer_key_distribution_complete)
    assert "cancel_on_disconnection(self.on_pairing())" in source


def test_key_stores_and_pairing() -> None:
    assert params(keys.JsonKeyStore.__init__) == ["self", "namespace", "filename"]
    for store in (keys.JsonKeyStore, keys.MemoryKeyStore):
        for name in ("get", "delete", "update"):
            assert inspect.iscoroutinefunction(getattr(store, name))
    assert {"sc", "mitm", "bonding", "delegate"} <= set(params(pairing.PairingConfig.__init__))


@pytest.mark.parametrize("spec", ["tcp-client", "tcp-server", "usb"])
def test_transport_schemes_we_document(spec: str) -> None:
    from bumble import transport

    assert f"'{spec}'" in inspect.getsource(transport._open_transport)
