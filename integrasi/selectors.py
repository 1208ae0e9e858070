"""The one seam through which everything that calls out learns whose credentials to use.

    konfigurasi_bpjs(puskesmas)      -> BpjsConfig        (PCare + Antrean FKTP)
    konfigurasi_satusehat(puskesmas) -> SatusehatConfig | None   (None: not sending)
    satusehat_aktif(puskesmas) -> bool                           (the same, without the secret)
    puskesmas_jkn_untuk(username, password) -> Puskesmas | None  (Mobile JKN login)

A Puskesmas without its own settings gets the deployment's environment defaults (BPJS_*,
JKN_*, SATUSEHAT_*), field by field for BPJS. SATUSEHAT's defaults serve only one Puskesmas
(SATUSEHAT_KODE_FASKES, else the first): one client id serves exactly one Organization id.
"""

from __future__ import annotations

import dataclasses
import hmac

from django.conf import settings

from bpjs_bridge.client import BpjsConfig
from puskesmas import rujukan
from puskesmas.models import Puskesmas
from satusehat.client import SatusehatConfig

from .kunci import dekripsi
from .models import URL_SATUSEHAT, PengaturanIntegrasi


def _pk(puskesmas: Puskesmas | int) -> int:
    return puskesmas if isinstance(puskesmas, int) else puskesmas.pk


def pengaturan(puskesmas: Puskesmas | int) -> PengaturanIntegrasi | None:
    """The row as stored now (the settings page edits it)."""
    return PengaturanIntegrasi.objects.filter(puskesmas_id=_pk(puskesmas)).first()


def _pengaturan_berlaku(puskesmas: Puskesmas | int) -> PengaturanIntegrasi | None:
    # Asked by both bridges on every registration: from the per-process reference cache, which
    # every save of a PengaturanIntegrasi (the settings page, the admin) invalidates at once.
    return rujukan.pengaturan_integrasi(_pk(puskesmas))


def konfigurasi_bpjs(puskesmas: Puskesmas | int) -> BpjsConfig:
    bawaan = BpjsConfig.from_settings()
    p = _pengaturan_berlaku(puskesmas)
    if p is None or not p.bpjs_aktif:
        return bawaan

    def r(kolom: str, nilai_bawaan: str) -> str:
        return dekripsi(getattr(p, kolom)) or nilai_bawaan

    return dataclasses.replace(
        bawaan,
        cons_id=p.bpjs_cons_id or bawaan.cons_id,
        secret_key=r("bpjs_secret_key_enc", bawaan.secret_key),
        user_key=r("bpjs_user_key_enc", bawaan.user_key),
        antrean_user_key=r("bpjs_antrean_user_key_enc", bawaan.antrean_user_key),
        username=p.pcare_username or bawaan.username,
        password=r("pcare_password_enc", bawaan.password),
        app_code=p.bpjs_app_code or bawaan.app_code,
        pcare_base_url=p.pcare_base_url or bawaan.pcare_base_url,
        antrean_base_url=p.antrean_base_url or bawaan.antrean_base_url,
    )


def _pemilik_bawaan_satusehat() -> int | None:
    kode = getattr(settings, "SATUSEHAT_KODE_FASKES", "")

    def muat() -> int | None:
        qs = Puskesmas.objects.order_by("pk")
        if kode:
            qs = qs.filter(kode_faskes=kode)
        return qs.values_list("pk", flat=True).first()

    # Asked on every registration while the defaults are on; a Puskesmas' save invalidates it.
    return rujukan.ambil(("satusehat-bawaan", kode), muat)


def satusehat_aktif(puskesmas: Puskesmas | int) -> bool:
    """Whether this Puskesmas sends to SATUSEHAT (konfigurasi_satusehat is not None), without
    decrypting its secret: asked by every registration and call, which only record the work
    and leave the sending, and so the secret, to the worker."""
    pk = _pk(puskesmas)
    p = _pengaturan_berlaku(pk)
    if p is not None:
        return bool(p.ss_aktif)
    return bool(getattr(settings, "SATUSEHAT_AKTIF", False)) and _pemilik_bawaan_satusehat() == pk


def konfigurasi_satusehat(puskesmas: Puskesmas | int) -> SatusehatConfig | None:
    pk = _pk(puskesmas)
    p = _pengaturan_berlaku(pk)
    timeout = float(getattr(settings, "SATUSEHAT_TIMEOUT", 10.0))
    if p is not None and p.ss_aktif:
        return SatusehatConfig(
            client_id=p.ss_client_id,
            client_secret=dekripsi(p.ss_client_secret_enc),
            organization_id=p.ss_organization_id,
            base_url=p.ss_base_url or URL_SATUSEHAT[p.ss_lingkungan],
            kunci=str(pk),
            timeout=timeout,
            connect_timeout=min(timeout, 5.0),
        )
    if p is not None or not getattr(settings, "SATUSEHAT_AKTIF", False):
        return None  # an own row with SATUSEHAT off means off, not "use the defaults"
    if _pemilik_bawaan_satusehat() != pk:
        return None
    return SatusehatConfig(
        client_id=settings.SATUSEHAT_CLIENT_ID,
        client_secret=settings.SATUSEHAT_CLIENT_SECRET,
        organization_id=settings.SATUSEHAT_ORGANIZATION_ID,
        base_url=settings.SATUSEHAT_BASE_URL,
        kunci=str(pk),
        timeout=timeout,
        connect_timeout=min(timeout, 5.0),
    )


def _sama(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def puskesmas_jkn_untuk(username: str, password: str) -> Puskesmas | None:
    """The Puskesmas whose own Mobile JKN login this is; None when no Puskesmas has one by
    that username (the caller then checks the deployment's JKN_* defaults)."""
    p = (
        PengaturanIntegrasi.objects.select_related("puskesmas")
        .filter(jkn_aktif=True, jkn_username=username)
        .first()
    )
    if p is None:
        return None
    if not _sama(password or "", dekripsi(p.jkn_password_enc)):
        return None
    return p.puskesmas


def jkn_username_sah(puskesmas: Puskesmas, username: str) -> bool:
    """Does this username belong to this Puskesmas' Mobile JKN login (own or default)?"""
    p = pengaturan(puskesmas)
    if p is not None and p.jkn_aktif:
        return _sama(username, p.jkn_username)
    return _sama(username, settings.JKN_USERNAME)


def punya_login_jkn_sendiri(username: str) -> bool:
    return PengaturanIntegrasi.objects.filter(jkn_aktif=True, jkn_username=username).exists()
