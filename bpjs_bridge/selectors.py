"""Reads of the BPJS bridge: a visit's BPJS status for the badge, the worklist, the banner."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrasi.selectors import konfigurasi_bpjs
from pendaftaran.models import Kunjungan, Penjamin
from puskesmas.models import Puskesmas

from . import akses, breaker
from .client import JadwalDokter
from .models import (
    STATUS_MENUNGGU,
    JenisPermintaan,
    PermintaanBpjs,
    StatusPermintaan,
    StatusPeserta,
)

J = JenisPermintaan
S = StatusPermintaan


@dataclass
class StatusBpjsKunjungan:
    """What the badge next to a ticket says."""

    kelas: str  # menunggu | ok | gagal | umum | kosong
    judul: str
    rincian: list[str] = field(default_factory=list)
    final: bool = False  # the badge stops polling
    no_urut: str = ""
    # An eligibility refusal the officer can act on from the ticket (the refused row).
    masalah_kepesertaan: PermintaanBpjs | None = None


def status_peserta_terakhir(*, puskesmas_id: int, no_kartu: str | None) -> StatusPeserta | None:
    if not no_kartu:
        return None
    return StatusPeserta.objects.filter(puskesmas_id=puskesmas_id, no_kartu=no_kartu).first()


def teks_cache(status: StatusPeserta) -> str:
    """ "Aktif per 12-11-2026, belum terverifikasi hari ini" """
    lokal = timezone.localtime(status.diperiksa_pada)
    keadaan = "Aktif" if status.aktif else (status.ket_aktif or "Tidak aktif").capitalize()
    if lokal.date() == timezone.localdate():
        return f"{keadaan} per hari ini {lokal:%H.%M}"
    return f"{keadaan} per {lokal:%d-%m-%Y}, belum terverifikasi hari ini"


def status_kunjungan(kunjungan: Kunjungan) -> StatusBpjsKunjungan:
    rows = {r.jenis: r for r in kunjungan.permintaan_bpjs.order_by("pk")}
    cek = rows.get(J.CEK_PESERTA)
    add = rows.get(J.PENDAFTARAN_ADD)
    if cek is None:
        if kunjungan.penjamin == Penjamin.UMUM:
            return StatusBpjsKunjungan("umum", "", final=True)
        return StatusBpjsKunjungan("kosong", "", final=True)
    if kunjungan.penjamin == Penjamin.UMUM and cek.status == S.DIBATALKAN:
        return StatusBpjsKunjungan("umum", "Penjamin diubah ke umum", final=True)
    if kunjungan.status == "batal":
        return StatusBpjsKunjungan("umum", "Kunjungan dibatalkan", final=True)

    gagal = [r for r in rows.values() if r.status == S.GAGAL_FINAL and r.rantai == "pcare"]
    if gagal:
        masalah = gagal[0] if gagal[0].kode_galat in KODE_KEPESERTAAN else None
        return StatusBpjsKunjungan(
            "gagal",
            f"Gagal: {gagal[0].pesan_galat}",
            ["Lihat worklist BPJS."],
            final=True,
            masalah_kepesertaan=masalah,
        )

    if cek.status in (S.BERHASIL, S.SELESAI_MANUAL):
        ket = (cek.hasil or {}).get("ket_aktif") or "Aktif"
        judul = f"Terverifikasi: {ket.capitalize()}"
        if cek.status == S.SELESAI_MANUAL:
            judul = "Kepesertaan ditangani petugas"
        if add is None:
            return StatusBpjsKunjungan("ok", judul, final=True)
        if add.status == S.BERHASIL:
            no_urut = (add.hasil or {}).get("noUrut", "")
            return StatusBpjsKunjungan(
                "ok", judul, [f"No. urut PCare {no_urut}"], final=True, no_urut=no_urut
            )
        if add.status in (S.SELESAI_MANUAL, S.DIBATALKAN):
            return StatusBpjsKunjungan("ok", judul, final=True)
        return StatusBpjsKunjungan("ok", judul, ["Pendaftaran PCare menyusul…"])

    rincian = []
    cache = status_peserta_terakhir(
        puskesmas_id=kunjungan.puskesmas_id, no_kartu=kunjungan.pasien.no_bpjs
    )
    if cache is not None:
        rincian.append(teks_cache(cache))
    else:
        rincian.append("Belum pernah diverifikasi")
    tahanan = {t.layanan: t for t in akses.tahanan(kunjungan.puskesmas_id)}
    if "pcare" in tahanan:
        rincian.append(tahanan["pcare"].pesan)
    elif breaker.keadaan(kunjungan.puskesmas_id).gangguan:
        rincian.append("BPJS sedang gangguan; verifikasi menyusul otomatis")
    elif cek.status == S.GAGAL_SEMENTARA:
        rincian.append(f"Dicoba lagi otomatis (percobaan {cek.percobaan})")
    return StatusBpjsKunjungan("menunggu", "Menunggu verifikasi BPJS", rincian)


def worklist(*, puskesmas: Puskesmas) -> QuerySet[PermintaanBpjs]:
    """Final failures and eligibility problems waiting for a person."""
    return (
        PermintaanBpjs.objects.filter(puskesmas=puskesmas, status=S.GAGAL_FINAL)
        .select_related("kunjungan__pasien", "kunjungan__unit")
        .order_by("dibuat_pada")
    )


def worklist_ditangani(*, puskesmas: Puskesmas, jam: int = 24) -> QuerySet[PermintaanBpjs]:
    batas = timezone.now() - timedelta(hours=jam)
    return (
        PermintaanBpjs.objects.filter(puskesmas=puskesmas, ditangani_pada__gte=batas)
        .select_related("kunjungan__pasien", "ditangani_oleh")
        .prefetch_related("tindakan__oleh")
        .order_by("-ditangani_pada")[:50]
    )


@dataclass(frozen=True)
class Ringkasan:
    """What the banner and the worklist say. `menunggu` is only what will really go out on
    its own; rows parked behind a refused row (`tertahan`) or behind a refusal of our keys or
    clock (`ditahan_akses`) need a person and are counted apart."""

    menunggu: int
    gagal_final: int
    keadaan: breaker.Keadaan
    tertahan: int = 0
    ditahan_akses: int = 0
    tahanan: list[akses.Tahanan] = field(default_factory=list)


# A waiting row whose chain has a refused row ahead of it goes nowhere without a person.
_DI_BELAKANG_GAGAL = Q(setelah__status=S.GAGAL_FINAL) | Q(setelah__setelah__status=S.GAGAL_FINAL)


def ringkasan(*, puskesmas: Puskesmas) -> Ringkasan:
    qs = PermintaanBpjs.objects.filter(puskesmas=puskesmas)
    tunggu = qs.filter(status__in=(*STATUS_MENUNGGU, S.DIPROSES))
    tahanan = akses.tahanan(puskesmas.pk)
    tertahan = tunggu.filter(_DI_BELAKANG_GAGAL)
    ditahan = tunggu.exclude(_DI_BELAKANG_GAGAL).filter(kode_galat__in=KODE_AKSES)
    n_tertahan = tertahan.count()
    n_ditahan = ditahan.count()
    return Ringkasan(
        menunggu=tunggu.count() - n_tertahan - n_ditahan,
        gagal_final=qs.filter(status=S.GAGAL_FINAL).count(),
        keadaan=breaker.keadaan(puskesmas.pk),
        tertahan=n_tertahan,
        ditahan_akses=n_ditahan,
        tahanan=tahanan,
    )


KODE_KEPESERTAAN = ("tidak_aktif", "menunggak", "fktp_lain")
KODE_AKSES = ("auth_jam", "auth_kredensial", "auth_user_key", "login_pcare", "akses_ditolak")

# Indonesian labels for the worklist's codes; class-name codes fall back by prefix.
LABEL_KODE = {
    "tidak_aktif": "Peserta tidak aktif",
    "menunggak": "Menunggak iuran",
    "fktp_lain": "Terdaftar di FKTP lain",
    "rekonsiliasi_ragu": "Perlu dipilih: pendaftaran PCare tidak pasti",
    "noUrut_milik_lain": "No. urut milik kunjungan lain",
    "terdaftar_kunjungan_lain": "Sudah terdaftar lewat kunjungan lain (kode poli sama)",
    "auth_jam": "Jam server selisih dengan BPJS",
    "auth_kredensial": "Kredensial BPJS ditolak",
    "auth_user_key": "User key BPJS ditolak",
    "login_pcare": "Login PCare ditolak",
    "galat_internal": "Galat aplikasi (dicoba lagi)",
}
LABEL_KELAS = {
    "BpjsTimeoutError": "BPJS tidak menjawab (batas waktu)",
    "BpjsConnectionError": "Tidak tersambung ke BPJS",
    "BpjsServerError": "Gangguan server BPJS",
    "BpjsMalformedResponse": "Jawaban BPJS tidak terbaca",
    "BpjsValidationError": "Data ditolak BPJS",
    "BpjsReferenceError": "Kode referensi tidak valid",
    "PesertaTidakDitemukan": "Peserta tidak ditemukan",
    "BpjsNotFound": "Data tidak ditemukan di BPJS",
    "DataTidakLengkap": "Data pasien belum lengkap",
    "RekonsiliasiRagu": "Perlu dipilih: pendaftaran PCare tidak pasti",
    "BpjsPermanentError": "Ditolak BPJS",
}


def label_kode(kode: str) -> str:
    """ "fktp_lain" → "Terdaftar di FKTP lain"; "BpjsValidationError/412" → "Data ditolak BPJS
    (kode 412)"."""
    if not kode:
        return ""
    if kode in LABEL_KODE:
        return LABEL_KODE[kode]
    kelas, _, angka = kode.partition("/")
    label = LABEL_KELAS.get(kelas, "Galat lain")
    return f"{label} (kode {angka})" if angka else label


