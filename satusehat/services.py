"""Writes of the SATUSEHAT bridge: the outbox rows a visit's events need, processing one row,
the sweep, the worklist actions and the admin's unit mapping.

Per visit, in order (each row waits for the one before):

    kunjungan_terdaftar ─▶ encounter_buat   IHS by NIK (cached), POST Encounter `arrived`
    kunjungan_dipanggil ─▶ encounter_proses PUT the Encounter `in-progress`
    kunjungan_batal     ─▶ encounter_batal  PUT the Encounter `cancelled`

Times come from the queue's own rows (arrival = the ticket's waktu_masuk / hadir_pada, call =
its first call), so an entry made offline or on paper goes out later with the real times.
Exactly once: a create whose earlier attempt may have arrived searches first, and a duplicate
refusal (rule 20002) means "already there": it is found by identifier and its id adopted.
A visit that cannot be sent as it stands (unit not mapped, no NIK, NIK unknown) is held on the
worklist with what a person must do; the visit itself is registered regardless.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from antrean.models import Tiket, UnitLayanan
from config.sisip import buat, sisip, sisip_banyak
from integrasi import outbox
from integrasi.outbox import STATUS_MENUNGGU, STATUS_SELESAI_OK
from integrasi.outbox import StatusKirim as S
from integrasi.selectors import konfigurasi_satusehat, satusehat_aktif
from pendaftaran.models import Kunjungan, Pasien, StatusKunjungan, Sumber

from .client import (
    SatusehatClient,
    SatusehatConfig,
    SatusehatDuplicate,
    SatusehatError,
    SatusehatNotFound,
    SatusehatPermanentError,
    SatusehatTransientError,
    SatusehatValidationError,
)
from .fhir import DataEncounter, encounter
from .models import (
    EncounterKunjungan,
    IhsPasien,
    JenisKiriman,
    KirimanSatusehat,
    PemetaanUnit,
    PercobaanSatusehat,
)

log = logging.getLogger(__name__)
J = JenisKiriman

PENERBIT = outbox.Penerbit(
    "satusehat.KirimanSatusehat", "satusehat.tasks.proses_kiriman", "SATUSEHAT_TERBIT_LATAR"
)
PEMUTUS = outbox.Pemutus("satusehat", "SATUSEHAT_BREAKER_AMBANG", "SATUSEHAT_BREAKER_JEDA")


class Ditahan(SatusehatPermanentError):
    """Our own data lacks what SATUSEHAT needs; a person must act (the worklist)."""

    def __init__(self, kode: str, message: str) -> None:
        super().__init__(message)
        self.kode = kode


class Tunda(Exception):
    """Not yet: try again at `sampai` without spending an attempt."""

    def __init__(self, sampai: datetime, alasan: str) -> None:
        super().__init__(alasan)
        self.sampai = sampai
        self.alasan = alasan


class PemetaanError(Exception):
    def __init__(self, galat: dict[str, list[str]]):
        super().__init__(galat)
        self.galat = galat


def _s(nama: str, bawaan: float) -> float:
    return float(getattr(settings, nama, bawaan))


def klaim_kedaluwarsa() -> float:
    return _s("SATUSEHAT_KLAIM_KEDALUWARSA", 120.0)


def percobaan_maks() -> int:
    return int(_s("SATUSEHAT_PERCOBAAN_MAKS", 12))


def jeda(percobaan: int) -> float:
    return outbox.jeda_backoff(
        percobaan,
        dasar=_s("SATUSEHAT_RETRY_DASAR", 10.0),
        batas=_s("SATUSEHAT_RETRY_BATAS", 900.0),
    )


# --- Event subscribers: rows in the domain's own transaction ----------------------------------


def _ekor(kunjungan_id: int) -> KirimanSatusehat | None:
    return KirimanSatusehat.objects.filter(kunjungan_id=kunjungan_id).order_by("-pk").first()


def saat_kunjungan_terdaftar(*, kunjungan: Kunjungan, **_: Any) -> KirimanSatusehat | None:
    # Whether it sends, not its credentials: the secret is decrypted by the worker that sends.
    if not satusehat_aktif(kunjungan.puskesmas_id):
        return None
    try:
        with transaction.atomic():  # a savepoint: a fault here never costs the registration
            row = KirimanSatusehat(
                puskesmas_id=kunjungan.puskesmas_id,
                kunjungan=kunjungan,
                jenis=J.ENCOUNTER_BUAT,
                jadwal=timezone.now(),
            )
            sisip(row)  # the registration's own insert path (config/sisip.py)
    except Exception:
        # The compliance view lists a visit without a row as "belum dikirim".
        log.exception("Kiriman SATUSEHAT untuk kunjungan #%s tidak tercatat", kunjungan.pk)
        return None
    PENERBIT.setelah_commit([row.pk])
    return row


def saat_kunjungan_terdaftar_banyak(daftar: list[dict[str, Any]]) -> list[KirimanSatusehat]:
    """saat_kunjungan_terdaftar for many visits (a replayed batch): whether each Puskesmas sends
    looked up once, the rows written in one statement under one savepoint."""
    aktif: dict[int, bool] = {}
    rows = []
    jadwal = timezone.now()
    for d in daftar:
        k = d["kunjungan"]
        if k.puskesmas_id not in aktif:
            aktif[k.puskesmas_id] = satusehat_aktif(k.puskesmas_id)
        if aktif[k.puskesmas_id]:
            rows.append(
                buat(
                    KirimanSatusehat,
                    puskesmas_id=k.puskesmas_id,
                    kunjungan=k,
                    jenis=J.ENCOUNTER_BUAT,
                    jadwal=jadwal,
                )
            )
    if not rows:
        return []
    try:
        with transaction.atomic():  # a savepoint: a fault here never costs the registrations
            sisip_banyak(rows)
    except Exception:
        # One bad row must not cost the others theirs: each again under its own savepoint, as
        # saat_kunjungan_terdaftar writes it (the compliance view lists a visit left without a
        # row as "belum dikirim").
        log.exception("Kiriman SATUSEHAT %s kunjungan sekaligus gagal; satu per satu", len(rows))
        tercatat = []
        for row in rows:
            row.pk = None
            row._state.adding = True
            try:
                with transaction.atomic():
                    sisip(row)
            except Exception:
                log.exception(
                    "Kiriman SATUSEHAT untuk kunjungan #%s tidak tercatat", row.kunjungan_id
                )
                continue
            tercatat.append(row)
        rows = tercatat
    if rows:
        PENERBIT.setelah_commit([r.pk for r in rows])
    return rows


def saat_kunjungan_dipanggil(*, tiket: Tiket, hadir: bool = True, **_: Any) -> Any:
    """The first call of the visit's first ticket starts the Encounter (in-progress)."""
    if not hadir or tiket.sebelumnya_id is not None:
        return None
    rows = list(KirimanSatusehat.objects.filter(kunjungan_id=tiket.kunjungan_id).order_by("pk"))
    if not rows or rows[0].status == S.DIBATALKAN:
        return None
    if any(r.jenis in (J.ENCOUNTER_PROSES, J.ENCOUNTER_BATAL) for r in rows):
        return None  # a recall changes nothing at SATUSEHAT
    ekor = rows[-1]
    row = KirimanSatusehat.objects.create(
        puskesmas_id=ekor.puskesmas_id,
        kunjungan_id=tiket.kunjungan_id,
        jenis=J.ENCOUNTER_PROSES,
        setelah=ekor,
        jadwal=timezone.now(),
    )
    if ekor.status in STATUS_SELESAI_OK:
        PENERBIT.setelah_commit([row.pk])
    return row


