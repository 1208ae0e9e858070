"""Writes for queues: numbering, issuing tickets, and every move a ticket makes.

The state machine (StatusTiket):

    menunggu ──panggil──▶ dipanggil ──mulai──▶ dilayani ──selesai──▶ selesai
                           │   ▲ panggil ulang                  │
                           ▼   │                                 └─rujuk─▶ selesai + a new
                          dilewati ──antre ulang──▶ menunggu              ticket in the next unit
    any open state (menunggu, dipanggil, dilayani, dilewati) ──batal (with reason)──▶ batal

Each transition locks the ticket row, checks the state it is in *now* (not what the page showed
when the button was drawn), writes a TiketRiwayat row with who/when/why, and announces the change
to live pages after commit (antrean/live.py). A refused move raises AntreanError with an
Indonesian message the poli page shows as is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from config.sisip import buat, sisip
from integrasi import peristiwa

from . import live, urutan
from .models import PenomoranHarian, StatusTiket, Tiket, TiketRiwayat, UnitLayanan
from .routing import UMUR_LANSIA, umur_tahun
from .urutan import URUTAN_SQL, urut_antre_ulang

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from pendaftaran.models import Kunjungan

Aksi = TiketRiwayat.Aksi

STATUS_TERBUKA = (
    StatusTiket.MENUNGGU,
    StatusTiket.DIPANGGIL,
    StatusTiket.DILAYANI,
    StatusTiket.DILEWATI,
)

# How a ticket's current state reads in a refusal: "Tiket A-012 sudah selesai: ..."
_KEADAAN = {
    StatusTiket.MENUNGGU: "masih menunggu",
    StatusTiket.DIPANGGIL: "sedang dipanggil",
    StatusTiket.DILAYANI: "sedang dilayani",
    StatusTiket.SELESAI: "sudah selesai",
    StatusTiket.DILEWATI: "sudah dilewati",
    StatusTiket.BATAL: "sudah dibatalkan",
}

ALASAN_MAKS = 200


class AntreanError(Exception):
    """A queue move that cannot be made. `galat` maps field → Indonesian messages, like
    PendaftaranError, so pages and the API show them the same way."""

    kode = "tidak_valid"

    def __init__(self, galat: dict[str, list[str]]):
        super().__init__(galat)
        self.galat = galat

    @property
    def pesan(self) -> str:
        return " ".join(m for pesan in self.galat.values() for m in pesan)


class AntreanKosong(AntreanError):
    kode = "antrean_kosong"


class TransisiDitolak(AntreanError):
    kode = "transisi_ditolak"


def format_kode(unit: UnitLayanan, nomor: int) -> str:
    return f"{unit.prefix}-{nomor:03d}"


def _penghitung(unit: UnitLayanan, tanggal: date) -> PenomoranHarian:
    """The unit's counter row for the day, locked until the caller's transaction commits."""
    counter, _ = PenomoranHarian.objects.get_or_create(unit=unit, tanggal=tanggal)
    return PenomoranHarian.objects.select_for_update().get(pk=counter.pk)


def nomor_berikutnya(*, unit: UnitLayanan, tanggal: date) -> int:
    """The next online number of a unit's day: 1, 2, 3, … with no gaps.

    One statement creates the day's counter row or bumps it, and returns the number (an upsert
    with RETURNING: PostgreSQL, and SQLite ≥ 3.35 with the same SQL). The row stays locked until
    the caller's transaction ends, so concurrent registrations wait for it and each gets its own
    number; a rollback takes the number back with the visit, leaving no gap. Only a day busy
    enough to reach the offline series (ANTREAN_NOMOR_LURING_AWAL) jumps over the numbers
    already reserved there.
    """
    tabel = connection.ops.quote_name(PenomoranHarian._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {tabel} (unit_id, tanggal, terakhir, terakhir_luring)"
            " VALUES (%s, %s, 1, 0) ON CONFLICT (unit_id, tanggal) DO UPDATE SET terakhir ="
            f" CASE WHEN {tabel}.terakhir + 1 >= %s AND {tabel}.terakhir + 1 <= "
            f"{tabel}.terakhir_luring THEN {tabel}.terakhir_luring + 1"
            f" ELSE {tabel}.terakhir + 1 END RETURNING terakhir",
            [
                unit.pk,
                connection.ops.adapt_datefield_value(tanggal),
                settings.ANTREAN_NOMOR_LURING_AWAL,
            ],
        )
        return int(cursor.fetchone()[0])


def nomor_berikutnya_banyak(*, unit: UnitLayanan, tanggal: date, jumlah: int) -> list[int]:
    """The next `jumlah` online numbers of a unit's day in one statement: the very numbers
    `jumlah` calls of `nomor_berikutnya` would give, in order (the reserved offline series
    [ANTREAN_NOMOR_LURING_AWAL, terakhir_luring] is jumped over the same way), under the same
    row lock until the caller's transaction ends. For a replayed batch."""
    if jumlah < 1:
        return []
    tabel = connection.ops.quote_name(PenomoranHarian._meta.db_table)
    awal = settings.ANTREAN_NOMOR_LURING_AWAL
    t = tabel
    # The range hits the reserved series when it reaches AWAL while numbers up to terakhir_luring
    # are still ahead of the counter: then it is longer by the reserved numbers it jumps.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {t} (unit_id, tanggal, terakhir, terakhir_luring)"
            " VALUES (%s, %s, %s, 0) ON CONFLICT (unit_id, tanggal) DO UPDATE SET terakhir ="
            f" CASE WHEN {t}.terakhir_luring >= %s AND {t}.terakhir + %s >= %s"
            f" AND {t}.terakhir + 1 <= {t}.terakhir_luring"
            f" THEN {t}.terakhir + %s + {t}.terakhir_luring + 1 - CASE WHEN %s > {t}.terakhir + 1"
            f" THEN %s ELSE {t}.terakhir + 1 END"
            f" ELSE {t}.terakhir + %s END RETURNING terakhir, terakhir_luring",
            [
                unit.pk,
                connection.ops.adapt_datefield_value(tanggal),
                jumlah,
                awal,
                jumlah,
                awal,
                jumlah,
                awal,
                awal,
                jumlah,
            ],
        )
        akhir, luring = cursor.fetchone()
    # The `jumlah` largest numbers up to the new counter that are not reserved offline ones.
    nomor: list[int] = []
    n = int(akhir)
    while len(nomor) < jumlah:
        if not (luring >= awal and awal <= n <= luring):
            nomor.append(n)
        n -= 1
    return nomor[::-1]


