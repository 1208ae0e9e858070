"""Reads: patient search and duplicate candidates."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from typing import Any

from django.db import connection, connections, router
from django.db.models import BigIntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast

from puskesmas.models import Loket, Puskesmas

from . import nik as nik_rules
from .dedupe import (
    Identitas,
    mirip,
    nama_kunci,
    normalisasi_nama,
    skor_nama,
    tanggal_selisih_satu,
    tanggal_tertukar,
)
from .models import Kunjungan, Pasien, StatusKunjungan

BATAS_HASIL = 20

_TANGGAL = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b|\b(\d{4})-(\d{2})-(\d{2})\b")


def _ambil_tanggal(teks: str) -> tuple[date | None, str]:
    """Pull a birth date (dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd) out of a search string."""
    m = _TANGGAL.search(teks)
    if not m:
        return None, teks
    try:
        if m.group(1):
            tgl = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        else:
            tgl = date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
    except ValueError:
        return None, teks
    return tgl, (teks[: m.start()] + teks[m.end() :]).strip()


def pasien_cari(*, puskesmas: Puskesmas, q: str, batas: int = BATAS_HASIL) -> list[Pasien]:
    """One search box for everything the counter may be handed: NIK (16 digits, also a mother's
    NIK for her baby), BPJS card (13), No. RM (up to 8 digits), or a name with or without a
    birth date. Exact identifiers are index lookups; names use the normalised name column."""
    q = (q or "").strip()
    angka = nik_rules.bersihkan(q)
    if angka.isdigit():
        if len(angka) == 16:
            return _cari_nik(puskesmas.pk, angka)[:batas]
        if len(angka) == 13:
            return _cari_bpjs(puskesmas.pk, angka)[:batas]
        if len(angka) <= 8:
            return _cari_rm(puskesmas.pk, angka.zfill(6))[:batas]
        return []
    tanggal, sisa = _ambil_tanggal(q)
    nama = normalisasi_nama(sisa)
    if tanggal is not None:
        hasil = list(Pasien.objects.filter(puskesmas=puskesmas, tanggal_lahir=tanggal)[:200])
        if nama:
            hasil = [p for p in hasil if nama in p.nama_cari or skor_nama(nama, p.nama) >= 70]
            hasil.sort(key=lambda p: -skor_nama(nama, p.nama))
        return hasil[:batas]
    if len(nama) < 2:
        return []
    return _cari_nama(puskesmas.pk, nama, batas)


class _KueriPasien:
    """A search shape compiled to SQL once per database and process, then run with each
    request's Puskesmas and text. A search as you type is the loket's most frequent request,
    and building and compiling its querysets cost more CPU than the database's own work
    (bench/district.py --profil). `buat(puskesmas_id, nilai)` returns the SQL and parameters
    for stand-in values; every parameter that holds the stand-in text gets the real one (LIKE
    patterns escaped as Django escapes them), and the Puskesmas stand-in must appear as a
    parameter, or compiling fails loudly. tests/pendaftaran/test_selectors.py compares every
    shape with its plain ORM query."""

    PKM = -7_654_329
    NILAI = "QZXNILAIQZX"  # upper-case letters only: what normalisasi_nama leaves unchanged

    def __init__(self, buat: Callable[[int, str], tuple[str, Sequence[Any]]]) -> None:
        self._buat = buat
        self._siap: dict[str, tuple[str, list[Any]]] = {}

    def __call__(self, puskesmas_id: int, nilai: str, *tambahan: Any) -> list[Pasien]:
        alias = router.db_for_read(Pasien)
        siap = self._siap.get(alias)
        if siap is None:
            sql, params = self._buat(self.PKM, self.NILAI)
            if self.PKM not in params or not any(
                isinstance(p, str) and self.NILAI in p for p in params
            ):
                raise RuntimeError(f"_KueriPasien: a stand-in is not a parameter of {sql}")
            siap = self._siap[alias] = (sql, list(params))
        sql, params = siap
        pola = connections[alias].ops.prep_for_like_query(nilai)
        nyata = [
            puskesmas_id
            if p == self.PKM
            else nilai
            if p == self.NILAI
            else p.replace(self.NILAI, pola)
            if isinstance(p, str) and self.NILAI in p
            else p
            for p in params
        ]
        return list(Pasien.objects.db_manager(alias).raw(sql, (*nyata, *tambahan)))


def _sql(qs: QuerySet[Pasien]) -> tuple[str, Sequence[Any]]:
    return qs.query.sql_with_params()


def _sql_nik(pkm: int, nik: str) -> tuple[str, Sequence[Any]]:
    qs = Pasien.objects.filter(Q(nik=nik) | (Q(nik_ibu=nik) & ~Q(nik_ibu="")), puskesmas_id=pkm)
    return _sql(qs.order_by("tanggal_lahir")[:BATAS_HASIL])


# Each capped at BATAS_HASIL in its SQL; a smaller `batas` is cut after.
_cari_nik = _KueriPasien(_sql_nik)
_cari_bpjs = _KueriPasien(
    lambda pkm, no: _sql(Pasien.objects.filter(puskesmas_id=pkm, no_bpjs=no)[:BATAS_HASIL])
)
_cari_rm = _KueriPasien(
    lambda pkm, no: _sql(Pasien.objects.filter(puskesmas_id=pkm, no_rm=no)[:BATAS_HASIL])
)


def _sql_nama(pkm: int, nama: str) -> tuple[str, Sequence[Any]]:
    """Names that start with the text first, then names containing it as a later word, in one
    statement; the two counts are parameters (`_cari_nama`).

    No plain "ORDER BY nama_cari LIMIT 20": PostgreSQL would walk the btree in name order
    filtering every row (250 ms at 100,000 patients for a late or rare prefix) instead of the
    LIKE/trigram indexes. Each side is capped at 200 in a derived table, which PostgreSQL plans
    on its own (its LIMIT keeps it from being merged into the outer query), so the match still
    runs on the LIKE/trigram indexes; only the outer query sorts, and only `batas` rows become
    patients (building 200 and sorting them in Python was most of a search's CPU). The later-
    word side runs only when the count of the first (a CTE, evaluated once) is short, as a
    second query did before. Byte order ("C"), as Python's sort: a locale collation would
    ignore the spaces between words.

    The Puskesmas id is cast to the column's bigint: the trigram index over (puskesmas_id,
    nama_cari) (migration 0007, btree_gin) takes only a same-type comparison, and a plain
    integer parameter is an int4. Without the cast PostgreSQL searches the trigram across every
    Puskesmas and throws the others' rows away (4,012 rows rechecked for 9 in a district of
    45,000 patients, 3.9 ms against 0.37 ms)."""
    basis = Pasien.objects.filter(puskesmas_id=Cast(Value(pkm), BigIntegerField()))
    awal = basis.filter(nama_cari__startswith=nama)
    kata = basis.filter(nama_cari__contains=" " + nama).exclude(nama_cari__startswith=nama)
    sql_a, param_a = _sql(awal[:200])
    sql_k, param_k = _sql(kata[:200])
    urutan = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    return (
        f"WITH a AS ({sql_a}) SELECT * FROM ("
        "SELECT 0 AS kelompok_cari, a.* FROM a UNION ALL "
        f"SELECT 1, k.* FROM ({sql_k}) k WHERE (SELECT COUNT(*) FROM a) < %s"
        f') s ORDER BY s.kelompok_cari, s."nama_cari"{urutan}, s."id" LIMIT %s',
        (*param_a, *param_k),
    )


_cari_nama_siap = _KueriPasien(_sql_nama)


def _cari_nama(pkm: int, nama: str, batas: int) -> list[Pasien]:
    return _cari_nama_siap(pkm, nama, batas, batas)


def kandidat_duplikat(
    *,
    puskesmas: Puskesmas,
    nama: str,
    tanggal_lahir: date,
    jenis_kelamin: str = "",
    alamat: str = "",
    nik_ibu: str = "",
    kecuali: int | None = None,
    batas: int = 5,
) -> list[tuple[Pasien, float]]:
    """Existing patients who are probably the person being registered (dedupe.mirip), closest
    first.

    Complete at any size: `mirip` only accepts a birth date that is the same, day/month swapped,
    or one digit off with the very same canonical name, so every patient it could accept is
    fetched by index — all patients born on the date or its swap, plus namesakes (nama_kunci)
    on the one-digit-off dates — and every one is scored before the best `batas` are kept."""
    tanggal = [tanggal_lahir]
    if (tukar := tanggal_tertukar(tanggal_lahir)) is not None:
        tanggal.append(tukar)
    cond = Q(tanggal_lahir__in=tanggal)
    kunci = nama_kunci(nama)
    if kunci:
        cond |= Q(tanggal_lahir__in=tanggal_selisih_satu(tanggal_lahir), nama_kunci=kunci)
    calon = Pasien.objects.filter(cond, puskesmas=puskesmas)
    if jenis_kelamin:
        calon = calon.filter(jenis_kelamin=jenis_kelamin)
    if kecuali is not None:
        calon = calon.exclude(pk=kecuali)
    baru = Identitas(
        nama=nama,
        tanggal_lahir=tanggal_lahir,
        jenis_kelamin=jenis_kelamin,
        alamat=alamat,
        nik_ibu=nik_ibu,
    )
    skor: list[tuple[float, int]] = []
    kolom = ("pk", "nama", "tanggal_lahir", "jenis_kelamin", "alamat", "nik_ibu")
    for pk, n, tgl, jk, al, ibu in calon.values_list(*kolom):
        cocok = mirip(baru, Identitas(n, tgl, jk, al, ibu))
        if cocok is not None:
            skor.append((cocok.skor, pk))
    skor.sort(key=lambda sp: (-sp[0], sp[1]))
    terbaik = skor[:batas]
    pasien = Pasien.objects.in_bulk([pk for _, pk in terbaik])
    return [(pasien[pk], s) for s, pk in terbaik]


def pasien_dengan_identitas(
    *, puskesmas: Puskesmas, nik: str = "", no_bpjs: str = ""
) -> Pasien | None:
    """The existing patient holding this NIK or card number, if any."""
    cond = Q()
    if nik:
        cond |= Q(nik=nik)
    if no_bpjs:
        cond |= Q(no_bpjs=no_bpjs)
    if not cond:
        return None
    return Pasien.objects.filter(cond, puskesmas=puskesmas).first()


def nik_dikenal(*, puskesmas: Puskesmas, nik: str) -> bool:
    """A patient holds this NIK, or babies are registered under it as their mother's."""
    return Pasien.objects.filter(Q(nik=nik) | Q(nik_ibu=nik), puskesmas=puskesmas).exists()