def saat_kunjungan_batal(*, kunjungan: Kunjungan, **_: Any) -> Any:
    """Work that provably never reached SATUSEHAT is cancelled; an Encounter that exists (or
    may) is moved to `cancelled` behind whatever is still in flight."""
    rows = list(
        KirimanSatusehat.objects.select_for_update().filter(kunjungan=kunjungan).order_by("pk")
    )
    if not rows or any(r.jenis == J.ENCOUNTER_BATAL for r in rows):
        return None
    sekarang = timezone.now()
    buat = rows[0]
    if buat.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL) and not buat.ambigu:
        KirimanSatusehat.objects.filter(
            pk__in=[r.pk for r in rows], status__in=(*STATUS_MENUNGGU, S.GAGAL_FINAL)
        ).update(
            status=S.DIBATALKAN,
            selesai_pada=sekarang,
            pesan_galat="Kunjungan dibatalkan sebelum dikirim ke SATUSEHAT.",
        )
        return None
    ekor = rows[-1]
    row = KirimanSatusehat.objects.create(
        puskesmas_id=kunjungan.puskesmas_id,
        kunjungan=kunjungan,
        jenis=J.ENCOUNTER_BATAL,
        setelah=ekor,
        jadwal=sekarang,
    )
    if ekor.status in (*STATUS_SELESAI_OK, S.DIBATALKAN):
        PENERBIT.setelah_commit([row.pk])
    return row


