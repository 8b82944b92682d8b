"""Settings: safety questions again, clinician clearances, data and backups, text, the device.

Every change applies at once (no "Apply" for looks), every disk operation runs on the
DB thread, and every section says in words what happened or what to do next.

Why this module is long: one Settings page of four short sections (safety questions and
clearances, text and looks, the device, data and backups) that share the page's one
status line (`_say`) and refresh (`_sync`); each section's file and log work is already
in `appcore` (backups, data_tools).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from appcore.backups import Backups
from appcore.screening_log import StoredClearance, list_clearance_records
from appcore.summary import clearable_titles
from desktop.controls import DateBox
from desktop.data_tools_view import DataToolsBox
from desktop.screening_view import OptionRow
from desktop.tasks import TaskOwner
from desktop.theme import TEXT_STEPS, next_text_step
from desktop.widgets import ActionFlow, Page, big_button, limit_text, notice, paragraph

if TYPE_CHECKING:
    from appcore.context import AppContext
    from data.backup import BackupInfo

CLINICIAN_MAX = 80  # a name and a role; a pasted page would widen Settings for good
ADDRESS_MAX = 100  # host:port
TRANSPORTS = (
    ("sim", "Built-in simulated massager (to try Thenar without a glove)"),
    ("platform", "This computer's Bluetooth"),
    ("usb:0", "A USB Bluetooth dongle"),
    ("tcp-client:", "A massager at a network (TCP) address"),
)


def parse_tcp(text: str) -> str:
    """`host:port` to a transport string; ValueError with words for the person if not."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError("Please type the address as host:port, for example 127.0.0.1:7878.")
    return f"tcp-client:{host}:{int(port)}"


