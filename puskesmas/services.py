"""Writes for the tenant app."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import rujukan
from .models import ApiToken, Puskesmas

PRESISI_DIPAKAI = timedelta(minutes=1)


@transaction.atomic
def no_rm_berikutnya(*, puskesmas: Puskesmas) -> str:
    """Hand out the next medical-record number of this Puskesmas.

    The UPDATE takes the row lock, so concurrent registrations queue here for a few
    microseconds and never share or reuse a number.
    """
    Puskesmas.objects.filter(pk=puskesmas.pk).update(rm_terakhir=F("rm_terakhir") + 1)
    nomor = Puskesmas.objects.values_list("rm_terakhir", flat=True).get(pk=puskesmas.pk)
    return f"{nomor:06d}"


def no_rm_berikutnya_banyak(*, puskesmas: Puskesmas, jumlah: int) -> list[str]:
    """`jumlah` consecutive No. RM (a replayed batch's new patients), under the same row lock
    as `no_rm_berikutnya`: one UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35), atomic by
    itself, so no savepoint and no second read."""
    tabel = connection.ops.quote_name(Puskesmas._meta.db_table)
    with connection.cursor() as c:
        c.execute(
            f"UPDATE {tabel} SET rm_terakhir = rm_terakhir + %s WHERE id = %s "
            "RETURNING rm_terakhir",
            [jumlah, puskesmas.pk],
        )
        (akhir,) = c.fetchone()
    return [f"{n:06d}" for n in range(akhir - jumlah + 1, akhir + 1)]


def api_token_buat(*, user, nama: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored."""
    raw = "pkm_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, nama=nama, prefix=raw[4:12], hash=ApiToken.hash_of(raw)
    )
    from audit.services import catat  # the actor is the admin of the current request, if any

    catat(aksi="token_buat", objek=token, puskesmas=_pkm(user), keterangan=f"untuk {user}")
    return token, raw


def _pkm(user) -> int | None:
    return getattr(getattr(user, "petugas", None), "puskesmas_id", None)


# When this process last stamped each token: the cached copy's own stamp lags behind.
_dipakai: dict[str, datetime] = {}  # by hash: unique, never reused like an id


def api_token_cari(*, raw: str) -> ApiToken | None:
    # From the per-process reference cache (puskesmas/rujukan.py): revocation and deactivation
    # start a new cache generation, so they still take effect on the next request.
    token = rujukan.token_api(ApiToken.hash_of(raw))
    if token is not None:
        # Last-used is for "is this token still in use?", so minute precision is plenty; writing
        # it on every call would cost a commit per API request.
        sekarang = timezone.now()
        stempel = [t for t in (token.terakhir_dipakai, _dipakai.get(token.hash)) if t is not None]
        if not stempel or sekarang - max(stempel) > PRESISI_DIPAKAI:
            ApiToken.objects.filter(pk=token.pk).update(terakhir_dipakai=sekarang)
            _dipakai[token.hash] = sekarang
            token.terakhir_dipakai = sekarang
    return token


def api_token_cabut(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, dicabut_pada__isnull=True).update(
        dicabut_pada=timezone.now()
    )
    rujukan.ubah()  # an UPDATE sends no signal: the cached token must go now
    from audit.services import catat

    catat(aksi="token_cabut", objek=token, puskesmas=_pkm(token.user))