# --- Processing one row -------------------------------------------------------------------------


@dataclass
class Hasil:
    status: str
    data: dict[str, Any]
    cara: str = "berhasil"


def kiriman_proses(*, kiriman_id: int, pekerja: str | None = None) -> str:
    """Process one outbox row. Returns a short word for logs and tests."""
    pekerja = pekerja or outbox.nama_pekerja()
    if not outbox.klaim(
        KirimanSatusehat, kiriman_id, pekerja=pekerja, kedaluwarsa=klaim_kedaluwarsa()
    ):
        return "tidak_diklaim"
    row = KirimanSatusehat.objects.select_related(
        "kunjungan__pasien", "kunjungan__unit", "setelah"
    ).get(pk=kiriman_id)
    if row.setelah_id is not None:
        pendahulu = row.setelah.status  # type: ignore[union-attr]
        if pendahulu == S.DIBATALKAN and row.jenis != J.ENCOUNTER_BATAL:
            _simpan(row, Hasil(S.DIBATALKAN, {"alasan": "pendahulu dibatalkan"}), None)
            return "dibatalkan"
        if pendahulu not in (*STATUS_SELESAI_OK, S.DIBATALKAN):
            outbox.lepas(row)  # published again when the predecessor settles
            return "menunggu_pendahulu"
    k = row.kunjungan
    if row.jenis == J.ENCOUNTER_BUAT and k.status == StatusKunjungan.BATAL and not row.ambigu:
        _simpan(row, Hasil(S.DIBATALKAN, {"alasan": "kunjungan batal sebelum dikirim"}), None)
        return "dibatalkan"
    mulai, t0 = timezone.now(), time.monotonic()
    config = konfigurasi_satusehat(row.puskesmas_id)
    if config is None:
        galat = Ditahan(
            "tidak_aktif",
            "SATUSEHAT tidak aktif untuk Puskesmas ini. Admin: aktifkan di halaman Integrasi, "
            "lalu Coba lagi.",
        )
        _gagal_final(row, galat, mulai, t0)
        return "gagal_final"
    izin = PEMUTUS.minta_izin(row.puskesmas_id)
    if not izin.boleh:
        outbox.tunda_pemutus(row, izin)
        return "ditunda_pemutus"
    try:
        with SatusehatClient(config) as client:
            hasil = PENANGAN[row.jenis](row, client, config)
    except Tunda as t:
        if izin.probe:
            PEMUTUS.lepas_probe(row.puskesmas_id)
        outbox.lepas(row, jadwal=t.sampai, diantrekan_pada=None, pesan_galat=t.alasan[:500])
        return "ditunda"
    except Ditahan as exc:
        if izin.probe:
            PEMUTUS.lepas_probe(row.puskesmas_id)
        _gagal_final(row, exc, mulai, t0)
        return "ditahan"
    except SatusehatTransientError as exc:
        PEMUTUS.catat_gagal(row.puskesmas_id, probe=izin.probe)
        return _gagal_sementara(row, exc, mulai, t0)
    except SatusehatPermanentError as exc:
        _pulih(row.puskesmas_id)  # SATUSEHAT answered: it is up
        _gagal_final(row, exc, mulai, t0)
        return "gagal_final"
    except Exception as exc:  # a bug of ours: keep the row, retry later, shout in the log
        log.exception("Galat tak terduga memproses kiriman SATUSEHAT #%s", row.pk)
        if izin.probe:
            PEMUTUS.catat_gagal(row.puskesmas_id, probe=True)
        galat = SatusehatTransientError(f"Galat internal: {type(exc).__name__}")
        return _gagal_sementara(row, galat, mulai, t0, kode="galat_internal")
    _pulih(row.puskesmas_id)
    _simpan(row, hasil, (mulai, t0))
    return hasil.status