@transaction.atomic
def blok_nomor_luring(*, unit: UnitLayanan, tanggal: date, jumlah: int) -> int:
    """Reserve `jumlah` consecutive numbers for a loket's offline block; return the first.

    Blocks come from their own series (A-501, …) above every number handed out so far, so they
    never collide with online numbers or with another loket's block, and reserving blocks on
    every page load leaves no holes in the online numbering.
    """
    c = _penghitung(unit, tanggal)
    pertama = max(c.terakhir_luring, c.terakhir, settings.ANTREAN_NOMOR_LURING_AWAL - 1) + 1
    c.terakhir_luring = pertama + jumlah - 1
    c.save(update_fields=["terakhir_luring"])
    return pertama


def urut_menurut_waktu(*, unit: UnitLayanan, tanggal: date, waktu_masuk: datetime) -> int:
    """Queue place of a ticket that reaches the server after the fact (offline replay, paper
    back-entry): right behind the last online ticket issued before the patient really came,
    ahead of everyone who came later — whatever number the ticket carries."""
    sebelumnya = Tiket.objects.filter(
        unit=unit, tanggal=tanggal, luring=False, waktu_masuk__lte=waktu_masuk
    ).aggregate(m=Max("nomor"))["m"]
    return sebelumnya or 0


def alasan_prioritas(kunjungan: Kunjungan) -> list[str]:
    """Why this patient is served ahead of the numbers before them (shown to staff)."""
    alasan = []
    if kunjungan.darurat:
        alasan.append("gawat darurat")
    if kunjungan.hamil:
        alasan.append("ibu hamil")
    if umur_tahun(kunjungan.pasien.tanggal_lahir, kunjungan.tanggal) >= UMUR_LANSIA:
        alasan.append("lansia")
    if kunjungan.disabilitas:
        alasan.append("disabilitas")
    if kunjungan.gagal_daftar_online:
        alasan.append("gagal daftar online")
    return alasan


