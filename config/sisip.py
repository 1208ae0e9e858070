"""Fast INSERTs of new model instances (issue 15), each falling back to the ORM itself for
whatever it does not reproduce:

- `sisip(obj)`: one row, as `Model.save(force_insert=True)` writes it (the online registration);
- `sisip_banyak(objs)`: many rows of one model, as `QuerySet.bulk_create` writes them (a
  replayed batch);
- `buat(Model, **kwargs)`: the instance itself, without Django's per-keyword constructor cost.

**sisip.** A registration inserts four rows (visit, ticket, its log row, the audit row). Through
save() each INSERT is rebuilt from scratch: an InsertQuery, its compiler, the column list and
placeholders, every value run through the expression checks. That was a third of the
registration's CPU. Here the SQL is made once per model; per row only what depends on the row
runs: each field's `pre_save` (auto_now, defaults already set by __init__) and
`get_db_prep_save` (the same adaptation save() uses), then one execute on Django's cursor (so
query logging and CaptureQueriesContext see it).

Anything this path does not reproduce goes through save() unchanged: a model that overrides
save() (unless it declares `SISIP_TANPA_SAVE`: its save() adds nothing to an INSERT of a new
row), a model with pre/post_save receivers, multi-table inheritance, order_with_respect_to, a
field that needs its own placeholder, columns the database fills in beyond the auto primary key
(db_default, generated), a primary key set in advance, or a value that is an expression.

**sisip_banyak.** On PostgreSQL `bulk_create` prepares every cell through the field API and
psycopg then quotes each column array in Python (client-side binding): about 4 µs a cell, most
of a replayed batch's CPU (issue 15). Here the rows travel as one JSON text, written by the C
encoder and quoted once, and PostgreSQL turns it into rows of the table's own type
(`json_populate_recordset`), in one statement through Django's cursor (counted and wrapped like
any other). The same values are written: auto_now(_add) stamped as `pre_save` does, foreign keys
taken from their related objects as `bulk_create` does (an unsaved one is refused), the new ids
set on the instances. Any field type not listed below, a value that is an SQL expression, or
another database falls back to `bulk_create` itself."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.db import connection, connections, models, router, transaction
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.query_utils import DeferredAttribute
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
        if v.utcoffset() is None:  # as DateTimeField.get_prep_value does (it warns too)
            v = timezone.make_aware(v, timezone.get_default_timezone())
        return v.isoformat()
    return v


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _teks(v: Any) -> Any:
    if isinstance(v, uuid.UUID | Decimal | str | int):
        return str(v)
    raise TypeError(f"{type(v).__name__} is not a plain value")  # e.g. an SQL expression


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


@dataclass
class _Rencana:
    """A model's columns by how their values are read: as they are, converted, from a related
    object, stamped (auto_now / auto_now_add)."""

    sql: str
    sama: list[tuple[str, str]] = field(default_factory=list)
    ubah: list[tuple[str, str, Callable[[Any], Any]]] = field(default_factory=list)
    relasi: list[tuple[str, str, models.Field]] = field(default_factory=list)
    stempel: list[tuple[str, models.Field, Callable[[Any], Any]]] = field(default_factory=list)


_rencana: dict[tuple[type, str], _Rencana | None] = {}


def _rencana_model(model: type[models.Model], conn) -> _Rencana | None:
    kunci = (model, conn.alias)
    if kunci in _rencana:
        return _rencana[kunci]
    pk = model._meta.pk
    kolom = [f for f in model._meta.concrete_fields if f is not pk]
    ubah = {f: _ubah(f) for f in kolom}
    if (
        not isinstance(pk, models.AutoField)
        or any(u is False for u in ubah.values())
        or any(f.db_default is not models.NOT_PROVIDED or f.generated for f in kolom)
    ):
        _rencana[kunci] = None
        return None
    q = conn.ops.quote_name
    daftar = ", ".join(q(f.column) for f in kolom)
    tabel = q(model._meta.db_table)
    r = _Rencana(
        sql=f"INSERT INTO {tabel} ({daftar}) SELECT {daftar} FROM "
        f"json_populate_recordset(NULL::{tabel}, %s::json) RETURNING {q(pk.column)}"
    )
    for f in kolom:
        u = ubah[f]
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            r.stempel.append((f.column, f, u or _sama))
        elif f.is_relation:
            r.relasi.append((f.column, f.attname, f))
        elif u is None:
            r.sama.append((f.column, f.attname))
        else:
            r.ubah.append((f.column, f.attname, u))
    _rencana[kunci] = r
    return r


def _sama(v: Any) -> Any:
    return v


def _baris(obj: models.Model, r: _Rencana) -> dict:
    d = obj.__dict__
    row = {col: d[att] for col, att in r.sama}
    for col, att, ubah in r.ubah:
        v = d[att]
        row[col] = None if v is None else ubah(v)
    for col, att, f in r.relasi:
        v = d[att]
        if v is None and f.is_cached(obj):
            rel = f.get_cached_value(obj)
            if rel is not None:
                if rel.pk is None:
                    raise ValueError(
                        f"sisip_banyak() prohibited to prevent data loss due to unsaved related "
                        f"object '{f.name}'."
                    )
                v = rel.pk
                setattr(obj, att, v)
        row[col] = v
    for col, f, ubah in r.stempel:
        row[col] = ubah(f.pre_save(obj, True))
    return row


def sisip_banyak(objs: Sequence[M]) -> list[M]:
    """Insert `objs` (all of one model, unsaved) in one statement; set their ids. Returns them."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    db = router.db_for_write(model)
    conn = connections[db]
    r = _rencana_model(model, conn) if conn.vendor == "postgresql" else None
    if r is None:
        return model._default_manager.bulk_create(objs)
    try:
        teks = json.dumps([_baris(obj, r) for obj in objs], separators=(",", ":"))
    except TypeError:
        # A value that is not plain data (an SQL expression, say): bulk_create knows them all,
        # and raises what it raises for anything JSON cannot hold.
        return model._default_manager.bulk_create(objs)
    with conn.cursor() as c:
        c.execute(r.sql, [teks])
        ids = c.fetchall()
    pk_att = model._meta.pk.attname
    for obj, (pk,) in zip(objs, ids, strict=True):
        setattr(obj, pk_att, pk)
        obj._state.adding = False
        obj._state.db = db
    return objs


