"""Reads for queues: what each page shows, scoped by the caller to one Puskesmas."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connections
from django.db.models import Count, QuerySet
from django.utils import timezone

from pendaftaran.models import Kunjungan, Pasien
from puskesmas import rujukan
from puskesmas.models import Peran, Petugas, Puskesmas

from . import live, urutan
from .models import StatusTiket, Tiket, UnitLayanan
from .routing import Saran, umur_tahun, urutan_pencarian

STATUS_TERBUKA = (StatusTiket.MENUNGGU, StatusTiket.DIPANGGIL, StatusTiket.DILAYANI)
STATUS_DITANGANI = (StatusTiket.DIPANGGIL, StatusTiket.DILAYANI)


def unit_pendaftaran(*, puskesmas: Puskesmas) -> QuerySet[UnitLayanan]:
    """Units a loket can register into, in display order."""
    return UnitLayanan.objects.filter(puskesmas=puskesmas, aktif=True).select_related("klaster")


def unit_aktif(*, puskesmas: Puskesmas) -> list[UnitLayanan]:
    """The active units, from the per-process reference cache (they change a few times a
    year); a copy of their own for the caller."""
    return [u for u in rujukan.unit_puskesmas(puskesmas.pk) if u.aktif]


def unit_untuk_saran(
    *, puskesmas: Puskesmas, saran: Saran, units: list[UnitLayanan] | None = None
) -> UnitLayanan | None:
    """The first active unit offering the suggested service or its fall-back. `units`: the
    active units when the caller already holds them (a replayed batch asks once per visit)."""
    if units is None:
        units = unit_aktif(puskesmas=puskesmas)
    for layanan in urutan_pencarian(saran.layanan):
        for unit in units:
            if unit.layanan == layanan:
                return unit
    return None


def unit_petugas(petugas: Petugas) -> QuerySet[UnitLayanan]:
    """The units an officer works: poli staff the units of their own cluster, admins every unit.
    Poli staff without a cluster see none (an admin must attach them to one)."""
    units = unit_pendaftaran(puskesmas=petugas.puskesmas)
    if petugas.peran == Peran.POLI:
        return units.filter(klaster_id=petugas.klaster_id) if petugas.klaster_id else units.none()
    return units


def unit_petugas_rujukan(petugas: Petugas, *, semua: list | None = None) -> list[UnitLayanan]:
    """unit_petugas from the per-process reference cache (no query): the same units in the
    same order, for the pages and calls that ask every few seconds. `semua`: the Puskesmas'
    units from rujukan.unit_puskesmas, when the caller holds them already."""
    if semua is None:
        semua = rujukan.unit_puskesmas(petugas.puskesmas_id)
    units = [u for u in semua if u.aktif]
    if petugas.peran == Peran.POLI:
        return [u for u in units if petugas.klaster_id and u.klaster_id == petugas.klaster_id]
    return units


# A queue row with its visit and patient as model instances, in one joined statement: a full
# visit and patient row is about 50 columns, most of them never shown.
KOLOM_ANTREAN = (
    "id", "unit_id", "kunjungan_id", "sebelumnya_id", "ditangani_oleh_id", "tanggal", "kode",
    "nomor", "status", "prioritas", "alasan_prioritas", "waktu_masuk", "urut", "luring",
    "kode_cetak", "hadir_pada", "dipanggil_terakhir", "mulai_dilayani",
    "kunjungan__id", "kunjungan__pasien_id", "kunjungan__penjamin", "kunjungan__keluhan",
    "kunjungan__sumber", "kunjungan__pasien__id", "kunjungan__pasien__nama",
    "kunjungan__pasien__no_rm", "kunjungan__pasien__tanggal_lahir",
    "kunjungan__pasien__jenis_kelamin",
)  # fmt: skip


def antrean_unit(*, unit: UnitLayanan, tanggal: date) -> QuerySet[Tiket]:
    """A unit's tickets of the day in queue order (antrean/urutan.py)."""
    return (
        Tiket.objects.filter(unit=unit, tanggal=tanggal)
        .select_related("kunjungan__pasien")
        .only(*KOLOM_ANTREAN)
        .order_by(*urutan.URUTAN_SQL)
    )


def posisi_tiket(tiket: Tiket) -> int:
    """How many waiting tickets are ahead of this one in its unit's queue (0 = next)."""
    if tiket.status != StatusTiket.MENUNGGU:
        return 0
    menunggu = Tiket.objects.filter(
        unit_id=tiket.unit_id, tanggal=tiket.tanggal, status=StatusTiket.MENUNGGU
    ).only("prioritas", "urut", "waktu_masuk", "nomor")
    return urutan.posisi(tiket, [t for t in menunggu if t.pk != tiket.pk])