def _catat(
    tiket: Tiket,
    *,
    aksi: str,
    dari: str,
    oleh: AbstractBaseUser | None,
    pada: datetime,
    alasan: str = "",
    unit_tujuan: UnitLayanan | None = None,
) -> TiketRiwayat:
    riwayat = TiketRiwayat(
        tiket=tiket,
        aksi=aksi,
        dari=dari,
        ke=tiket.status,
        alasan=alasan,
        unit_tujuan=unit_tujuan,
        oleh=oleh if getattr(oleh, "is_authenticated", False) else None,
        pada=pada,
    )
    sisip(riwayat)
    return riwayat


def tiket_baru(
    *,
    kunjungan: Kunjungan,
    unit: UnitLayanan,
    nomor: int,
    waktu_masuk: datetime,
    urut: int,
    luring: bool,
    oleh=None,
    sebelumnya: Tiket | None = None,
) -> Tiket:
    """The ticket row tiket_terbitkan saves, unsaved (a replayed batch saves many at once)."""
    alasan = alasan_prioritas(kunjungan)
    return buat(
        Tiket,
        kunjungan=kunjungan,
        unit=unit,
        tanggal=kunjungan.tanggal,
        nomor=nomor,
        kode=format_kode(unit, nomor),
        prioritas=bool(alasan),
        alasan_prioritas=", ".join(alasan),
        sebelumnya=sebelumnya,
        waktu_masuk=waktu_masuk,
        urut=urut,
        luring=luring,
        dibuat_oleh=oleh,
    )


# No savepoint of its own: every caller is atomic already, and an error here must undo the
# caller's work (the visit) too, which the caller's own block does.
@transaction.atomic(savepoint=False)
def tiket_terbitkan(
    *,
    kunjungan: Kunjungan,
    unit: UnitLayanan,
    waktu_masuk: datetime,
    oleh=None,
    sebelumnya: Tiket | None = None,
    nomor: int | None = None,
    luring: bool = False,
) -> Tiket:
    """Put a visit in a unit's queue. `nomor` is given only for a number reserved earlier
    (an offline block); otherwise the next number of the day is taken. `luring` tickets (made
    offline or on paper, arriving now) take their place by `waktu_masuk`, not by number."""
    if nomor is None:
        nomor = nomor_berikutnya(unit=unit, tanggal=kunjungan.tanggal)
    urut = (
        urut_menurut_waktu(unit=unit, tanggal=kunjungan.tanggal, waktu_masuk=waktu_masuk)
        if luring
        else nomor
    )
    tiket = tiket_baru(
        kunjungan=kunjungan,
        unit=unit,
        nomor=nomor,
        waktu_masuk=waktu_masuk,
        urut=urut,
        luring=luring,
        oleh=oleh,
        sebelumnya=sebelumnya,
    )
    sisip(tiket)
    _catat(tiket, aksi=Aksi.TERBIT, dari="", oleh=oleh, pada=timezone.now())
    # Staff pages hear every new ticket; the hall TV only one that may land among the numbers
    # it shows (most registrations join far down the queue).
    live.tandai_tiket_baru(
        unit.puskesmas_id, unit_id=unit.pk, tanggal=tiket.tanggal, kunci_antre=urutan.kunci(tiket)
    )
    return tiket


# --- Transitions ------------------------------------------------------------------------------


def _tolak(tiket: Tiket, tindakan: str) -> TransisiDitolak:
    keadaan = _KEADAAN.get(tiket.status, tiket.status)
    return TransisiDitolak({"status": [f"Tiket {tiket.kode} {keadaan}: tidak bisa {tindakan}."]})


