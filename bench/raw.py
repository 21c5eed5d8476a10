"""PostgreSQL's own bulk-write speed on tables of the same shape as those a push writes.

For each table, a copy made with ``CREATE TABLE ... (LIKE t INCLUDING ALL)`` (columns, defaults,
identity, check constraints, indexes, the unique expression indexes too) and the table's own
foreign keys, checked at once as the push checks them. Then, timed (best of two): a plain ``INSERT ... SELECT``
of rows copied from the real table (the newest ones: those the push wrote), an ``UPDATE`` that
rewrites every column of those rows, and a ``DELETE`` of them. The same INSERT and UPDATE are
timed again without the foreign keys, to show what the checks cost.

Nothing here goes through Django: one psycopg connection, statements as a DBA would type them.
"""

from __future__ import annotations

import time

import psycopg
from psycopg import sql


def _columns(conn, table: str) -> list[str]:
    rows = conn.execute(
        """
        SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = ''
        ORDER BY a.attnum
        """,
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _foreign_keys(conn, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _timed(conn, statement, *, immediate: bool = True) -> float:
    with conn.transaction():
        if immediate:
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        conn.execute(statement)
        return time.perf_counter() - started


def measure_table(conn, table: str, rows: int, *, repeats: int = 2) -> dict:
    """Rows per second of INSERT ... SELECT, UPDATE and DELETE of ``rows`` rows on a copy of ``table``."""
    clone = f"bench_raw_{table}"[:63]
    columns = _columns(conn, table)
    available = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
    n = min(rows, available)
    if n == 0:
        return {"table": table, "rows": 0}
    ident_clone, ident_table = sql.Identifier(clone), sql.Identifier(table)
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident_clone))
    conn.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(ident_clone, ident_table))
    for i, definition in enumerate(_foreign_keys(conn, table)):
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} " + definition).format(
                ident_clone, sql.Identifier(f"{clone[:50]}_fk{i}")
            )
        )
    insert = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY id DESC LIMIT {}").format(
        ident_clone, cols, cols, ident_table, sql.Literal(n)
    )
    update = sql.SQL("UPDATE {} SET {}").format(
        ident_clone, sql.SQL(", ").join(sql.SQL("{0} = {0}").format(sql.Identifier(c)) for c in columns)
    )
    delete = sql.SQL("DELETE FROM {}").format(ident_clone)
    truncate = sql.SQL("TRUNCATE {}").format(ident_clone)
    try:
        # Best of `repeats`: the cores are shared, and a slower run measures the neighbours.
        t_insert = t_update = t_delete = t_insert_nofk = t_update_nofk = float("inf")
        for _ in range(repeats):
            t_insert = min(t_insert, _timed(conn, insert))
            t_update = min(t_update, _timed(conn, update))
            t_delete = min(t_delete, _timed(conn, delete))
            conn.execute(truncate)
        # The same without foreign keys: what the checks cost.
        for (name,) in conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [clone]
        ).fetchall():
            conn.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(ident_clone, sql.Identifier(name)))
        for _ in range(repeats):
            t_insert_nofk = min(t_insert_nofk, _timed(conn, insert, immediate=False))
            t_update_nofk = min(t_update_nofk, _timed(conn, update, immediate=False))
            conn.execute(truncate)
    finally:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident_clone))
    return {
        "table": table,
        "rows": n,
        "foreign_keys": len(_foreign_keys(conn, table)),
        "insert_per_s": round(n / t_insert),
        "update_per_s": round(n / t_update),
        "delete_per_s": round(n / t_delete),
        "insert_per_s_without_fk": round(n / t_insert_nofk),
        "update_per_s_without_fk": round(n / t_update_nofk),
    }


def measure(dsn: str, written: dict[str, list[int]], *, cap: int, repeats: int = 2) -> dict[str, dict]:
    """Rates for every table a push wrote (``written``: table -> [inserted, updated, deleted])."""
    rates = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, (ins, upd, dele) in sorted(written.items()):
            wanted = min(max(ins, upd, dele, 1000), cap)
            rates[table] = measure_table(conn, table, wanted, repeats=repeats)
    return rates


def raw_seconds(written: dict[str, list[int]], rates: dict[str, dict], *, without_fk: bool = False) -> float | None:
    """How long PostgreSQL itself takes to write what a step wrote, at the measured rates, table by
    table and operation by operation. Tables without a measurement take the mean rate."""
    suffix = "_without_fk" if without_fk else ""
    measured = [r for r in rates.values() if r.get("rows")]
    if not measured:
        return None
    mean = {}
    for op in ("insert", "update", "delete"):
        key = f"{op}_per_s{suffix}" if op != "delete" else "delete_per_s"
        mean[op] = sum(r[key] for r in measured) / len(measured)
    total = 0.0
    for table, (ins, upd, dele) in written.items():
        r = rates.get(table) or {}
        for op, count in (("insert", ins), ("update", upd), ("delete", dele)):
            if not count:
                continue
            key = f"{op}_per_s{suffix}" if op != "delete" else "delete_per_s"
            total += count / (r.get(key) or mean[op])
    return total
