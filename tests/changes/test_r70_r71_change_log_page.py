"""R70, R71: a job's change-log page (issue 12). A finished job keeps its change rows' filter
choices and counts, the page's filtered and last pages show the rows Django's own paginator would,
and the page's queries do not grow with the job's rows."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.accounts import system_user
from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs import preview_views
from pushjobs.change_choices import change_choices_keep
from pushjobs.display import change_row_words, change_rows_names
from pushjobs.engine import MasterPushOptions
from pushjobs.models import ChangeRow, PushJob
from pushjobs.previews import push_job_preview_submit
from pushjobs.ui_selectors import CHANGE_FILTERS, ChangeRowsPaginator

from .helpers import run

OPTIONS = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
# The first push's rarest change (it creates, updates and keeps residual items): a filter of a few pages.
ONE_CHANGE = "kept_residual"


@pytest.fixture
def pushed(db) -> PushJob:
    """A first push of a small generated district: a few thousand change rows of every filter."""
    district_import(district_generate(schools=8, masters=12, seed=5, unpushed=True))
    job, _ = run(OPTIONS)
    return job


def _counted(rows) -> dict:
    """What the rows hold, counted filter by filter with plain GROUP BYs (not the page's one pass)."""
    values = {
        name: [[value, n] for value, n in rows.order_by(name).values_list(name).annotate(n=Count("pk"))]
        for name in CHANGE_FILTERS
    }
    return {"rows": rows.count(), "values": values}


def _kept(job: PushJob) -> dict:
    job.refresh_from_db()
    assert job.change_choices is not None
    return {k: v for k, v in job.change_choices.items() if k != "finished_at"}


def test_r70_a_job_keeps_its_change_rows_choices_and_counts_when_it_completes(pushed):
    rows = ChangeRow.objects.filter(job=pushed)
    expected = _counted(rows)
    assert expected["rows"] > 1000
    assert all(len(expected["values"][name]) > 1 for name in CHANGE_FILTERS), expected

    assert _kept(pushed) == expected


def test_r70_a_job_finished_before_the_counts_were_kept_counts_them_on_its_first_opening(client, pushed):
    # given a job as the migration leaves one finished before: no kept counts
    PushJob.objects.filter(pk=pushed.pk).update(change_choices=None)
    client.force_login(system_user())
    url = reverse("pushjobs:job_detail", args=[pushed.pk])
    expected = _counted(ChangeRow.objects.filter(job=pushed))

    first = client.get(url)

    assert _kept(pushed) == expected
    schools = [value for value, _label in first.context["change_form"].fields["school"].choices]
    assert schools == ["", *(value for value, _n in expected["values"]["school"])]
    # and the next opening reads them, counting nothing
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.context["change_page"].paginator.count == expected["rows"]
    assert not [
        q["sql"] for q in queries if "GROUPING" in q["sql"] or ("COUNT(" in q["sql"] and "changerow" in q["sql"])
    ]


def test_r70_a_job_that_finished_again_is_counted_again(client, pushed):
    # given counts kept at an earlier finish (a failed job that was restarted and finished since)
    stale = {"rows": 3, "values": {name: [["x", 3]] for name in CHANGE_FILTERS}, "finished_at": "2001-01-01T00:00:00"}
    PushJob.objects.filter(pk=pushed.pk).update(change_choices=stale)
    client.force_login(system_user())

    page = client.get(reverse("pushjobs:job_detail", args=[pushed.pk]))

    expected = _counted(ChangeRow.objects.filter(job=pushed))
    assert page.context["change_page"].paginator.count == expected["rows"]
    assert _kept(pushed) == expected


def test_r71_a_preview_keeps_its_would_be_changes_choices_and_counts_when_it_completes(
    db, django_capture_on_commit_callbacks
):
    district_import(district_generate(schools=4, masters=8, seed=5, unpushed=True))
    with django_capture_on_commit_callbacks(execute=True):
        preview = push_job_preview_submit(user=system_user(), options=OPTIONS)
    preview.refresh_from_db()
    assert preview.status == PushJob.COMPLETED
    expected = _counted(preview.preview_changes.all())
    assert expected["rows"] > 100

    assert _kept(preview) == expected


def _reference_page(rows, per_page: int, number) -> tuple[list[int], int, int]:
    page = Paginator(rows.order_by("pk"), per_page).get_page(number)
    return [row.pk for row in page], page.number, page.paginator.num_pages


def test_r70_every_page_holds_the_rows_djangos_paginator_gives_whole_or_filtered(pushed):
    rows = ChangeRow.objects.filter(job=pushed)
    kept = _kept(pushed)
    one_change = dict(kept["values"]["change"])[ONE_CHANGE]
    per_page = 23  # pages that do not split the rows evenly
    assert kept["rows"] > 5 * one_change > 25 * per_page
    for filtered, count in ((rows, kept["rows"]), (rows.filter(change=ONE_CHANGE), one_change)):
        paginator = ChangeRowsPaginator(filtered, per_page, count=count)
        for number in range(1, paginator.num_pages + 2):  # and one past the end: the last
            page = paginator.get_page(number)
            assert ([row.pk for row in page], page.number, paginator.num_pages) == _reference_page(
                filtered, per_page, number
            ), number


@pytest.mark.parametrize(
    "query",
    [{}, {"change": ONE_CHANGE}, {"school": "first"}, {"school": "first", "change": ONE_CHANGE}],
    ids=["whole", "one change", "one school", "school and change"],
)
def test_r70_the_pages_first_middle_and_last_pages_show_their_rows_and_counts(client, pushed, monkeypatch, query):
    monkeypatch.setattr(preview_views, "CHANGE_ROWS_PER_PAGE", 17)
    rows = ChangeRow.objects.filter(job=pushed)
    if "school" in query:
        query = {**query, "school": rows.order_by("pk").values_list("school", flat=True).first()}
    filtered = rows.filter(**query).order_by("pk")
    total = filtered.count()
    pages = -(-total // 17)
    assert pages > 3, total
    client.force_login(system_user())
    url = reverse("pushjobs:job_detail", args=[pushed.pk])

    for number in (1, 2, pages // 2, pages - 1, pages, 10**9):
        response = client.get(url, {**query, "changes_page": number})

        page = response.context["change_page"]
        expected = Paginator(filtered, 17).get_page(number)
        names = change_rows_names(list(expected))
        assert page.object_list == [change_row_words(row, names) for row in expected], number
        assert (page.number, page.paginator.num_pages, page.paginator.count) == (expected.number, pages, total)
        caption = f"{total} changes of {rows.count()}, filtered" if query else f"{total} changes"
        assert caption in response.content.decode()


def _change_section_queries(job: PushJob, query: dict) -> list[str]:
    request = RequestFactory().get("/", query)
    job = PushJob.objects.get(pk=job.pk)
    with CaptureQueriesContext(connection) as queries:
        section = preview_views.change_section(request, job)
        assert section["change_page"].object_list
    return [q["sql"] for q in queries]


def test_r70_the_change_logs_queries_do_not_grow_with_its_rows(pushed):
    # given the same job measured with its rows and with three times its rows
    queries = {}
    small = ChangeRow.objects.filter(job=pushed).count()
    last = {"changes_page": 10**9}
    one = {"change": ONE_CHANGE}
    asked = {"first": {}, "one change": one, "last": last, "one change's last": {**one, **last}}
    for size in ("small", "large"):
        if size == "large":
            copies = [row for row in ChangeRow.objects.filter(job=pushed) for _ in range(2)]
            for row in copies:
                row.pk = None
            ChangeRow.objects.bulk_create(copies, batch_size=5000)
            change_choices_keep(pushed)
        queries[size] = {name: _change_section_queries(pushed, query) for name, query in asked.items()}

    assert _kept(pushed)["rows"] == 3 * small
    for name in asked:
        assert len(queries["large"][name]) == len(queries["small"][name]) <= 3, (name, queries["large"][name])
        # and none of them counts the job's rows: the counts are the kept ones
        assert not [q for q in queries["large"][name] if "COUNT(" in q or "GROUPING" in q], name
