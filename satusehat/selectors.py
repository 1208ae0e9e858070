"""Reads of the SATUSEHAT bridge: a visit's state, and the head's compliance view across the
three outside systems (PCare, Antrean FKTP, SATUSEHAT) per visit and per month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs
from integrasi.outbox import STATUS_MENUNGGU, STATUS_SELESAI_OK
from integrasi.outbox import StatusKirim as S
from pendaftaran.models import Kunjungan, Penjamin, StatusKunjungan, Sumber
from puskesmas.models import Puskesmas

from .models import EncounterKunjungan, JenisKiriman, KirimanSatusehat

# What a person does about a held row, by its code.
TINDAKAN = {
    "belum_dipetakan": "Admin: petakan unit di halaman Integrasi (dikirim otomatis setelahnya).",
    "tanpa_nik": "Loket: isi NIK (atau NIK ibu) di data pasien, lalu Coba lagi.",
    "ihs_tidak_ditemukan": "Loket: periksa NIK dengan KTP/KK, perbaiki, lalu Coba lagi.",
    "tidak_aktif": "Admin: aktifkan SATUSEHAT di halaman Integrasi, lalu Coba lagi.",
    "tidak_hadir": "Tidak perlu dikirim: booking Mobile JKN tanpa kedatangan.",
}
TINDAKAN_LAIN = "Baca alasan penolakan SATUSEHAT, perbaiki datanya, lalu Coba lagi."


@dataclass(frozen=True)
class Keadaan:
    kode: str  # terkirim | menunggu | ditahan | batal | tidak_dikirim | -
    label: str
    alasan: str = ""
    tindakan: str = ""


KOSONG = Keadaan("-", "-")


def _dari_baris(status: str | None, pesan: str = "", kode: str = "") -> Keadaan:
    if status is None:
        return Keadaan("tidak_dikirim", "Belum tercatat")
    if status in STATUS_SELESAI_OK:
        return Keadaan("terkirim", "Terkirim")
    if status in (*STATUS_MENUNGGU, S.DIPROSES):
        return Keadaan("menunggu", "Menunggu kirim", pesan)
    if status == S.DIBATALKAN:
        return Keadaan("batal", "Tidak dikirim (batal)")
    return Keadaan("ditahan", "Ditahan", pesan, TINDAKAN.get(kode, TINDAKAN_LAIN))


def keadaan_satusehat(kunjungan: Kunjungan) -> tuple[Keadaan, EncounterKunjungan | None]:
    enc = EncounterKunjungan.objects.filter(kunjungan=kunjungan).first()
    row = KirimanSatusehat.objects.filter(kunjungan=kunjungan, jenis=JenisKiriman.ENCOUNTER_BUAT)
    r = row.values("status", "pesan_galat", "kode_galat").first()
    if enc is not None:
        return Keadaan("terkirim", "Terkirim"), enc
    if r is None:
        return _dari_baris(None), None
    return _dari_baris(r["status"], r["pesan_galat"], r["kode_galat"]), None


@dataclass
class BarisKepatuhan:
    kunjungan: Kunjungan
    pcare: Keadaan
    antrean: Keadaan
    satusehat: Keadaan


@dataclass
class LaporanKepatuhan:
    tahun: int
    bulan: int
    baris: list[BarisKepatuhan] = field(default_factory=list)
    jumlah: int = 0  # visits that count (not cancelled)
    terkirim_satusehat: int = 0
    bpjs: int = 0  # BPJS visits to a unit with a PCare poli
    terkirim_pcare: int = 0
    peserta_jkn_unik: int = 0

    @staticmethod
    def _persen(a: int, b: int) -> float:
        return round(100 * a / b, 1) if b else 0.0

    @property
    def persen_satusehat(self) -> float:
        return self._persen(self.terkirim_satusehat, self.jumlah)

    @property
    def persen_pcare(self) -> float:
        return self._persen(self.terkirim_pcare, self.bpjs)

    @property
    def belum_terkirim(self) -> list[BarisKepatuhan]:
        return [
            b
            for b in self.baris
            if b.satusehat.kode in ("menunggu", "ditahan", "tidak_dikirim")
            or b.pcare.kode in ("menunggu", "ditahan")
            or b.antrean.kode in ("menunggu", "ditahan")
        ]


def kepatuhan_bulanan(*, puskesmas: Puskesmas, tahun: int, bulan: int) -> LaporanKepatuhan:
    awal = date(tahun, bulan, 1)
    akhir = date(tahun + (bulan == 12), bulan % 12 + 1, 1)
    kunjungan = list(
        Kunjungan.objects.filter(puskesmas=puskesmas, tanggal__gte=awal, tanggal__lt=akhir)
        .select_related("pasien", "unit")
        .order_by("tanggal", "dibuat_klien", "pk")
    )
    ids = [k.pk for k in kunjungan]
    bpjs: dict[tuple[int, str], dict] = {}
    for r in (
        PermintaanBpjs.objects.filter(
            kunjungan_id__in=ids,
            jenis__in=(JenisPermintaan.PENDAFTARAN_ADD, JenisPermintaan.ANTREAN_ADD),
        )
        .order_by("pk")
        .values("kunjungan_id", "jenis", "status", "pesan_galat", "kode_galat")
    ):
        bpjs[(r["kunjungan_id"], r["jenis"])] = r
    ss = {
        r["kunjungan_id"]: r
        for r in KirimanSatusehat.objects.filter(
            kunjungan_id__in=ids, jenis=JenisKiriman.ENCOUNTER_BUAT
        ).values("kunjungan_id", "status", "pesan_galat", "kode_galat")
    }
    terkirim = set(
        EncounterKunjungan.objects.filter(kunjungan_id__in=ids).values_list(
            "kunjungan_id", flat=True
        )
    )
    lap = LaporanKepatuhan(tahun=tahun, bulan=bulan)
    kartu: set[str] = set()

    def dari(r: dict | None) -> Keadaan:
        return _dari_baris(r["status"], r["pesan_galat"], r["kode_galat"]) if r else KOSONG

    for k in kunjungan:
        batal = k.status == StatusKunjungan.BATAL
        pcare = dari(bpjs.get((k.pk, JenisPermintaan.PENDAFTARAN_ADD)))
        antrean = dari(bpjs.get((k.pk, JenisPermintaan.ANTREAN_ADD)))
        if k.sumber == Sumber.MOBILE_JKN and k.penjamin == Penjamin.BPJS:
            antrean = Keadaan("terkirim", "Dari Mobile JKN")
        if k.pk in terkirim:
            satu = Keadaan("terkirim", "Terkirim")
        elif batal:
            satu = Keadaan("batal", "Tidak dikirim (batal)")
        else:
            satu = (
                _dari_baris(ss[k.pk]["status"], ss[k.pk]["pesan_galat"], ss[k.pk]["kode_galat"])
                if k.pk in ss
                else _dari_baris(None)
            )
        lap.baris.append(BarisKepatuhan(k, pcare, antrean, satu))
        if batal:
            continue
        lap.jumlah += 1
        lap.terkirim_satusehat += k.pk in terkirim
        if k.penjamin == Penjamin.BPJS:
            if k.unit.kd_poli_pcare:  # UGD, lab, pharmacy are not PCare registrations
                lap.bpjs += 1
                lap.terkirim_pcare += pcare.kode == "terkirim"
            kartu.add(k.pasien.no_bpjs or f"pasien:{k.pasien_id}")
    lap.peserta_jkn_unik = len(kartu)
    return lap
