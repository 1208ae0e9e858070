"""Writes of the integration settings, and the connection test per service.

Secrets are encrypted on the way in and never come back out of this module except into a
client config (integrasi.selectors). A blank secret in the form means "keep what is stored";
the audit row names the fields that changed, never their values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import catat
from puskesmas.models import Puskesmas

from .kunci import enkripsi
from .models import RAHASIA, PengaturanIntegrasi

log = logging.getLogger(__name__)

BIASA = [
    "bpjs_aktif", "bpjs_cons_id", "pcare_username", "bpjs_app_code", "pcare_base_url",
    "antrean_base_url", "jkn_aktif", "jkn_username", "ss_aktif", "ss_client_id",
    "ss_organization_id", "ss_lingkungan", "ss_base_url",
]  # fmt: skip
SELISIH_JAM_MAKS = 120  # seconds; beyond this, signatures and tokens start failing


@transaction.atomic
def pengaturan_simpan(
    *, puskesmas: Puskesmas, data: dict[str, Any], oleh, hapus: tuple[str, ...] = ()
) -> PengaturanIntegrasi:
    """Save the settings of one Puskesmas. `data` holds the form's cleaned values; secrets
    given are encrypted, secrets left blank are kept, secrets named in `hapus` are cleared."""
    p, _ = PengaturanIntegrasi.objects.select_for_update().get_or_create(puskesmas=puskesmas)
    berubah: list[str] = []
    for nama in BIASA:
        if nama in data and getattr(p, nama) != data[nama]:
            setattr(p, nama, data[nama])
            berubah.append(nama)
    for nama, kolom in RAHASIA.items():
        nilai = (data.get(nama) or "").strip()
        if nilai:
            setattr(p, kolom, enkripsi(nilai))
            berubah.append(nama)
        elif nama in hapus and getattr(p, kolom):
            setattr(p, kolom, "")
            berubah.append(nama)
    p.diubah_oleh = oleh
    p.save()
    if berubah:
        catat(
            user=oleh,
            aksi="integrasi_ubah",
            objek=p,
            puskesmas=puskesmas.pk,
            keterangan="Diubah: " + ", ".join(berubah),
        )
    return p


@dataclass(frozen=True)
class HasilUji:
    ok: bool
    pesan: str  # Indonesian, for the admin
    rinci: str = ""  # the service's own words, when it gave any


def _jam(jam_server: datetime | None) -> str:
    if jam_server is None:
        return ""
    selisih = (timezone.now().astimezone(UTC) - jam_server).total_seconds()
    if abs(selisih) > SELISIH_JAM_MAKS:
        arah = "lebih cepat" if selisih > 0 else "lebih lambat"
        return (
            f" Peringatan: jam server ini {abs(selisih) / 60:.0f} menit {arah} dari jam "
            "server tujuan; samakan jam (NTP)."
        )
    return ""


def uji_koneksi(*, puskesmas: Puskesmas, layanan: str, transport=None) -> HasilUji:
    """One cheap, read-only call per service, with what is wrong in words an admin can act on
    (credentials, clock, network, ids)."""
    from integrasi import selectors

    if layanan in ("pcare", "antrean"):
        from bpjs_bridge.client import BpjsClient, BpjsError

        config = selectors.konfigurasi_bpjs(puskesmas)
        try:
            with BpjsClient(config, transport=transport) as c:
                if layanan == "pcare":
                    c.poli_fktp(0, 1)
                else:
                    c.ref_poli(timezone.localdate())
        except BpjsError as exc:
            return HasilUji(False, exc.message, exc.bpjs_message or "")
        nama = "PCare" if layanan == "pcare" else "Antrean FKTP"
        return HasilUji(True, f"{nama}: terhubung, kredensial diterima (cons-id {config.cons_id}).")
    if layanan == "satusehat":
        from satusehat.client import SatusehatClient, SatusehatError, SatusehatNotFound

        config = selectors.konfigurasi_satusehat(puskesmas)
        if config is None:
            return HasilUji(False, "SATUSEHAT belum diaktifkan untuk Puskesmas ini.")
        if not (config.client_id and config.client_secret and config.organization_id):
            return HasilUji(False, "Client id, client secret dan Organization id wajib diisi.")
        try:
            with SatusehatClient(config, transport=transport) as c:
                token = c.token(baru=True)
                try:
                    org = c.organisasi(config.organization_id)
                except SatusehatNotFound:
                    return HasilUji(
                        False,
                        f"Kredensial diterima, tetapi Organization id {config.organization_id} "
                        "tidak ditemukan di SATUSEHAT. Periksa Organization id.",
                    )
        except SatusehatError as exc:
            return HasilUji(False, exc.message, exc.teks_aturan)
        return HasilUji(
            True,
            f"SATUSEHAT: terhubung sebagai {org.nama or org.id} (Organization {org.id})."
            + _jam(token.jam_server),
        )
    raise ValueError(f"layanan tidak dikenal: {layanan}")
