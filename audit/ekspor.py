"""Exporting one patient's data on request (UU 27/2022, the data subject's right of access) and
the audit log as CSV.

The patient export discovers related records by foreign key instead of listing them, so data
another app adds later (a BPJS request row, a replay item) is exported without anyone
remembering to update this file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from config.security import sel_csv

from .models import Aksi, AuditLog
from .services import catat

BARIS_MAKS_PER_MODEL = 10_000  # a patient with more rows than this is a bug, not a patient


def _baris(obj: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        nilai = getattr(obj, field.attname)
        if isinstance(field, models.ForeignKey) and nilai is not None:
            # The id and a readable label, so the file makes sense without our database.
            data[field.name] = nilai
            # A reference without a DB constraint may point at nothing any more.
            with contextlib.suppress(models.ObjectDoesNotExist):
                data[f"{field.name}_label"] = str(getattr(obj, field.name))
        else:
            data[field.name] = nilai
    return data


def _rujukan_ke(targets: dict[type[models.Model], list[Any]]) -> Iterator[tuple[str, Any]]:
    """Every (label, row) of any model with a foreign key to one of `targets`."""
    for model in apps.get_models():
        if model is AuditLog or model in targets:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            ids = targets.get(field.related_model)  # type: ignore[call-overload]
            if not ids:
                continue
            qs = model._default_manager.filter(**{f"{field.name}__in": ids})
            for row in qs[:BARIS_MAKS_PER_MODEL]:
                yield f"{model._meta.label_lower}", row


def data_pasien(pasien: models.Model) -> dict[str, Any]:
    """Everything we hold about one patient, as a JSON-ready dict."""
    from antrean.models import Tiket
    from pendaftaran.models import Kunjungan

    kunjungan = list(Kunjungan.objects.filter(pasien=pasien).order_by("tanggal", "pk"))
    tiket = list(Tiket.objects.filter(kunjungan__in=kunjungan).order_by("pk"))
    targets: dict[type[models.Model], list[Any]] = {
        type(pasien): [pasien.pk],
        Kunjungan: [k.pk for k in kunjungan],
        Tiket: [t.pk for t in tiket],
    }
    lain: dict[str, list[dict[str, Any]]] = {}
    sudah: set[tuple[str, Any]] = set()
    for label, row in _rujukan_ke(targets):
        if (label, row.pk) in sudah:
            continue
        sudah.add((label, row.pk))
        lain.setdefault(label, []).append(_baris(row))
    akses = AuditLog.objects.filter(
        models.Q(objek_tipe=pasien._meta.label_lower, objek_id=str(pasien.pk))
        | models.Q(
            objek_tipe=Kunjungan._meta.label_lower, objek_id__in=[str(k.pk) for k in kunjungan]
        )
    ).order_by("waktu", "pk")
    return {
        "format": "puskesmas-ekspor-pasien/1",
        "dibuat": timezone.now(),
        "puskesmas": str(getattr(pasien, "puskesmas", "")),
        "pasien": _baris(pasien),
        "kunjungan": [_baris(k) for k in kunjungan],
        "tiket": [_baris(t) for t in tiket],
        "data_terkait": lain,
        # Who opened or changed this record: part of what the patient may ask for.
        "riwayat_akses": [
            {
                "waktu": a.waktu,
                "petugas": a.username,
                "peran": a.peran,
                "aksi": a.get_aksi_display(),
                "objek": f"{a.objek_tipe} #{a.objek_id}",
            }
            for a in akses
        ],
    }


def ekspor_pasien_json(
    *, pasien: models.Model, user: Any = None, request: Any = None, keterangan: str = ""
) -> str:
    """The export as JSON text; the export itself is recorded in the audit log."""
    teks = json.dumps(data_pasien(pasien), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    catat(
        request=request,
        user=user,
        aksi=Aksi.PASIEN_EKSPOR,
        objek=pasien,
        puskesmas=getattr(pasien, "puskesmas_id", None),
        keterangan=keterangan,
    )
    return teks


# --- Audit log as CSV -----------------------------------------------------------------------

KOLOM_CSV = [
    ("waktu", "Waktu"),
    ("username", "Pengguna"),
    ("peran", "Peran"),
    ("puskesmas_id", "ID Puskesmas"),
    ("aksi", "Aksi"),
    ("objek_tipe", "Jenis objek"),
    ("objek_id", "ID objek"),
    ("ringkasan", "Ringkasan"),
    ("ip", "IP"),
    ("user_agent", "User agent"),
    ("path", "Alamat"),
]


def _sel_aman(nilai: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (CSV injection): user agents
    and usernames are attacker-controlled text."""
    if isinstance(nilai, datetime):
        nilai = timezone.localtime(nilai).isoformat(timespec="seconds")
    return str(sel_csv(nilai))  # every separator, not only the cell's first character


def baris_csv(log: Iterable[AuditLog]) -> Iterator[str]:
    """The CSV, row by row (for a StreamingHttpResponse), header first."""
    buf = io.StringIO()
    tulis = csv.writer(buf)

    def keluarkan(row: list[str]) -> str:
        buf.seek(0)
        buf.truncate(0)
        tulis.writerow(row)
        return buf.getvalue()

    yield "\ufeff" + keluarkan([judul for _, judul in KOLOM_CSV])  # BOM: Excel reads UTF-8
    for entri in log:
        yield keluarkan([_sel_aman(getattr(entri, kolom)) for kolom, _ in KOLOM_CSV])
