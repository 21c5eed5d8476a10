"""Set-based writes on PostgreSQL: a few statements per table, whatever the row count.

Rows go in with COPY, which psycopg formats in C and the server loads fastest; ids that
the caller needs are taken from the table's sequence first. Updates travel as one array
per column through ``unnest`` (small sets) or COPY into a temporary table (large sets),
then one UPDATE ... FROM. No model instances are built. The push engine and the district
import both write through here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence

import orjson
from django.db import connection, models

# Below this many rows an update's arrays are cheap to send inline.
INLINE_UPDATE_ROWS = 1000
_sequences: dict[str, str] = {}


def field_by_attname(model: type[models.Model], attname: str) -> models.Field:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    raise LookupError(f"{model.__name__} has no column {attname}")


def _log(sql: str, started: float) -> None:
    # COPY bypasses Django's cursor wrapper; record it so query counts stay honest.
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def json_text(value) -> str:
    """A JSON column's value as COPY and ``unnest`` send it. orjson, not the standard library: a
    district's first push writes millions of change rows with three JSON columns each, and the
    standard encoder was a fifth of the push (about 6 us a value against 0.3)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _json_columns(fields) -> list[int]:
    return [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]


def _copy(table: str, columns: Sequence[str], fields, rows) -> None:
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    json_idx = _json_columns(fields)
    started = time.monotonic()
    # Raw COPY errors become Django's DatabaseError, as every other statement's do.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            if json_idx:
                for row in rows:
                    row = list(row)
                    for i in json_idx:
                        if row[i] is not None:
                            row[i] = json_text(row[i])
                    write(row)
            else:
                for row in rows:
                    write(row)
    _log(f"{sql} -- {len(rows)} rows", started)


def _new_ids(model: type[models.Model], n: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        sequence = _sequences.get(table)
        if sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            sequence = _sequences[table] = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
        return [r[0] for r in cursor.fetchall()]


def insert_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence], *, returning_ids: bool = False
) -> list[int]:
    """Insert the rows (tuples in ``attnames`` order); their new ids, in row order, when asked."""
    if not rows:
        return []
    fields = [field_by_attname(model, a) for a in attnames]
    ids: list[int] = []
    if returning_ids:
        ids = _new_ids(model, len(rows))
        pk = model._meta.pk
        _copy(
            model._meta.db_table,
            [pk.column, *(f.column for f in fields)],
            [pk, *fields],
            [(i, *row) for i, row in zip(ids, rows, strict=True)],
        )
    else:
        _copy(model._meta.db_table, [f.column for f in fields], fields, rows)
    return ids


def insert_encoded_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert the rows (tuples in ``attnames`` order) whose JSON values are already text
    (``json_text``, or None), one COPY; how many. The rows may be a generator: each is sent as it
    comes, without the pass of ``insert_rows`` that copies every row to encode its JSON columns,
    and none is kept (a preview's change rows: millions, each encoded as it is built)."""
    qn = connection.ops.quote_name
    columns = [field_by_attname(model, a).column for a in attnames]
    sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    started = time.monotonic()
    n = 0
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                n += 1
    _log(f"{sql} -- {n} rows", started)
    return n


def update_rows(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Update rows by id: each row is (id, *values in ``attnames`` order)."""
    if not rows:
        return
    pk = model._meta.pk
    fields = [pk, *(field_by_attname(model, a) for a in attnames)]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    temp = None
    if len(rows) < INLINE_UPDATE_ROWS:
        types = [_array_type(f) for f in fields]
        columns = list(zip(*rows, strict=True))
        params = [
            [None if v is None else json_text(v) for v in values] if is_json else list(values)
            for (_, is_json), values in zip(types, columns, strict=True)
        ]
        args = ", ".join(f"%s::{t}[]" for t, _ in types)
        names = [f"c{i}" for i in range(len(fields))]
        select = [f"v.{c}::jsonb" if j else f"v.{c}" for c, (_, j) in zip(names, types, strict=True)]
        source = f"unnest({args}) AS v({', '.join(names)})"
    else:
        temp = f"push_update_{uuid.uuid4().hex}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
                f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {table} WITH NO DATA"
            )
        _copy(temp, [f.column for f in fields], fields, rows)
        params = []
        source = f"{temp} AS v"
        select = [f"v.{qn(f.column)}" for f in fields]
    assignments = ", ".join(f"{qn(f.column)} = {expr}" for f, expr in zip(fields[1:], select[1:], strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{qn(pk.column)} = {select[0]}", params
        )
        if temp is not None:
            cursor.execute(f"DROP TABLE {temp}")


def _array_type(field: models.Field) -> tuple[str, bool]:
    """The PostgreSQL element type to send a column as, and whether it is JSON (sent as text)."""
    if isinstance(field, models.JSONField):
        return "text", True
    if isinstance(field, models.ForeignKey):
        return field.target_field.rel_db_type(connection), False
    if isinstance(field, models.CharField | models.TextField):
        return "text", False
    return field.db_type(connection), False


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