def ruang_aktif(*, unit: UnitLayanan, tanggal: date) -> int:
    """How many staff are working the unit right now (tickets called or in service): the
    estimate on the status page divides the queue between them."""
    return (
        Tiket.objects.filter(unit=unit, tanggal=tanggal, status__in=STATUS_DITANGANI)
        .values("ditangani_oleh")
        .distinct()
        .count()
    )


class KueriSiap:
    """A hot read, compiled to SQL once per process and then run with each request's values
    (a unit or a Puskesmas, a date, a list of units). Building and compiling the queryset
    (joins, the queue order) cost about 3 ms of CPU against the database's own 1 ms
    (bench/district.py --profil). The values come back converted as `values_list` would return
    them. A list-valued argument (`unit_ids`) is compiled once per length: its IN list is part of
    the SQL."""

    # Stand-ins, found again among the compiled parameters and replaced per call.
    _CONTOH: dict[str, Any] = {
        "unit_id": -7_654_321,
        "puskesmas_id": -7_654_322,
        "tanggal": date(1901, 2, 3),
    }
    _CONTOH_DAFTAR = -7_654_400  # a list's items: -7_654_400, -7_654_401, ...

    def __init__(self, buat: Callable[..., QuerySet], *nama: str) -> None:
        self._buat = buat  # buat(**{n: ... for n in nama}) -> a values_list queryset
        self._nama = nama
        # Compiled on first use per list length: two threads at once is fine.
        self._siap: dict[tuple, tuple] = {}

    @staticmethod
    def _adaptasi(conn: Any, nilai: Any) -> Any:
        return conn.ops.adapt_datefield_value(nilai) if isinstance(nilai, date) else nilai

    def _siapkan(self, panjang: dict[str, int]) -> tuple:
        argumen: dict[str, Any] = {
            k: [self._CONTOH_DAFTAR - j for j in range(panjang[k])]
            if k in panjang
            else self._CONTOH[k]
            for k in self._nama
        }
        qs = self._buat(**argumen)
        conn = connections[qs.db]
        compiler = qs.query.get_compiler(connection=conn)
        sql, params = compiler.as_sql()
        posisi: dict[tuple[str, int | None], list[int]] = {}
        for k, contoh in argumen.items():
            for j, c in enumerate(contoh) if isinstance(contoh, list) else [(None, contoh)]:
                c = self._adaptasi(conn, c)
                posisi[k, j] = [i for i, v in enumerate(params) if v == c]
                if not posisi[k, j]:
                    raise RuntimeError(f"KueriSiap: {k} is not a parameter of {sql}")
        n = compiler.col_count
        konversi = list(compiler.get_converters([c[0] for c in compiler.select[:n]]).items())
        return qs.db, sql, list(params), posisi, n, konversi

    def __call__(self, **nilai_kata: Any) -> list[Any]:
        panjang = {k: len(v) for k, v in nilai_kata.items() if isinstance(v, list | tuple)}
        if any(n == 0 for n in panjang.values()):
            return []  # IN () matches nothing (Django would not even compile it)
        bentuk = tuple(sorted(panjang.items()))
        siap = self._siap.get(bentuk)
        if siap is None:
            siap = self._siap[bentuk] = self._siapkan(panjang)
        alias, sql, params, posisi, n, konversi = siap
        conn = connections[alias]
        nilai = list(params)
        for (k, j), daftar in posisi.items():
            v = self._adaptasi(conn, nilai_kata[k] if j is None else nilai_kata[k][j])
            for i in daftar:
                nilai[i] = v
        with conn.cursor() as c:
            c.execute(sql, nilai)
            baris = c.fetchall()
        if not konversi:
            return [b[:n] for b in baris] if baris and len(baris[0]) != n else baris
        hasil = []
        for b in baris:
            b = list(b[:n])
            for i, (fungsi, ekspresi) in konversi:
                for f in fungsi:
                    b[i] = f(b[i], ekspresi, conn)
            hasil.append(b)
        return hasil


# --- The poli page --------------------------------------------------------------------------


