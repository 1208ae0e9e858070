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
from datetime import datetime, timedelta

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
        tunda = timezone.now() + timedelta(seconds=max(izin.tunda_sampai - time.time(), 1))
        outbox.lepas(row, jadwal=tunda, diantrekan_pada=None)
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
                outbox.lepas(
                    row,
                    jadwal=tahanan.coba_setelah_dt,
                    diantrekan_pada=None,
                    kode_galat=tahanan.kode,
                    pesan_galat=tahanan.pesan[:500],
                )
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


def _percobaan(
    row: PermintaanBpjs,
    waktu: tuple[datetime, float],
    hasil: str,
    *,
    ke: int,
    kode: str = "",
    pesan: str = "",
) -> None:
    mulai, t0 = waktu
    PercobaanBpjs.objects.create(
        permintaan=row,
        ke=ke,
        mulai=mulai,
        durasi_ms=int((time.monotonic() - t0) * 1000),
        hasil=hasil,
        kode_galat=kode[:40],
        pesan_galat=pesan[:500],
        pekerja=row.diklaim_oleh,
    )


def _simpan(row: PermintaanBpjs, hasil: Hasil, waktu: tuple[datetime, float] | None) -> None:
    sekarang = timezone.now()
    with transaction.atomic():
        if not outbox.tuntas(row, status=hasil.status, hasil=hasil.data, dihitung=bool(waktu)):
            log.warning("Permintaan BPJS #%s diambil alih pekerja lain; hasil dibuang", row.pk)
            return
        if waktu is not None:
            _percobaan(row, waktu, hasil.cara, ke=row.percobaan + 1)
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
    ke = row.percobaan + 1
    kode = kode or f"{type(exc).__name__}{'/' + str(exc.code) if exc.code else ''}"
    final = ke >= percobaan_maks()
    jeda = jeda_backoff(ke)
    sekarang = timezone.now()
    pesan = exc.message
    if final:
        pesan = f"{exc.message} (gagal {ke} kali; dicoba lagi hanya lewat worklist)"
    with transaction.atomic():
        n = outbox.milik(row).update(
            status=S.GAGAL_FINAL if final else S.GAGAL_SEMENTARA,
            percobaan=ke,
            jadwal=sekarang + timedelta(seconds=jeda),
            # The request may have been processed by BPJS even though we saw no answer.
            ambigu=True,
            kode_galat=kode[:40],
            pesan_galat=pesan[:500],
            diklaim_pada=None,
            diubah_pada=sekarang,
        )
        if not n:
            return "diambil_alih"
        _percobaan(
            row, (mulai, t0), HasilPercobaan.GAGAL_SEMENTARA, ke=ke, kode=kode, pesan=exc.message
        )
        if not final:
            PENERBIT.setelah_commit([row.pk], countdown=jeda)
    return "gagal_final" if final else "gagal_sementara"


def _ditolak_akses(
    row: PermintaanBpjs, exc: BpjsAksesDitolak, tahanan: akses.Tahanan, mulai: datetime, t0: float
) -> str:
    """The attempt is logged; the row waits behind the hold without a retry counted against
    its cap and without being marked uncertain (a refused request was not processed)."""
    ke = row.percobaan + 1
    sekarang = timezone.now()
    with transaction.atomic():
        n = outbox.milik(row).update(
            # Not counted in `percobaan`: the cap is for outages, and a hold may last hours.
            status=S.GAGAL_SEMENTARA if row.percobaan else S.MENUNGGU,
            jadwal=tahanan.coba_setelah_dt,
            kode_galat=tahanan.kode[:40],
            pesan_galat=tahanan.pesan[:500],
            diklaim_pada=None,
            diantrekan_pada=None,
            diubah_pada=sekarang,
        )
        if not n:
            return "diambil_alih"
        _percobaan(
            row,
            (mulai, t0),
            HasilPercobaan.GAGAL_PERMANEN,
            ke=ke,
            kode=tahanan.kode,
            pesan=exc.message,
        )
    return "ditolak_akses"


def _gagal_final(row: PermintaanBpjs, exc: BpjsError, mulai: datetime, t0: float) -> None:
    ke = row.percobaan + 1
    kode = getattr(exc, "kode", "") or (
        f"{type(exc).__name__}{'/' + str(exc.code) if exc.code else ''}"
    )
    data = getattr(exc, "data", None) or {}
    sekarang = timezone.now()
    with transaction.atomic():
        n = outbox.milik(row).update(
            status=S.GAGAL_FINAL,
            percobaan=ke,
            kode_galat=kode[:40],
            pesan_galat=exc.message[:500],
            hasil=data,
            diklaim_pada=None,
            diubah_pada=sekarang,
        )
        if not n:
            return
        _percobaan(
            row,
            (mulai, t0),
            HasilPercobaan.GAGAL_PERMANEN,
            ke=ke,
            kode=kode,
            pesan=exc.message,
        )
        if row.jenis == J.CEK_PESERTA and data.get("no_kartu"):
            _simpan_status_peserta(row.puskesmas_id, data, sekarang)


PENANGAN: dict[str, Callable[[PermintaanBpjs, BpjsClient], Hasil]] = {
    J.CEK_PESERTA: _cek_peserta,
    J.PENDAFTARAN_ADD: _pendaftaran_add,
    J.PENDAFTARAN_DELETE: _pendaftaran_delete,
    J.ANTREAN_ADD: _antrean_add,
    J.ANTREAN_PANGGIL: _antrean_panggil,
    J.ANTREAN_BATAL: _antrean_batal,
}
