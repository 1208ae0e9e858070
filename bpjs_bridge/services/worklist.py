"""What a person does on the worklist (daftar tindak lanjut): send again, mark settled,
pick the PCare registration reconciliation could not, change the visit to umum."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from antrean import live
from integrasi import outbox
from pendaftaran.models import Kunjungan, Penjamin, StatusKunjungan

from ..models import STATUS_MENUNGGU, AksiWorklist, PermintaanBpjs, Rantai, TindakanWorklist
from .dasar import PENERBIT, J, S, WorklistError, _penerus_siap
from .langganan import _hapus_pendaftaran_setelah
from .rekonsiliasi import _milik_kunjungan_lain


def _catat_tindakan(row: PermintaanBpjs, aksi: str, oleh, catatan: str) -> None:
    sekarang = timezone.now()
    TindakanWorklist.objects.create(
        permintaan=row, aksi=aksi, oleh=oleh, catatan=(catatan or "").strip()[:300], pada=sekarang
    )
    PermintaanBpjs.objects.filter(pk=row.pk).update(ditangani_oleh=oleh, ditangani_pada=sekarang)


def _kunci_final(permintaan: PermintaanBpjs) -> PermintaanBpjs:
    row = PermintaanBpjs.objects.select_for_update().get(pk=permintaan.pk)
    if row.status != S.GAGAL_FINAL:
        raise WorklistError(
            {"status": [f"Permintaan ini sudah {row.get_status_display().lower()}; muat ulang."]}
        )
    return row


@transaction.atomic
def worklist_coba_lagi(*, permintaan: PermintaanBpjs, oleh, catatan: str = "") -> PermintaanBpjs:
    """Send it again, with a fresh attempt budget (the old attempts stay in the log)."""
    row = _kunci_final(permintaan)
    PermintaanBpjs.objects.filter(pk=row.pk).update(
        status=S.MENUNGGU, percobaan=0, jadwal=timezone.now(), diantrekan_pada=None
    )
    _catat_tindakan(row, AksiWorklist.COBA_LAGI, oleh, catatan)
    PENERBIT.setelah_commit([row.pk])
    row.refresh_from_db()
    return row


@transaction.atomic
def worklist_tandai_selesai(
    *, permintaan: PermintaanBpjs, oleh, catatan: str = ""
) -> PermintaanBpjs:
    """A person settled it outside the app (status fixed at BPJS, entered in PCare by hand):
    what waits behind it may go on."""
    row = _kunci_final(permintaan)
    PermintaanBpjs.objects.filter(pk=row.pk).update(
        status=S.SELESAI_MANUAL, selesai_pada=timezone.now()
    )
    _catat_tindakan(row, AksiWorklist.TANDAI_SELESAI, oleh, catatan)
    PENERBIT.setelah_commit(_penerus_siap(row))
    row.refresh_from_db()
    return row


@transaction.atomic
def worklist_pilih_pcare(
    *, permintaan: PermintaanBpjs, no_urut: str, oleh, catatan: str = ""
) -> PermintaanBpjs:
    """A person looked at PCare and says which of the candidates is this visit's
    registration. Only a candidate reconciliation showed, and never one another visit holds."""
    row = _kunci_final(permintaan)
    kandidat = {str(c.get("noUrut")) for c in (row.hasil or {}).get("kandidat", [])}
    no_urut = (no_urut or "").strip()
    if row.jenis != J.PENDAFTARAN_ADD or no_urut not in kandidat:
        raise WorklistError({"no_urut": [f"No. urut {no_urut or '-'} bukan salah satu kandidat."]})
    dimiliki, _ = _milik_kunjungan_lain(row)
    if no_urut in dimiliki:
        raise WorklistError(
            {
                "no_urut": [
                    f"No. urut PCare {no_urut} sudah dipegang kunjungan lain; pilih yang lain."
                ]
            }
        )
    sekarang = timezone.now()
    PermintaanBpjs.objects.filter(pk=row.pk).update(
        status=S.BERHASIL,
        hasil={"noUrut": no_urut, "rekonsiliasi": True, "dipilih_petugas": True},
        ambigu=False,
        selesai_pada=sekarang,
    )
    _catat_tindakan(row, AksiWorklist.PILIH_PCARE, oleh, catatan or f"noUrut {no_urut}")
    PENERBIT.setelah_commit(_penerus_siap(row))
    row.refresh_from_db()
    return row


@transaction.atomic
def worklist_ubah_umum(*, permintaan: PermintaanBpjs, oleh, catatan: str = "") -> PermintaanBpjs:
    """The patient pays as umum: the visit's payer changes, BPJS work not yet done is
    cancelled, and a PCare registration already made is deleted (in order)."""
    row = _kunci_final(permintaan)
    kunjungan = Kunjungan.objects.select_for_update().get(pk=row.kunjungan_id)
    if kunjungan.status == StatusKunjungan.BATAL:
        raise WorklistError({"status": ["Kunjungan sudah dibatalkan."]})
    Kunjungan.objects.filter(pk=kunjungan.pk).update(penjamin=Penjamin.UMUM)
    # The poli panel shows the payer and is cached under the queue version (antrean/views.py).
    live.tandai_berubah(kunjungan.puskesmas_id)
    sekarang = timezone.now()
    baru: list[int] = []
    for r in PermintaanBpjs.objects.select_for_update().filter(
        kunjungan=kunjungan, rantai=Rantai.PCARE, jenis__in=(J.CEK_PESERTA, J.PENDAFTARAN_ADD)
    ):
        if r.jenis == J.PENDAFTARAN_ADD:
            hapus = _hapus_pendaftaran_setelah(kunjungan, r)
            if hapus is not None:
                baru.append(hapus.pk)
                if r.ambigu and r.status != S.BERHASIL:
                    baru.append(r.pk)
                continue
        if r.status in (*STATUS_MENUNGGU, S.GAGAL_FINAL):
            PermintaanBpjs.objects.filter(pk=r.pk).update(
                status=S.DIBATALKAN, selesai_pada=sekarang
            )
    if row.rantai == Rantai.ANTREAN:
        PermintaanBpjs.objects.filter(pk=row.pk).update(status=S.DIBATALKAN, selesai_pada=sekarang)
    _catat_tindakan(row, AksiWorklist.UBAH_UMUM, oleh, catatan)
    PENERBIT.setelah_commit(
        list(outbox.siap(PermintaanBpjs.objects.filter(pk__in=baru)).values_list("pk", flat=True))
    )
    row.refresh_from_db()
    return row