def _pindah(
    tiket: Tiket,
    *,
    aksi: str,
    boleh: tuple[str, ...],
    ke: str,
    tindakan: str,
    oleh: AbstractBaseUser | None,
    alasan: str = "",
    unit_tujuan: UnitLayanan | None = None,
    kolom: Callable[[Tiket, datetime], dict[str, Any]] | None = None,
    terkunci: bool = False,
) -> Tiket:
    """Lock the ticket, check its *current* state, move it, log it, announce it. Must run inside
    a transaction (every caller is @transaction.atomic). `terkunci`: the caller read `tiket`
    under FOR UPDATE in this transaction already (with its unit), so it is current as it is."""
    if terkunci:
        t = tiket
    else:
        t = Tiket.objects.select_for_update().select_related("unit").get(pk=tiket.pk)
    if t.status not in boleh:
        raise _tolak(t, tindakan)
    dari = t.status
    pada = timezone.now()
    t.status = ke
    ubah = {"status"}
    for nama, nilai in (kolom(t, pada) if kolom else {}).items():
        setattr(t, nama, nilai)
        ubah.add(nama)
    t.save(update_fields=sorted(ubah))
    _catat(t, aksi=aksi, dari=dari, oleh=oleh, pada=pada, alasan=alasan, unit_tujuan=unit_tujuan)
    # First of the after-commit work: the subscribers below publish their outbox rows after
    # commit too, inline on SQLite (a broker message and an UPDATE that may wait for the write
    # lock); the hall TV must not wait behind them.
    live.tandai_berubah(t.unit.puskesmas_id, unit_id=t.unit_id)
    if aksi in (Aksi.PANGGIL, Aksi.LEWATI):
        # Mobile JKN hears "hadir" / "tidak hadir", SATUSEHAT "in-progress" (same transaction).
        peristiwa.kunjungan_dipanggil.terbitkan(tiket=t, hadir=aksi == Aksi.PANGGIL)
    return t


def _saat_dipanggil(oleh: AbstractBaseUser | None) -> Callable[[Tiket, datetime], dict]:
    def kolom(t: Tiket, pada: datetime) -> dict[str, Any]:
        return {
            "dipanggil_pertama": t.dipanggil_pertama or pada,
            "dipanggil_terakhir": pada,
            "ditangani_oleh": oleh if getattr(oleh, "is_authenticated", False) else None,
        }

    return kolom


@transaction.atomic
def panggil_berikutnya(
    *, unit: UnitLayanan, oleh: AbstractBaseUser | None = None, tanggal: date | None = None
) -> Tiket:
    """Call the first waiting patient of a unit in queue order.

    Two staff of the same unit may press "Panggil berikutnya" at the same instant. The SELECT
    takes the first waiting row that nobody else holds (FOR UPDATE SKIP LOCKED on PostgreSQL),
    so the second press takes the next patient instead of waiting for, and then re-calling, the
    first; the status check under the lock makes a double call impossible either way. On SQLite
    writers are serialised by the IMMEDIATE transaction mode, which gives the same result.
    """
    tanggal = tanggal or timezone.localdate()
    # The visit and patient come along (the subscribers and the API's answer read them); only
    # the ticket row is locked (`of`). Read under the lock, it is moved as it is: no second
    # SELECT and no savepoint of `panggil` (11 statements a call were 8 of them bookkeeping).
    tiket = (
        Tiket.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("kunjungan__pasien")
        .filter(unit=unit, tanggal=tanggal, status=StatusTiket.MENUNGGU)
        .order_by(*URUTAN_SQL)
        .first()
    )
    if tiket is None:
        raise AntreanKosong({"antrean": [f"Tidak ada pasien yang menunggu di {unit.nama}."]})
    tiket.unit = unit
    return _pindah(
        tiket,
        aksi=Aksi.PANGGIL,
        boleh=(StatusTiket.MENUNGGU,),
        ke=StatusTiket.DIPANGGIL,
        tindakan="dipanggil",
        oleh=oleh,
        kolom=_saat_dipanggil(oleh),
        terkunci=True,
    )


