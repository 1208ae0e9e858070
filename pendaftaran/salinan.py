"""The loket's offline copy of returning patients: who is in it and what it may hold.

Every patient of the Puskesmas registered or seen in the last two years, with only what the
counter needs to find and open them offline: No. RM, name, birth date, sex, and the NIK, the
mother's NIK and the BPJS card as salted hashes (plus their last four digits, for the screen).
No address, no phone, no identifier that can be read back in full from the browser's storage.
The browser hashes what the officer types the same way (static/js/offline/salinan.js) and
matches. The salt is per Puskesmas, from SECRET_KEY: one leaked copy does not give the salt of
another Puskesmas; rotating SECRET_KEY makes every loket rebuild its copy.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from puskesmas.models import Puskesmas

from .models import Kunjungan, Pasien

BERLAKU_HARI = 730  # "visited in the last two years"
HALAMAN = 5000  # patients per answer; the browser asks for the next page until done


def garam(puskesmas: Puskesmas) -> str:
    kunci = settings.SECRET_KEY.encode()
    return hmac.new(kunci, f"salinan-luring:{puskesmas.pk}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def sidik(garam_: str, angka: str) -> str:
    """What the copy keeps of an identifier: enough to match a typed NIK, not to read it."""
    if not angka:
        return ""
    return hashlib.sha256(f"{garam_}:{angka}".encode()).hexdigest()[:20]


def rekam(p: Pasien, garam_: str) -> dict:
    return {
        "id": p.pk,
        "no_rm": p.no_rm,
        "nama": p.nama,
        "tanggal_lahir": p.tanggal_lahir.isoformat(),
        "jenis_kelamin": p.jenis_kelamin,
        "h_nik": sidik(garam_, p.nik or ""),
        "h_nik_ibu": sidik(garam_, p.nik_ibu or ""),
        "h_bpjs": sidik(garam_, p.no_bpjs or ""),
        "nik4": (p.nik or "")[-4:],
        "bpjs4": (p.no_bpjs or "")[-4:],
    }


def halaman_salinan(
    *, puskesmas: Puskesmas, setelah: int = 0, sejak: datetime | None = None
) -> tuple[list[dict], int | None]:
    """One page of the copy, by id: everyone in it (sejak=None), or only those changed, created
    or seen since `sejak` (an incremental refresh). Returns the records and the id to ask after
    next, or None when this was the last page."""
    batas = timezone.now() - timedelta(days=BERLAKU_HARI)
    tanggal_batas = timezone.localdate() - timedelta(days=BERLAKU_HARI)
    berkunjung = Kunjungan.objects.filter(puskesmas=puskesmas, tanggal__gte=tanggal_batas)
    syarat = Q(dibuat_pada__gte=batas) | Q(pk__in=berkunjung.values("pasien_id"))
    calon = Pasien.objects.filter(syarat, puskesmas=puskesmas, pk__gt=setelah)
    if sejak is not None:
        baru_dilihat = Kunjungan.objects.filter(puskesmas=puskesmas, diterima_server__gt=sejak)
        calon = calon.filter(Q(diubah_pada__gt=sejak) | Q(pk__in=baru_dilihat.values("pasien_id")))
    kolom = ("pk", "no_rm", "nama", "tanggal_lahir", "jenis_kelamin", "nik", "nik_ibu", "no_bpjs")
    baris = list(calon.order_by("pk").only(*kolom)[: HALAMAN + 1])
    g = garam(puskesmas)
    lanjut = baris[HALAMAN - 1].pk if len(baris) > HALAMAN else None
    return [rekam(p, g) for p in baris[:HALAMAN]], lanjut
