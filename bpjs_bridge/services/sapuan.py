"""The periodic work (Celery beat): the sweep, the breaker's probe, and lifting an access
hold once the keys in use have changed. All on the shared outbox mechanism."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from integrasi import outbox
from integrasi.selectors import konfigurasi_bpjs

from .. import akses, breaker
from ..client import BpjsClient, BpjsPermanentError, BpjsTransientError
from ..models import STATUS_MENUNGGU, PermintaanBpjs
from .dasar import (
    PENERBIT,
    antre_ulang_setelah,
    klaim_kedaluwarsa,
    lepas_antrean_tertunda,
    log,
    pulih,
)


@dataclass(frozen=True)
class HasilSapuan:
    basi: int
    diantrekan: int
    probe: list[int]


def sapu(*, batas: int = 1000) -> HasilSapuan:
    """Periodic (Celery beat): recover stale claims, publish due rows whose message is missing,
    and ask for a probe where a breaker is half-open. Safe to run on several nodes at once.

    Unlike SATUSEHAT, whose first row due after the pause is the probe, a BPJS probe is one
    cheap reference call (`probe_pemutus`), so the rows of a half-open breaker wait for it too."""
    basi = outbox.sapu_basi(PermintaanBpjs, kedaluwarsa=klaim_kedaluwarsa())
    gangguan: list[int] = []
    probe: list[int] = []
    for pkm_id in (
        PermintaanBpjs.objects.filter(status__in=STATUS_MENUNGGU)
        .order_by()
        .values_list("puskesmas_id", flat=True)
        .distinct()
    ):
        k = breaker.keadaan(pkm_id)
        if k.gangguan:
            gangguan.append(pkm_id)
            if k.status == breaker.SETENGAH:
                probe.append(pkm_id)
    ids = outbox.jatuh_tempo(
        PermintaanBpjs, antre_ulang=antre_ulang_setelah(), kecuali=gangguan, batas=batas
    )
    n = PENERBIT.antrekan(ids, paksa=True)
    minta_probe(probe)
    return HasilSapuan(basi=basi, diantrekan=n, probe=probe)


def pemutus_periksa() -> list[int]:
    """Where a breaker's pause is over, ask for a probe. Only cache reads when all is well,
    so it can run far more often than the full sweep."""
    siap = [
        pk
        for pk in PermintaanBpjs.objects.filter(status__in=STATUS_MENUNGGU)
        .order_by()
        .values_list("puskesmas_id", flat=True)
        .distinct()
        if breaker.keadaan(pk).status == breaker.SETENGAH
    ]
    minta_probe(siap)
    return siap


def minta_probe(puskesmas_ids: list[int]) -> None:
    """Publish one probe task per Puskesmas whose breaker is half-open."""
    if not puskesmas_ids:
        return
    tugas = outbox.tugas("bpjs_bridge.tasks.probe")
    for pkm_id in puskesmas_ids:
        try:
            tugas.apply_async((pkm_id,), retry=False)
        except Exception:
            log.warning("Broker tidak tersedia; probe BPJS menunggu sapuan berikutnya")
            break


def probe_pemutus(*, puskesmas_id: int) -> str:
    """A cheap call (one poli reference row) that tells whether BPJS is back."""
    if breaker.keadaan(puskesmas_id).status != breaker.SETENGAH:
        return "tidak_perlu"
    izin = breaker.minta_izin(puskesmas_id)
    if not izin.probe:
        return "probe_lain_berjalan"
    try:
        with BpjsClient(konfigurasi_bpjs(puskesmas_id)) as client:
            client.poli_fktp(0, 1)
    except BpjsTransientError:
        breaker.catat_gagal(puskesmas_id, probe=True)
        return "masih_gangguan"
    except BpjsPermanentError:
        pass  # an answer is an answer: BPJS is reachable
    pulih(puskesmas_id)
    return "pulih"


def akses_periksa_perubahan() -> list[int]:
    """Beat (with the sweep): where a refusal of our keys holds rows and the keys in use have
    changed since, lift the hold and release the rows now rather than at their retry time.
    Returns the Puskesmas released."""
    dilepas: list[int] = []
    for pkm_id in (
        PermintaanBpjs.objects.filter(status__in=STATUS_MENUNGGU)
        .filter(Q(kode_galat__startswith="auth_") | Q(kode_galat="login_pcare"))
        .order_by()
        .values_list("puskesmas_id", flat=True)
        .distinct()
    ):
        if pkm_id in dilepas:
            continue
        config = konfigurasi_bpjs(pkm_id)
        berubah = [t for t in akses.tahanan(pkm_id) if t.sidik != akses.sidik(config, t.layanan)]
        if berubah:
            akses.reset(pkm_id)
            lepas_antrean_tertunda(puskesmas_id=pkm_id)
            dilepas.append(pkm_id)
    return dilepas
