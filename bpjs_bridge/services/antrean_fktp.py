"""Delivery to Antrean FKTP (Mobile JKN's queue): add with the doctor session in force at
the patient's time, call (hadir / tidak hadir) and cancel."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as dt_time

from django.core.cache import cache
from django.utils import timezone

from ..client import AntreanRequest, BpjsClient, BpjsNotFound, BpjsValidationError, JadwalDokter
from ..models import PermintaanBpjs
from ..selectors import kunci_jadwal
from .dasar import DataTidakLengkap, Hasil, RekonsiliasiRagu, S, _no_kartu, _s, _tidak_relevan
from .rekonsiliasi import _antrean_milik_lain


def _jam(teks: str) -> tuple[dt_time, dt_time] | None:
    """ "08:00-12:00" → (08:00, 12:00); None when BPJS sent something else."""
    try:
        awal, akhir = (datetime.strptime(x.strip(), "%H:%M").time() for x in teks.split("-"))
    except ValueError:
        return None
    return awal, akhir


def pilih_jadwal(jadwal: list[JadwalDokter], pada: dt_time) -> JadwalDokter | None:
    """The session in force at the patient's time: the one whose hours contain it, else the
    next to start, else the last of the day (a patient after the last session)."""
    berjam = sorted(
        ((j, jam) for j in jadwal if (jam := _jam(j.jampraktek)) is not None),
        key=lambda x: x[1][0],
    )
    for j, (awal, akhir) in berjam:
        if awal <= pada < akhir:
            return j
    for j, (awal, _) in berjam:
        if pada < awal:
            return j
    if berjam:
        return berjam[-1][0]
    return jadwal[0] if jadwal else None


def _jadwal_dokter(
    client: BpjsClient, kodepoli: str, tanggal, pada: dt_time
) -> JadwalDokter | None:
    """The day's schedule for a poli comes from BPJS, cached briefly (a schedule can change
    during the day); the session is chosen per patient, never "the first of the day"."""
    kunci = kunci_jadwal(client.config.cons_id, kodepoli, tanggal)
    ada = cache.get(kunci)
    if ada is not None:
        jadwal = [JadwalDokter(**j) for j in ada]
    else:
        jadwal = client.ref_dokter(kodepoli, tanggal)
        cache.set(kunci, [j.__dict__ for j in jadwal], int(_s("BPJS_JADWAL_CACHE", 600)))
    return pilih_jadwal(jadwal, pada)


def _antrean_add(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    k = row.kunjungan
    pasien = k.pasien
    tiket = row.tiket
    if _tidak_relevan(row):
        # Only reached for an uncertain earlier attempt of a cancelled visit. Antrean FKTP has
        # no read-back, so never send again: the antrean batal queued behind settles it.
        return Hasil(S.BERHASIL, {"tidak_pasti": True})
    if not pasien.nik or tiket is None:
        raise DataTidakLengkap("NIK pasien kosong: antrean Mobile JKN membutuhkan NIK 16 digit.")
    kodepoli = row.payload["kodepoli"]
    pemegang, ragu = _antrean_milik_lain(row)
    if pemegang is not None:
        # Antrean FKTP knows one entry per card, poli code and day: another unit sharing this
        # code already holds it. Sending ours would be refused, and our calls and cancels
        # would then move that visit's entry.
        return Hasil(
            S.DIBATALKAN,
            {"alasan": f"antrean Mobile JKN poli {kodepoli} dipegang kunjungan #{pemegang.pk}"},
        )
    try:
        # The patient's time: joining the queue (a later-day booking: the start of that day).
        pada = timezone.localtime(tiket.waktu_masuk or k.dibuat_klien).time()
        jadwal = _jadwal_dokter(client, kodepoli, k.tanggal, pada)
    except BpjsNotFound:
        jadwal = None
    if jadwal is None:
        raise DataTidakLengkap(f"BPJS tidak punya jadwal dokter untuk poli {kodepoli} hari ini.")
    req = AntreanRequest(
        nomorkartu=_no_kartu(row),
        nik=pasien.nik,
        # Mobile JKN requires a phone number; "-" says "none given" rather than inventing one.
        nohp=pasien.no_hp or "-",
        kodepoli=kodepoli,
        namapoli=k.unit.nama,
        norm=pasien.no_rm,
        tanggalperiksa=k.tanggal,
        kodedokter=jadwal.kodedokter,
        namadokter=jadwal.namadokter,
        jampraktek=jadwal.jampraktek,
        nomorantrean=tiket.kode,
        angkaantrean=tiket.nomor,
        keterangan="Didaftarkan di loket Puskesmas.",
    )
    jadwal_hasil = {
        "nomorantrean": tiket.kode,
        "kodedokter": jadwal.kodedokter,
        "namadokter": jadwal.namadokter,
        "jampraktek": jadwal.jampraktek,
    }
    try:
        client.antrean_add(req)
    except BpjsValidationError as exc:
        if row.ambigu and "sudah terdaftar" in (exc.bpjs_message or exc.message).lower():
            if ragu:
                galat = RekonsiliasiRagu(
                    "Antrean Mobile JKN sudah terdaftar, tetapi bisa milik kunjungan ini atau "
                    + ", ".join(f"#{r.kunjungan_id} ({r.kunjungan.unit.nama})" for r in ragu)
                    + ". Periksa di aplikasi Antrean FKTP, lalu tandai selesai yang benar."
                )
                galat.kode = "rekonsiliasi_ragu"  # type: ignore[attr-defined]
                raise galat from exc
            return Hasil(S.BERHASIL, {**jadwal_hasil, "rekonsiliasi": True})
        raise
    return Hasil(S.BERHASIL, jadwal_hasil)


def _antrean_panggil(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    client.antrean_panggil(
        tanggalperiksa=row.kunjungan.tanggal,
        kodepoli=row.payload["kodepoli"],
        nomorkartu=_no_kartu(row),
        status=int(row.payload.get("status", 1)),
        waktu=int(row.payload.get("waktu_ms") or time.time() * 1000),
    )
    return Hasil(S.BERHASIL, {"status": row.payload.get("status", 1)})


def _antrean_batal(row: PermintaanBpjs, client: BpjsClient) -> Hasil:
    try:
        client.antrean_batal(
            tanggalperiksa=row.kunjungan.tanggal,
            kodepoli=row.payload["kodepoli"],
            nomorkartu=_no_kartu(row),
            alasan=row.payload.get("alasan") or "Kunjungan dibatalkan",
        )
    except BpjsValidationError as exc:
        pesan = (exc.bpjs_message or exc.message).lower()
        # The goal is "not in the Mobile JKN queue": already cancelled, or never added.
        if "sudah dibatalkan" in pesan or "tidak ditemukan" in pesan:
            return Hasil(S.BERHASIL, {"sudah_batal": True})
        raise
    return Hasil(S.BERHASIL, {})