# --- Building the instances ------------------------------------------------------------------


_kolom_model: dict[type, list | None] = {}


def _kolom(model: type[models.Model]) -> list | None:
    """(name, attname, field, is a foreign key) per field, or None when `buat` must leave the
    model to Django: its own `__init__`, a one-to-one (a reverse cache), a field with its own
    descriptor (files), a generated or column-less field."""
    if model not in _kolom_model:
        kolom: list | None = []
        if any("__init__" in vars(k) for k in model.__mro__ if k is not models.Model and
               issubclass(k, models.Model)):  # fmt: skip
            kolom = None  # a constructor of its own must run
        for f in model._meta.fields if kolom is not None else ():
            polos = f.many_to_one or f.descriptor_class is DeferredAttribute
            if f.column is None or f.generated or f.one_to_one or not polos:
                kolom = None  # a reverse cache to keep, or a descriptor that must see the value
                break
            kolom.append((f.name, f.attname, f, f.many_to_one))
        _kolom_model[model] = kolom
    return _kolom_model[model]


@dataclass
class _Bentuk:
    """A plain model's instance in three parts, worked out once: the defaults that are constants
    (copied in one go), the defaults that are called for each instance (uuid4, dict, …), and
    what each keyword sets (its attname; for a foreign key given as object, the model it must
    be and the attribute of it that becomes the id)."""

    tetap: dict[str, Any]
    panggil: list[tuple[str, str, Callable[[], Any]]]
    kunci: dict[str, tuple[str, tuple[type, str] | None]]


_bentuk_model: dict[type, _Bentuk | None] = {}


