"""Pages read with a fixed number of queries: more items do not mean more queries."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import CourseCategory
from sections.models import Assignment, Score, SectionCategory


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_course_page_queries_do_not_grow_with_items(client, district):
    client.force_login(district.school_admin)
    url = reverse("courses:course_detail", args=[district.own_course.pk])
    before = _queries(client, url)
    CourseCategory.objects.bulk_create(
        CourseCategory(course=district.own_course, name=f"Extra {i}", weight=Decimal(1), sequence=10 + i)
        for i in range(25)
    )
    assert _queries(client, url) == before


def test_section_page_queries_do_not_grow_with_categories_assignments_or_scores(client, district):
    client.force_login(district.teacher)
    section = district.own_section
    url = reverse("sections:section_detail", args=[section.pk])
    before = _queries(client, url)
    categories = SectionCategory.objects.bulk_create(
        SectionCategory(section=section, name=f"Own {i}", weight=Decimal(1), sequence=10 + i) for i in range(15)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(section=section, name=f"Quiz {i}", category=categories[i], points=Decimal(10)) for i in range(15)
    )
    Score.objects.bulk_create(
        Score(assignment=a, student=f"s{n:04}", score=Decimal(5)) for a in assignments for n in range(5)
    )
    assert _queries(client, url) == before
