"""Django's database sessions with the two hot statements written by hand (issue 15).

Every page and htmx request of a signed-in officer reads its session, and the idle-logout
bookkeeping (config.security.SesiMenganggurMiddleware) writes it back about every 30 s, that is
on most loket cycles. Through the ORM the read costs about 1 ms of CPU (queryset, compiler, a
model instance) for one indexed SELECT; as one prepared statement about 0.3 ms, most of it the
signed payload's decoding. The update skips the ORM and its BEGIN/COMMIT around a single
UPDATE. Same table, same rows, same statements to PostgreSQL: existing sessions stay valid, and
a logout or key rotation is seen by the next request as before (nothing is cached).
Creating a session (a login) and deleting one stay Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, connections, router
from django.utils import timezone

_SQL: dict[tuple[Any, str], tuple[str, str]] = {}


class SessionStore(db.SessionStore):
    def _sql(self, alias: str) -> tuple[str, str]:
        """(read, update) for this store's model, built once per model and database."""
        kunci = (self.model, alias)
        if kunci not in _SQL:
            meta, q = self.model._meta, connections[alias].ops.quote_name
            tabel = q(meta.db_table)
            k, d, e = (
                q(meta.get_field(f).column) for f in ("session_key", "session_data", "expire_date")
            )
            _SQL[kunci] = (
                f"SELECT {d} FROM {tabel} WHERE {k} = %s AND {e} > %s",
                f"UPDATE {tabel} SET {d} = %s, {e} = %s WHERE {k} = %s",
            )
        return _SQL[kunci]

    def load(self) -> dict[str, Any]:
        kunci = self.session_key  # None when the cookie's key is malformed
        if kunci is not None:
            alias = router.db_for_read(self.model)
            koneksi = connections[alias]
            sekarang = koneksi.ops.adapt_datetimefield_value(timezone.now())
            with koneksi.cursor() as c:
                c.execute(self._sql(alias)[0], [kunci, sekarang])
                baris = c.fetchone()
            if baris is not None:
                return self.decode(baris[0])
        self._session_key = None  # missing or expired: a new key on the next save, as Django
        return {}

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        data = self.encode(self._get_session())
        alias = router.db_for_write(self.model)
        koneksi = connections[alias]
        kedaluwarsa = koneksi.ops.adapt_datetimefield_value(self.get_expiry_date())
        try:
            with koneksi.cursor() as c:
                c.execute(self._sql(alias)[1], [data, kedaluwarsa, self.session_key])
                diubah = c.rowcount
        except DatabaseError as e:
            raise UpdateError from e
        if diubah != 1:  # deleted meanwhile (a logout elsewhere): Django's SessionInterrupted
            raise UpdateError