# --- Eligibility at the counter ----------------------------------------------------------


def status_peserta_pasien(*, pasien) -> StatusPeserta | None:
    """The last status BPJS gave for this patient's card."""
    return status_peserta_terakhir(puskesmas_id=pasien.puskesmas_id, no_kartu=pasien.no_bpjs)


@dataclass
class HasilKepesertaan:
    """What the patient panel says about BPJS eligibility while the patient is at the counter.

    keadaan: memeriksa | aktif | tidak_aktif | menunggak | fktp_lain | tidak_menjawab |
    ditolak (our keys/clock) | tidak_ditemukan | kosong (no card)."""

    keadaan: str
    judul: str
    rincian: list[str] = field(default_factory=list)
    final: bool = True  # the partial stops polling
    perlu_pilihan: bool = False  # offer: stay BPJS / change to umum / contact BPJS
    terakhir: str = ""  # "Aktif per 12/11/2026 …" when today's answer is missing


def _keadaan_status(status: StatusPeserta, kode_faskes: str) -> tuple[str, str, list[str]]:
    if not status.aktif:
        menunggak = status.tunggakan > 0 or "TUNGGAK" in status.ket_aktif.upper()
        rincian = [f"Status BPJS: {status.ket_aktif or 'TIDAK AKTIF'}"]
        if status.tunggakan:
            rincian.append(f"Tunggakan Rp{status.tunggakan:,}".replace(",", "."))
        if menunggak:
            return "menunggak", "Tidak aktif: menunggak iuran", rincian
        return "tidak_aktif", "Tidak aktif", rincian
    if kode_faskes and status.kd_provider and status.kd_provider != kode_faskes:
        return (
            "fktp_lain",
            "Terdaftar di FKTP lain",
            [f"{status.nm_provider or '-'} ({status.kd_provider})"],
        )
    rincian = [status.jenis_peserta] if status.jenis_peserta else []
    return "aktif", "Aktif", rincian