def _pulih(puskesmas_id: int) -> None:
    if PEMUTUS.catat_berhasil(puskesmas_id):
        lepas_tertunda(puskesmas_id=puskesmas_id)


def _penerus_siap(row: KirimanSatusehat) -> list[int]:
    return list(
        KirimanSatusehat.objects.filter(setelah=row, status__in=STATUS_MENUNGGU).values_list(
            "pk", flat=True
        )
    )


def _simpan(row: KirimanSatusehat, hasil: Hasil, waktu) -> None:
    with transaction.atomic():
        if not outbox.tuntas(row, status=hasil.status, hasil=hasil.data, dihitung=bool(waktu)):
            log.warning("Kiriman SATUSEHAT #%s diambil alih pekerja lain; hasil dibuang", row.pk)
            return
        if waktu is not None:
            outbox.catat_percobaan(PercobaanSatusehat, row, waktu=waktu, hasil=hasil.cara)
        PENERBIT.setelah_commit(_penerus_siap(row))


def _kode(exc: SatusehatError) -> str:
    return getattr(exc, "kode", "") or (
        f"{type(exc).__name__}{'/' + str(exc.code) if exc.code else ''}"
        + (f"/R{exc.aturan}" if exc.aturan else "")
    )


def _gagal_sementara(row, exc: SatusehatError, mulai, t0, *, kode: str = "") -> str:
    return outbox.gagal_sementara_dicatat(
        row,
        log=PercobaanSatusehat,
        penerbit=PENERBIT,
        maks=percobaan_maks(),
        tunggu=jeda(row.percobaan + 1),
        kode=kode or _kode(exc),
        pesan=exc.message,
        waktu=(mulai, t0),
    )


def _gagal_final(row, exc: SatusehatError, mulai, t0) -> None:
    kode = _kode(exc)
    pesan = exc.message
    if exc.teks_aturan and exc.teks_aturan not in pesan:
        pesan = f"{pesan} — SATUSEHAT: {exc.teks_aturan}"
    with transaction.atomic():
        if outbox.gagal_final(row, kode=kode, pesan=pesan):
            outbox.catat_percobaan(
                PercobaanSatusehat,
                row,
                waktu=(mulai, t0),
                hasil="gagal_permanen",
                kode=kode,
                pesan=pesan,
            )


# --- Handlers -------------------------------------------------------------------------------


def _ihs(pasien: Pasien, client: SatusehatClient) -> str:
    ada = IhsPasien.objects.filter(pasien=pasien).first()
    if ada is not None and ada.nomor == (pasien.nik or pasien.nik_ibu):
        return ada.ihs
    if pasien.nik:
        p, cara = client.pasien_by_nik(pasien.nik), "nik"
        if p is None:
            raise Ditahan(
                "ihs_tidak_ditemukan",
                "NIK pasien tidak ditemukan di SATUSEHAT. Periksa NIK dengan KTP/KK dan "
                "perbaiki di data pasien, lalu Coba lagi.",
            )
    elif pasien.nik_ibu:
        p, cara = (
            client.pasien_by_nik_ibu(pasien.nik_ibu, tanggal_lahir=pasien.tanggal_lahir),
            "nik_ibu",
        )
        if p is None:
            raise Ditahan(
                "ihs_tidak_ditemukan",
                "Bayi belum ditemukan di SATUSEHAT dengan NIK ibu dan tanggal lahirnya. "
                "Daftarkan bayi di SATUSEHAT (NIK ibu, urutan lahir), lalu Coba lagi.",
            )
    else:
        raise Ditahan(
            "tanpa_nik",
            "Pasien tanpa NIK: isi NIK (atau NIK ibu untuk bayi) di data pasien, lalu Coba lagi.",
        )
    IhsPasien.objects.update_or_create(
        pasien=pasien,
        defaults={"ihs": p.ihs, "dicari_dengan": cara, "nomor": pasien.nik or pasien.nik_ibu},
    )
    return p.ihs


