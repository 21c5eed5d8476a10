"""Imports and pushes exclude each other (issue 11): replacing the district while a push writes
would pull its job, its courses and its sections from under it.

A PostgreSQL advisory lock, held to the end of the transaction that takes it: every push chunk
(and preview) takes it shared, so pushes run side by side; an import takes it exclusively, so
it waits for the chunks that are running, and chunks that start meanwhile wait for it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

# Any fixed 64-bit number; this one spells "gradpush".
DISTRICT_WRITE_LOCK = 0x6772616470757368


def district_shared_lock() -> None:
    """Inside a transaction: wait while an import holds the district."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [DISTRICT_WRITE_LOCK])


def district_exclusive_lock(*, on_wait: Callable[[], None] | None = None) -> None:
    """Inside a transaction: wait until no push chunk runs, and keep new ones waiting until the
    transaction ends. ``on_wait`` is told once when it has to wait."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DISTRICT_WRITE_LOCK])
        if cursor.fetchone()[0]:
            return
        if on_wait is not None:
            on_wait()
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISTRICT_WRITE_LOCK])