@dataclass(slots=True)
class BarisAntrean:
    """One open ticket as the poli panel shows it (no model instances: a panel of 30 patients
    was 100 of them, ticket, visit and patient, on every refresh after a change)."""

    pk: int
    kunjungan_id: int
    sebelumnya_id: int | None
    ditangani_oleh_id: int | None
    kode: str
    nomor: int
    status: str
    prioritas: bool
    alasan_prioritas: str
    waktu_masuk: datetime
    urut: int
    luring: bool
    kode_cetak: str
    hadir_pada: datetime | None
    dipanggil_terakhir: datetime | None
    mulai_dilayani: datetime | None
    penjamin_teks: str
    keluhan: str
    sumber: str
    nama: str
    no_rm: str
    jenis_kelamin_teks: str
    umur: int
    menit_tunggu: float


_KOLOM_PANEL = (
    "id", "kunjungan_id", "sebelumnya_id", "ditangani_oleh_id", "kode", "nomor", "status",
    "prioritas", "alasan_prioritas", "waktu_masuk", "urut", "luring", "kode_cetak",
    "hadir_pada", "dipanggil_terakhir", "mulai_dilayani", "kunjungan__penjamin",
    "kunjungan__keluhan", "kunjungan__sumber", "kunjungan__pasien__nama",
    "kunjungan__pasien__no_rm", "kunjungan__pasien__jenis_kelamin",
    "kunjungan__pasien__tanggal_lahir",
)  # fmt: skip
_PENJAMIN = dict(Kunjungan._meta.get_field("penjamin").flatchoices)
_JENIS_KELAMIN = dict(Pasien._meta.get_field("jenis_kelamin").flatchoices)

_tiket_terbuka = KueriSiap(
    lambda *, unit_id, tanggal: (
        Tiket.objects.filter(unit_id=unit_id, tanggal=tanggal)
        .exclude(status__in=(StatusTiket.SELESAI, StatusTiket.BATAL))
        .order_by(*urutan.URUTAN_SQL)
        .values_list(*_KOLOM_PANEL)
    ),
    "unit_id",
    "tanggal",
)
_jumlah_selesai = KueriSiap(
    lambda *, unit_id, tanggal: (
        Tiket.objects.filter(unit_id=unit_id, tanggal=tanggal, status=StatusTiket.SELESAI)
        .order_by()  # Meta.ordering's "unit" would join the units and their clusters
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("n")
    ),
    "unit_id",
    "tanggal",
)


@dataclass
class PanelPoli:
    unit: UnitLayanan
    menunggu: list[BarisAntrean]
    ditangani: list[BarisAntrean]  # called or in service; the officer's own latest first
    dilewati: list[BarisAntrean]
    selesai: int


def panel_poli(*, unit: UnitLayanan, tanggal: date, user_id: int | None) -> PanelPoli:
    sekarang = timezone.now()
    tiket = []
    for b in _tiket_terbuka(unit_id=unit.pk, tanggal=tanggal):
        *awal, penjamin, keluhan, sumber, nama, no_rm, jk, lahir = b
        tiket.append(
            BarisAntrean(
                *awal,
                penjamin_teks=_PENJAMIN.get(penjamin, penjamin),
                keluhan=keluhan,
                sumber=sumber,
                nama=nama,
                no_rm=no_rm,
                jenis_kelamin_teks=_JENIS_KELAMIN.get(jk, jk),
                umur=umur_tahun(lahir, tanggal),
                menit_tunggu=_menit(awal[9], sekarang),
            )
        )
    ditangani = [t for t in tiket if t.status in STATUS_DITANGANI]
    ditangani.sort(
        key=lambda t: (
            t.ditangani_oleh_id != user_id,
            -(t.dipanggil_terakhir or sekarang).timestamp(),
        )
    )
    selesai = _jumlah_selesai(unit_id=unit.pk, tanggal=tanggal)
    return PanelPoli(
        unit=unit,
        menunggu=[t for t in tiket if t.status == StatusTiket.MENUNGGU],
        ditangani=ditangani,
        dilewati=[t for t in tiket if t.status == StatusTiket.DILEWATI],
        selesai=selesai[0][0] if selesai else 0,
    )


# --- Overview for the head -----------------------------------------------------------------


def _menit(awal: datetime, akhir: datetime) -> float:
    return max(0.0, (akhir - awal).total_seconds() / 60)