def _data(row: KirimanSatusehat, client: SatusehatClient, config: SatusehatConfig):
    k = row.kunjungan
    pemetaan = PemetaanUnit.objects.filter(unit_id=k.unit_id).first()
    if pemetaan is None or not pemetaan.lengkap:
        raise Ditahan(
            "belum_dipetakan",
            f"Unit {k.unit.nama} belum dipetakan ke Location dan praktisi SATUSEHAT. Admin: "
            "isi di Integrasi → Pemetaan unit; kiriman ini lalu dikirim otomatis.",
        )
    tiket = k.tiket.order_by("pk").first()
    belum_hadir = tiket is not None and tiket.hadir_pada is None and not tiket.dipanggil_pertama
    if belum_hadir and k.sumber == Sumber.MOBILE_JKN:
        # A booking is not an arrival: the Encounter starts when the patient is here.
        hari_ini = timezone.localdate()
        if k.tanggal < hari_ini:
            raise Ditahan("tidak_hadir", "Booking Mobile JKN: pasien tidak datang.")
        from pendaftaran.services import awal_hari

        nanti = timezone.now() + timedelta(minutes=10)
        if k.tanggal > hari_ini:  # booked for a later day: look again when that day starts
            nanti = awal_hari(k.tanggal)
        raise Tunda(nanti, "Menunggu pasien hadir di loket.")
    datang = (tiket.hadir_pada or tiket.waktu_masuk) if tiket is not None else k.dibuat_klien
    return DataEncounter(
        organization_id=config.organization_id,
        kunjungan_id=str(k.pk),
        pasien_ihs=_ihs(k.pasien, client),
        pasien_nama=k.pasien.nama,
        praktisi_ihs=pemetaan.praktisi_ihs,
        praktisi_nama=pemetaan.praktisi_nama,
        location_id=pemetaan.location_id,
        location_nama=pemetaan.location_nama or k.unit.nama,
        datang=datang,
        dipanggil=tiket.dipanggil_pertama if tiket is not None else None,
        batal=k.dibatalkan_pada,
    )


def _cari_encounter(client: SatusehatClient, config: SatusehatConfig, d: DataEncounter):
    """Our Encounter for this visit, if SATUSEHAT has it: by identifier, else (that search is
    not in the docs) by subject, matched on our identifier."""
    try:
        ada = client.encounter_cari(identifier=f"{config.sistem_encounter}|{d.kunjungan_id}")
    except (SatusehatValidationError, SatusehatNotFound):
        ada = client.encounter_cari(subject=d.pasien_ihs)
    cocok = [e for e in ada if e.identifier == d.kunjungan_id]
    return cocok[0] if cocok else None


def _catat_encounter(k: Kunjungan, config: SatusehatConfig, eid: str, status: str, **kw) -> None:
    EncounterKunjungan.objects.update_or_create(
        kunjungan=k,
        defaults={
            "encounter_id": eid,
            "organization_id": config.organization_id,
            "status": status,
            **kw,
        },
    )


