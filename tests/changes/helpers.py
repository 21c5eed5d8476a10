"""Shared helpers of the change log tests (no fixtures: plain functions; the district documents
come from tests/engine/conftest.py)."""

from __future__ import annotations

import csv
import io
from collections import Counter

from catalog.accounts import system_user
from pushjobs.changes_report import change_rows_csv_lines
from pushjobs.models import ChangeRow
from pushjobs.worker import push_job_run_inline


def run(options, *, dry_run=False, user=None):
    """A push (or undo) as a command runs it: its job (None for a dry run) and outcome."""
    return push_job_run_inline(user=user or system_user(), options=options, dry_run=dry_run, poll_seconds=0.05)


def csv_form(rows) -> Counter:
    """Change rows (stored or a dry run's) as the multiset of their CSV lines, the job column aside."""
    text = "".join(change_rows_csv_lines(rows, job=None))
    lines = list(csv.reader(io.StringIO(text)))[1:]
    return Counter(tuple(line[1:]) for line in lines)


def stored(job) -> list[ChangeRow]:
    return list(ChangeRow.objects.filter(job=job).order_by("pk"))


def by_change(rows, change):
    return [r for r in rows if r.change == change]