@dataclass
class RingkasanUnit:
    unit: UnitLayanan
    menunggu: int = 0
    dipanggil: int = 0
    dilayani: int = 0
    selesai: int = 0
    dilewati: int = 0
    batal: int = 0
    tunggu: list[float] = field(default_factory=list)  # minutes, for those waiting now

    @property
    def rata_tunggu(self) -> float | None:
        return sum(self.tunggu) / len(self.tunggu) if self.tunggu else None

    @property
    def terlama(self) -> float | None:
        return max(self.tunggu) if self.tunggu else None


def ringkasan(
    *, puskesmas: Puskesmas, tanggal: date, sekarang: datetime | None = None
) -> list[tuple[object, list[RingkasanUnit]]]:
    """Per cluster, per unit: counts by state and the current waits (average, longest) of the
    patients still waiting. One query over the day's tickets: a day is at most a few thousand."""
    sekarang = sekarang or timezone.now()
    units = list(unit_pendaftaran(puskesmas=puskesmas))
    baris = {u.pk: RingkasanUnit(unit=u) for u in units}
    # By unit id, not through a join on the unit's Puskesmas (see _tiket_layar).
    for unit_id, status, masuk in Tiket.objects.filter(
        unit_id__in=list(baris), tanggal=tanggal
    ).values_list("unit_id", "status", "waktu_masuk"):
        r = baris.get(unit_id)
        if r is None:
            continue
        setattr(r, status, getattr(r, status) + 1)
        if status == StatusTiket.MENUNGGU:
            r.tunggu.append(_menit(masuk, sekarang))
    per_klaster: dict[int, tuple[object, list[RingkasanUnit]]] = {}
    for u in units:
        per_klaster.setdefault(u.klaster_id, (u.klaster, []))[1].append(baris[u.pk])
    return list(per_klaster.values())


# --- The TV display -------------------------------------------------------------------------


@dataclass(slots=True)
class TiketLayar:
    """A ticket as the hall display shows it: codes and times, never a patient."""

    pk: int
    unit_id: int
    kode: str
    status: str
    kode_cetak: str
    waktu_masuk: datetime
    dipanggil_terakhir: datetime | None
    prioritas: bool  # these three and waktu_masuk: the queue key (urutan.kunci)
    urut: int
    nomor: int
    unit: UnitLayanan | None = None


@dataclass
class LayarUnit:
    unit: UnitLayanan
    dipanggil: TiketLayar | None  # the latest called (or in service) ticket
    berikutnya: list[str]  # the next numbers, codes only


_KOLOM_LAYAR = ("id", "unit_id", "kode", "status", "kode_cetak", "waktu_masuk",
                "dipanggil_terakhir", "prioritas", "urut", "nomor")  # fmt: skip
# Every open ticket of the day of the given units (the Puskesmas' active ones) in queue order.
# By unit id, not through a join on the unit's Puskesmas: with that join the district bench's
# server read the day's tickets of every Puskesmas by date, or all tickets in a sequential
# scan, and filtered them by the unit's Puskesmas afterwards (auto_explain, bench/README.md
# 2026-12-02 06:55). A list of unit ids leaves it no such plan, whatever its statistics say.
_tiket_layar = KueriSiap(
    lambda *, unit_ids, tanggal: (
        Tiket.objects.filter(unit_id__in=unit_ids, tanggal=tanggal, status__in=STATUS_TERBUKA)
        .order_by(*urutan.URUTAN_SQL)
        .values_list(*_KOLOM_LAYAR)
    ),
    "unit_ids",
    "tanggal",
)


