"""R70: the job page's change-log filters offer exactly the values the job's rows hold, each list in
the database's order, read in one pass (GROUPING SETS) instead of one query per filter."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs.engine import MasterPushOptions
from pushjobs.models import ChangeRow
from pushjobs.ui_selectors import CHANGE_FILTERS, change_filter_counts

from .helpers import run


def change_filter_values(rows) -> dict[str, list[str]]:
    """The filters' values as the page offers them, from the one pass that counts them."""
    return {name: [value for value, _n in found] for name, found in change_filter_counts(rows)["values"].items()}


def _one_query_per_filter(rows) -> dict[str, list[str]]:
    return {name: list(rows.order_by(name).values_list(name, flat=True).distinct()) for name in CHANGE_FILTERS}


def test_r70_filter_choices_are_each_filters_distinct_values_in_one_query(db):
    district_import(district_generate(schools=8, masters=12, seed=5, unpushed=True))
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
    job, _ = run(options)
    rows = ChangeRow.objects.filter(job=job)

    with CaptureQueriesContext(connection) as queries:
        found = change_filter_values(rows)
    assert len(queries) == 1
    expected = _one_query_per_filter(rows)
    assert found == expected
    # Every filter has more than one value to choose between, so a mix-up of the sets would show.
    assert all(len(expected[name]) > 1 for name in CHANGE_FILTERS), expected

    # A subset of the rows gives that subset's values, not the job's.
    removed = rows.filter(change="removed")
    assert change_filter_values(removed) == _one_query_per_filter(removed)
    assert change_filter_values(rows.none()) == {name: [] for name in CHANGE_FILTERS}
