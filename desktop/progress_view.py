"""The Progress page: how pain, stiffness and routine have gone, and exports for a clinician.

A thin view over `appcore.progress`: one DB-thread call loads everything for
the chosen range, the page draws it. The page scrolls as
one: range buttons, charts, then the exports at its end.
Exports happen only when the person asks, to a file they choose, readable
only by them.

Why this module is long: one scrolling page: range buttons, charts, the entries list and
the exports share one loaded `ProgressData` and one reload, and building the layout is
about a third of the file. The figures are computed in `appcore.progress`.
"""

from __future__ import annotations

import asyncio
import functools
import html
import itertools
import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec

import qasync
from PySide6.QtCore import QDate, QEvent, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from appcore.exports import ExportKind, export_error_message, export_table, write_file
from appcore.progress import ProgressData, Span, load_progress
from appcore.progress_entries import EntryProgress, latest_notes, load_entry_progress
from appcore.report import load_report
from data.entries import Side
from desktop.charts import AdherenceChart, EffectsChart, EntryTrendChart, TrendChart, style_for
from desktop.entry_dialog import EntryDialog, open_entry_dialog
from desktop.entry_list import EntryListDialog, open_entry_list
from desktop.hand_map import ZoneMap
from desktop.report_pdf import render_report
from desktop.save_dialog import answer_of, ask_save_path
from desktop.widgets import ActionFlow, Page, big_button, limit_text, notice, paragraph

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QHideEvent

    from appcore.context import AppContext
    from appcore.events import Subscription

log = logging.getLogger(__name__)

AskPath = Callable[[ExportKind, Path], Path | Awaitable[Path | None] | None]
P = ParamSpec("P")


