"""R74 History when a course leaves its master: unlinking (or moving to another master) makes the
course's pushed items its own and forgets the deletions it remembered (R7, R9). Beside the link's
own record, each item made local is recorded with its state before and after, and each deletion
forgotten, in one statement: the queries do not grow with the items."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import GradingItem, GradingScale, HistoryRecord
from catalog.setup_types import SETUP_TYPES
from courses.models import Course, CourseCategory, CourseGradeCalcOption, CourseTask
from courses.services import course_link_set

PUSHED = ("linked", "unlinked")


def _records(course) -> list[HistoryRecord]:
    return list(HistoryRecord.objects.filter(level="course", object_pk=course.pk).order_by("pk"))


def _pushed_count(course) -> int:
    return sum(t.model("course").objects.filter(course=course, state__in=PUSHED).count() for t in SETUP_TYPES)


def test_r74_unlinking_by_web_form_records_each_pushed_item_made_local(district, client):
    course = district.own_course
    pushed = {c.name: c.state for c in CourseCategory.objects.filter(course=course, state__in=PUSHED)}
    assert pushed  # the fixture's ENG9 has pushed categories, linked and unlinked
    Course.objects.filter(pk=course.pk).update(desynced_types=["assessments"])
    made_local = _pushed_count(course)
    # when the school admin unlinks the course on its link page
    client.force_login(district.school_admin)
    response = client.post(reverse("courses:course_link", args=[course.pk]), {"master": ""})
    assert response.status_code == 302
    records = _records(course)
    assert {(r.username, r.how) for r in records} == {("principal", "web")}
    # then the link's record, and one per pushed category: its state before, local after
    link = [r for r in records if r.data_type == "master_link"]
    assert [(r.change, r.before, r.after) for r in link] == [("unlinked", {"master": "ENG9"}, {"master": None})]
    categories = {r.item: r for r in records if r.data_type == "categories"}
    assert set(categories) == set(pushed)
    for name, state in pushed.items():
        record = categories[name]
        assert record.change == "updated"
        assert (record.before["state"], record.after["state"]) == (state, "local")
        assert {k: v for k, v in record.before.items() if k != "state"} == {
            k: v for k, v in record.after.items() if k != "state"
        }
    # and the deletion it remembered is forgotten
    forgotten = [r for r in records if r.item == "remembered deletion"]
    assert [(r.data_type, r.change, r.before, r.after) for r in forgotten] == [
        ("assessments", "updated", {"remembered_deletion": True}, {"remembered_deletion": False})
    ]
    # and every pushed item of every type is recorded, nothing else: the link, the items, the deletion
    assert len(records) == 1 + made_local + 1


def test_r74_unlinking_costs_no_query_per_item(district):
    admin = district.district_admin
    small = district.own_course
    # given a second course linked to ENG9 with the same pushed items of every type and remembered
    # deletions, and ten categories, five tasks and five grade calc options (each naming a task and
    # a scale) more
    big = Course.objects.create(
        calendar=small.calendar,
        number="ENG9X",
        name="English 9 X",
        master=small.master,
        desynced_types=small.desynced_types,
    )
    for stype in SETUP_TYPES:
        model = stype.model("course")
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "course_id")]
        for item in model.objects.filter(course=small, state__in=PUSHED):
            model.objects.create(course=big, **{f: getattr(item, f) for f in fields})
    scale = GradingScale.objects.get(name="A-F")
    for n in range(10):
        CourseCategory.objects.create(course=big, name=f"More {n}", weight=1, sequence=20 + n, state="linked")
    for n in range(5):
        task = GradingItem.objects.create(kind="task", code=f"X{n}", name=f"Extra task {n}")
        CourseTask.objects.create(course=big, item=task, state="linked")
        CourseGradeCalcOption.objects.create(course=big, item=task, term="Q1", grading_scale=scale, state="linked")
    assert _pushed_count(big) == _pushed_count(small) + 20
    # when each is unlinked
    with CaptureQueriesContext(connection) as few:
        course_link_set(user=admin, course=small, master=None)
    with CaptureQueriesContext(connection) as many:
        course_link_set(user=admin, course=big, master=None)
    # then the big one has twenty records more, made with as many queries
    assert len(_records(big)) == len(_records(small)) + 20
    assert len(many) == len(few)
