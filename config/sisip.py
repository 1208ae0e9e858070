"""Multi-row INSERT of model instances for the bulk paths (a replayed batch): the rows of
`QuerySet.bulk_create`, without its per-cell cost.

On PostgreSQL `bulk_create` prepares every cell through the field API and psycopg then quotes
each column array in Python (client-side binding): about 4 µs a cell, most of a replayed
batch's CPU (issue 15). Here the rows travel as one JSON text, written by the C encoder and
quoted once, and PostgreSQL turns it into rows of the table's own type
(`json_populate_recordset`), in one statement through Django's cursor (counted and wrapped like
any other). The same values are written: auto_now(_add) stamped as `pre_save` does, foreign
keys taken from their related objects as `bulk_create` does (an unsaved one is refused), the
new ids set on the instances. Any field type not listed below, a value that is an SQL
expression, or another database falls back to `bulk_create` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from django.db import connections, models, router
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

_SAMA = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "BooleanField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "FloatField",
        "ForeignKey",
        "OneToOneField",
        "JSONField",  # the value is the JSON itself: json_populate_recordset keeps it as jsonb
    }
)


def _waktu(v: Any) -> Any:
    if isinstance(v, datetime):
        if timezone.is_naive(v):  # as DateTimeField.get_prep_value does (it warns too)
            v = timezone.make_aware(v, timezone.get_default_timezone())
        return v.isoformat()
    return v


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _teks(v: Any) -> Any:
    return None if v is None else str(v)


def _ubah(f: models.Field) -> Callable[[Any], Any] | bool | None:
    """How a field's Python value becomes JSON: None = as it is, False = not supported."""
    jenis = f.get_internal_type()
    if jenis in _SAMA:
        return None
    if jenis == "DateTimeField":
        return _waktu
    if jenis == "DateField":
        return _iso
    if jenis in ("UUIDField", "DecimalField"):
        return _teks
    if jenis == "GenericIPAddressField":
        return lambda v: f.get_prep_value(v) or None  # blank → NULL, IPv6 normalised
    return False


_rencana: dict[type, tuple | None] = {}


def _rencana_model(model: type[models.Model]) -> tuple | None:
    """(table, [(column, attname, converter, field, stamp)], pk attname), or None."""
    if model not in _rencana:
        kolom = []
        ok = True
        for f in model._meta.concrete_fields:
            if f.primary_key and isinstance(f, models.AutoField):
                continue
            ubah = _ubah(f)
            if ubah is False or f.db_default is not models.NOT_PROVIDED or f.generated:
                ok = False
                break
            stempel = bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
            kolom.append((f.column, f.attname, ubah, f, stempel))
        pk = model._meta.pk
        ok = ok and isinstance(pk, models.AutoField)
        _rencana[model] = (model._meta.db_table, kolom, pk.attname) if ok else None
    return _rencana[model]


def sisip_banyak(objs: Sequence[M]) -> list[M]:
    """Insert `objs` (all of one model, unsaved) in one statement; set their ids. Returns them."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    db = router.db_for_write(model)
    conn = connections[db]
    rencana = _rencana_model(model) if conn.vendor == "postgresql" else None
    if rencana is None:
        return model._default_manager.bulk_create(objs)
    tabel, kolom, pk_att = rencana
    baris = []
    for obj in objs:
        d = obj.__dict__
        row = {}
        for col, att, ubah, f, stempel in kolom:
            if stempel:
                v = f.pre_save(obj, True)
            elif f.is_relation:
                v = d.get(att)
                if v is None and f.is_cached(obj):
                    rel = f.get_cached_value(obj)
                    if rel is not None:
                        if rel.pk is None:
                            raise ValueError(
                                f"sisip_banyak() prohibited to prevent data loss due to "
                                f"unsaved related object '{f.name}'."
                            )
                        v = rel.pk
                        setattr(obj, att, v)
            else:
                v = d[att]
            if hasattr(v, "as_sql"):
                return model._default_manager.bulk_create(objs)
            row[col] = v if ubah is None or v is None else ubah(v)
        baris.append(row)
    q = conn.ops.quote_name
    daftar = ", ".join(q(c[0]) for c in kolom)
    sql = (
        f"INSERT INTO {q(tabel)} ({daftar}) SELECT {daftar} FROM "
        f"json_populate_recordset(NULL::{q(tabel)}, %s::json) RETURNING {q(model._meta.pk.column)}"
    )
    with conn.cursor() as c:
        c.execute(sql, [json.dumps(baris, separators=(",", ":"))])
        ids = c.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        setattr(obj, pk_att, pk)
        obj._state.adding = False
        obj._state.db = db
    return objs
