"""How your hands are today, in a few taps: the daily entry, with or without a session.

`EntryForm` is the form (also part of the check-in before a session, which is one
of these entries); `EntryDialog` saves it through the tracking owner. Every
scale starts "not rated" and stays so until tapped: tapping the chosen number
again un-rates it, so nothing untouched is ever saved as a 0. Tapping a zone on
a hand chooses that hand. Bad input is refused with the log's own words and
nothing is saved.

Why this module is long: one feature: the scales and choices (also used by the by-hand
page), the form (also part of the check-in) and the dialog that saves it share one "not
rated until tapped" rule, which one module keeps together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from appcore.entry_words import CHECKIN_KEPT
from data.entries import (
    MEDICATION_NAME_MAX_CHARS,
    NOTE_MAX_CHARS,
    Entry,
    EntryRecord,
    Hand,
    Side,
)
from data.errors import StoreError
from data.models import MORNING_STIFFNESS_MAX_MIN
from desktop.dialogs import shown
from desktop.hand_map import ZoneMap
from desktop.tasks import TaskOwner
from desktop.welcome_view import heading, scroll
from desktop.widgets import ActionFlow, big_button, fit_to_screen, limit_text, notice, paragraph

if TYPE_CHECKING:
    from appcore.context import AppContext

NOT_RATED = "not rated"


class Scale(QWidget):
    """0-10 as eleven buttons; `value()` is None until one is tapped (tap again: None)."""

    changed = Signal()

    def __init__(self, name: str, low: str, high: str) -> None:
        super().__init__()
        self.name = name
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        outer.addWidget(self.label)
        row = ActionFlow()  # 0-10 wraps onto two lines at large text rather than cutting 10
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        self.buttons: list[QPushButton] = []
        for n in range(11):
            button = big_button(str(n), f"{name} {n} out of 10")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance("10") * 2)
            button.clicked.connect(functools.partial(self._clicked, n))
            row.addWidget(button)
            self.buttons.append(button)
        outer.addLayout(row)
        self._low_high = f"0 = {low}, 10 = {high}"
        self._value: int | None = None
        self._show()

    def _clicked(self, n: int, _checked: bool = False) -> None:
        self._value = None if self._value == n else n
        self._show()
        self.changed.emit()

    def set_value(self, value: int | None) -> None:
        self._value = value
        self._show()

    def value(self) -> int | None:
        return self._value

    def _show(self) -> None:
        for n, button in enumerate(self.buttons):
            button.setChecked(n == self._value)
        shown = NOT_RATED if self._value is None else str(self._value)
        self.label.setText(f"{self.name} ({self._low_high}): {shown}")
        self.label.setAccessibleName(self.label.text())


class Choice(QWidget):
    """A few labelled buttons of which at most one is on; tapping it again turns it off."""

    changed = Signal()

    def __init__(self, name: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        row = ActionFlow(self)  # wraps at large text rather than cutting a button
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(name)
        row.addWidget(self.label)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in options:
            button = big_button(text, f"{name} {text}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.clicked.connect(functools.partial(self._clicked, key))
            row.addWidget(button)
            self.buttons[key] = button
        row.addStretch(1)
        self._value: str | None = None

    def _clicked(self, key: str, _checked: bool = False) -> None:
        self.set_value(None if self._value == key else key)
        self.changed.emit()

    def set_value(self, key: str | None) -> None:
        self._value = key
        for k, button in self.buttons.items():
            button.setChecked(k == key)

    def value(self) -> str | None:
        return self._value


class EntryForm(QWidget):
    """The entry's fields. With `checkin=True` pain and flare are left to the check-in's own
    questions (its discomfort is the pain score, its flare question the flare)."""

    def __init__(self, medications: list[str], *, checkin: bool = False) -> None:
        super().__init__()
        self.checkin = checkin
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pain = Scale("Pain", "none", "worst")
        self.stiffness = Scale("Stiffness", "none", "worst")
        if not checkin:
            layout.addWidget(self.pain)
        layout.addWidget(self.stiffness)

        ms_row = QHBoxLayout()
        ms_label = QLabel("Stiffness this morning: minutes until your hands loosened up")
        ms_label.setWordWrap(True)  # one line is wider than a small screen at large text
        self.morning = QSpinBox()
        self.morning.setRange(-5, MORNING_STIFFNESS_MAX_MIN)  # -5 shows "not rated"
        self.morning.setSingleStep(5)
        self.morning.setSpecialValueText(NOT_RATED)
        self.morning.setValue(-5)
        self.morning.setSuffix(" min")
        self.morning.setAccessibleName("Morning stiffness in minutes")
        ms_label.setBuddy(self.morning)
        ms_row.addWidget(ms_label, 1)
        ms_row.addWidget(self.morning)
        layout.addLayout(ms_row)

        self.hand = Choice(
            "Which hand:", [(Hand.LEFT, "Left"), (Hand.RIGHT, "Right"), (Hand.BOTH, "Both")]
        )
        self.hand.changed.connect(self._hand_changed)
        layout.addWidget(self.hand)
        layout.addWidget(
            paragraph("Where it hurts: tap the places on each hand (tap again to clear).")
        )
        maps = QHBoxLayout()
        self.maps = {side: ZoneMap(side) for side in (Side.LEFT, Side.RIGHT)}
        for side, zone_map in self.maps.items():
            zone_map.toggled.connect(functools.partial(self._zone_toggled, side))
            maps.addWidget(zone_map)
        layout.addLayout(maps)

        self.flare = Choice("A flare today (hot, swollen joints)?", [("yes", "Yes"), ("no", "No")])
        if not checkin:
            layout.addWidget(self.flare)

        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText(
            f"A short note, if you like (up to {NOTE_MAX_CHARS} characters)"
        )
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(self.fontMetrics().height() * 5)
        self.note_count = QLabel()
        self.note.textChanged.connect(self._count)
        layout.addWidget(QLabel("Note"))
        layout.addWidget(self.note)
        layout.addWidget(self.note_count)
        self._count()

        layout.addWidget(QLabel("Medications taken (from your own list)"))
        self.med_grid = QGridLayout()
        layout.addLayout(self.med_grid)
        self.med_buttons: dict[str, QPushButton] = {}
        add_row = QHBoxLayout()
        self.med_name = QLineEdit()
        rule = limit_text(self.med_name, MEDICATION_NAME_MAX_CHARS, "A name, as on the box")
        self.med_name.setAccessibleName(f"New medication name, {rule}")
        self.med_add = big_button("Add to my list")
        self.med_add.setAutoDefault(False)
        add_row.addWidget(self.med_name, 1)
        add_row.addWidget(self.med_add)
        layout.addLayout(add_row)
        stop_row = QHBoxLayout()
        self.stop_choice = QComboBox()
        self.stop_choice.setAccessibleName("A medication you stopped taking")
        self.med_stop = big_button("I stopped taking it")
        self.med_stop.setAutoDefault(False)
        stop_row.addWidget(self.stop_choice, 1)
        stop_row.addWidget(self.med_stop)
        layout.addLayout(stop_row)
        self.kept_medications: list[str] = []  # an entry being corrected names these
        self.set_medications(medications)

    # --- behaviour ----------------------------------------------------------------

    def _count(self) -> None:
        n = len(self.note.toPlainText())
        over = n > NOTE_MAX_CHARS
        self.note_count.setText(
            f"{n:,} of {NOTE_MAX_CHARS} characters"
            + (f": {n - NOTE_MAX_CHARS:,} too many, shorten it to save" if over else "")
        )
        self.note_count.setStyleSheet("color: #b00020; font-weight: bold;" if over else "")

    def _hand_changed(self) -> None:
        """Zones on a hand no longer chosen are cleared (they would contradict the choice)."""
        hand = self.hand.value()
        for side, zone_map in self.maps.items():
            if hand not in (side.value, Hand.BOTH):
                zone_map.set_picked(frozenset())

    def _zone_toggled(self, side: Side, _zone: int, on: bool) -> None:
        """A tap on a hand chooses it: right, then left as well, is both."""
        if not on:
            return
        hand = self.hand.value()
        if hand is None:
            self.hand.set_value(side.value)
        elif hand not in (side.value, Hand.BOTH):
            self.hand.set_value(Hand.BOTH)

    def set_entry(self, entry: Entry) -> None:
        """Fill the form in from a stored entry (to correct it): every field as it was saved.

        Medications the entry names stay offered even if stopped since."""
        self.pain.set_value(entry.pain)
        self.stiffness.set_value(entry.stiffness)
        minutes = entry.morning_stiffness_min
        self.morning.setValue(self.morning.minimum() if minutes is None else minutes)
        self.hand.set_value(None if entry.hand is None else Hand(entry.hand).value)
        self.maps[Side.LEFT].set_picked(entry.left_zones)
        self.maps[Side.RIGHT].set_picked(entry.right_zones)
        self.flare.set_value(None if entry.flare is None else ("yes" if entry.flare else "no"))
        self.note.setPlainText(entry.note or "")
        self.kept_medications = sorted(entry.medications, key=str.casefold)
        self.set_medications(
            [self.stop_choice.itemText(i) for i in range(self.stop_choice.count())]
        )
        for name, button in self.med_buttons.items():
            button.setChecked(name in entry.medications)

    def set_medications(self, names: list[str]) -> None:
        offered = names + [n for n in self.kept_medications if n not in names]
        chosen = self.chosen_medications()
        for button in self.med_buttons.values():
            self.med_grid.removeWidget(button)
            button.deleteLater()
        self.med_buttons = {}
        for i, name in enumerate(offered):
            button = big_button(name, f"Took {name}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setChecked(name in chosen)
            self.med_grid.addWidget(button, i // 3, i % 3)
            self.med_buttons[name] = button
        self.stop_choice.clear()
        self.stop_choice.addItems(names)
        for widget in (self.stop_choice, self.med_stop):
            widget.setVisible(bool(names) and not self.checkin)

    def chosen_medications(self) -> frozenset[str]:
        return frozenset(n for n, b in self.med_buttons.items() if b.isChecked())

    def has_details(self) -> bool:
        """Anything beyond what the check-in asks itself."""
        return (
            self.stiffness.value() is not None
            or self.morning.value() >= 0
            or self.hand.value() is not None
            or bool(self.note.toPlainText().strip())
            or bool(self.chosen_medications())
        )

    def entry(self, at: datetime, *, pain: int | None = None, flare: bool | None = None) -> Entry:
        """The entry as filled in; raises InvalidInputError with words for the person.

        In check-in mode the caller gives the check-in's pain and flare."""
        if not self.checkin:
            pain = self.pain.value()
            flare_choice = self.flare.value()
            flare = None if flare_choice is None else flare_choice == "yes"
        hand = self.hand.value()
        note = self.note.toPlainText()
        minutes = self.morning.value()
        return Entry(
            at=at,
            pain=pain,
            stiffness=self.stiffness.value(),
            morning_stiffness_min=minutes if minutes >= 0 else None,
            hand=None if hand is None else Hand(hand),
            left_zones=self.maps[Side.LEFT].picked(),
            right_zones=self.maps[Side.RIGHT].picked(),
            flare=flare,
            note=note if note.strip() else None,
            medications=self.chosen_medications(),
        )


