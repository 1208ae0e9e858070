"""Reads of the BPJS bridge: a visit's BPJS status for the badge, the worklist, the banner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from pendaftaran.models import Kunjungan, Penjamin
from puskesmas.models import Puskesmas

from . import breaker
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


def status_peserta_terakhir(*, puskesmas_id: int, no_kartu: str | None) -> StatusPeserta | None:
    if not no_kartu:
        return None
    return StatusPeserta.objects.filter(puskesmas_id=puskesmas_id, no_kartu=no_kartu).first()


def teks_cache(status: StatusPeserta) -> str:
    """ "Aktif per 12/11/2026, belum terverifikasi hari ini" """
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
        return StatusBpjsKunjungan(
            "gagal", f"Gagal: {gagal[0].pesan_galat}", ["Lihat worklist BPJS."], final=True
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
    if breaker.keadaan(kunjungan.puskesmas_id).gangguan:
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
    menunggu: int
    gagal_final: int
    keadaan: breaker.Keadaan


def ringkasan(*, puskesmas: Puskesmas) -> Ringkasan:
    qs = PermintaanBpjs.objects.filter(puskesmas=puskesmas)
    return Ringkasan(
        menunggu=qs.filter(status__in=(*STATUS_MENUNGGU, S.DIPROSES)).count(),
        gagal_final=qs.filter(status=S.GAGAL_FINAL).count(),
        keadaan=breaker.keadaan(puskesmas.pk),
    )
