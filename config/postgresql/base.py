"""Django's PostgreSQL backend with a health check that costs no round trip (issue 15).

With CONN_HEALTH_CHECKS Django sends `SELECT 1` on a reused connection before the first query
of every request: a round trip and a statement for PostgreSQL on every page and API call, there
only for the rare connection that died in between (PostgreSQL restarted, the backend was
terminated). A dead connection announces itself: the server (or the kernel, when the backend
process died) closes the socket, often after a FATAL message, so an idle connection's socket
becomes readable. Here a zero-timeout poll of the socket decides; only a socket with something
to read — a hung-up connection, or rarely a notice the server sent unasked — pays for the real
check (`SELECT 1`), which then closes the dead connection so the request opens a new one, as
Django's own check does. A server that vanished without closing the socket (a cut cable) goes
unnoticed by both until TCP gives up.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self._mungkin_putus() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def _mungkin_putus(self) -> bool:
        """Whether the idle connection may be dead: closed, broken, or its socket readable."""
        c = self.connection
        if c.closed or c.broken:
            return True
        # poll(), not select(): select() refuses a descriptor above FD_SETSIZE (1024), and a
        # worker holding a hundred streams and their sockets passes that; every request would
        # then pay the SELECT 1 again (seen in CI's long serial test run).
        kolam = select.poll()
        try:
            kolam.register(c.fileno(), select.POLLIN | select.POLLPRI)
            return bool(kolam.poll(0))
        except (OSError, ValueError):
            return True