def kunjungan_loket(*, loket: Loket, tanggal: date) -> QuerySet[Kunjungan]:
    """Today's registrations at a counter, newest first, with their tickets."""
    return (
        Kunjungan.objects.filter(loket=loket, tanggal=tanggal)
        .select_related("pasien", "unit", "klaster")
        .prefetch_related("tiket")
        .order_by("-dibuat_klien")
    )


def kunjungan_mendatang(*, pasien: Pasien, sejak: date) -> list[Kunjungan]:
    """The patient's visits from `sejak` on that are not cancelled — today's registrations at
    any loket and Mobile JKN bookings (today's or a later day's) — each with its first ticket,
    so the counter sees them the moment it opens the patient."""
    return list(
        Kunjungan.objects.filter(pasien=pasien, tanggal__gte=sejak)
        .exclude(status="batal")
        .select_related("unit")
        .prefetch_related("tiket")
        .order_by("tanggal", "dibuat_klien")
    )


def kunjungan_terbuka_hari_ini(*, pasien: Pasien, unit_id: int, tanggal: date) -> Kunjungan | None:
    return (
        Kunjungan.objects.filter(pasien=pasien, unit_id=unit_id, tanggal=tanggal)
        .exclude(status="batal")
        .first()
    )


_BIGINT_MAKS = 2**63 - 1


