"""The Device page: find the massager, pair and connect, and see how the link is doing."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from appcore.device_words import candidate_words, history_words, nearby_words, protection_words
from appcore.explain import explain
from appcore.massager import LinkState, Massager
from ble.errors import BondRejected
from desktop.controls import RowsList
from desktop.tasks import TaskOwner
from desktop.widgets import Page, big_button, notice, paragraph

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent

    from appcore.context import AppContext
    from ble.client import DiscoveredMassager

log = logging.getLogger(__name__)
HISTORY_LINES = 50


class DevicePage(Page):
    title = "Device"
    paired = Signal()  # a massager was paired and connected just now (the app opens Massage)

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
        self.found = RowsList(2)
        self.found.setAccessibleName("Massagers found")
        self.layout_.addWidget(self.found, 1)
        row = self.action_buttons  # Search and Pair stay in view below the scrolling page
        self.scan_button = big_button("Search for massagers")
        self.scan_button.clicked.connect(lambda: self.tasks.spawn(self.scan()))
        self.connect_button = big_button("Pair and connect")
        self.connect_button.setEnabled(False)
        self.connect_button.clicked.connect(lambda: self.tasks.spawn(self.connect_selected()))
        self.forget_button = big_button("Forget this massager")
        self.forget_button.clicked.connect(lambda: self.tasks.spawn(self.forget()))
        for button in (self.scan_button, self.connect_button, self.forget_button):
            row.addWidget(button)
        row.addStretch(1)
        # Before the first session: which protections the picked massager lacks (issue 15).
        self.protections = paragraph("")
        self.protections.setAccessibleName("What this massager protects by itself")
        self.protections.setVisible(False)
        self.layout_.addWidget(self.protections)
        self.message = notice()
        self.layout_.addWidget(self.message)
        self.others_label = paragraph("Other Bluetooth devices nearby:")
        self.others = QListWidget()
        self.others.setAccessibleName("Other devices nearby")
        self.others.setWordWrap(True)
        self.others.currentItemChanged.connect(self._on_pick_other)
        self.capture_button = big_button(
            "Save a capture of this device",
            "Save what this device shows of itself to a file, writing nothing to it",
        )
        self.capture_button.clicked.connect(lambda: self.tasks.spawn(self.capture_selected()))
        for widget in (self.others_label, self.others, self.capture_button):
            widget.setVisible(False)
            self.layout_.addWidget(widget)
        self.pair_again_button = big_button(
            "It was reset: pair it again", "Forget the old pairing and pair this massager again"
        )
        self.pair_again_button.setVisible(False)
        self.pair_again_button.clicked.connect(lambda: self.tasks.spawn(self.pair_again()))
        self.layout_.addWidget(self.pair_again_button)
        self._pair_again: tuple[str, str] | None = None
        self._scanning: asyncio.Future[list[DiscoveredMassager]] | None = None
        self.layout_.addWidget(paragraph("What Thenar sent to the massager, newest first:"))
        self.history = RowsList(3)
        self.history.setAccessibleName("Massager history")
        self.layout_.addWidget(self.history, 1)
        self._subs = [massager.audit_saved.subscribe(lambda _entry: self._history_changed())]
        self.found.itemActivated.connect(lambda _item: self.connect_button.click())
        self.found.currentItemChanged.connect(self._on_pick)
        self._subs.append(massager.link_changes.subscribe(lambda _change: self.refresh()))
        self.refresh()

    def _history_changed(self) -> None:
        if self.isVisible():  # a hidden page reloads when it is shown (showEvent)
            self.tasks.spawn(self.load_history())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.tasks.spawn(self.load_history())

    def _on_pick(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.connect_button.setEnabled(current is not None)
        self.protections.setVisible(current is not None)
        if current is not None:
            address, _name, bonded = current.data(Qt.ItemDataRole.UserRole)
            pairs = current.data(Qt.ItemDataRole.UserRole + 1).pairs
            self.connect_button.setText("Connect" if bonded or not pairs else "Pair and connect")
            self.protections.setText(protection_words(self.massager.description_of(address)))

    def _on_pick_other(self, current: QListWidgetItem | None, _previous: object) -> None:
        self.capture_button.setEnabled(current is not None)
        if current is not None:
            address = current.data(Qt.ItemDataRole.UserRole)
            self.protections.setText(protection_words(self.massager.description_of(address)))
            self.protections.setVisible(True)

    async def capture_selected(self) -> None:
        """Save a capture of the chosen nearby device; nothing is written to it."""
        item = self.others.currentItem()
        if item is None:
            return
        self.capture_button.setEnabled(False)
        try:
            path = await self.massager.capture(item.data(Qt.ItemDataRole.UserRole))
        except Exception as exc:
            self._show_error("Saving a capture", exc)
        else:
            self.message.setText(
                f"Saved to {path}. Nothing was written to the device and nothing was sent: "
                "share the file with the project if you like."
            )
            self.message.setVisible(True)
        finally:
            self.capture_button.setEnabled(self.others.currentItem() is not None)

    def _show_error(self, what: str, exc: BaseException) -> None:
        said = explain(exc)
        advice = said.advice or "Check the massager is on and nearby, then try again."
        log.warning("%s failed: %s", what, exc)
        self.message.setText(f"{what} did not work: {said.what} {advice}")
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

    def shown(self) -> None:
        """The first visit with no massager chosen yet searches at once (one click fewer)."""
        if (
            not self.ctx.settings.pinned_address
            and self.massager.state != LinkState.CONNECTED
            and self.found.count() == 0
            and self._scanning is None
        ):
            self.tasks.spawn(self.scan())

    async def scan(self) -> list[DiscoveredMassager]:
        """Search (or join the search already running) and list what answered."""
        if self._scanning is not None:
            return await asyncio.shield(self._scanning)
        self._scanning = asyncio.ensure_future(self._scan())
        try:
            return await asyncio.shield(self._scanning)
        finally:
            self._scanning = None

    async def _scan(self) -> list[DiscoveredMassager]:
        self.scan_button.setEnabled(False)
        self.message.setVisible(False)
        self.pair_again_button.setVisible(False)
        self.found.clear()
        self.others.clear()
        self.protections.setVisible(False)
        try:
            found = await self.massager.scan()
        except Exception as exc:
            self._show_error("Searching", exc)
            return []
        finally:
            self.scan_button.setEnabled(True)
        pinned = self.ctx.settings.pinned_address
        choices = []
        for m in found:
            mine = not pinned or m.address.upper() == pinned.upper()
            item = QListWidgetItem(candidate_words(m, pinned))
            item.setData(Qt.ItemDataRole.UserRole, (m.address, m.name, m.bonded))
            item.setData(Qt.ItemDataRole.UserRole + 1, m)
            item.setSizeHint(item.sizeHint().expandedTo(self.scan_button.sizeHint()))
            if not mine:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                choices.append(self.found.count())
            self.found.addItem(item)
        for other in self.massager.nearby:
            row = QListWidgetItem(nearby_words(other))
            row.setData(Qt.ItemDataRole.UserRole, other.address)
            self.others.addItem(row)
        for widget in (self.others_label, self.others, self.capture_button):
            widget.setVisible(bool(self.massager.nearby))
        self.capture_button.setEnabled(False)
        if not found:
            self.message.setText("No massager found. Is it switched on, charged and nearby?")
            self.message.setVisible(True)
        elif len(choices) == 1:
            self.found.setCurrentRow(choices[0])
            self.found.setFocus()
        elif len(choices) > 1:  # never guess between look-alikes: the person chooses
            self.found.setFocus()  # (a list view picks its first row when focused: undo it)
            self.found.setCurrentRow(-1)
            self.found.clearSelection()
            self.message.setText(
                f"{len(choices)} massagers are in range. Choose yours with the arrow keys or "
                "a click: each row shows its serial number, which is also printed on the "
                "massager's label."
            )
            self.message.setVisible(True)
        return found

    async def connect_selected(self) -> None:
        item = self.found.currentItem()
        if item is None:
            return
        address, name, bonded = item.data(Qt.ItemDataRole.UserRole)
        self.connect_button.setEnabled(False)
        self.message.setVisible(False)
        self.pair_again_button.setVisible(False)
        try:
            # Choosing a massager that is not paired yet is the person's word to pair it.
            await self.massager.connect(address, name, pair=bonded is not True)
            found: DiscoveredMassager = item.data(Qt.ItemDataRole.UserRole + 1)
            paired = dataclasses.replace(found, bonded=True)
            item.setText(candidate_words(paired, address))
            item.setData(Qt.ItemDataRole.UserRole, (address, name, True))
            if bonded is not True:
                self.paired.emit()
        except BondRejected as exc:
            self._show_error("Connecting", exc)
            self._pair_again = (address, name)
            self.pair_again_button.setVisible(True)
            self.pair_again_button.setFocus()
        except Exception as exc:
            self._show_error("Connecting", exc)
        finally:
            self.connect_button.setEnabled(self.found.currentItem() is not None)
            self.refresh()

    async def pair_again(self) -> None:
        """The person confirmed the massager was reset: replace the old bond with a new one."""
        if self._pair_again is None:
            return
        address, name = self._pair_again
        self.pair_again_button.setEnabled(False)
        self.message.setVisible(False)
        try:
            await self.massager.pair_again(address, name)
        except Exception as exc:
            self._show_error("Pairing again", exc)
        else:
            self._pair_again = None
            self.pair_again_button.setVisible(False)
        finally:
            self.pair_again_button.setEnabled(True)
            self.refresh()

    async def load_history(self) -> None:
        """The audit trail, newest first, in words a person can read."""
        entries = await self.massager.history(HISTORY_LINES)
        self.history.clear()
        for entry in entries:
            self.history.addItem(history_words(entry))
        if not entries:
            self.history.addItem("Nothing yet: connect your massager to start its history.")

    async def forget(self) -> None:
        await self.massager.forget()
        self.found.clear()
        self.refresh()