def _encounter_buat(row, client, config) -> Hasil:
    d = _data(row, client, config)
    if row.ambigu:
        ada = _cari_encounter(client, config, d)
        if ada is not None:
            _catat_encounter(row.kunjungan, config, ada.id, ada.status, diadopsi=True)
            return Hasil(S.BERHASIL, {"encounter_id": ada.id, "diadopsi": True}, "rekonsiliasi")
    try:
        e = client.encounter_buat(encounter(d, "arrived"))
    except SatusehatDuplicate:
        # Our own earlier request arrived and its answer was lost: adopt it.
        ada = _cari_encounter(client, config, d)
        if ada is None:
            raise
        _catat_encounter(row.kunjungan, config, ada.id, ada.status, diadopsi=True)
        return Hasil(S.BERHASIL, {"encounter_id": ada.id, "diadopsi": True}, "rekonsiliasi")
    _catat_encounter(row.kunjungan, config, e.id, e.status)
    return Hasil(S.BERHASIL, {"encounter_id": e.id})


def _encounter_ubah(row, client, config, status: str) -> Hasil:
    enc = EncounterKunjungan.objects.filter(kunjungan_id=row.kunjungan_id).first()
    if enc is None:
        return Hasil(S.DIBATALKAN, {"alasan": "belum ada Encounter untuk kunjungan ini"})
    d = _data(row, client, config)
    if status == "cancelled" and enc.status != "in-progress":
        d = replace(d, dipanggil=None)
    if status == "in-progress" and d.dipanggil is None:
        d = replace(d, dipanggil=row.dibuat_pada)
    e = client.encounter_ubah(enc.encounter_id, encounter(d, status))
    enc.status = e.status
    enc.save(update_fields=["status", "diubah_pada"])
    return Hasil(S.BERHASIL, {"encounter_id": e.id, "status": e.status})


PENANGAN = {
    J.ENCOUNTER_BUAT: _encounter_buat,
    J.ENCOUNTER_PROSES: lambda row, c, cfg: _encounter_ubah(row, c, cfg, "in-progress"),
    J.ENCOUNTER_BATAL: lambda row, c, cfg: _encounter_ubah(row, c, cfg, "cancelled"),
}


# --- Sweep --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HasilSapuan:
    basi: int
    diantrekan: int


def sapu(*, batas: int = 1000) -> HasilSapuan:
    """Periodic: recover stale claims, republish due rows whose message is missing; rows of a
    Puskesmas whose breaker is open wait (the first one due after the pause is the probe)."""
    basi = outbox.sapu_basi(KirimanSatusehat, kedaluwarsa=klaim_kedaluwarsa())
    menunggu = (
        KirimanSatusehat.objects.filter(status__in=STATUS_MENUNGGU)
        .order_by()
        .values_list("puskesmas_id", flat=True)
        .distinct()
    )
    terbuka = [pk for pk in menunggu if PEMUTUS.keadaan(pk) == outbox.TERBUKA]
    ids = outbox.jatuh_tempo(
        KirimanSatusehat,
        antre_ulang=_s("SATUSEHAT_ANTRE_ULANG", 120.0),
        kecuali=terbuka,
        batas=batas,
    )
    return HasilSapuan(basi=basi, diantrekan=PENERBIT.antrekan(ids, paksa=True))


def lepas_tertunda(*, puskesmas_id: int, batas: int = 5000) -> int:
    """SATUSEHAT is back: everything that waited for it is due now, not at its backoff."""
    return outbox.lepas_tertunda(KirimanSatusehat, PENERBIT, puskesmas_id=puskesmas_id, batas=batas)


# --- Worklist and mapping -------------------------------------------------------------------


def _lepas_final(qs) -> list[int]:
    ids = list(qs.filter(status=S.GAGAL_FINAL).values_list("pk", flat=True))
    KirimanSatusehat.objects.filter(pk__in=ids).update(
        status=S.MENUNGGU, percobaan=0, jadwal=timezone.now(), diantrekan_pada=None
    )
    return ids


@transaction.atomic
def kiriman_coba_lagi(*, kiriman: KirimanSatusehat, oleh) -> KirimanSatusehat:
    """Send it again with a fresh attempt budget (the old attempts stay in the log)."""
    from audit.services import catat

    ids = _lepas_final(KirimanSatusehat.objects.select_for_update().filter(pk=kiriman.pk))
    if not ids:
        raise PemetaanError({"status": ["Kiriman ini tidak sedang menunggu tindakan; muat ulang."]})
    catat(user=oleh, aksi="integrasi_ubah", objek=kiriman, keterangan="SATUSEHAT: coba lagi")
    PENERBIT.setelah_commit(ids)
    kiriman.refresh_from_db()
    return kiriman


