"""R73: an undo is a job that puts back, course by course, every change in a job's log; a course
changed since is a conflict; an item the push created that now holds teacher data is kept."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from catalog.models import School, User
from coursemasters.models import MasterCategory
from pushjobs.engine import CoursePushOptions, MasterPushOptions, UndoOptions
from pushjobs.models import ChangeRow, PushJob, PushResultRow
from pushjobs.submit import push_job_undo_submit
from pushjobs.worker import push_job_undo_run
from sections.models import Assignment, SectionCategory
from tests.engine.conftest import (
    CATALOG,
    YEAR,
    add_course,
    assignment,
    category,
    district,
    exported,
    master,
    master_item_remove,
    pushed,
    reload,
    section,
)

from .helpers import run

pytestmark = pytest.mark.django_db
__all__ = ["district"]


def _changing_push_setup(doc):
    """A pushed district, then a master that drops Tests (in use in section 1), changes Homework and
    adds Labs; a teacher category not in use; a second course at South High."""
    master_item_remove(doc, "categories", "Tests")
    master(doc)["categories"] = [category("Homework", "25.00", 1), category("Labs", "5.00", 3)]
    s = section(doc)
    s["categories"].append({**category("Scratch", "1.00", 9), "state": "teacher", "source": None})
    s["assignments"] = [assignment("Essay", category="Tests")]
    master(doc)["attributes"]["state_code"] = "09999"
    reload(doc)


def _options(**kw):
    return MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True, **kw)


def test_r73_undo_puts_back_every_change_and_an_undo_can_be_undone(district):
    # given a district, and a push that creates, updates, removes, renames and keeps residual
    doc = pushed(district)
    _changing_push_setup(doc)
    before = exported()
    job, _ = run(_options())
    after = exported()
    assert after != before

    # when the push is undone
    undo, outcome = run(UndoOptions(job=job.pk))

    # then the district is as it was before the push, and the undo is a job with its own log
    assert exported() == before
    assert undo.kind == PushJob.UNDO and undo.status == PushJob.COMPLETED
    assert outcome.summary.courses_changed == 1 and outcome.summary.courses_failed == 0
    assert ChangeRow.objects.filter(job=undo).count() == ChangeRow.objects.filter(job=job).count()
    # and undoing the undo gives the pushed state again
    run(UndoOptions(job=undo.pk))
    assert exported() == after


def test_r73_a_course_changed_after_the_push_is_a_conflict_and_others_go_on(district):
    doc = pushed(district)
    add_course(doc, "102", master="ENG9")
    _changing_push_setup(doc)
    job, _ = run(_options())
    # a teacher-visible change after the push, in North High's course only
    SectionCategory.objects.filter(section__course__calendar__school__number="101", name="Labs").update(weight=7)
    pushed_south = [c for c in exported()["courses"] if c["calendar"]["school"] == "102"]

    undo, outcome = run(UndoOptions(job=job.pk))

    assert outcome.summary.courses_failed == 1 and outcome.summary.courses_changed == 1
    conflicts = list(PushResultRow.objects.filter(job=undo, outcome="conflict"))
    assert [(r.school, r.course) for r in conflicts] == [("101 North High", "ENG9")]
    assert "section 1 category Labs was changed since" in conflicts[0].detail
    # North High stays as the push left it; South High is put back
    now = exported()
    north = next(c for c in now["courses"] if c["calendar"]["school"] == "101" and c["calendar"]["year"] == YEAR)
    assert {c["name"] for c in north["categories"]} == {"Homework", "Labs", "Tests"}
    south = [c for c in now["courses"] if c["calendar"]["school"] == "102"]
    assert south != pushed_south
    assert south[0]["categories"] == []  # it was never pushed before this push


def test_r73_a_later_push_that_touched_the_course_is_a_conflict(district):
    doc = pushed(district)
    _changing_push_setup(doc)
    job, _ = run(_options())
    unchanged, _ = run(_options())  # nothing left to change: logs nothing, and is no conflict
    assert not ChangeRow.objects.filter(job=unchanged).exists()
    MasterCategory.objects.filter(name="Homework").update(weight=30)
    later, _ = run(_options())
    assert ChangeRow.objects.filter(job=later).exists()

    _, outcome = run(UndoOptions(job=job.pk))

    assert outcome.summary.courses_failed == 1
    row = PushResultRow.objects.get(job__kind=PushJob.UNDO, outcome="conflict")
    assert f"job {later.pk} changed it after job {job.pk}" in row.detail


def test_r73_r30_an_item_the_push_created_that_now_holds_teacher_data_is_kept(district):
    doc = pushed(district)
    _changing_push_setup(doc)
    job, _ = run(_options())
    labs = SectionCategory.objects.get(name="Labs")
    Assignment.objects.create(section=labs.section, name="Lab 1", category=labs, term="Q1", points=10)

    undo, outcome = run(UndoOptions(job=job.pk))

    assert SectionCategory.objects.filter(pk=labs.pk).exists()
    kept = PushResultRow.objects.filter(job=undo, outcome="conflict", item="Labs")
    assert {r.section for r in kept} == {"1", ""}  # the section item and the course item it keeps in use
    assert outcome.summary.courses_failed == 0
    assert SectionCategory.objects.filter(name="Scratch").exists()  # the rest is put back


def test_r73_who_may_undo(district):
    doc = pushed(district)
    doc["users"] += [
        {"username": "north_admin", "role": "school_admin", "schools": ["101"]},
        {"username": "other_admin", "role": "school_admin", "schools": ["101"]},
    ]
    reload(doc)
    admin = User.objects.get(username="north_admin")
    doc2 = exported()
    section(doc2)["categories"].append({**category("Scratch", "1.00", 9), "state": "teacher", "source": None})
    reload(doc2)
    job, _ = run(CoursePushOptions(school="101", year=YEAR, overwrite_categories=True), user=admin)
    assert ChangeRow.objects.filter(job=job).exists()

    with pytest.raises(PermissionError, match="only district admins and the job's submitter"):
        push_job_undo_run(user=User.objects.get(username="other_admin"), job_id=job.pk)
    with pytest.raises(PermissionError):
        push_job_undo_submit(user=User.objects.get(username="jdoe"), job_id=job.pk)
    # the submitter may while they may still push it; not once the school is no longer theirs
    admin.schools.remove(School.objects.get(number="101"))
    with pytest.raises(PermissionError, match="may no longer undo"):
        push_job_undo_run(user=admin, job_id=job.pk)
    admin.schools.add(School.objects.get(number="101"))
    undo, _ = push_job_undo_run(user=admin, job_id=job.pk)
    assert undo.status == PushJob.COMPLETED and undo.requested_by == admin


def test_r73_undo_push_command_prints_the_summary_and_exits_1_on_a_conflict(district, capsys, tmp_path):
    doc = pushed(district)
    _changing_push_setup(doc)
    job, _ = run(_options())
    SectionCategory.objects.filter(name="Labs").update(weight=7)

    changes = tmp_path / "undo.csv"
    for dry_run in (["--dry-run", "--changes", str(changes)], []):
        with pytest.raises(CommandError) as error:
            call_command("undo_push", str(job.pk), *dry_run)
        assert error.value.returncode == 1
        out = capsys.readouterr().out.strip().splitlines()
        assert out[-1] == (
            "courses: 0 changed, 0 unchanged, 0 skipped, 1 failed; items: 0 created, 0 updated, 0 removed, 0 kept "
            "residual"
        )
    assert changes.read_text().splitlines() == [
        "job,level,school,calendar,course,section,teacher,data_type,item,change,before,after"
    ]

    with pytest.raises(CommandError) as error:
        call_command("undo_push", "999999")
    assert error.value.returncode == 2


def test_r73_undo_push_batch_submits_an_undo_job_for_later(district, capsys):
    doc = pushed(district)
    _changing_push_setup(doc)
    job, _ = run(_options())
    capsys.readouterr()

    call_command("undo_push", str(job.pk), "--batch", "--at", "2099-01-31T22:00")

    undo = PushJob.objects.get(kind=PushJob.UNDO)
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(undo.pk)
    assert undo.status == PushJob.QUEUED and undo.options == {"kind": "undo", "job": job.pk}
    assert (undo.target, undo.catalog, undo.conflict_keys) == (job.target, job.catalog, job.conflict_keys)
    assert not ChangeRow.objects.filter(job=undo).exists()
    with pytest.raises(CommandError) as error:  # a queued job is not one to undo (R32)
        call_command("undo_push", str(undo.pk))
    assert error.value.returncode == 2
