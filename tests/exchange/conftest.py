"""Fixtures for the exchange-format tests: the small example district, as text and as a document."""

import copy
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from catalog.models import District, User

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "district-small.json"
SMALL_TEXT = FIXTURE.read_text(encoding="utf-8")
SMALL = json.loads(SMALL_TEXT)

DATA_APPS = ("catalog", "coursemasters", "courses", "sections", "pushjobs", "reports")


@pytest.fixture
def small_doc() -> dict:
    """A fresh copy of tests/fixtures/district-small.json, free to mutate."""
    return copy.deepcopy(SMALL)


def row_counts() -> dict[str, int]:
    """Rows in every table of the district's apps (users and the district row included)."""
    counts = {}
    tables = set(connection.introspection.table_names())
    for label in DATA_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.db_table not in tables:
                continue
            counts[model._meta.label] = model.objects.count()
    counts["district"] = District.objects.count()
    counts["users"] = User.objects.count()
    return counts


def find(records: list[dict], **key) -> tuple[int, dict]:
    """The index and record of the one record whose fields match ``key``."""
    found = [(i, r) for i, r in enumerate(records) if all(r.get(k) == v for k, v in key.items())]
    assert len(found) == 1, key
    return found[0]