def section(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    box.setAccessibleName(title)
    layout = QVBoxLayout(box)
    layout.setSpacing(10)
    return box, layout


class SettingsPage(Page):
    """All of the person's settings on one scrolling page.

    `screening_requested` fires for "Answer the safety questions again"; the window
    connects it to opening the screening page.
    """

    title = "Settings"
    screening_requested = Signal()

    def __init__(self, ctx: AppContext, apply_theme: Callable[[], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.backups = Backups(ctx.db)
        self._apply_theme = apply_theme
        self.tasks = TaskOwner()
        self.body = self.layout_  # the page scrolls as a whole
        self.body.setSpacing(16)
        self._build_safety()
        self._build_looks()
        self._build_device()
        self._build_data()
        self.data_tools = DataToolsBox(ctx)  # issue 14: restore, import, move, autostart
        self.body.addWidget(self.data_tools)
        self.body.addStretch(1)
        self._subscriptions = [
            ctx.settings_changed.subscribe(lambda _e: self._sync()),
            ctx.safety.subscribe(lambda _e: self._sync()),
        ]
        self._sync()

    # --- safety questions and clearances

    def _build_safety(self) -> None:
        box, layout = section("Safety questions and clinician clearances")
        self.rescreen_button = big_button("Answer the safety questions again")
        self.rescreen_button.clicked.connect(self.screening_requested.emit)
        layout.addWidget(self.rescreen_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(
            paragraph(
                "When a clinician (your doctor, nurse, physiotherapist or hand therapist) "
                "says massage is fine for something below, record it here. Only record "
                "what a clinician really told you: Thenar cannot check it."
            )
        )
        self.clearance_state = paragraph("")
        layout.addWidget(self.clearance_state)
        form = QFormLayout()
        self.item_combo = QComboBox()
        self.item_combo.setAccessibleName("What the clinician cleared")
        self.clinician_edit = QLineEdit()
        self.clinician_edit.setAccessibleName("Clinician's name")
        name_rule = limit_text(self.clinician_edit, CLINICIAN_MAX, "for example Dr Jones, GP")
        self.date_edit = DateBox()
        self.date_edit.setAccessibleName("Date they cleared it")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.LongFormat))
        self.record_button = big_button("Record this clearance")
        self.record_button.clicked.connect(self.record_clearance)
        self.clinician_edit.returnPressed.connect(self.record_button.click)
        form.addRow("What they cleared:", self.item_combo)
        form.addRow(f"Clinician's name\n({name_rule}):", self.clinician_edit)
        form.addRow("Date they cleared it:", self.date_edit)
        self.clearance_form = QWidget()
        self.clearance_form.setLayout(form)
        layout.addWidget(self.clearance_form)
        layout.addWidget(self.record_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.clearance_message = notice()
        layout.addWidget(self.clearance_message)
        self.date_edit.problem.connect(lambda text: self._say(self.clearance_message, text))
        layout.addWidget(QLabel("Clearances you have recorded:"))
        self.clearance_list = QListWidget()
        self.clearance_list.setAccessibleName("Recorded clearances")
        self.clearance_list.setWordWrap(True)
        self.clearance_list.setMinimumHeight(self.fontMetrics().height() * 5)
        self.clearance_list.currentRowChanged.connect(lambda _row: self._clearance_picked())
        layout.addWidget(self.clearance_list)
        self.withdraw_button = big_button(
            "Withdraw this clearance", "Withdraw the chosen clearance"
        )
        self.withdraw_button.setToolTip(
            "When a clearance was recorded by mistake or no longer holds. "
            "Your limits go back to what the safety questions gave."
        )
        self.withdraw_button.clicked.connect(self.withdraw_clearance)
        layout.addWidget(self.withdraw_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._clearances: list[StoredClearance] = []
        self._clearance_picked()
        self.body.addWidget(box)

    def _fill_clearance_choices(self) -> None:
        profile = self.ctx.profile
        pending = [p.item for p in profile.pending_clearances] if profile else []
        self.item_combo.clear()
        for item, title in clearable_titles(pending):
            self.item_combo.addItem(title, item)
        self.date_edit.setMaximumDate(QDate.currentDate())
        if not self.clinician_edit.text():
            self.date_edit.setDate(QDate.currentDate())
        has_items = bool(pending)
        self.clearance_form.setVisible(has_items)
        self.record_button.setVisible(has_items)
        if profile is None:
            self.clearance_state.setText("Answer the safety questions first.")
        elif not has_items:
            self.clearance_state.setText("Nothing is waiting for a clinician's clearance.")
        else:
            n = len(pending)
            self.clearance_state.setText(
                f"{n} item{'s are' if n > 1 else ' is'} waiting for a clinician's clearance."
            )

    def record_clearance(self) -> None:
        item = self.item_combo.currentData()
        name = self.clinician_edit.text().strip()
        if not isinstance(item, str):
            return
        if not name:
            self._say(self.clearance_message, "Please type the clinician's name first.")
            self.clinician_edit.setFocus()
            return
        when = self.date_edit.date().toPython()
        assert isinstance(when, dt.date)
        self.record_button.setEnabled(False)
        self.tasks.spawn(self._record(item, when, name))

    async def _record(self, item: str, when: dt.date, name: str) -> None:
        title = self.item_combo.currentText()
        try:
            await self.ctx.safety.record_clearance(item, when, name)
        except ValueError as exc:
            self._say(self.clearance_message, str(exc))
            return
        except Exception as exc:
            self._say(
                self.clearance_message,
                f"The clearance could not be saved ({exc}). Nothing was changed; please "
                "try again, and restart Thenar if it keeps happening.",
            )
            return
        finally:
            self.record_button.setEnabled(True)
        self.clinician_edit.clear()
        self._say(
            self.clearance_message,
            f"Recorded: {title}, cleared by {name}. Your limits on Home are updated.",
        )
        await self._load_clearances()
        # The next step: another item waiting, or the list that now holds this one.
        if self.record_button.isVisible():
            self.item_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.clearance_list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clearance_picked(self) -> None:
        row = self.clearance_list.currentRow()
        ok = 0 <= row < len(self._clearances) and self._clearances[row].withdrawn_at is None
        self.withdraw_button.setEnabled(ok)
        self.withdraw_button.setVisible(bool(self._clearances))

    def withdraw_clearance(self) -> None:
        row = self.clearance_list.currentRow()
        if not 0 <= row < len(self._clearances) or self._clearances[row].withdrawn_at:
            return
        self.withdraw_button.setEnabled(False)
        self.tasks.spawn(self._withdraw(self._clearances[row]))

    async def _withdraw(self, record: StoredClearance) -> None:
        try:
            await self.ctx.safety.remove_clearance(record.id)
        except Exception as exc:
            self._say(
                self.clearance_message,
                f"The clearance could not be withdrawn ({exc}). Nothing was changed.",
            )
            self._clearance_picked()
            return
        self._say(
            self.clearance_message,
            f"Withdrawn: {record.title}, cleared by {record.cleared_by}. "
            "Your limits on Home are updated.",
        )
        await self._load_clearances()
        # Never onto a risky control: the form if something waits again, else the list.
        if self.record_button.isVisible():
            self.item_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.clearance_list.setFocus(Qt.FocusReason.OtherFocusReason)

    async def _load_clearances(self) -> None:
        try:
            records = await self.ctx.db.run(list_clearance_records)
        except Exception as exc:
            self._clearances = []
            self.clearance_list.clear()
            self.clearance_list.addItem(f"The list could not be read ({exc}).")
            self._clearance_picked()
            return
        self._clearances = records
        self.clearance_list.clear()
        for line in self._clearance_lines(records):
            self.clearance_list.addItem(line)
        if not records:
            self.clearance_list.addItem("None yet.")
        self.clearance_list.setCurrentRow(-1)
        self._clearance_picked()

    @staticmethod
    def _clearance_lines(records: list[StoredClearance]) -> list[str]:
        locale = QLocale()
        lines = []
        for r in records:
            day = QDate(r.cleared_on.year, r.cleared_on.month, r.cleared_on.day)
            when = locale.toString(day, QLocale.FormatType.LongFormat)
            if r.withdrawn_at is not None:
                gone = r.withdrawn_at.astimezone()
                off = QDate(gone.year, gone.month, gone.day)
                state = f"withdrawn on {locale.toString(off, QLocale.FormatType.LongFormat)}"
            else:
                state = "applies now" if r.applies else "from an earlier screening"
            lines.append(f"{r.title}: cleared by {r.cleared_by} on {when} ({state})")
        return lines

    # --- text, contrast, temperature

    def _build_looks(self) -> None:
        box, layout = section("Text size, contrast and temperature")
        row = ActionFlow()  # wraps at large text rather than cutting a button
        self.smaller_button = big_button("A−  Smaller", "Make text smaller")
        self.smaller_button.clicked.connect(lambda: self.step_text(-1))
        self.text_size = QLabel()
        self.text_size.setAccessibleName("Text size")
        self.text_size.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.larger_button = big_button("A+  Larger", "Make text larger")
        self.larger_button.clicked.connect(lambda: self.step_text(+1))
        row.addWidget(self.smaller_button)
        row.addWidget(self.text_size)
        row.addWidget(self.larger_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.contrast_box = QCheckBox("High contrast (white text on black)")
        self.contrast_box.setAccessibleName("High contrast")
        self.contrast_box.toggled.connect(self._set_contrast)
        layout.addWidget(self.contrast_box)
        unit_row = ActionFlow()
        unit_row.addWidget(QLabel("Show temperatures in:"))
        self.celsius = QRadioButton("°C (Celsius)")
        self.fahrenheit = QRadioButton("°F (Fahrenheit)")
        self.celsius.setAccessibleName("Celsius")
        self.fahrenheit.setAccessibleName("Fahrenheit")
        self.unit_group = QButtonGroup(self)
        self.unit_group.addButton(self.celsius)
        self.unit_group.addButton(self.fahrenheit)
        self.celsius.toggled.connect(lambda on: self._set_unit("C" if on else "F"))
        unit_row.addWidget(self.celsius)
        unit_row.addWidget(self.fahrenheit)
        unit_row.addStretch(1)
        layout.addLayout(unit_row)
        self.body.addWidget(box)

    def step_text(self, direction: int) -> None:
        """One step smaller or larger, applied to the whole app at once."""
        scale = next_text_step(self.ctx.settings.text_scale, direction)
        if scale != self.ctx.settings.text_scale:
            self.ctx.update_settings(text_scale=scale)
            self._apply_theme()

    def _set_contrast(self, on: bool) -> None:
        if on != self.ctx.settings.high_contrast:
            self.ctx.update_settings(high_contrast=on)
            self._apply_theme()

    def _set_unit(self, unit: str) -> None:
        if unit != self.ctx.settings.temperature_unit:
            self.ctx.update_settings(temperature_unit=unit)

    # --- the device

    def _build_device(self) -> None:
        box, layout = section("The massager")
        self.pinned_label = paragraph("")
        self.pinned_label.setAccessibleName("Chosen massager")
        layout.addWidget(self.pinned_label)
        self.forget_button = big_button("Forget this massager")
        self.forget_button.clicked.connect(self.forget_device)
        layout.addWidget(self.forget_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("How Thenar reaches the massager:"))
        self.transport_group = QButtonGroup(self)
        self.transport_rows: dict[str, OptionRow] = {}
        for key, label in TRANSPORTS:
            row = OptionRow(0, label)
            self.transport_group.addButton(row.button)
            self.transport_rows[key] = row
            layout.addWidget(row)
            row.button.toggled.connect(lambda _on: self._transport_picked())
        tcp_row = QHBoxLayout()
        self.tcp_edit = QLineEdit()
        self.tcp_edit.setAccessibleName("Network address, host:port")
        address_rule = limit_text(self.tcp_edit, ADDRESS_MAX, "127.0.0.1:7878")
        tcp_row.addWidget(QLabel(f"Network address\n({address_rule}):"))
        tcp_row.addWidget(self.tcp_edit, 1)
        layout.addLayout(tcp_row)
        self.transport_button = big_button("Use this connection")
        self.transport_button.clicked.connect(self.save_transport)
        self.tcp_edit.returnPressed.connect(self.transport_button.click)
        layout.addWidget(self.transport_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.device_message = notice()
        layout.addWidget(self.device_message)
        self.body.addWidget(box)

    def _chosen_transport(self) -> str:
        return next((k for k, row in self.transport_rows.items() if row.button.isChecked()), "sim")

    def _transport_picked(self) -> None:
        self.tcp_edit.setEnabled(self._chosen_transport() == "tcp-client:")

    def save_transport(self) -> None:
        key = self._chosen_transport()
        try:
            transport = parse_tcp(self.tcp_edit.text()) if key == "tcp-client:" else key
        except ValueError as exc:
            self._say(self.device_message, str(exc))
            self.tcp_edit.setFocus()
            return
        self.ctx.update_settings(transport=transport)
        self._say(
            self.device_message,
            "Saved. Thenar uses this connection the next time it connects to the massager.",
        )

    def forget_device(self) -> None:
        self.ctx.update_settings(pinned_address=None, pinned_name=None)
        self._say(
            self.device_message,
            "Forgotten. Choose a massager again on the device page before the next session.",
        )

    # --- data folder and backups

    def _build_data(self) -> None:
        box, layout = section("Your data and backups")
        self.folder_label = paragraph("")
        self.folder_label.setAccessibleName("Data folder")
        layout.addWidget(self.folder_label)
        row = ActionFlow()
        self.open_folder_button = big_button("Open the data folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.backup_button = big_button("Make a backup now")
        self.backup_button.setAccessibleName("Make a verified backup now")
        self.backup_button.clicked.connect(self.backup_now)
        row.addWidget(self.open_folder_button)
        row.addWidget(self.backup_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.backup_message = notice()
        layout.addWidget(self.backup_message)
        layout.addWidget(QLabel("Latest backups (each one checked after it was made):"))
        self.backup_list = paragraph("Looking…")
        self.backup_list.setAccessibleName("Latest backups")
        layout.addWidget(self.backup_list)
        self.body.addWidget(box)

    @property
    def backup_folder(self) -> Path:
        return self.backups.folder

    def open_folder(self) -> None:
        folder = self.ctx.db.folder
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._say(
                self.backup_message,
                "The folder could not be opened here. Its location is shown above: "
                "you can open it in your file manager.",
            )

    def backup_now(self) -> None:
        self.backup_button.setEnabled(False)
        self._say(self.backup_message, "Making a backup and checking it…")
        self.tasks.spawn(self._backup())

    async def _backup(self) -> None:
        try:
            found = await self.backups.make_now()
        except Exception as exc:
            self._say(
                self.backup_message,
                f"The backup could not be made ({exc}). Your health log is unchanged. "
                "Check there is free space on the disk and try again.",
            )
            return
        finally:
            self.backup_button.setEnabled(True)
        self._say(self.backup_message, "Backup made and checked.")
        self._show_backups(found)

    async def _load_backups(self) -> None:
        try:
            found = await self.backups.existing()
        except Exception as exc:
            self.backup_list.setText(f"The backups could not be listed ({exc}).")
            return
        self._show_backups(found)

    def _show_backups(self, found: list[BackupInfo]) -> None:
        locale = QLocale()
        words = {"daily": "daily", "manual": "made by you", "before-migration": "before an update"}
        lines = [
            "• "
            + locale.toString(
                QDateTime.fromMSecsSinceEpoch(round(b.taken_at.timestamp() * 1000)),
                QLocale.FormatType.LongFormat,
            )
            + f" ({words.get(b.reason, b.reason)})"
            for b in found[:5]
        ]
        self.backup_list.setText("\n".join(lines) or "No backups yet.")

    # --- keeping in step

    def shown(self) -> None:
        self._sync()
        self.tasks.spawn(self._load_clearances())
        self.tasks.spawn(self._load_backups())

    def _sync(self) -> None:
        """Show the current settings without firing the change handlers again."""
        s = self.ctx.settings
        self.text_size.setText(f"Text size: {round(s.text_scale * 100)}%")
        self.smaller_button.setEnabled(s.text_scale > TEXT_STEPS[0])
        self.larger_button.setEnabled(s.text_scale < TEXT_STEPS[-1])
        for box, on in (
            (self.contrast_box, s.high_contrast),
            (self.celsius, s.temperature_unit == "C"),
            (self.fahrenheit, s.temperature_unit == "F"),
        ):
            blocked = box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(blocked)
        key = next(
            (
                k
                for k, _ in TRANSPORTS
                if s.transport == k
                or (k.endswith(":") and s.transport.startswith(k))
                or (k == "usb:0" and s.transport.startswith("usb:"))
            ),
            "sim",
        )
        self.transport_rows[key].button.setChecked(True)
        if key == "tcp-client:" and not self.tcp_edit.text():
            self.tcp_edit.setText(s.transport.removeprefix("tcp-client:"))
        self._transport_picked()
        if s.pinned_address:
            name = s.pinned_name or "Unnamed massager"
            self.pinned_label.setText(f"Chosen massager: {name} ({s.pinned_address}).")
        else:
            self.pinned_label.setText("No massager chosen yet.")
        self.forget_button.setVisible(bool(s.pinned_address))
        # A long path may wrap after any "/" (a zero-width space there), never run off the page.
        where = str(self.ctx.db.folder).replace("/", "/\u200b")
        self.folder_label.setText(f"Your health log is kept in: {where}")
        self._fill_clearance_choices()

    def _say(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))
