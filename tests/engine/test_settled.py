"""R18 at scale: a course the database shows to be settled is one planning would leave alone.

Before reading a chunk's items, the engine asks PostgreSQL which courses a push would certainly
leave unchanged (pushjobs/engine/settled.py) and does not read them. These tests plan every
course both ways, on a district as pushes and people leave it (ignored, desynced, residual,
local and teacher items, items awaiting push), and check that the shortcut changes nothing:
a settled course plans to no change and no result row, and a push gives the same outcome.
"""

import pytest

from catalog.models import School, User
from catalog.setup_types import MASTER, SETUP_TYPES_BY_NAME
from coursemasters.services import master_item_update
from courses.models import Course
from courses.services import course_ignore_master_push_set
from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs.engine import CoursePushOptions, MasterPushOptions, push_run, push_scope
from pushjobs.engine.context import resolve
from pushjobs.engine.run import _plan
from pushjobs.engine.snapshot import load_snapshot

YEAR = "24-25"


def _plans(options, *, settle: bool) -> dict:
    ctx = resolve(options)
    plans = {}
    ids = push_scope(options)
    for start in range(0, len(ids), 40):
        snap = load_snapshot(ctx, ids[start : start + 40], lock=False, settle=settle)
        for cp in _plan(ctx, snap):
            plans[cp.course.id] = (cp, cp.course.id in snap.settled)
    return plans


def _assert_settled_courses_plan_to_nothing(options) -> tuple[int, int]:
    planned = _plans(options, settle=False)
    shortcut = _plans(options, settle=True)
    settled = [course_id for course_id, (_, is_settled) in shortcut.items() if is_settled]
    for course_id in settled:
        cp, _ = planned[course_id]
        assert not cp.changed and not cp.rows and not cp.failed and not cp.skipped, (course_id, cp)
    return len(settled), len(planned)


def _high_school() -> str:
    return School.objects.filter(catalog__name="High School Catalog").order_by("number").first().number


MASTER_PUSHES = [
    MasterPushOptions(year=YEAR, catalog=catalog, mode=mode, to_sections=to_sections)
    for catalog in ("Elementary Catalog", "Middle School Catalog", "High School Catalog")
    for mode, to_sections in (("overwrite", True), ("push", True), ("push", False))
]


@pytest.mark.parametrize("options", MASTER_PUSHES, ids=lambda o: f"{o.catalog}-{o.mode}-{o.to_sections}")
def test_r18_settled_master_push_courses_plan_to_nothing(db, options):
    # given a district as pushes, schools and teachers leave it
    district_import(district_generate(schools=6, masters=24, sections_per_course=2, seed=11))
    # then, before a push and after it, every course found settled plans to nothing
    _assert_settled_courses_plan_to_nothing(options)
    push_run(options)
    settled, courses = _assert_settled_courses_plan_to_nothing(options)
    # and after a push the shortcut takes nearly every course (what it leaves to planning is
    # the few with residual course items or a teacher's own weights)
    assert settled >= 0.8 * courses, (settled, courses)


@pytest.mark.parametrize("overwrite", [False, True])
def test_r18_settled_course_push_courses_plan_to_nothing(db, overwrite):
    district_import(district_generate(schools=6, masters=24, sections_per_course=2, seed=12))
    options = CoursePushOptions(school=_high_school(), year=YEAR, overwrite_categories=overwrite)
    _assert_settled_courses_plan_to_nothing(options)
    push_run(options)
    settled, courses = _assert_settled_courses_plan_to_nothing(options)
    assert settled >= 0.8 * courses, (settled, courses)


def test_r8_an_edited_master_unsettles_exactly_its_courses(db):
    # given a pushed district, pushed again so that it is settled
    district_import(district_generate(schools=6, masters=24, sections_per_course=2, seed=13))
    options = MasterPushOptions(year=YEAR, catalog="High School Catalog", mode="overwrite", to_sections=True)
    push_run(options)
    before = {cid for cid, (_, s) in _plans(options, settle=True).items() if s}
    # when a district admin changes a category weight on one master
    category = SETUP_TYPES_BY_NAME["categories"].model(MASTER).objects.filter(master__courses__in=before).first()
    admin = User.objects.filter(role=User.DISTRICT_ADMIN).first()
    master_item_update(user=admin, item=category, values={"weight": str(category.weight + 5)})
    # then that master's settled courses are planned again, and only they
    after = {cid for cid, (_, s) in _plans(options, settle=True).items() if s}
    linked = set(category.master.courses.values_list("pk", flat=True))
    assert before - after == before & linked
    # and the push that follows updates them, as planning says
    outcome = push_run(options)
    assert outcome.summary.courses_changed == len(before & linked)
    assert push_run(options).summary.courses_changed == 0


def test_r18_settled_and_ignored_courses_are_not_read_further(db):
    # given a pushed district where one master was edited since and one course is marked Ignore
    # Master Push: the other courses are settled
    district_import(district_generate(schools=6, masters=24, sections_per_course=2, seed=14))
    options = MasterPushOptions(year=YEAR, catalog="High School Catalog", mode="overwrite", to_sections=True)
    push_run(options)
    admin = User.objects.filter(role=User.DISTRICT_ADMIN).first()
    courses = Course.objects.filter(pk__in=push_scope(options)).order_by("pk")
    course_ignore_master_push_set(user=admin, course=courses[0], ignore=True)
    edited = courses[1].master
    category = SETUP_TYPES_BY_NAME["categories"].model(MASTER).objects.filter(master=edited).first()
    master_item_update(user=admin, item=category, values={"weight": str(category.weight + 5)})
    # when a chunk of every course is read as a push reads it
    snap = load_snapshot(resolve(options), push_scope(options), lock=False)
    # then only the courses left to plan have their items, their masters' items and sections read
    planned = [c for c in snap.courses if c.master_id == edited.pk and not c.ignore_master_push]
    assert planned and snap.settled == {c.id for c in snap.courses if c not in planned and not c.ignore_master_push}
    assert {c for items in snap.course_items.values() for c in items} == {c.id for c in planned}
    assert {m for items in snap.master_items.values() for m in items} == {edited.pk}
    assert set(snap.sections) == {c.id for c in planned}
    sections = {s.id for c in planned for s in snap.sections[c.id]}
    assert {s for items in snap.section_items.values() for s in items} == sections
    # and the in-use facts are asked of the courses that are not settled only
    assert set(snap.facts.course_ids) == {c.id for c in snap.courses} - snap.settled