@transaction.atomic
def panggil(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    """Call one particular waiting patient out of order (e.g. a lab result that is ready)."""
    return _pindah(
        tiket,
        aksi=Aksi.PANGGIL,
        boleh=(StatusTiket.MENUNGGU,),
        ke=StatusTiket.DIPANGGIL,
        tindakan="dipanggil",
        oleh=oleh,
        kolom=_saat_dipanggil(oleh),
    )


@transaction.atomic
def panggil_ulang(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    """Announce a called patient again, or call back a skipped one who turned up late."""
    return _pindah(
        tiket,
        aksi=Aksi.PANGGIL_ULANG,
        boleh=(StatusTiket.DIPANGGIL, StatusTiket.DILEWATI),
        ke=StatusTiket.DIPANGGIL,
        tindakan="dipanggil ulang",
        oleh=oleh,
        kolom=_saat_dipanggil(oleh),
    )


@transaction.atomic
def lewati(*, tiket: Tiket, oleh: AbstractBaseUser | None = None, alasan: str = "") -> Tiket:
    """The called patient did not come (no-show). They can be recalled or re-queued later."""
    return _pindah(
        tiket,
        aksi=Aksi.LEWATI,
        boleh=(StatusTiket.DIPANGGIL,),
        ke=StatusTiket.DILEWATI,
        tindakan="dilewati",
        oleh=oleh,
        alasan=_rapikan(alasan),
    )


@transaction.atomic
def mulai_layani(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    return _pindah(
        tiket,
        aksi=Aksi.MULAI,
        boleh=(StatusTiket.DIPANGGIL,),
        ke=StatusTiket.DILAYANI,
        tindakan="mulai dilayani (panggil dulu)",
        oleh=oleh,
        kolom=lambda t, pada: {"mulai_dilayani": pada},
    )


@transaction.atomic
def selesai(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    """The patient is done in this unit. When no other ticket of the visit is still open (the
    last stop of Poli Umum → Lab → Farmasi), the visit itself is done: the loket's list says so
    and it can no longer be cancelled."""
    t = _pindah(
        tiket,
        aksi=Aksi.SELESAI,
        boleh=(StatusTiket.DILAYANI,),
        ke=StatusTiket.SELESAI,
        tindakan="diselesaikan (tekan Mulai layani dulu)",
        oleh=oleh,
        kolom=lambda t, pada: {"selesai_pada": pada},
    )
    _kunjungan_selesai_jika_tuntas(t)
    return t


def _kunjungan_selesai_jika_tuntas(t: Tiket) -> None:
    if not Tiket.objects.filter(kunjungan_id=t.kunjungan_id, status__in=STATUS_TERBUKA).exists():
        from pendaftaran.models import Kunjungan, StatusKunjungan

        Kunjungan.objects.filter(pk=t.kunjungan_id, status=StatusKunjungan.TERDAFTAR).update(
            status=StatusKunjungan.SELESAI
        )


@transaction.atomic
def tiket_selesai_di_kertas(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    """A paper back-entry of a patient who was already served during the outage: the ticket
    is recorded (the number stays theirs) but never waits in the queue or appears on the TV."""
    t = _pindah(
        tiket,
        aksi=Aksi.SELESAI,
        boleh=(StatusTiket.MENUNGGU,),
        ke=StatusTiket.SELESAI,
        tindakan="dicatat selesai dari kertas",
        oleh=oleh,
        alasan="Sudah dilayani di atas kertas saat downtime",
        kolom=lambda t, pada: {"selesai_pada": t.waktu_masuk},
    )
    _kunjungan_selesai_jika_tuntas(t)
    return t


@transaction.atomic
def hadir(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    """A Mobile JKN patient reported at the loket: from now on they are waiting here. Their
    place is their booked number (unchanged); their waiting time starts now. Marking twice
    changes nothing."""
    t = Tiket.objects.select_for_update().select_related("kunjungan", "unit").get(pk=tiket.pk)
    if t.kunjungan.sumber != "mobile_jkn":
        raise AntreanError({"tiket": ["Hanya booking Mobile JKN yang ditandai hadir."]})
    if t.hadir_pada is not None:
        return t
    if t.tanggal != timezone.localdate():
        raise AntreanError({"tiket": [f"Booking {t.kode} untuk tanggal {t.tanggal:%d-%m-%Y}."]})
    if t.status != StatusTiket.MENUNGGU:
        raise _tolak(t, "ditandai hadir")
    pada = timezone.now()
    t.hadir_pada = t.waktu_masuk = pada
    t.save(update_fields=["hadir_pada", "waktu_masuk"])
    _catat(t, aksi=Aksi.HADIR, dari=t.status, oleh=oleh, pada=pada)
    live.tandai_berubah(t.unit.puskesmas_id, unit_id=t.unit_id)
    return t


@transaction.atomic
def antre_ulang(*, tiket: Tiket, oleh: AbstractBaseUser | None = None) -> Tiket:
    """Put a skipped patient back in the queue, behind everyone numbered so far."""

    def kolom(t: Tiket, pada: datetime) -> dict[str, Any]:
        terakhir = (
            PenomoranHarian.objects.filter(unit_id=t.unit_id, tanggal=t.tanggal)
            .values_list("terakhir", flat=True)
            .first()
        ) or t.nomor
        return {"urut": urut_antre_ulang(terakhir), "ditangani_oleh": None}

    return _pindah(
        tiket,
        aksi=Aksi.ANTRE_ULANG,
        boleh=(StatusTiket.DILEWATI,),
        ke=StatusTiket.MENUNGGU,
        tindakan="diantre ulang (hanya tiket yang dilewati)",
        oleh=oleh,
        kolom=kolom,
    )


def _rapikan(alasan: str) -> str:
    return " ".join((alasan or "").split())


@transaction.atomic
def batal(*, tiket: Tiket, alasan: str, oleh: AbstractBaseUser | None = None) -> Tiket:
    """Take an open ticket out of the queue. The reason is required: it is what the head of the
    Puskesmas reads when a patient complains they were never called."""
    alasan = _rapikan(alasan)
    if not alasan:
        raise AntreanError({"alasan": ["Alasan pembatalan wajib diisi."]})
    if len(alasan) > ALASAN_MAKS:
        raise AntreanError(
            {"alasan": [f"Alasan pembatalan terlalu panjang (maksimal {ALASAN_MAKS} karakter)."]}
        )
    return _pindah(
        tiket,
        aksi=Aksi.BATAL,
        boleh=STATUS_TERBUKA,
        ke=StatusTiket.BATAL,
        tindakan="dibatalkan",
        oleh=oleh,
        alasan=alasan,
        kolom=lambda t, pada: {"selesai_pada": pada},
    )


@transaction.atomic
def rujuk(
    *,
    tiket: Tiket,
    unit_tujuan: UnitLayanan,
    oleh: AbstractBaseUser | None = None,
    alasan: str = "",
) -> Tiket:
    """Send the patient on to another unit (Poli Umum → Lab → Poli Umum → Farmasi) without a
    new registration: this ticket is done, and a new one joins the end of the next unit's queue
    carrying the same visit, linked through `sebelumnya`. Returns the new ticket."""
    asal = Tiket.objects.select_related("unit").get(pk=tiket.pk)
    if unit_tujuan.puskesmas_id != asal.unit.puskesmas_id or not unit_tujuan.aktif:
        raise AntreanError({"unit_tujuan": ["Unit tujuan tidak tersedia di Puskesmas ini."]})
    if unit_tujuan.pk == asal.unit_id:
        raise AntreanError(
            {"unit_tujuan": [f"Unit tujuan sama dengan unit sekarang ({asal.unit.nama})."]}
        )
    selesai_ini = _pindah(
        asal,
        aksi=Aksi.RUJUK,
        boleh=(StatusTiket.DIPANGGIL, StatusTiket.DILAYANI),
        ke=StatusTiket.SELESAI,
        tindakan=f"dirujuk ke {unit_tujuan.nama} (panggil dulu)",
        oleh=oleh,
        alasan=_rapikan(alasan),
        unit_tujuan=unit_tujuan,
        kolom=lambda t, pada: {"selesai_pada": pada},
    )
    return tiket_terbitkan(
        kunjungan=selesai_ini.kunjungan,
        unit=unit_tujuan,
        waktu_masuk=timezone.now(),
        oleh=oleh,
        sebelumnya=selesai_ini,
    )


@transaction.atomic
def batal_kunjungan(
    *, kunjungan: Kunjungan, alasan: str, oleh: AbstractBaseUser | None = None
) -> int:
    """Cancel every open ticket of a visit (the loket cancelled the registration), each through
    `batal` so the log and the live displays see it. Returns how many were cancelled."""
    terbuka = Tiket.objects.filter(kunjungan=kunjungan, status__in=STATUS_TERBUKA)
    n = 0
    for tiket in terbuka:
        batal(tiket=tiket, alasan=alasan, oleh=oleh)
        n += 1
    return n
