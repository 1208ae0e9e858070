"""The BPJS outbox rows a visit needs, written by the subscribers of the domain's events
(`integrasi.peristiwa`, wired in apps.py) inside the domain's own transaction. They only write
rows; the first runnable ones are published to Celery on commit."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.utils import timezone

from antrean.models import Tiket
from config.sisip import sisip
from pendaftaran.models import Kunjungan, Penjamin, Sumber
from pendaftaran.services import awal_hari

from ..models import STATUS_MENUNGGU, STATUS_SELESAI_OK, PermintaanBpjs, Rantai
from .dasar import ALASAN_BATAL_JKN, PENERBIT, J, S


def _baru(
    kunjungan: Kunjungan,
    jenis: str,
    rantai: str,
    *,
    setelah: PermintaanBpjs | None = None,
    tiket: Tiket | None = None,
    payload: dict[str, Any] | None = None,
    jadwal: datetime | None = None,
    simpan: bool = True,
) -> PermintaanBpjs:
    row = PermintaanBpjs(
        puskesmas_id=kunjungan.puskesmas_id,
        kunjungan=kunjungan,
        tiket=tiket,
        jenis=jenis,
        rantai=rantai,
        setelah=setelah,
        payload=payload or {},
        jadwal=jadwal or timezone.now(),
    )
    if simpan:
        sisip(row)
    return row


def _terakhir(kunjungan: Kunjungan, rantai: str) -> PermintaanBpjs | None:
    return PermintaanBpjs.objects.filter(kunjungan=kunjungan, rantai=rantai).order_by("-pk").first()


def outbox_kunjungan_baru(
    *, kunjungan: Kunjungan, tiket: Tiket | None = None, **_: Any
) -> list[PermintaanBpjs]:
    """The BPJS work a new BPJS visit needs, written in the visit's own transaction:

    cek_peserta ─▶ pendaftaran_add (PCare), and ─▶ antrean_add (Mobile JKN, walk-ins only:
    a Mobile JKN booking is already known to BPJS). Units without a PCare poli code (UGD,
    lab, pharmacy) only get the eligibility check.

    `tiket` is the ticket just issued, when the publisher has it (saves reading it back). The
    eligibility check is inserted first (the rows behind it point at it), the rest together.
    """
    if kunjungan.penjamin != Penjamin.BPJS:
        return []
    pasien = kunjungan.pasien
    unit = kunjungan.unit
    no_kartu = pasien.no_bpjs or ""
    # No card (lost): the eligibility check looks the participant up by NIK and fills the card
    # number in for the rows behind it (_no_kartu).
    cek = _baru(
        kunjungan,
        J.CEK_PESERTA,
        Rantai.PCARE,
        payload={"no_kartu": no_kartu, **({} if no_kartu else {"nik": pasien.nik or ""})},
    )
    rows = [cek]
    kd_poli = unit.kd_poli_pcare
    if kd_poli:
        # PCare registers visits of the day; a Mobile JKN booking for a later day is checked
        # now but registered when its day starts (the beat sweep publishes it then).
        hari_kunjungan = None
        if kunjungan.tanggal > timezone.localdate():
            hari_kunjungan = awal_hari(kunjungan.tanggal)
        berikut = [
            _baru(
                kunjungan,
                J.PENDAFTARAN_ADD,
                Rantai.PCARE,
                setelah=cek,
                payload={"no_kartu": no_kartu, "kd_poli": kd_poli},
                jadwal=hari_kunjungan,
                simpan=False,
            )
        ]
        if kunjungan.sumber != Sumber.MOBILE_JKN:
            if tiket is None:
                tiket = kunjungan.tiket.order_by("pk").first()
            if tiket is not None:
                berikut.append(
                    _baru(
                        kunjungan,
                        J.ANTREAN_ADD,
                        Rantai.ANTREAN,
                        setelah=cek,
                        tiket=tiket,
                        payload={"no_kartu": no_kartu, "kodepoli": kd_poli},
                        simpan=False,
                    )
                )
        rows += PermintaanBpjs.objects.bulk_create(berikut)
    PENERBIT.setelah_commit([cek.pk])
    return rows


def outbox_kunjungan_batal(*, kunjungan: Kunjungan) -> list[PermintaanBpjs]:
    """A visit was cancelled: undo at BPJS what was (or may have been) done, in order.

    Work that provably never reached BPJS is simply cancelled. A registration that reached
    BPJS — or may have — gets a delete queued behind it, so the delete runs only once the
    add is settled and its noUrut known."""
    baru: list[PermintaanBpjs] = []
    rows = list(
        PermintaanBpjs.objects.select_for_update().filter(kunjungan=kunjungan).order_by("pk")
    )
    if not rows and not (
        kunjungan.penjamin == Penjamin.BPJS
        and kunjungan.sumber == Sumber.MOBILE_JKN
        and not kunjungan.alasan_batal.startswith(ALASAN_BATAL_JKN)
    ):
        return []
    sekarang = timezone.now()

    def batalkan(row: PermintaanBpjs) -> None:
        row.status = S.DIBATALKAN
        row.selesai_pada = sekarang
        row.pesan_galat = "Kunjungan dibatalkan sebelum dikirim ke BPJS."
        row.save(update_fields=["status", "selesai_pada", "pesan_galat", "diubah_pada"])

    belum_terkirim = [r for r in rows if r.status in STATUS_MENUNGGU and not r.ambigu]
    for row in rows:
        if row.jenis == J.CEK_PESERTA and row.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL):
            batalkan(row)

    add = next((r for r in reversed(rows) if r.jenis == J.PENDAFTARAN_ADD), None)
    if add is not None:
        hapus = _hapus_pendaftaran_setelah(kunjungan, add)
        if hapus is not None:
            baru.append(hapus)
        elif add.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL):
            batalkan(add)

    antrean = [r for r in rows if r.rantai == Rantai.ANTREAN]
    add_antrean = next((r for r in antrean if r.jenis == J.ANTREAN_ADD), None)
    if add_antrean is not None and add_antrean in belum_terkirim:
        for row in antrean:
            if row.status in STATUS_MENUNGGU or row.status == S.GAGAL_FINAL:
                batalkan(row)
    elif (add_antrean is not None and add_antrean.status != S.DIBATALKAN) or (
        add_antrean is None and kunjungan.sumber == Sumber.MOBILE_JKN
    ):
        # A cancelled add never held an entry (e.g. another unit sharing the code holds it):
        # a batal, keyed on card + poli + day, would cancel that visit's entry instead.
        jkn_sendiri = kunjungan.alasan_batal.startswith(ALASAN_BATAL_JKN)
        sudah_batal = any(r.jenis == J.ANTREAN_BATAL for r in antrean)
        if not jkn_sendiri and not sudah_batal and kunjungan.unit.kd_poli_pcare:
            for row in antrean:  # a call not yet sent no longer matters
                if row.jenis == J.ANTREAN_PANGGIL and row in belum_terkirim:
                    batalkan(row)
            # Behind the last row still in force: a call cancelled just above would otherwise
            # cancel the batal with it ("pendahulu dibatalkan").
            ekor = next((r for r in reversed(antrean) if r.status != S.DIBATALKAN), None)
            baru.append(
                _baru(
                    kunjungan,
                    J.ANTREAN_BATAL,
                    Rantai.ANTREAN,
                    setelah=ekor,
                    tiket=kunjungan.tiket.order_by("pk").first(),
                    payload={
                        "no_kartu": kunjungan.pasien.no_bpjs or "",
                        "kodepoli": kunjungan.unit.kd_poli_pcare,
                        "alasan": kunjungan.alasan_batal or "Kunjungan dibatalkan",
                    },
                )
            )
    PENERBIT.setelah_commit([r.pk for r in baru])
    return baru


def _hapus_pendaftaran_setelah(kunjungan: Kunjungan, add: PermintaanBpjs) -> PermintaanBpjs | None:
    """Queue a PCare delete behind a registration that reached BPJS or may have.

    An uncertain add that had already given up is put back in line: it now only reconciles
    (the visit is no longer BPJS, so it is never sent again), and the delete behind it then
    removes what it finds, or cancels itself when there was nothing."""
    if add.status == S.BERHASIL or (add.ambigu and add.status != S.DIBATALKAN):
        if add.status == S.GAGAL_FINAL:
            PermintaanBpjs.objects.filter(pk=add.pk).update(
                status=S.GAGAL_SEMENTARA, jadwal=timezone.now(), diantrekan_pada=None
            )
        return _baru(
            kunjungan, J.PENDAFTARAN_DELETE, Rantai.PCARE, setelah=add, payload=dict(add.payload)
        )
    return None


def outbox_antrean_panggil(*, tiket: Tiket, hadir: bool = True) -> PermintaanBpjs | None:
    """Tell Mobile JKN the patient was called (hadir) or did not come (tidak hadir), queued
    behind the ticket's earlier antrean events. Only the visit's first ticket is the Mobile
    JKN queue place; a repeated call with the same status is not sent twice."""
    if tiket.sebelumnya_id is not None:
        return None
    kunjungan = tiket.kunjungan
    kd_poli = tiket.unit.kd_poli_pcare
    if kunjungan.penjamin != Penjamin.BPJS or not kd_poli:
        return None
    status = 1 if hadir else 2
    ekor = _terakhir(kunjungan, Rantai.ANTREAN)
    if ekor is None and kunjungan.sumber != Sumber.MOBILE_JKN:
        return None  # never announced to BPJS: nothing to update
    if ekor is not None:
        if ekor.jenis == J.ANTREAN_BATAL:
            return None
        if ekor.jenis == J.ANTREAN_PANGGIL and ekor.payload.get("status") == status:
            return None
    row = _baru(
        kunjungan,
        J.ANTREAN_PANGGIL,
        Rantai.ANTREAN,
        setelah=ekor,
        tiket=tiket,
        payload={
            "no_kartu": kunjungan.pasien.no_bpjs or "",
            "kodepoli": kd_poli,
            "status": status,
            "waktu_ms": int(time.time() * 1000),
        },
    )
    if ekor is None or ekor.status in STATUS_SELESAI_OK:
        PENERBIT.setelah_commit([row.pk])
    return row
