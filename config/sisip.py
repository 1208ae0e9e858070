"""One new row INSERTed the way `Model.save(force_insert=True)` does it, with the statement
built once per model and process (issue 15).

A registration inserts four rows (visit, ticket, its log row, the audit row). Through save()
each INSERT is rebuilt from scratch: an InsertQuery, its compiler, the column list and
placeholders, every value run through the expression checks. That was a third of the
registration's CPU. Here the SQL is made once per model; per row only what depends on the
row runs: each field's `pre_save` (auto_now, defaults already set by __init__) and
`get_db_prep_save` (the same adaptation save() uses), then one execute on Django's cursor (so
query logging and CaptureQueriesContext see it).

Anything this path does not reproduce goes through save() unchanged: a model that overrides
save() (unless it declares `SISIP_TANPA_SAVE`: its save() adds nothing to an INSERT of a new
row), a model with pre/post_save receivers, multi-table inheritance, order_with_respect_to, a
field that needs its own placeholder, columns the database fills in beyond the auto primary key
(db_default, generated), a primary key set in advance, or a value that is an expression.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_save, pre_save


@cache
def _rencana(model: type[Model], vendor: str) -> tuple[str, tuple[Any, ...]] | None:
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
    if obj.pk is None and not (pre_save.has_listeners(model) or post_save.has_listeners(model)):
        rencana = _rencana(model, connection.vendor)
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