@cache
def _sql_pasien_untuk_kunjungan() -> tuple[str, tuple[str, ...]]:
    q = connection.ops.quote_name
    kolom = tuple(f.attname for f in Pasien._meta.concrete_fields)
    p, k = q(Pasien._meta.db_table), q(Kunjungan._meta.db_table)
    daftar = ", ".join(f"p.{q(f.column)}" for f in Pasien._meta.concrete_fields)
    sql = (
        f"SELECT {daftar}, "
        f'(SELECT k."id" FROM {k} k WHERE k."client_uuid" = %s LIMIT 1), '
        f'(SELECT k."id" FROM {k} k WHERE k."pasien_id" = p."id" AND k."unit_id" = %s '
        f'AND k."tanggal" = %s AND k."status" <> %s LIMIT 1) '
        f'FROM {p} p WHERE p."id" = %s AND p."puskesmas_id" = %s'
    )
    return sql, kolom


def pasien_untuk_kunjungan(
    *, puskesmas_id: int, pasien_id: int, client_uuid: uuid.UUID, unit_id: int, tanggal: date
) -> tuple[Pasien | None, int | None, int | None]:
    """The patient of this Puskesmas (None: not here), the id of the visit made with this
    client UUID, and the id of the patient's open visit in the unit that day — one statement,
    as the API's registration needs them before it calls the service.

    Written as SQL once per process: the same queryset through the ORM (two subqueries in
    annotations) cost more CPU to build and compile than the rest of the read path; the columns
    come from the model, so a new field is read without touching this. Both subqueries hit
    unique indexes (client UUID; one open visit per patient/unit/day)."""
    if pasien_id > _BIGINT_MAKS:
        return None, None, None  # what the ORM answers for an id no column can hold
    sql, kolom = _sql_pasien_untuk_kunjungan()
    f_uuid = Kunjungan._meta.get_field("client_uuid")
    f_tanggal = Kunjungan._meta.get_field("tanggal")
    params = (
        f_uuid.get_db_prep_value(client_uuid, connection),
        unit_id,
        f_tanggal.get_db_prep_value(tanggal, connection),
        StatusKunjungan.BATAL.value,
        pasien_id,
        puskesmas_id,
    )
    with connection.cursor() as c:
        c.execute(sql, params)
        baris = c.fetchone()
    if baris is None:
        return None, None, None
    n = len(kolom)
    pasien = Pasien.from_db(connection.alias, kolom, baris[:n])
    return pasien, baris[n], baris[n + 1]