@transaction.atomic
def pemetaan_simpan(
    *,
    unit: UnitLayanan,
    location_id: str,
    praktisi_nik: str,
    oleh,
    client: SatusehatClient | None = None,
) -> PemetaanUnit:
    """Map a unit to its Location and the practitioner on duty, both checked at SATUSEHAT
    (the Location belongs to our Organization, the practitioner's IHS number by NIK). Rows held
    because the unit was not mapped are sent right away."""
    from audit.services import catat

    location_id, praktisi_nik = location_id.strip(), praktisi_nik.strip()
    galat: dict[str, list[str]] = {}
    if not location_id:
        galat["location_id"] = ["Location id wajib diisi."]
    if not (praktisi_nik.isdigit() and len(praktisi_nik) == 16):
        galat["praktisi_nik"] = ["NIK praktisi harus 16 digit angka."]
    if galat:
        raise PemetaanError(galat)
    config = konfigurasi_satusehat(unit.puskesmas_id)
    if config is None:
        raise PemetaanError({"__all__": ["SATUSEHAT belum aktif: isi kredensial dulu."]})
    milik_sendiri = client is None
    client = client or SatusehatClient(config)
    try:
        try:
            lokasi = client.lokasi(location_id)
        except SatusehatNotFound:
            raise PemetaanError(
                {"location_id": ["Location tidak ditemukan di SATUSEHAT."]}
            ) from None
        if lokasi.organization_id and lokasi.organization_id != config.organization_id:
            raise PemetaanError(
                {"location_id": ["Location ini milik Organization lain, bukan Puskesmas ini."]}
            )
        praktisi = client.praktisi_by_nik(praktisi_nik)
        if praktisi is None:
            raise PemetaanError(
                {"praktisi_nik": ["Praktisi dengan NIK ini tidak ditemukan di SATUSEHAT."]}
            )
    except SatusehatPermanentError as exc:
        raise PemetaanError({"__all__": [exc.message]}) from None
    except SatusehatTransientError as exc:
        raise PemetaanError({"__all__": [f"{exc.message} Pemetaan belum disimpan."]}) from None
    finally:
        if milik_sendiri:
            client.close()
    pemetaan, _ = PemetaanUnit.objects.update_or_create(
        unit=unit,
        defaults={
            "location_id": lokasi.id,
            "location_nama": lokasi.nama,
            "praktisi_nik": praktisi_nik,
            "praktisi_ihs": praktisi.ihs,
            "praktisi_nama": praktisi.nama,
        },
    )
    catat(
        user=oleh,
        aksi="integrasi_ubah",
        objek=pemetaan,
        puskesmas=unit.puskesmas_id,
        keterangan=f"Pemetaan SATUSEHAT unit {unit.kode}",
    )
    tertahan = KirimanSatusehat.objects.select_for_update().filter(
        puskesmas_id=unit.puskesmas_id, kunjungan__unit=unit, kode_galat="belum_dipetakan"
    )
    PENERBIT.setelah_commit(_lepas_final(tertahan))
    return pemetaan


def pemetaan_pasang(*, unit: UnitLayanan, location_id: str, location_nama: str, praktisi_nik: str,
                    praktisi_ihs: str, praktisi_nama: str) -> PemetaanUnit:  # fmt: skip
    """Store a mapping without asking SATUSEHAT (demo data against the simulator)."""
    pemetaan, _ = PemetaanUnit.objects.update_or_create(
        unit=unit,
        defaults={
            "location_id": location_id,
            "location_nama": location_nama,
            "praktisi_nik": praktisi_nik,
            "praktisi_ihs": praktisi_ihs,
            "praktisi_nama": praktisi_nama,
        },
    )
    return pemetaan
