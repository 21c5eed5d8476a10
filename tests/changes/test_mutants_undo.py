"""R73, what the mutation test of pushjobs/engine/undo.py found untested (docs/testing.md): every
reason a course is not undone, said exactly; the change log an undo writes, row by row; its
summary; a write that fails; items and numbers that trade names; a dry run; the refusals."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.accounts import system_user
from catalog.models import AssessmentTest
from coursemasters.models import CourseMaster, MasterCategory
from courses.models import Course, CourseCategory
from pushjobs.engine import MasterPushOptions, UndoOptions, push_scope
from pushjobs.engine.api import PushInputError
from pushjobs.engine.undo import undo_chunk
from pushjobs.models import ChangeRow, PushJob, PushResultRow
from pushjobs.previews import push_job_preview_submit
from sections.models import Assignment, Section, SectionCategory, SectionGradeCalcOption
from tests.engine.conftest import (
    CATALOG,
    YEAR,
    add_course,
    assignment,
    category,
    course,
    district,
    exported,
    master,
    master_item_remove,
    pushed,
    reload,
    section,
)

from .helpers import csv_form, run, stored

pytestmark = pytest.mark.django_db
__all__ = ["district"]

NORTH = ("101 North High", YEAR)
KEPT = "created by the job and now used by assignments: kept, since teachers' data is never removed"


def _overwrite(**kw):
    return MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True, **kw)


def _district(doc, *numbers, desynced=()):
    """The base district with the course number unlocked, so that more courses of North High follow
    ENG9 (each with a section 1), and the advisory flag locked, so that a push carries it on to the
    sections; pushed once. The courses named in ``desynced`` then remember a deletion of composite
    grades, which the overwrite forgets."""
    doc["catalogs"][0]["locks"]["attributes"] = ["name", "state_code", "credits", "advisory"]
    for number in numbers:
        add_course(doc, "101", number=number, master="ENG9")
    doc = pushed(doc)
    for number in desynced:
        course(doc, number)["desynced"] = ["composite_grades"]
    return doc


def _change(doc):
    """What the next overwrite changes in every course: the master's state code and advisory flag,
    Homework's weight, S1's credit and the S1 Q1 grade calc option; it adds Labs and the task Q2G;
    each course's local category Extra and each section's teacher category Scratch are removed."""
    m = master(doc)
    m["attributes"].update(state_code="09999", advisory=True)
    next(c for c in m["categories"] if c["name"] == "Homework")["weight"] = "25.00"
    m["categories"].append(category("Labs", "5.00", 3))
    next(t for t in m["grading_tasks"] if t["task"] == "S1")["credit"] = "1.00"
    m["grading_tasks"].append({"task": "Q2G", "credit": "0.00", "credit_type": "English", "score_group": "A-F"})
    next(g for g in m["grade_calc_options"] if g["item"] == "task:S1")["weight_categories"] = True
    for c in doc["courses"]:
        c.setdefault("categories", []).append({**category("Extra", "1.00", 8), "state": "local", "source": None})
    for s in doc["sections"]:
        s.setdefault("categories", []).append({**category("Scratch", "1.00", 9), "state": "teacher", "source": None})
    reload(doc)


def _key(r):
    """What a change row is about (an item's key is unique in its course or section)."""
    return (r.level, r.section_pk, r.data_type, r.item)


def _report(job, outcome=None):
    rows = PushResultRow.objects.filter(job=job)
    if outcome:
        rows = rows.filter(outcome=outcome)
    fields = ("school", "calendar", "course", "course_master", "section", "data_type", "item", "outcome", "detail")
    return sorted(tuple(getattr(r, f) for f in fields) for r in rows)


def test_r73_the_undo_logs_each_change_back_with_before_and_after_swapped(district):
    doc = _district(district, desynced=["ENG9"])
    _change(doc)
    before = exported()
    job, _ = run(_overwrite())
    after = exported()
    rows = stored(job)
    # every kind of row a push logs is there: items created, updated and removed, at the course
    # and in a section, Course Info, a forgotten deletion and the sections' advisory flags
    assert {r.raw["kind"] for r in rows} == {"item", "attribute", "desync", "advisory"}
    assert {(r.level, r.change) for r in rows if r.raw["kind"] == "item"} >= {
        (level, change) for level in ("course", "section") for change in ("created", "updated", "removed")
    }

    undo, _ = run(UndoOptions(job=job.pk))

    assert exported() == before
    undone = {_key(r): r for r in stored(undo)}
    assert len(undone) == len(rows)
    changed_back = {"created": "removed", "removed": "created", "updated": "updated", "relinked": "updated"}
    for r in rows:
        u = undone[_key(r)]
        assert (u.before, u.after) == (r.after, r.before), r.item
        assert u.raw == {**r.raw, "before": r.raw["after"], "after": r.raw["before"]}, r.item
        assert u.change == changed_back[r.change], (r.item, r.change, u.change)
        same = ("school", "calendar", "course", "section", "teacher", "teacher_pk", "course_pk")
        assert [getattr(u, f) for f in same] == [getattr(r, f) for f in same]
        if r.item_pk is not None:
            assert u.item_pk == r.item_pk
    # R72: the result report names each item the undo removed, with its former values
    removed = [u for u in undone.values() if u.change == "removed"]
    assert _report(undo, "removed") == sorted(
        (
            *NORTH,
            "ENG9",
            "",
            u.section,
            u.data_type,
            u.item,
            "removed",
            f"removed; its former values: {_json(u.before)}",
        )
        for u in removed
    )

    # and the undo of the undo is the push again: the same changes (a deletion remembered again is
    # an update of the course, not a relink), the same state
    redo, _ = run(UndoOptions(job=undo.pk))
    assert exported() == after
    again = {"relinked": "updated"}
    assert Counter((_key(r), r.change) for r in stored(redo)) == Counter(
        (_key(r), again.get(r.change, r.change) if r.raw["kind"] == "desync" else r.change) for r in rows
    )


def _json(value):
    from pushjobs.engine.changes import json_text

    return json_text(value)


def test_r73_the_undo_counts_what_it_puts_back_and_its_undo_counts_what_the_push_did(district):
    # given two courses, and a push that creates, updates, removes and keeps residual in each
    add_course(district, "102", master="ENG9")
    doc = pushed(district)
    master_item_remove(doc, "categories", "Tests")
    m = master(doc)
    next(c for c in m["categories"] if c["name"] == "Homework")["weight"] = "25.00"
    m["categories"] += [category("Labs", "5.00", 3), category("Art", "5.00", 4)]
    m["attributes"].update(state_code="09999", credits="2.00")  # Course Info: one item, two attributes
    for s in doc["sections"]:
        s["categories"] += [
            {**category(n, "1.00", 9 + i), "state": "teacher", "source": None}
            for i, n in enumerate(("Scratch", "Notes"))
        ]
        s["assignments"] = [assignment("Essay", category="Tests")]
    reload(doc)
    job, pushed_outcome = run(_overwrite())

    undo, outcome = run(UndoOptions(job=job.pk))

    s = outcome.summary
    changes = Counter(r.change for r in stored(undo))
    assert (s.courses_changed, s.courses_unchanged, s.courses_failed) == (2, 0, 0)
    # Scratch and Notes come back; Labs and Art go, at the courses and sections; the rest is updated
    assert (s.items_created, s.items_removed, s.items_kept_residual) == (4, 8, 0)
    assert (changes["created"], changes["removed"]) == (4, 8)
    assert s.items_updated == sum(changes.values()) - 12 - 2 > 2  # each course's Course Info counts once
    # the undo of the undo is the push again, and counts what the push counted
    _, redone = run(UndoOptions(job=undo.pk))
    assert redone.summary == pushed_outcome.summary
    assert redone.summary.items_kept_residual == 4  # Tests, at each course and section


def test_r73_a_course_changed_since_is_a_conflict_that_says_what_changed(district):
    numbers = [
        "created-changed",
        "created-gone",
        "updated-changed",
        "updated-gone",
        "attribute",
        "advisory",
        "desynced",
        "section-gone",
        "six-changes",
        "back",
        "course-key",
        "section-key",
        "deleted",
    ]
    doc = _district(district, *numbers, desynced=["desynced"])
    _change(doc)
    job, _ = run(_overwrite())

    def of(model, number, **kw):
        where = (
            {"course__number": number} if model in (CourseCategory, Section) else {"section__course__number": number}
        )
        return model.objects.filter(**where, **kw)

    of(SectionCategory, "created-changed", name="Labs").update(weight=7)
    of(CourseCategory, "created-gone", name="Labs").delete()  # its section item loses its source
    of(CourseCategory, "updated-changed", name="Homework").update(weight=30)
    of(SectionGradeCalcOption, "updated-gone", item__code="S1", term="Q1").delete()
    Course.objects.filter(number="attribute").update(state_code="01002")
    of(Section, "advisory").update(advisory=False)
    Course.objects.filter(number="desynced").update(desynced_types=["composite_grades"])
    of(Section, "section-gone").delete()
    of(CourseCategory, "six-changes", name__in=["Homework", "Labs"]).update(weight=2)
    of(SectionCategory, "six-changes", name__in=["Homework", "Labs"]).update(weight=2)
    Course.objects.filter(number="six-changes").update(state_code="01002")
    of(Section, "six-changes").update(advisory=False)
    scratch = ChangeRow.objects.get(job=job, course="back", item="Scratch")
    SectionCategory.objects.create(
        id=scratch.item_pk, section_id=scratch.section_pk, name="Scratch again", weight=1, sequence=9, state="teacher"
    )
    CourseCategory.objects.create(course=Course.objects.get(number="course-key"), name="Extra", weight=3, sequence=8)
    SectionCategory.objects.create(section=of(Section, "section-key").get(), name="Scratch", weight=3, sequence=9)
    Course.objects.filter(number="deleted").delete()

    undo, outcome = run(UndoOptions(job=job.pk))

    assert (outcome.summary.courses_changed, outcome.summary.courses_failed) == (1, len(numbers))
    conflicts = {r[2]: r for r in _report(undo, "conflict")}
    assert set(conflicts) == set(numbers)
    assert all(r[:2] == NORTH and r[3:8] == ("", "", "", "", "conflict") for r in conflicts.values())
    detail = {number: r[8] for number, r in conflicts.items()}
    assert detail == {
        "created-changed": "not undone: section 1 category Labs was changed since",
        "created-gone": "not undone: category Labs is gone since; section 1 category Labs was changed since",
        "updated-changed": "not undone: category Homework was changed since",
        "updated-gone": "not undone: section 1 grade calc option task:S1 Q1 is gone since",
        "attribute": "not undone: its State code is now 01002, not 09999",
        "advisory": "not undone: section 1's advisory flag changed",
        "desynced": "not undone: the deletions remembered for composite grades changed",
        # five reasons, all said
        "section-gone": "not undone: section 1 no longer exists; section 1 category Homework is gone since; "
        "section 1 category Labs is gone since; section 1 grade calc option task:S1 Q1 is gone since; "
        "section 1's advisory flag changed",
        "six-changes": "not undone: category Homework was changed since; category Labs was changed since; "
        "section 1 category Homework was changed since; section 1 category Labs was changed since; "
        "its State code is now 01002, not 09999; and 1 more",
        "back": "not undone: section 1 category Scratch: it is there again",
        "course-key": "not undone: category Extra: another item now has its key",
        "section-key": "not undone: a section's category Scratch: another item now has its key",
        "deleted": "not undone: the course no longer exists",
    }
    # the courses in conflict are left as the push left them, and the undo logged nothing for them
    assert set(ChangeRow.objects.filter(job=undo).values_list("course", flat=True)) == {"ENG9"}


def test_r73_an_item_whose_state_or_source_alone_changed_since_is_a_conflict(district):
    doc = _district(district, "state", "source")
    _change(doc)
    job, _ = run(_overwrite())
    CourseCategory.objects.filter(course__number="state", name="Homework").update(state="unlinked")
    CourseCategory.objects.filter(course__number="source", name="Homework").update(source=None)

    undo, outcome = run(UndoOptions(job=job.pk))

    assert outcome.summary.courses_failed == 2
    assert {r[2]: r[8] for r in _report(undo, "conflict")} == {
        "state": "not undone: category Homework was changed since",
        "source": "not undone: category Homework was changed since",
    }


@pytest.mark.parametrize("changed", [5, 6])
def test_r73_a_conflict_names_five_changes_and_counts_the_rest(district, changed):
    doc = _district(district)
    _change(doc)
    job, _ = run(_overwrite())
    homework = [*CourseCategory.objects.filter(name="Homework"), *SectionCategory.objects.filter(name="Homework")]
    labs = [*CourseCategory.objects.filter(name="Labs"), *SectionCategory.objects.filter(name="Labs")]
    for item in [*homework, *labs][: min(changed, 4)]:
        type(item).objects.filter(pk=item.pk).update(weight=2)
    Course.objects.update(state_code="01002")
    if changed == 6:
        Section.objects.update(advisory=False)

    undo, _ = run(UndoOptions(job=job.pk))

    (row,) = _report(undo, "conflict")
    reasons = [
        "category Homework was changed since",
        "category Labs was changed since",
        "section 1 category Homework was changed since",
        "section 1 category Labs was changed since",
        "its State code is now 01002, not 09999",
    ]
    expected = "not undone: " + "; ".join(reasons) + ("; and 1 more" if changed == 6 else "")
    assert row[8] == expected


def test_r73_r30_items_the_push_created_that_teachers_now_use_are_kept_and_the_course_is_unchanged(district):
    # given two courses, each given Labs by the push, and an assignment in each section's Labs
    add_course(district, "102", master="ENG9")
    doc = pushed(district)
    master(doc)["categories"].append(category("Labs", "5.00", 3))
    reload(doc)
    job, _ = run(_overwrite())
    for labs in SectionCategory.objects.filter(name="Labs"):
        Assignment.objects.create(section=labs.section, name="Lab 1", category=labs, term="Q1", points=10)
    labs_before = set(SectionCategory.objects.filter(name="Labs").values_list("pk", flat=True))

    undo, outcome = run(UndoOptions(job=job.pk))

    # then Labs stays everywhere, each course is unchanged and each kept item reported
    s = outcome.summary
    assert (s.courses_changed, s.courses_unchanged, s.courses_failed, s.items_removed) == (0, 2, 0, 0)
    assert set(SectionCategory.objects.filter(name="Labs").values_list("pk", flat=True)) == labs_before
    assert CourseCategory.objects.filter(name="Labs").count() == 2
    south = ("102 South High", YEAR)
    assert _report(undo) == sorted(
        (*where, "ENG9", "", sec, "categories", "Labs", "conflict", KEPT)
        for where in (NORTH, south)
        for sec in ("", "1")
    )
    assert not ChangeRow.objects.filter(job=undo).exists()


def test_r73_r30_only_the_created_items_teachers_use_are_kept_the_others_go(district):
    doc = pushed(district)
    master(doc)["categories"] += [category("Art", "5.00", 3), category("Labs", "5.00", 4)]
    reload(doc)
    job, _ = run(_overwrite())
    labs = SectionCategory.objects.get(name="Labs")
    Assignment.objects.create(section=labs.section, name="Lab 1", category=labs, term="Q1", points=10)

    undo, outcome = run(UndoOptions(job=job.pk))

    assert not CourseCategory.objects.filter(name="Art").exists() and not SectionCategory.objects.filter(name="Art")
    assert CourseCategory.objects.filter(name="Labs").exists() and SectionCategory.objects.filter(pk=labs.pk).exists()
    assert (outcome.summary.courses_changed, outcome.summary.items_removed) == (1, 2)
    undone = stored(undo)
    assert sorted((r.level, r.item, r.change) for r in undone) == [
        ("course", "Art", "removed"),
        ("section", "Art", "removed"),
    ]
    art = {r.level: r for r in undone}
    assert _report(undo) == sorted(
        [
            (*NORTH, "ENG9", "", "", "categories", "Labs", "conflict", KEPT),
            (*NORTH, "ENG9", "", "1", "categories", "Labs", "conflict", KEPT),
            *(
                (
                    *NORTH,
                    "ENG9",
                    "",
                    r.section,
                    "categories",
                    "Art",
                    "removed",
                    f"removed; its former values: {_json(r.before)}",
                )
                for r in art.values()
            ),
        ]
    )


def test_r73_a_course_whose_writes_fail_is_left_as_it_was_and_the_others_are_put_back(district, caplog):
    # given ENG9 at North High and MATH9 at South High, from two masters
    district["course_masters"].append(
        {"catalog": CATALOG, "number": "MATH9", "name": "Math 9", "categories": [category("Work")]}
    )
    add_course(district, "102", number="MATH9", master="MATH9")
    doc = pushed(district)
    # a push that removes ENG9's MAP assessment and changes MATH9's Work
    master_item_remove(doc, "assessments", "MAP", key_field="test")
    master(doc, "MATH9")["categories"][0]["weight"] = "15.00"
    reload(doc)
    job, _ = run(_overwrite())
    math_pushed = CourseCategory.objects.get(name="Work").weight
    # and the MAP test deleted since, so that the assessment cannot be put back
    AssessmentTest.objects.filter(code="MAP").delete()

    with caplog.at_level(logging.WARNING, logger="pushjobs.engine.undo"):
        undo, outcome = run(UndoOptions(job=job.pk))

    assert (outcome.summary.courses_changed, outcome.summary.courses_failed) == (1, 1)
    (failed,) = _report(undo, "failed_error")
    assert failed[:8] == (*NORTH, "ENG9", "", "", "", "", "failed_error")
    assert failed[8].startswith("IntegrityError: ") and "foreign key" in failed[8]
    # MATH9 is put back; ENG9 is as the push left it, and only MATH9's changes are logged
    assert CourseCategory.objects.get(name="Work").weight != math_pushed
    assert set(ChangeRow.objects.filter(job=undo).values_list("course", flat=True)) == {"MATH9"}
    (record,) = [r for r in caplog.records if r.name == "pushjobs.engine.undo"]
    assert record.getMessage() == "undo chunk failed to apply; redoing it course by course"
    assert record.exc_info and record.exc_info[0] is not None  # with the error's traceback


def test_r73_r13_items_that_traded_names_trade_back(district):
    # given a push after the master's two categories traded names
    pushed(district)
    before = _names()
    MasterCategory.objects.filter(name="Homework").update(name="~")
    MasterCategory.objects.filter(name="Tests").update(name="Homework")
    MasterCategory.objects.filter(name="~").update(name="Tests")
    job, _ = run(_overwrite())
    assert {(c.name, c.weight) for c in CourseCategory.objects.all()} == {("Tests", 20), ("Homework", 80)}

    _, outcome = run(UndoOptions(job=job.pk))

    assert (outcome.summary.courses_changed, outcome.summary.courses_failed) == (1, 0)
    assert _names() == before


def _names():
    """Each course's number and each course and section item's name, weight and state."""
    return sorted(
        (c.number, s, item.name, item.weight, item.state)
        for c in Course.objects.all()
        for s, items in [("", c.coursecategory_set.all())]
        + [(x.number, x.sectioncategory_set.all()) for x in c.sections.all()]
        for item in items
    )


def test_r73_the_undo_names_a_course_by_the_number_it_has_now(district):
    doc = pushed(district)
    master(doc)["categories"].append(category("Labs", "5.00", 3))
    reload(doc)
    CourseMaster.objects.filter(number="ENG9").update(number="ENG9X")
    job, _ = run(_overwrite())
    assert set(ChangeRow.objects.filter(job=job).values_list("course", flat=True)) == {"ENG9"}

    undo, _ = run(UndoOptions(job=job.pk))

    assert Course.objects.get().number == "ENG9"
    assert set(ChangeRow.objects.filter(job=undo).values_list("course", flat=True)) == {"ENG9X"}
    assert {r[2] for r in _report(undo)} == {"ENG9X"}


def test_r73_a_residual_section_item_relinked_to_a_course_item_the_push_created_is_residual_again(district):
    doc = pushed(district)
    master(doc)["categories"].append(category("Labs", "5.00", 3))
    section(doc)["categories"].append({**category("Labs", "1.00", 9), "state": "residual", "source": None})
    reload(doc)
    before = exported()
    job, _ = run(_overwrite())
    assert SectionCategory.objects.get(name="Labs").state == "linked"

    _, outcome = run(UndoOptions(job=job.pk))

    assert outcome.summary.courses_failed == 0
    assert exported() == before


def test_r71_r73_a_dry_run_undo_lists_the_changes_the_undo_makes_and_changes_nothing(district):
    doc = _district(district)
    _change(doc)
    job, _ = run(_overwrite())
    after = exported()

    _, preview = run(UndoOptions(job=job.pk), dry_run=True)

    assert exported() == after
    assert preview.summary.courses_changed == 1
    undo, _ = run(UndoOptions(job=job.pk))
    assert csv_form(preview.changes) == csv_form(stored(undo)) and preview.changes


def test_r73_an_undo_locks_its_courses_and_checks_constraints_at_once_a_dry_run_does_neither(district):
    doc = _district(district)
    _change(doc)
    job, _ = run(_overwrite())
    options = UndoOptions(job=job.pk)
    ids = push_scope(options)

    with CaptureQueriesContext(connection) as dry:
        undo_chunk(options, ids, dry_run=True)
    with CaptureQueriesContext(connection) as applied:
        undo_chunk(options, ids)

    def said(queries, text):
        return any(text in q["sql"] for q in queries)

    assert said(applied, "SET CONSTRAINTS ALL IMMEDIATE") and said(applied, 'FOR UPDATE OF "courses_course"')
    assert not said(dry, "SET CONSTRAINTS") and not said(dry, "FOR UPDATE")


def test_r73_a_chunk_leaves_out_a_course_the_job_did_not_change(district):
    add_course(district, "102", master="ENG9")
    doc = pushed(district)
    master(doc)["categories"].append(category("Labs", "5.00", 3))
    reload(doc)
    job, _ = run(_overwrite(calendars=("102",)))
    north, south = Course.objects.order_by("pk")
    assert push_scope(UndoOptions(job=job.pk)) == [south.pk]

    outcome = undo_chunk(UndoOptions(job=job.pk), [north.pk, south.pk])

    assert (outcome.pushed_course_ids, outcome.failed_course_ids) == ([south.pk], [])
    assert not CourseCategory.objects.filter(name="Labs").exists()
    assert undo_chunk(UndoOptions(job=job.pk), []).pushed_course_ids == []


def test_r32_r73_only_a_completed_push_can_be_undone_and_the_refusal_says_why(district):
    pushed(district)
    with pytest.raises(PushInputError) as error:
        push_scope(UndoOptions(job=999999))
    assert str(error.value) == "no job 999999"

    preview = push_job_preview_submit(user=system_user(), options=_overwrite())
    with pytest.raises(PushInputError) as error:
        push_scope(UndoOptions(job=preview.pk))
    assert str(error.value) == f"job {preview.pk} is queued: only a completed job can be undone"

    PushJob.objects.filter(pk=preview.pk).update(status=PushJob.COMPLETED)  # as the worker leaves it
    with pytest.raises(PushInputError) as error:
        undo_chunk(UndoOptions(job=preview.pk), [Course.objects.get().pk])
    assert str(error.value) == f"job {preview.pk} is a preview: it changed nothing, so there is nothing to undo"


def test_r73_an_item_to_put_back_whose_key_a_new_item_holds_is_a_conflict_when_only_removals_are_undone(district):
    # given a push whose only change in the section's categories is removing the teacher's Scratch
    pushed(district)
    SectionCategory.objects.create(section=Section.objects.get(), name="Scratch", weight=1, sequence=9)
    job, _ = run(_overwrite())
    assert [(r.item, r.change) for r in stored(job)] == [("Scratch", "removed")]
    # and the teacher has made a new Scratch since
    SectionCategory.objects.create(section=Section.objects.get(), name="Scratch", weight=3, sequence=9)

    undo, _ = run(UndoOptions(job=job.pk))

    assert [r[8] for r in _report(undo, "conflict")] == [
        "not undone: a section's category Scratch: another item now has its key"
    ]