def layar_tv(
    *,
    puskesmas: Puskesmas,
    tanggal: date,
    klaster: int | None = None,
    jumlah_berikut: int = live.BERIKUTNYA_TV,
    batas: dict[int, tuple | None] | None = None,
) -> tuple[list[LayarUnit], list[TiketLayar]]:
    """What the hall display shows: per unit the number now called and the next numbers, plus
    the tickets currently called (for the voice announcement). Codes and unit names only —
    no patient data is ever read here, so none can leak onto a public screen.
    `batas`, when given, is filled for every active unit of the Puskesmas (whatever `klaster`)
    with the queue key of its last waiting number shown, or None when it shows fewer than
    `jumlah_berikut` (live.catat_batas_tv: which new tickets the TV can skip)."""
    # The per-process reference cache: no unit query on every display refresh.
    units = [u for u in rujukan.unit_puskesmas(puskesmas.pk) if u.aktif]
    per_unit: dict[int, list[TiketLayar]] = defaultdict(list)
    for b in _tiket_layar(unit_ids=[u.pk for u in units], tanggal=tanggal):
        per_unit[b[1]].append(TiketLayar(*b))
    if batas is not None:
        for u in units:
            menunggu = [t for t in per_unit.get(u.pk, ()) if t.status == StatusTiket.MENUNGGU]
            batas[u.pk] = (
                urutan.kunci(menunggu[jumlah_berikut - 1])
                if jumlah_berikut > 0 and len(menunggu) >= jumlah_berikut
                else None
            )
    if klaster:
        units = [u for u in units if u.klaster.nomor == klaster]
    layar = []
    dipanggil_semua = []
    for u in units:
        milik = per_unit.get(u.pk, [])
        ditangani = sorted(
            (t for t in milik if t.status in STATUS_DITANGANI),
            key=lambda t: t.dipanggil_terakhir or t.waktu_masuk,
            reverse=True,
        )
        for t in ditangani:
            t.unit = u
            if t.status == StatusTiket.DIPANGGIL:
                dipanggil_semua.append(t)
        layar.append(
            LayarUnit(
                unit=u,
                dipanggil=ditangani[0] if ditangani else None,
                berikutnya=[t.kode for t in milik if t.status == StatusTiket.MENUNGGU][
                    :jumlah_berikut
                ],
            )
        )
    dipanggil_semua.sort(key=lambda t: t.dipanggil_terakhir, reverse=True)
    return layar, dipanggil_semua


def jejak_tv(layar: list[LayarUnit], dipanggil: list[TiketLayar], *, alamat: str) -> str:
    """A digest of everything the TV fragment shows (`alamat`: the display's own URL, which it
    polls): equal digests render equal fragments, so a registration further down a queue than
    the screen shows (a new version, the same screen) is not rendered again."""
    isi = [
        (
            lu.unit.pk, lu.unit.kode, lu.unit.nama, lu.berikutnya,
            lu.dipanggil and (lu.dipanggil.pk, lu.dipanggil.kode, lu.dipanggil.kode_cetak,
                              lu.dipanggil.status, lu.dipanggil.dipanggil_terakhir),
        )
        for lu in layar
    ] + [(t.pk, t.kode, t.unit_id, t.dipanggil_terakhir) for t in dipanggil] + [alamat]  # fmt: skip
    return hashlib.blake2b(repr(isi).encode(), digest_size=16).hexdigest()


def sorotan_tv(layar: list[LayarUnit]) -> TiketLayar | None:
    """The number in the big spotlight: the most recent call of any unit, still shown while
    that patient is being served so the hall never goes blank between calls."""
    ditangani = [lu.dipanggil for lu in layar if lu.dipanggil and lu.dipanggil.dipanggil_terakhir]
    return max(ditangani, key=lambda t: t.dipanggil_terakhir, default=None)


# --- Daily report -----------------------------------------------------------------------------


@dataclass
class BarisLaporan:
    unit: UnitLayanan
    tiket: int
    selesai: int
    dilewati: int
    batal: int
    terbuka: int
    tunggu: urutan.Statistik


def laporan_harian(*, puskesmas: Puskesmas, tanggal: date) -> list[BarisLaporan]:
    """Per unit for one day: patients served, and the waiting time from joining the queue
    (waktu_masuk, the officer's clock for offline entries) to the first call."""
    units = list(unit_pendaftaran(puskesmas=puskesmas)) + list(
        UnitLayanan.objects.filter(puskesmas=puskesmas, aktif=False, tiket__tanggal=tanggal)
        .select_related("klaster")
        .distinct()
    )
    hitung: dict[int, dict[str, int]] = {u.pk: defaultdict(int) for u in units}
    tunggu: dict[int, list[float]] = {u.pk: [] for u in units}
    for unit_id, status, masuk, dipanggil in Tiket.objects.filter(
        unit__puskesmas=puskesmas, tanggal=tanggal
    ).values_list("unit_id", "status", "waktu_masuk", "dipanggil_pertama"):
        if unit_id not in hitung:
            continue
        hitung[unit_id][status] += 1
        if dipanggil is not None:
            tunggu[unit_id].append(_menit(masuk, dipanggil))
    baris = []
    for u in units:
        h = hitung[u.pk]
        baris.append(
            BarisLaporan(
                unit=u,
                tiket=sum(h.values()),
                selesai=h[StatusTiket.SELESAI],
                dilewati=h[StatusTiket.DILEWATI],
                batal=h[StatusTiket.BATAL],
                terbuka=sum(h[s] for s in STATUS_TERBUKA),
                tunggu=urutan.statistik(tunggu[u.pk]),
            )
        )
    return baris
