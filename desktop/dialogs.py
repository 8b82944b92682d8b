"""Awaiting a dialog without a nested Qt loop.

`exec()` runs a second Qt loop inside the asyncio one: tasks would be stepped
re-entrantly and Stop could wait behind the dialog. Every page shows its dialogs with
`open()` and awaits the `finished` signal instead, through this one helper.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog


async def shown(dialog: QDialog) -> int:
    """Open `dialog` (window-modal, the loop keeps running) and return its result code
    once it closes. The caller owns the dialog and deletes it."""
    finished: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(code: int) -> None:
        if not finished.done():
            finished.set_result(code)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await finished
    finally:
        dialog.finished.disconnect(done)
