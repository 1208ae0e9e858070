"""Browser side of offline mode, server part: the service worker script at the site root and
the small JSON the loket page keeps for offline use.

- `GET /sw.js`: the service worker (scope `/`), `Cache-Control: no-cache` so a deploy reaches
  the counters on their next page load. Its version is a hash of the shell files, so any change
  to them installs a fresh cache.
- `GET /luring/pasien.json`: a bounded preload of recent visitors for the local patient copy
  (privacy decision in downtime/README.md, "Browser").
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import catat
from pendaftaran.models import Kunjungan, Pasien
from puskesmas.access import PERAN_LOKET, peran_wajib

VERSI_SW = "1"  # bump when sw.js' own logic changes; shell file changes are hashed in below

# The loket app shell: everything the loket page loads. The page itself is cached at runtime.
SHELL = [
    "css/app.css",
    "css/loket.css",
    "css/offline.css",
    "css/print.css",
    "vendor/htmx-2.0.11.min.js",
    "js/app.js",
    "js/tanggal.js",  # base.html: KTP-order date entry
    "js/draf.js",  # base.html: drafts of the new-patient form
    "img/favicon.svg",
    # Every offline module, listed from the folder so a new one can never be missing offline.
    *sorted(
        f"js/offline/{p.name}"
        for p in (Path(__file__).resolve().parent.parent / "static/js/offline").glob("*.js")
    ),
]

# How much the preload holds: recent visitors only, and few of them.
PRELOAD_HARI = 14
PRELOAD_MAKS = 300


@lru_cache(maxsize=1)
def _versi_shell() -> str:
    h = hashlib.sha256(VERSI_SW.encode())
    for nama in SHELL:
        path = finders.find(nama)
        if path:
            h.update(Path(path).read_bytes())
    return f"{VERSI_SW}-{h.hexdigest()[:12]}"


def _sw_teks() -> str:
    sumber = Path(settings.BASE_DIR, "static", "js", "sw.js").read_text(encoding="utf-8")
    konfigurasi = {
        "versi": _versi_shell_segar() if settings.DEBUG else _versi_shell(),
        "shell": [static(n) for n in SHELL],
        "halaman": "/loket/",
        "statik": static(""),
    }
    return f"const KONFIG = {json.dumps(konfigurasi)};\n{sumber}"


def _versi_shell_segar() -> str:
    _versi_shell.cache_clear()  # DEBUG: edits to JS/CSS show up without a restart
    return _versi_shell()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    resp = HttpResponse(_sw_teks(), content_type="text/javascript; charset=utf-8")
    resp["Cache-Control"] = "no-cache"
    resp["Service-Worker-Allowed"] = "/"
    return resp


def pasien_json(p: Pasien) -> dict[str, Any]:
    """What the local copy keeps of a patient: what the loket panel shows anyway."""
    return {
        "id": p.pk,
        "no_rm": p.no_rm,
        "nama": p.nama,
        "nik": p.nik or "",
        "nik_ibu": p.nik_ibu or "",
        "no_bpjs": p.no_bpjs or "",
        "tanggal_lahir": p.tanggal_lahir.isoformat(),
        "jenis_kelamin": p.jenis_kelamin,
        "alamat": p.alamat or "",
        "no_hp": p.no_hp or "",
    }


@require_GET
@peran_wajib(*PERAN_LOKET)
def pasien_preload(request: HttpRequest) -> JsonResponse:
    """Patients of this Puskesmas with a visit in the last PRELOAD_HARI days, most recent
    first, at most PRELOAD_MAKS."""
    puskesmas = request.petugas.puskesmas  # type: ignore[attr-defined]
    sejak = timezone.localdate() - timedelta(days=PRELOAD_HARI)
    ids = (
        Kunjungan.objects.filter(puskesmas=puskesmas, tanggal__gte=sejak)
        .order_by("-dibuat_klien")
        .values_list("pasien_id", flat=True)[: PRELOAD_MAKS * 3]
    )
    urutan: list[int] = list(dict.fromkeys(ids))[:PRELOAD_MAKS]
    per_id = {p.pk: p for p in Pasien.objects.filter(puskesmas=puskesmas, pk__in=urutan)}
    resp = JsonResponse({"pasien": [pasien_json(per_id[i]) for i in urutan if i in per_id]})
    resp["Cache-Control"] = "no-store"
    # Patient data leaving for a browser's local store: who took how much, when.
    catat(request=request, aksi="pasien_lihat", keterangan=f"salinan luring: {len(per_id)} pasien")
    return resp
