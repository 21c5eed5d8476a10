"""Set-based writes for the push engine: one statement per table, whatever the row count.

Rows travel as one PostgreSQL array per column and are unpacked with
``unnest``, so a chunk's inserts (or updates) of one table are one statement,
without building model instances. JSON columns travel as text and are cast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models


def _array_type(field: models.Field) -> tuple[str, bool]:
    """The PostgreSQL element type to send a column as, and whether it is JSON."""
    if isinstance(field, models.JSONField):
        return "text", True
    if isinstance(field, models.ForeignKey):
        return field.target_field.rel_db_type(connection), False
    if isinstance(field, models.CharField | models.TextField):
        return "text", False
    return field.db_type(connection), False


def _column_arrays(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence]):
    fields = [field_by_attname(model, a) for a in attnames]
    types = [_array_type(f) for f in fields]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in attnames]
    params = []
    for (_, is_json), values in zip(types, columns, strict=True):
        if is_json:
            params.append([None if v is None else json.dumps(v) for v in values])
        else:
            params.append(list(values))
    return fields, types, params


def field_by_attname(model: type[models.Model], attname: str) -> models.Field:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    raise LookupError(f"{model.__name__} has no column {attname}")


def _unnest(fields, types, alias: str = "v") -> tuple[str, list[str]]:
    """``unnest(%s::t[], ...) AS v(c1, ...)`` and the select expressions that cast JSON back."""
    columns = [f"c{i}" for i in range(len(fields))]
    args = ", ".join(f"%s::{t}[]" for t, _ in types)
    select = [
        f"{alias}.{c}::jsonb" if is_json else f"{alias}.{c}" for c, (_, is_json) in zip(columns, types, strict=True)
    ]
    return f"unnest({args}) AS {alias}({', '.join(columns)})", select


def insert_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence], *, returning_ids: bool = False
) -> list[int]:
    """INSERT the rows (tuples in ``attnames`` order) in one statement; their new ids, in row order,
    when asked (PostgreSQL returns the rows of ``INSERT ... SELECT FROM unnest`` in order, as
    Django's own bulk_create relies on)."""
    if not rows:
        return []
    fields, types, params = _column_arrays(model, attnames, rows)
    source, select = _unnest(fields, types)
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {', '.join(select)} FROM {source}"
    )
    if returning_ids:
        sql += f" RETURNING {qn(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning_ids:
            return [r[0] for r in cursor.fetchall()]
    return []


def update_rows(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> None:
    """UPDATE rows by id in one statement: each row is (id, *values in ``attnames`` order)."""
    if not rows:
        return
    pk = model._meta.pk.attname
    fields, types, params = _column_arrays(model, (pk, *attnames), rows)
    source, select = _unnest(fields, types)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    assignments = ", ".join(f"{qn(f.column)} = {expr}" for f, expr in zip(fields[1:], select[1:], strict=True))
    sql = f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{qn(fields[0].column)} = v.c0"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def delete_ids(model: type[models.Model], ids: Sequence[int]) -> None:
    if not ids:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = ANY(%s::bigint[])", [list(ids)]
        )


def clear_column_where_in(model: type[models.Model], attname: str, ids: Sequence[int]) -> None:
    """SET attname = NULL on rows whose attname is one of ids (a source about to be deleted)."""
    if not ids:
        return
    qn = connection.ops.quote_name
    column = qn(field_by_attname(model, attname).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(model._meta.db_table)} SET {column} = NULL WHERE {column} = ANY(%s::bigint[])", [list(ids)]
        )
