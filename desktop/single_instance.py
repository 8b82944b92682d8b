"""One Thenar at a time: a second start asks the first to come forward, then exits.

A local socket per user (a named pipe on Windows); nothing listens on the network. Two
steps, so that the first window does not wait for QtNetwork (about 3 MB and 15-30 ms of
every start, issue 13): `claim()`, before the window, asks whether a Thenar already
answers at this name (on Linux and macOS with a plain Unix socket); `listen()`, once the
window is up, starts answering (QLocalServer). Windows has no Unix sockets for the
question, so there `claim()` uses Qt and listens at once.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_TIMEOUT_MS = 500
RAISE = b"raise\n"


def server_name() -> str:
    """The per-user name: a pipe name on Windows, a socket path elsewhere (in the
    per-user runtime folder where there is one, as Qt itself would use /tmp)."""
    user = getpass.getuser()
    if sys.platform == "win32":
        return f"thenar-{user}"
    folder = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return str(Path(folder) / f"thenar-{user}.sock")


class SingleInstance(QObject):
    """`claim()` is True for the first instance; later ones poke it and get False."""

    raise_requested = Signal()

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = name or server_name()
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if no Thenar answers at this name; else ask it to come forward: False."""
        if sys.platform == "win32":
            return self._claim_with_qt()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(CONNECT_TIMEOUT_MS / 1000)
                probe.connect(self.name)
                probe.sendall(RAISE)
        except OSError:  # nothing there, or a socket a crash left behind
            return True
        return False

    def _claim_with_qt(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(CONNECT_TIMEOUT_MS):
            probe.write(RAISE)
            probe.waitForBytesWritten(CONNECT_TIMEOUT_MS)
            probe.disconnectFromServer()
            return False
        return self.listen()

    def listen(self) -> bool:
        """Answer later starts from now on (once; True if listening)."""
        if self._server is not None:
            return True
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(self.name)  # a stale socket left by a crash
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_connection)
        if not server.listen(self.name):
            return False
        self._server = server
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        socket_ = self._server.nextPendingConnection()
        if socket_ is None:
            return
        socket_.readyRead.connect(lambda: self._on_ready(socket_))
        if socket_.bytesAvailable():  # arrived before the signal was connected
            self._on_ready(socket_)

    def _on_ready(self, socket_: QLocalSocket) -> None:
        if bytes(socket_.readAll().data()).strip() == RAISE.strip():
            self.raise_requested.emit()
        socket_.disconnectFromServer()

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
