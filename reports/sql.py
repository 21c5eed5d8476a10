"""Running the reports' SQL.

The reports' queries are large (one CTE chain per setup type) and estimated as
expensive, so PostgreSQL would JIT-compile them: on the benchmark district that
compilation alone took 2.4 s of a 3.6 s query that runs in 1 s without it. They
also sort and hash a few hundred thousand rows, more than the default work_mem
holds. Both settings are changed for the report's own transaction only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

WORK_MEM = "64MB"


@contextmanager
def report_cursor(*, server_side: bool = False) -> Iterator:
    """A cursor in a transaction with JIT off and room to sort in memory; ``server_side``
    reads the result a batch at a time (a named cursor) instead of all at once."""
    # No savepoint inside an outer transaction: the settings then last to its end, which is harmless.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)", [WORK_MEM])
        cursor = connection.chunked_cursor() if server_side else connection.cursor()
        with cursor:
            yield cursor