def async_slot(
    fn: Callable[Concatenate[ProgressPage, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[ProgressPage, P], None]:
    """qasync.asyncSlot, typed, and holding its task in `self._tasks` until it ends.

    asyncio keeps only weak references to tasks; a handler's task could be
    collected mid-export without one.
    """

    @functools.wraps(fn)
    async def run(self: ProgressPage, *args: P.args, **kwargs: P.kwargs) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await fn(self, *args, **kwargs)

    slot: Callable[Concatenate[ProgressPage, P], None] = qasync.asyncSlot()(run)
    return slot


def _end(tasks: set[asyncio.Task[Any]], subscriptions: list[Subscription]) -> None:
    """Cancel a page's tasks and end its subscriptions (it is closed or gone)."""
    for subscription in subscriptions:
        subscription.close()
    for task in list(tasks):
        task.cancel()


def _filters(kind: ExportKind) -> str:
    return {
        ".csv": "CSV spreadsheet (*.csv)",
        ".json": "FHIR JSON (*.json)",
        ".pdf": "PDF document (*.pdf)",
    }[kind.suffix]


def dialog_ask_path(ctx: AppContext, parent: QWidget) -> AskPath:
    """The default: a Save dialog that leaves the loop (and Stop) running, in Documents the
    first time, then where the last export went (`desktop.save_dialog`)."""

    def ask(kind: ExportKind, suggested: Path) -> Awaitable[Path | None]:
        return ask_save_path(
            ctx,
            "progress",
            title=f"Save {kind.heading}",
            name=suggested.name,
            filters=_filters(kind),
            parent=parent,
        )

    return ask


def locale_date(day: date) -> str:
    """A long date in the person's locale, without the weekday."""
    locale = QLocale()
    fmt = locale.dateFormat(QLocale.FormatType.LongFormat)
    for weekday in ("dddd, ", "dddd ", ", dddd", "dddd"):
        fmt = fmt.replace(weekday, "")
    return locale.toString(QDate(day.year, day.month, day.day), fmt.strip())


def _heading(text: str) -> QLabel:
    label = QLabel(f"<h3>{text}</h3>")
    label.setAccessibleName(text)
    label.setWordWrap(True)  # a long heading wraps at large text rather than widening the page
    return label


class ProgressPage(Page):
    """Charts, plain-language summary, program comparison, adherence, and exports."""

    title = "Progress"
    # The whole page scrolls: a chart scroller of its own between fixed rows left the charts a
    # sliver at large text on a small screen (the layout audit measured it).
    loaded = Signal()  # new data is on screen (tests and the benchmark wait on it)

    def __init__(self, ctx: AppContext, *, ask_path: AskPath | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.ask_path: AskPath = ask_path or dialog_ask_path(ctx, self)
        self.span = Span.WEEKS_4
        self.data: ProgressData | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loads: set[asyncio.Task[Any]] = set()  # of those, the ones loading the range
        self._generation = 0
        self._exporting = False

        ranges = ActionFlow()  # wraps at large text rather than cutting a button
        show = QLabel("Show the last:")
        ranges.addWidget(show)
        self.range_group = QButtonGroup(self)
        self.range_group.setExclusive(True)
        self.range_buttons: dict[Span, QPushButton] = {}
        for span in Span:
            text = "Everything" if span is Span.ALL else span.label
            button = big_button(text, f"Show {text.lower()}")
            button.setCheckable(True)
            button.setChecked(span is self.span)
            button.setToolTip("Left and right arrow keys change the range")
            self.range_group.addButton(button)
            self.range_buttons[span] = button
            button.clicked.connect(functools.partial(self._range_clicked, span))
            ranges.addWidget(button)
        ranges.addStretch(1)
        self.entry_button = big_button("+ How are my hands?", "Add an entry: how your hands are")
        self.entry_button.setToolTip("Pain, stiffness, where it hurts, a note: any time of day")
        self.entry_button.clicked.connect(self._entry_clicked)
        self.entry_dialog: EntryDialog | None = None  # while it is open
        ranges.addWidget(self.entry_button)
        self.list_button = big_button("Your entries", "Your entries: correct or delete one")
        self.list_button.setToolTip("Newest first: correct or delete an entry you got wrong")
        self.list_button.clicked.connect(self._list_clicked)
        self.entry_list: EntryListDialog | None = None  # while it is open
        ranges.addWidget(self.list_button)
        self.layout_.addLayout(ranges)

        self.status = notice()
        self.layout_.addWidget(self.status)

        body = self.layout_
        self.summary = paragraph("Loading your progress…")
        self.summary.setAccessibleName("Summary")
        body.addWidget(self.summary)

        body.addWidget(_heading("Pain (0 = none, 10 = worst)"))
        self.pain_chart = TrendChart("Pain")
        body.addWidget(self.pain_chart)
        body.addWidget(_heading("Stiffness (0 = none, 10 = worst)"))
        self.stiffness_chart = TrendChart("Stiffness")
        body.addWidget(self.stiffness_chart)
        self.trend_note = paragraph(
            "Dots are your check-ins and the ratings you gave before sessions; the line "
            "is their average. Ticks along the bottom mark days with a session."
        )
        body.addWidget(self.trend_note)

        body.addWidget(_heading("Morning stiffness (minutes until your hands loosened up)"))
        self.morning_chart = EntryTrendChart("Morning stiffness", minutes=True)
        body.addWidget(self.morning_chart)
        self.hands_heading = _heading("Pain, each hand on its own")
        body.addWidget(self.hands_heading)
        self.left_chart = EntryTrendChart("Pain, left hand")
        self.right_chart = EntryTrendChart("Pain, right hand")
        body.addWidget(self.left_chart)
        body.addWidget(self.right_chart)
        self.hands_note = paragraph(
            "Entries about one hand, or both, count for that hand; entries that did not "
            "say which hand are in the pain chart above only."
        )
        body.addWidget(self.hands_note)
        body.addWidget(_heading("Where it hurt"))
        maps = QHBoxLayout()
        self.zone_maps = {side: ZoneMap(side, pickable=False) for side in Side}
        for zone_map in self.zone_maps.values():
            zone_map.setMinimumHeight(self.fontMetrics().height() * 10)
            maps.addWidget(zone_map)
        body.addLayout(maps)
        self.entries_text = paragraph("")
        self.entries_text.setAccessibleName("Your entries, in words")
        body.addWidget(self.entries_text)
        self.entries: EntryProgress | None = None

        body.addWidget(_heading("Right after each program"))
        self.effects_chart = EffectsChart()
        body.addWidget(self.effects_chart)
        self.programs_text = paragraph("")
        self.programs_text.setAccessibleName("Programs, in words")
        body.addWidget(self.programs_text)

        body.addWidget(_heading("Keeping to your schedule"))
        self.adherence_chart = AdherenceChart()
        body.addWidget(self.adherence_chart)
        self.adherence_text = paragraph("")
        self.adherence_text.setAccessibleName("Schedule and streak")
        body.addWidget(self.adherence_text)
        body.addWidget(_heading("Save a copy"))
        exports = ActionFlow()
        self.export_buttons: dict[ExportKind, QPushButton] = {}
        texts = {
            ExportKind.SESSIONS_CSV: ("Sessions (CSV)", "Save sessions as a CSV spreadsheet"),
            ExportKind.RATINGS_CSV: ("Ratings (CSV)", "Save ratings as a CSV spreadsheet"),
            ExportKind.FHIR: ("Health record (FHIR)", "Save ratings as a FHIR health record"),
            ExportKind.PDF: ("Report for clinician (PDF)", "Save a PDF report for your clinician"),
            ExportKind.DEVICE_HISTORY_CSV: (
                "Device history (CSV)",
                "Save what Thenar sent to the massager as a CSV spreadsheet",
            ),
            ExportKind.ENTRIES_CSV: (
                "Daily entries (CSV)",
                "Save your daily entries as a CSV spreadsheet",
            ),
        }
        for kind in ExportKind:
            text, accessible = texts[kind]
            button = big_button(text, accessible)
            button.setToolTip(accessible)
            button.clicked.connect(functools.partial(self._export_clicked, kind))
            exports.addWidget(button)
            self.export_buttons[kind] = button
        body.addLayout(exports)
        name_row = QVBoxLayout()  # the label above its field: it never has to be cut
        name_label = QLabel("Name on the report and health record (optional):")
        name_label.setWordWrap(True)
        self.report_name = QLineEdit()
        rule = limit_text(self.report_name, 80, "Leave empty to stay unnamed")
        self.report_name.setAccessibleName(f"Name on the report, optional, {rule}")
        name_label.setBuddy(self.report_name)
        name_row.addWidget(name_label)
        name_row.addWidget(self.report_name)
        body.addLayout(name_row)

        body.addStretch(1)

        assert self.scroller is not None
        self.scroll_area = self.scroller
        self.scroll_area.setAccessibleName("Progress charts and summary")
        # Charts and their legends fit the width they get; text wraps: never sideways.
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Tab reaches the page's scroll area so the arrow and Page keys can scroll the charts.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        order: list[QWidget] = [*self.range_buttons.values(), self.scroll_area]
        order += self.export_buttons.values()
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)
        self._apply_style()
        self._fit_to_font()
        # A weak link: the context outlives pages, and must not keep a closed one alive.
        restyle = weakref.WeakMethod(self._apply_style)
        reload = weakref.WeakMethod(self._log_changed)

        def call(ref: weakref.WeakMethod[Callable[[], None]]) -> Callable[[object], None]:
            def listener(_event: object) -> None:
                method = ref()
                if method is not None:
                    method()

            return listener

        self._subscriptions = [
            ctx.settings_changed.subscribe(call(restyle)),
            ctx.log.sessions.subscribe(call(reload)),
            ctx.log.ratings.subscribe(call(reload)),
            ctx.log.schedules.subscribe(call(reload)),
        ]
        # Deleted without being closed (its window went): nothing of it may run on. The
        # handler holds the task set and the subscriptions, never the page.
        tasks, subscriptions = self._tasks, self._subscriptions
        self.destroyed.connect(lambda *_: _end(tasks, subscriptions))

    # -- its tasks: owned, and ended with it ---------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        """Hidden (another page, or its window closed): loads stop; `shown` starts one again."""
        for task in self._loads:
            task.cancel()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed: every task ends (cancelled) and no event reaches the page any more."""
        _end(self._tasks, self._subscriptions)
        super().closeEvent(event)

    async def aclose(self) -> None:
        """Close the page and wait until each of its tasks has ended, so none can touch its
        widgets once they are gone."""
        _end(self._tasks, self._subscriptions)
        pending = [t for t in self._tasks if t is not asyncio.current_task()]
        await asyncio.gather(*pending, return_exceptions=True)

    # -- loading ---------------------------------------------------------------------------

    def shown(self) -> None:
        """Reload each time the page opens: a session may have been rated since."""
        self._reload()

    @async_slot
    async def _reload(self) -> None:
        await self.refresh()

    @async_slot
    async def _range_clicked(self, span: Span) -> None:
        self.span = span
        await self.refresh()

    async def refresh(self) -> None:
        """Load the chosen range on the DB thread, then show it; a newer click wins."""
        task = asyncio.current_task()
        if task in self._tasks:  # the page's own load (not a caller's task): hiding ends it
            assert task is not None
            self._loads.add(task)
            task.add_done_callback(self._loads.discard)
        self._generation += 1
        generation, span = self._generation, self.span
        self.status.setText("Loading…")
        self.status.setVisible(self.data is None)
        try:
            data = await self.ctx.db.run(load_progress, span, self.ctx.today(), locale_date)
            extra = await self.ctx.db.run(
                load_entry_progress, data.start, data.end, data.bucket == "week", locale_date
            )
        except Exception:
            log.exception("loading progress failed")
            if generation == self._generation:
                self._show_status(
                    "Could not load your progress. Your log is safe and nothing was changed. "
                    "Try another range or open this page again; if it keeps happening, "
                    "restart Thenar."
                )
            return
        if generation != self._generation:
            return
        self.show_data(data, extra)

    def show_data(self, data: ProgressData, extra: EntryProgress | None = None) -> None:
        """Put loaded data on screen and tell listeners."""
        self.data = data
        self.entries = extra
        if extra is not None:
            self._show_entries(data, extra)
        self.status.setVisible(False)
        self.summary.setText("".join(f"<p>{html.escape(line)}</p>" for line in data.summary))
        self.summary.setAccessibleDescription(" ".join(data.summary))
        head = data.summary[0] if data.summary else ""
        self.pain_chart.set_data(data, head)
        stiff = data.summary[1] if len(data.summary) > 1 else ""
        self.stiffness_chart.set_data(data, stiff)
        self.trend_note.setText(
            f"Dots: each {data.point_label}, from your check-ins, your entries and the ratings "
            f"you gave before sessions. Line: the {data.line_label}. Ticks along the bottom: "
            + ("weeks with sessions." if data.bucket == "week" else "days with a session.")
        )
        if data.programs:
            lines = [f"{row.sentence} {row.note}" for row in data.programs]
            words = "\n\n".join([*lines, data.programs_note])
        else:
            words = "No sessions rated both before and after in this range yet."
        self.programs_text.setText(words)
        self.effects_chart.set_data(data, words)
        adherence = "\n".join(data.summary[-2:])
        self.adherence_text.setText(adherence)
        self.adherence_chart.set_data(data, adherence)
        self.loaded.emit()

    def _show_entries(self, data: ProgressData, extra: EntryProgress) -> None:
        """Morning stiffness, each hand, the hand map and the marks, from the entries."""
        self.pain_chart.set_marks(extra.marks)
        self.stiffness_chart.set_marks(extra.marks)
        self.morning_chart.set_trend(extra.morning, extra.marks)
        self.morning_chart.set_data(data, extra.sentences[0])
        for widget in (self.hands_heading, self.left_chart, self.right_chart, self.hands_note):
            widget.setVisible(extra.apart)
        if extra.left_pain is not None and extra.right_pain is not None:
            self.left_chart.set_trend(extra.left_pain, extra.marks)
            self.left_chart.set_data(data, "Pain in your left hand over this range")
            self.right_chart.set_trend(extra.right_pain, extra.marks)
            self.right_chart.set_data(data, "Pain in your right hand over this range")
        for side, zone_map in self.zone_maps.items():
            zone_map.set_counts(extra.zones.counts[side], extra.zones.of[side])
        lines = list(extra.sentences)
        notes = latest_notes(extra)
        if notes:
            lines.append("Latest notes:")
            lines += [f"{locale_date(n.day)}: {n.text}" for n in notes]
        self.entries_text.setText("\n".join(lines))
        self.entries_text.setAccessibleDescription(" ".join(lines))

    # -- a daily entry -----------------------------------------------------------------------

    @async_slot
    async def _entry_clicked(self) -> None:
        await self.add_entry()

    async def add_entry(self) -> int | None:
        """Open the entry form; the page reloads when it is saved (EntriesChanged)."""

        def opened(dialog: EntryDialog) -> None:
            self.entry_dialog = dialog

        try:
            return await open_entry_dialog(self.ctx, self, opened)
        finally:
            self.entry_dialog = None

    @async_slot
    async def _list_clicked(self) -> None:
        await self.show_entries()

    async def show_entries(self) -> None:
        """The list of entries to correct or delete; the page reloads on each change."""

        def opened(dialog: EntryListDialog) -> None:
            self.entry_list = dialog

        try:
            await open_entry_list(self.ctx, self, opened)
        finally:
            self.entry_list = None

    # -- exports -----------------------------------------------------------------------------

    @async_slot
    async def _export_clicked(self, kind: ExportKind) -> None:
        await self.export(kind)

    async def export(self, kind: ExportKind) -> None:
        """Ask where, then write the file off the UI thread; say plainly how it went."""
        if self._exporting:
            return
        today = self.ctx.today()
        chosen = await answer_of(self.ask_path(kind, Path(kind.default_name(today))))
        if chosen is None:
            return
        path = (
            chosen
            if chosen.suffix.lower() == kind.suffix
            else chosen.with_name(chosen.name + kind.suffix)
        )
        self._set_exporting(True)
        self._show_status(f"Saving {path.name}…")
        try:
            if kind is ExportKind.PDF:
                report = await self.ctx.db.run(
                    load_report, self.span, today, self.report_name.text(), locale_date
                )
                content = render_report(
                    report,
                    generated=locale_date(today),
                    family=self.font().family(),
                    trial=await self.ctx.trial.result(),  # issue 16's page, if there is one
                )
                await self.ctx.db.run(write_file, path, content)
            else:
                await self.ctx.db.run(
                    export_table, kind, path, self.ctx.now(), self.report_name.text()
                )
        except Exception as exc:
            log.exception("export failed")
            self._show_status(export_error_message(exc, path))
        else:
            self._show_status(
                f"Saved {path.name} in {path.parent}. Only you can open it on this computer; "
                "share it only with people you choose."
            )
        finally:
            self._set_exporting(False)

    def _set_exporting(self, busy: bool) -> None:
        self._exporting = busy
        for button in self.export_buttons.values():
            button.setEnabled(not busy)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(True)

    # -- look --------------------------------------------------------------------------------

    def _apply_style(self) -> None:
        style = style_for(self.palette(), self.ctx.settings.high_contrast)
        for chart in (
            self.pain_chart,
            self.stiffness_chart,
            self.morning_chart,
            self.left_chart,
            self.right_chart,
            self.effects_chart,
            self.adherence_chart,
        ):
            chart.set_style(style)

    def _fit_to_font(self) -> None:
        """Buttons wide enough for their text at any size; a scroll bar a finger can hit."""
        u = self.fontMetrics().height()
        for button in [*self.range_buttons.values(), *self.export_buttons.values()]:
            button.setMinimumWidth(self.fontMetrics().horizontalAdvance(button.text()) + 2 * u)
        self.scroll_area.verticalScrollBar().setMinimumWidth(u)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_to_font()
        super().changeEvent(event)

    def _log_changed(self) -> None:
        if self.isVisible():
            self._reload()
