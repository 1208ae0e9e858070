"""Processing one outbox row on the shared outbox mechanism (`integrasi.outbox`): claim it
once, ask the breaker and the access hold, make ONE call through the handler of its kind,
store the outcome only while the claim is still ours. Running it twice, or on two workers at
once, makes one call.

Transient errors retry with backoff + jitter up to a cap, then go to the worklist; permanent
errors go to the worklist at once with BPJS's reason in Indonesian. A refusal of our keys or
clock is neither: it holds that service's rows (akses.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from integrasi import outbox
from integrasi.selectors import konfigurasi_bpjs  # the visit's Puskesmas' own credentials

from .. import akses, breaker
from ..client import (
    BpjsAksesDitolak,
    BpjsClient,
    BpjsConfig,
    BpjsError,
    BpjsPermanentError,
    BpjsTransientError,
)
from ..models import STATUS_SELESAI_OK, HasilPercobaan, PercobaanBpjs, PermintaanBpjs, Rantai
from .antrean_fktp import _antrean_add, _antrean_batal, _antrean_panggil
from .dasar import (
    PENERBIT,
    DataTidakLengkap,
    Hasil,
    J,
    S,
    _penerus_siap,
    _simpan_status_peserta,
    _tidak_relevan,
    jeda_backoff,
    klaim_kedaluwarsa,
    lepas_antrean_tertunda,
    log,
    nama_pekerja,
    percobaan_maks,
    pulih,
)
from .pcare import _cek_peserta, _pendaftaran_add, _pendaftaran_delete


def permintaan_proses(*, permintaan_id: int, pekerja: str | None = None) -> str:
    """Process one outbox row. Returns a short word for logs and tests."""
    pekerja = pekerja or nama_pekerja()
    # Taking over a stale claim marks the row ambigu: that worker may have sent the call.
    if not outbox.klaim(
        PermintaanBpjs, permintaan_id, pekerja=pekerja, kedaluwarsa=klaim_kedaluwarsa()
    ):
        return "tidak_diklaim"
    row = PermintaanBpjs.objects.select_related(
        "kunjungan__pasien", "kunjungan__unit", "puskesmas", "setelah", "tiket"
    ).get(pk=permintaan_id)

    if row.setelah_id is not None:
        pendahulu = row.setelah.status  # type: ignore[union-attr]
        if pendahulu == S.DIBATALKAN:
            _simpan(row, Hasil(S.DIBATALKAN, {"alasan": "pendahulu dibatalkan"}), None)
            return "dibatalkan"
        if pendahulu not in STATUS_SELESAI_OK:
            outbox.lepas(row)  # published again when the predecessor settles
            return "menunggu_pendahulu"

    if _tidak_relevan(row) and not row.ambigu:
        _simpan(row, Hasil(S.DIBATALKAN, {"alasan": "kunjungan batal / bukan BPJS"}), None)
        return "dibatalkan"

    izin = breaker.minta_izin(row.puskesmas_id)
    if not izin.boleh:
        outbox.tunda_pemutus(row, izin)
        return "ditunda_pemutus"

    mulai = timezone.now()
    t0 = time.monotonic()
    layanan = "antrean" if row.rantai == Rantai.ANTREAN else "pcare"
    konfigurasi: BpjsConfig | None = None
    try:
        with BpjsClient(konfigurasi_bpjs(row.puskesmas_id)) as client:
            konfigurasi = client.config
            tahanan = akses.ditahan(row.puskesmas_id, layanan, konfigurasi)
            if tahanan is not None:
                # BPJS refused our keys or clock: wait for the fix, spend nothing; a probe
                # made no call, so another row may probe.
                if izin.probe:
                    breaker.lepas_probe(row.puskesmas_id)
                _tahan(row, tahanan)
                return "ditahan_akses"
            hasil = PENANGAN[row.jenis](row, client)
    except BpjsAksesDitolak as exc:
        assert konfigurasi is not None
        pulih(row.puskesmas_id)  # BPJS answered: it is up, not an outage
        tahanan = akses.catat_ditolak(row.puskesmas_id, exc, konfigurasi)
        return _ditolak_akses(row, exc, tahanan, mulai, t0)
    except BpjsTransientError as exc:
        breaker.catat_gagal(row.puskesmas_id, probe=izin.probe)
        return _gagal_sementara(row, exc, mulai, t0)
    except BpjsPermanentError as exc:
        if not isinstance(exc, DataTidakLengkap):
            pulih(row.puskesmas_id)  # BPJS answered: it is up
        elif izin.probe:
            breaker.lepas_probe(row.puskesmas_id)  # caught before any call: let another probe
        _gagal_final(row, exc, mulai, t0)
        return "gagal_final"
    except Exception as exc:  # a bug of ours: keep the row, retry later, shout in the log
        log.exception("Galat tak terduga memproses permintaan BPJS #%s", row.pk)
        if izin.probe:
            breaker.catat_gagal(row.puskesmas_id, probe=True)
        galat = BpjsTransientError(f"Galat internal: {type(exc).__name__}")
        galat.code = None
        return _gagal_sementara(row, galat, mulai, t0, kode="galat_internal")
    pulih(row.puskesmas_id)
    if konfigurasi is not None and akses.catat_berhasil(row.puskesmas_id, layanan, konfigurasi):
        lepas_antrean_tertunda(puskesmas_id=row.puskesmas_id)  # fixed: the held rows go now
    _simpan(row, hasil, (mulai, t0))
    return hasil.status


def _kode(exc: BpjsError) -> str:
    return getattr(exc, "kode", "") or (
        f"{type(exc).__name__}{'/' + str(exc.code) if exc.code else ''}"
    )


def _simpan(row: PermintaanBpjs, hasil: Hasil, waktu: tuple[datetime, float] | None) -> None:
    sekarang = timezone.now()
    with transaction.atomic():
        if not outbox.tuntas(row, status=hasil.status, hasil=hasil.data, dihitung=bool(waktu)):
            log.warning("Permintaan BPJS #%s diambil alih pekerja lain; hasil dibuang", row.pk)
            return
        if waktu is not None:
            outbox.catat_percobaan(PercobaanBpjs, row, waktu=waktu, hasil=hasil.cara)
        if row.jenis == J.CEK_PESERTA and hasil.status == S.BERHASIL:
            _simpan_status_peserta(row.puskesmas_id, hasil.data, sekarang)
        PENERBIT.setelah_commit(_penerus_siap(row))


def _gagal_sementara(
    row: PermintaanBpjs,
    exc: BpjsError,
    mulai: datetime,
    t0: float,
    *,
    kode: str = "",
) -> str:
    kode = kode or _kode(exc)
    return outbox.gagal_sementara_dicatat(
        row,
        log=PercobaanBpjs,
        penerbit=PENERBIT,
        maks=percobaan_maks(),
        tunggu=jeda_backoff(row.percobaan + 1),
        kode=kode,
        pesan=exc.message,
        waktu=(mulai, t0),
    )


def _ditolak_akses(
    row: PermintaanBpjs, exc: BpjsAksesDitolak, tahanan: akses.Tahanan, mulai: datetime, t0: float
) -> str:
    """The attempt is logged; the row waits behind the hold without a retry counted against
    its cap (the cap is for outages, and a hold may last hours) and without being marked
    uncertain (a refused request was not processed)."""
    with transaction.atomic():
        if not _tahan(row, tahanan):
            return "diambil_alih"
        outbox.catat_percobaan(
            PercobaanBpjs,
            row,
            waktu=(mulai, t0),
            hasil=HasilPercobaan.GAGAL_PERMANEN,
            kode=tahanan.kode,
            pesan=exc.message,
        )
    return "ditolak_akses"


def _tahan(row: PermintaanBpjs, tahanan: akses.Tahanan) -> bool:
    """Wait behind an access hold: the claim given back, due when the hold retries."""
    return outbox.lepas(
        row,
        jadwal=tahanan.coba_setelah_dt,
        diantrekan_pada=None,
        kode_galat=tahanan.kode[:40],
        pesan_galat=tahanan.pesan[:500],
    )


def _gagal_final(row: PermintaanBpjs, exc: BpjsError, mulai: datetime, t0: float) -> None:
    kode = _kode(exc)
    data = getattr(exc, "data", None) or {}
    with transaction.atomic():
        if not outbox.gagal_final(row, kode=kode, pesan=exc.message, hasil=data):
            return
        outbox.catat_percobaan(
            PercobaanBpjs,
            row,
            waktu=(mulai, t0),
            hasil=HasilPercobaan.GAGAL_PERMANEN,
            kode=kode,
            pesan=exc.message,
        )
        if row.jenis == J.CEK_PESERTA and data.get("no_kartu"):
            _simpan_status_peserta(row.puskesmas_id, data, timezone.now())


PENANGAN: dict[str, Callable[[PermintaanBpjs, BpjsClient], Hasil]] = {
    J.CEK_PESERTA: _cek_peserta,
    J.PENDAFTARAN_ADD: _pendaftaran_add,
    J.PENDAFTARAN_DELETE: _pendaftaran_delete,
    J.ANTREAN_ADD: _antrean_add,
    J.ANTREAN_PANGGIL: _antrean_panggil,
    J.ANTREAN_BATAL: _antrean_batal,
}
