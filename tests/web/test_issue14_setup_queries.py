"""Issue 14: the pages that list grading setup name composites' children by code and name with one
query for all of a page's composites, so a page with many composites costs what a page with one does
(one query per composite before)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import GradingItem
from coursemasters.models import MasterComposite


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def _composites(master, n: int) -> None:
    """``n`` more composites on the master, each of two tasks of its own."""
    for i in range(n):
        parent, a, b = (GradingItem.objects.create(kind="task", code=f"X{i}{s}", name=f"Extra {i}{s}") for s in "PAB")
        MasterComposite.objects.create(
            master=master,
            parent=parent,
            children=[{"item": a.ref, "weight": "50.00"}, {"item": b.ref, "weight": "50.00"}],
        )


@pytest.mark.parametrize("page", ["master", "course", "section"])
def test_setup_pages_name_composites_children_with_one_query_whatever_their_number(client, district, page):
    from courses.models import CourseComposite
    from sections.models import SectionComposite

    url = {
        "master": reverse("coursemasters:master_detail", args=[district.master.pk]),
        "course": reverse("courses:course_detail", args=[district.own_course.pk]),
        "section": reverse("sections:section_detail", args=[district.own_section.pk]),
    }[page]
    client.force_login(district.district_admin)
    client.get(url)  # the session and the district row, once
    one, _ = _queries(client, url)  # the fixture's one S1 composite of tasks (and a standard one)

    _composites(district.master, 12)
    for composite in MasterComposite.objects.filter(master=district.master, parent__code__startswith="X"):
        if page == "course":
            CourseComposite.objects.create(
                course=district.own_course, parent=composite.parent, children=composite.children, state="local"
            )
        if page == "section":
            SectionComposite.objects.create(
                section=district.own_section, parent=composite.parent, children=composite.children, state="teacher"
            )
    many, html = _queries(client, url)

    assert "Extra 11A" in html and "X11A" in html  # the children, by code and name
    assert many == one