def kepesertaan_segar() -> float:
    """A status checked this recently (seconds) is shown as today's answer, not re-asked."""
    return float(getattr(settings, "BPJS_KEPESERTAAN_SEGAR", 600.0))


def _kunci_kepesertaan(puskesmas_id: int, pasien_id: int) -> str:
    return f"bpjs:kepesertaan:{puskesmas_id}:{pasien_id}"


def kepesertaan_keadaan(*, puskesmas_id: int, pasien_id: int) -> dict[str, Any] | None:
    """The fast check's progress: {"status": memeriksa|tidak_menjawab|ditolak|
    tidak_ditemukan|selesai, "pada": epoch, "pesan": str}, or None when none was started."""
    try:
        return cache.get(_kunci_kepesertaan(puskesmas_id, pasien_id))
    except Exception:
        return None


def kepesertaan_hasil(*, pasien) -> HasilKepesertaan:
    if not pasien.no_bpjs:
        return HasilKepesertaan("kosong", "")
    pkm = pasien.puskesmas
    status = status_peserta_pasien(pasien=pasien)
    keadaan = kepesertaan_keadaan(puskesmas_id=pkm.pk, pasien_id=pasien.pk) or {}
    segar = status is not None and (
        (timezone.now() - status.diperiksa_pada).total_seconds() < kepesertaan_segar()
    )
    if segar and status is not None:
        kode, judul, rincian = _keadaan_status(status, pkm.kode_faskes)
        jam = timezone.localtime(status.diperiksa_pada)
        rincian.append(f"diperiksa {jam:%H.%M}")
        return HasilKepesertaan(kode, judul, rincian, perlu_pilihan=kode != "aktif")
    terakhir = teks_cache(status) if status is not None else "Belum pernah diverifikasi"
    langkah = keadaan.get("status")
    if langkah == "memeriksa" and time.time() - keadaan.get("pada", 0) < 60:
        return HasilKepesertaan("memeriksa", "Memeriksa BPJS…", final=False, terakhir=terakhir)
    if langkah == "ditolak":
        return HasilKepesertaan(
            "ditolak", "BPJS menolak akses Puskesmas", [keadaan.get("pesan", "")], terakhir=terakhir
        )
    if langkah == "tidak_ditemukan":
        return HasilKepesertaan(
            "tidak_ditemukan",
            "Kartu tidak ditemukan di BPJS",
            ["Periksa nomor kartu pada data pasien."],
            perlu_pilihan=True,
            terakhir=terakhir,
        )
    return HasilKepesertaan(
        "tidak_menjawab",
        "BPJS tidak menjawab",
        ["Pendaftaran tetap bisa; verifikasi menyusul otomatis setelah disimpan."],
        terakhir=terakhir,
    )


def kunci_jadwal(cons_id: str, kodepoli: str, tanggal: date) -> str:
    """The cache key of BPJS's doctor schedule for a poli and day, written by the outbox and read
    by Mobile JKN's status: one function, so the two can never drift apart. Per cons-id: two
    Puskesmas with their own BPJS credentials never read each other's schedule."""
    return f"bpjs:jadwal:{cons_id}:{kodepoli}:{tanggal:%Y%m%d}"


def jadwal_tersimpan(
    puskesmas: Puskesmas | int, kodepoli: str, tanggal: date
) -> list[JadwalDokter]:
    """The schedule as far as the outbox cached it (a Mobile JKN request never waits on BPJS)."""
    kunci = kunci_jadwal(konfigurasi_bpjs(puskesmas).cons_id, kodepoli, tanggal)
    return [JadwalDokter(**j) for j in cache.get(kunci) or []]