class EntryDialog(QDialog):
    """The daily entry on its own: Save stores it through `ctx.tracking`, then closes.

    With `correcting` (a stored entry and its time in words) the form opens filled in
    and Save replaces what that entry says, keeping its time."""

    saved = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        medications: list[str],
        parent: QWidget | None = None,
        *,
        correcting: tuple[EntryRecord, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.correcting = None if correcting is None else correcting[0]
        title = "How are your hands?" if correcting is None else "Correct your entry"
        self.setWindowTitle(title)
        self.setModal(True)
        self.tasks = TaskOwner(self._failed)
        self.saved_id: int | None = None
        outer = QVBoxLayout(self)
        outer.addWidget(heading(title, large=True))
        if correcting is None:
            outer.addWidget(
                paragraph(
                    "Fill in only what you want to: anything left as it is stays not rated. "
                    "You can add as many entries a day as you like."
                )
            )
        else:
            record, when = correcting
            outer.addWidget(
                paragraph(
                    f"Your entry of {when}, as you saved it. Change what was wrong, then "
                    "Save; it keeps its time. Tap a chosen number again to leave it not rated."
                )
            )
            if record.checkin_id is not None:
                outer.addWidget(paragraph(CHECKIN_KEPT))
        self.form = EntryForm(medications)
        if self.correcting is not None:
            self.form.set_entry(self.correcting.entry)
        outer.addWidget(scroll(self.form), 1)
        self.message = notice()
        outer.addWidget(self.message)
        row = QHBoxLayout()
        self.cancel_button = big_button("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = big_button("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.tasks.spawn(self.save()))
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        outer.addLayout(row)
        self.form.med_add.clicked.connect(lambda: self.tasks.spawn(self.add_medication()))
        self.form.med_stop.clicked.connect(lambda: self.tasks.spawn(self.stop_medication()))
        fit_to_screen(
            self, self.fontMetrics().averageCharWidth() * 90, self.fontMetrics().height() * 40
        )

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _failed(self, exc: BaseException) -> None:
        self.say(_words(exc))
        self.save_button.setEnabled(True)

    async def save(self) -> None:
        at = self.ctx.now() if self.correcting is None else self.correcting.entry.at
        try:
            entry = self.form.entry(at)
        except StoreError as exc:
            self.say(_words(exc))
            return
        self.save_button.setEnabled(False)
        self.say("Saving…")
        if self.correcting is None:
            record = await self.ctx.tracking.add_entry(entry)
        else:
            record = await self.ctx.tracking.correct_entry(self.correcting, entry)
        self.saved_id = record.id
        self.saved.emit(record.id)
        self.accept()

    async def add_medication(self) -> None:
        name = self.form.med_name.text()
        meds = await self.ctx.tracking.add_medication(name)
        self.form.med_name.clear()
        self.form.set_medications([m.name for m in meds if m.stopped_on is None])
        self.say(f"{name.strip()} is on your list now.")

    async def stop_medication(self) -> None:
        """Mark the chosen medication stopped today: a mark on the charts, kept in the log."""
        name = self.form.stop_choice.currentText()
        found = [m for m in await self.ctx.tracking.medications() if m.name == name]
        if not found:
            return
        meds = await self.ctx.tracking.stop_medication(found[0].id)
        self.form.set_medications([m.name for m in meds if m.stopped_on is None])
        self.say(f"{name} is marked as stopped today; it stays in your history.")


def _words(exc: BaseException) -> str:
    """The log's refusal as a sentence for the person."""
    text = str(exc).strip()
    text = text[:1].upper() + text[1:]
    if not text.endswith("."):
        text += "."
    return f"{text} Nothing was saved."


async def open_entry_dialog(
    ctx: AppContext,
    parent: QWidget | None,
    on_open: Callable[[EntryDialog], None] | None = None,
    *,
    correcting: tuple[EntryRecord, str] | None = None,
) -> int | None:
    """Show the entry dialog (not exec(): no nested Qt loop); the saved entry's id, or None.

    `correcting`: a stored entry and its time in words, to correct it."""
    meds = await ctx.tracking.medications()
    names = [m.name for m in meds if m.stopped_on is None]
    dialog = EntryDialog(ctx, names, parent, correcting=correcting)
    if on_open is not None:
        on_open(dialog)
    try:
        await shown(dialog)
    finally:
        dialog.deleteLater()
    return dialog.saved_id
