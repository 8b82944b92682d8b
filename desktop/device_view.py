"""The Device page: find the massager, pair and connect, and see how the link is doing."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem

from appcore.context import AppContext
from appcore.massager import LinkState, Massager
from ble.client import DiscoveredMassager
from desktop.tasks import TaskOwner
from desktop.widgets import Page, big_button, notice, paragraph

log = logging.getLogger(__name__)


def signal_words(rssi: int) -> str:
    """RSSI in words: people do not think in dBm."""
    if rssi >= -60:
        return "strong signal"
    if rssi >= -75:
        return "good signal"
    if rssi >= -85:
        return "weak signal"
    return "very weak signal"


class DevicePage(Page):
    title = "Device"

    def __init__(self, ctx: AppContext, massager: Massager) -> None:
        super().__init__()
        self.ctx = ctx
        self.massager = massager
        self.tasks = TaskOwner(lambda exc: self._show_error("That", exc))
        self.layout_.addWidget(
            paragraph(
                "Switch the massager on and keep it near the computer. Thenar pairs with it "
                "the first time and from then on only ever uses that one massager."
            )
        )
        self.state_label = paragraph("")
        self.state_label.setAccessibleName("Massager state")
        self.layout_.addWidget(self.state_label)
        self.found = QListWidget()
        self.found.setAccessibleName("Massagers found")
        self.layout_.addWidget(self.found, 1)
        row = QHBoxLayout()
        self.scan_button = big_button("Search for massagers")
        self.scan_button.clicked.connect(lambda: self.tasks.spawn(self.scan()))
        self.connect_button = big_button("Pair and connect")
        self.connect_button.setEnabled(False)
        self.connect_button.clicked.connect(lambda: self.tasks.spawn(self.connect_selected()))
        self.forget_button = big_button("Forget this massager")
        self.forget_button.clicked.connect(lambda: self.tasks.spawn(self.forget()))
        for button in (self.scan_button, self.connect_button, self.forget_button):
            row.addWidget(button)
        self.layout_.addLayout(row)
        self.message = notice()
        self.layout_.addWidget(self.message)
        self.found.itemActivated.connect(lambda _item: self.connect_button.click())
        self.found.currentItemChanged.connect(
            lambda cur, _prev: self.connect_button.setEnabled(cur is not None)
        )
        massager.state_listeners.append(lambda _s, _d: self.refresh())
        self.refresh()

    def _show_error(self, what: str, exc: BaseException) -> None:
        advice = (
            getattr(exc, "advice", "") or "Check the massager is on and nearby, then try again."
        )
        log.warning("%s failed: %s", what, exc)
        self.message.setText(f"{what} did not work: {exc}. {advice}")
        self.message.setVisible(True)

    def refresh(self) -> None:
        m = self.massager
        lines = [f"Now: {m.describe()}."]
        if m.info is not None and m.state == LinkState.CONNECTED:
            lines.append(
                f"{m.info.model_number}, firmware {m.info.firmware_revision}, "
                f"serial {m.info.serial_number}."
            )
        elif self.ctx.settings.pinned_address:
            lines.append(
                f"Chosen massager: {self.ctx.settings.pinned_name or ''} "
                f"({self.ctx.settings.pinned_address})."
            )
        self.state_label.setText(" ".join(lines))
        self.forget_button.setEnabled(self.ctx.settings.pinned_address is not None)

    async def scan(self) -> list[DiscoveredMassager]:
        self.scan_button.setEnabled(False)
        self.message.setVisible(False)
        self.found.clear()
        try:
            found = await self.massager.scan()
        except Exception as exc:
            self._show_error("Searching", exc)
            return []
        finally:
            self.scan_button.setEnabled(True)
        pinned = self.ctx.settings.pinned_address
        for m in found:
            if pinned and m.address.upper() != pinned.upper():
                label = f"{m.name} ({m.address}) - not your massager, Thenar will not use it"
            else:
                bonded = "paired" if m.bonded else "not paired yet"
                label = f"{m.name} ({m.address}), {signal_words(m.rssi)}, {bonded}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, (m.address, m.name))
            item.setSizeHint(item.sizeHint().expandedTo(self.scan_button.sizeHint()))
            if pinned and m.address.upper() != pinned.upper():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.found.addItem(item)
        if not found:
            self.message.setText("No massager found. Is it switched on, charged and nearby?")
            self.message.setVisible(True)
        else:
            self.found.setCurrentRow(0)
            self.found.setFocus()
        return found

    async def connect_selected(self) -> None:
        item = self.found.currentItem()
        if item is None:
            return
        address, name = item.data(Qt.ItemDataRole.UserRole)
        self.connect_button.setEnabled(False)
        self.message.setVisible(False)
        try:
            await self.massager.connect(address, name)
        except Exception as exc:
            self._show_error("Connecting", exc)
        finally:
            self.connect_button.setEnabled(True)
            self.refresh()

    async def forget(self) -> None:
        await self.massager.forget()
        self.found.clear()
        self.refresh()
