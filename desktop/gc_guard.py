"""Collect Python garbage on the GUI thread only.

CPython's cycle collector runs on whichever thread happens to allocate when a
threshold is crossed. Thenar has a database thread that allocates a lot; if a
collection there frees a widget caught in a reference cycle, Qt deletes a GUI
object off the GUI thread and the process crashes. So automatic collection is
switched off and a timer on the GUI thread collects instead (the pattern
pyqtgraph and others use).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000  # cheap: young generations are small; a full pass only when gen 2 grows


class GuiThreadCollector(QObject):
    """While alive: automatic gc off, collections from a GUI-thread timer."""

    def __init__(self, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__()
        self._threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds (as gc would)."""
        c0, c1, c2 = gc.get_count()
        t0, t1, t2 = self._threshold
        if c2 > t2:
            gc.collect(2)
        elif c1 > t1:
            gc.collect(1)
        elif c0 > t0:
            gc.collect(0)

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