def _bentuk(model: type[models.Model]) -> _Bentuk | None:
    if model in _bentuk_model:
        return _bentuk_model[model]
    kolom = _kolom(model)
    b = None
    if kolom is not None:
        b = _Bentuk(tetap={}, panggil=[], kunci={})
        for name, attname, f, fk in kolom:
            # Field._get_default: a constant default, or None / "" when there is none, is the
            # same object on every call; a callable one (or a db_default) is called per row.
            if (f.has_default() and callable(f.default)) or f.has_db_default():
                b.panggil.append((name, attname, f.get_default))
            else:
                b.tetap[attname] = f.get_default()
            b.kunci[attname] = (attname, None)
            if fk:
                target = (f.remote_field.model._meta.concrete_model, f.target_field.attname)
                b.kunci[name] = (attname, target)
    _bentuk_model[model] = b
    return b


def buat(model: type[M], /, **nilai: Any) -> M:
    """`model(**nilai)` for the rows a bulk path builds by the hundred, at a fraction of the
    cost: the same attributes, defaults, related-object caches and `_state`, without Django's
    per-field keyword juggling and descriptor calls. Anything unusual (signal receivers, an
    unknown or property keyword, a one-to-one) is handed to the model's own constructor."""
    b = _bentuk(model)
    if b is None or (
        (signals.pre_init.receivers and signals.pre_init.has_listeners(model))
        or (signals.post_init.receivers and signals.post_init.has_listeners(model))
    ):
        return model(**nilai)
    obj = model.__new__(model)
    obj._state = state = ModelState()
    d = obj.__dict__
    d.update(b.tetap)
    for name, attname, ambil in b.panggil:
        if name not in nilai and attname not in nilai:
            d[attname] = ambil()
    kunci = b.kunci
    for k, v in nilai.items():
        spec = kunci.get(k)
        if spec is None:
            return model(**nilai)  # Django's own TypeError (or a property's setter)
        attname, fk = spec
        if fk is None:
            d[attname] = v
            continue
        if attname in nilai:
            return model(**nilai)  # both the object and its id: Django's own error
        if v is None:
            d[attname] = None
        else:
            if not isinstance(v, fk[0]):
                return model(**nilai)  # Django's own ValueError
            if state.db is None:
                state.db = router.db_for_write(model, instance=v)
            if v._state.db is None:
                v._state.db = router.db_for_write(type(v), instance=obj)
            if not router.allow_relation(v, obj):
                return model(**nilai)
            d[attname] = getattr(v, fk[1])
        state.fields_cache[k] = v
    return obj


# --- One row, as save() writes it ----------------------------------------------------------


@cache
def _rencana_satu(model: type[Model], vendor: str) -> tuple[str, tuple[Any, ...]] | None:
    """(INSERT … RETURNING pk, the fields in column order), or None: use save()."""
    meta = model._meta
    if meta.parents or meta.order_with_respect_to or meta.auto_field is None:
        return None
    if model.save is not Model.save and not getattr(model, "SISIP_TANPA_SAVE", False):
        return None  # its own save() may do more than INSERT: let it
    if tuple(meta.db_returning_fields) != (meta.auto_field,):
        return None
    if not connection.features.can_return_columns_from_insert:
        return None
    fields = tuple(
        f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
    )
    if any(hasattr(f, "get_placeholder") for f in fields):
        return None
    q = connection.ops.quote_name
    kembali, _ = connection.ops.return_insert_columns([meta.auto_field])
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) {kembali}"
    )
    return sql, fields


def sisip(obj: Model) -> None:
    """INSERT `obj` (new, primary key unset) and set its primary key, as
    `obj.save(force_insert=True)` would."""
    model = type(obj)
    rencana = None
    if obj.pk is None and not (
        signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)
    ):
        rencana = _rencana_satu(model, connection.vendor)
    if rencana is None:
        obj.save(force_insert=True)
        return
    sql, fields = rencana
    obj._prepare_related_fields_for_save(operation_name="save")
    nilai = []
    for f in fields:
        v = f.pre_save(obj, True)
        if hasattr(v, "resolve_expression"):
            obj.save(force_insert=True)
            return
        nilai.append(f.get_db_prep_save(v, connection))
    with transaction.mark_for_rollback_on_error(), connection.cursor() as c:
        c.execute(sql, nilai)
        (pk,) = c.fetchone()
    setattr(obj, model._meta.auto_field.attname, pk)
    obj._state.adding = False
    obj._state.db = connection.alias
