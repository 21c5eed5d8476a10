"""R74 History: every change to setup, attributes, locks, links and Ignore Master Push is recorded,
whoever made it and however (web form, command, import, push, undo), and the History tab and the
``history`` command show it newest first."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from catalog.models import HistoryRecord
from coursemasters.models import MasterCategory
from courses.models import CourseCategory
from sections.models import SectionCategory

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "district-small.json"


def _history_url(level: str, obj, **query) -> str:
    url = reverse("history:history", args=[level, obj.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _csv(level: str, obj, client, **query) -> list[dict]:
    url = reverse("history:history_csv", args=[level, obj.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _participation(course) -> CourseCategory:
    return CourseCategory.objects.get(course=course, name="Participation")


def _push_master(admin, *, master: str = "ENG9", mode: str = "overwrite"):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.worker import push_job_run_inline

    job, _outcome = push_job_run_inline(
        user=admin, options=MasterPushOptions(year="22-23", catalog="High School Catalog", master=master, mode=mode)
    )
    return job


# ---------------------------------------------------------------------------
# Each path writes its record
# ---------------------------------------------------------------------------


def test_r74_web_form_edit_of_a_course_item_is_recorded_with_before_and_after(district, client):
    # given a school admin signed in
    client.force_login(district.school_admin)
    item = _participation(district.own_course)
    # when they change the weight of the course's own category in its form
    url = reverse("courses:course_item_edit", args=[district.own_course.pk, "categories", item.pk])
    response = client.post(url, {"name": "Participation", "weight": "7", "sequence": "4", "drop_lowest": "0"})
    assert response.status_code == 302
    # then one record says who, how, what, before and after
    record = HistoryRecord.objects.get(level="course", object_pk=district.own_course.pk)
    assert (record.username, record.how, record.data_type, record.item, record.change) == (
        "principal",
        "web",
        "categories",
        "Participation",
        "updated",
    )
    assert record.before["weight"] == "5.00" and record.after["weight"] == "7.00"
    assert record.before["state"] == record.after["state"] == "local"
    assert (record.school, record.calendar, record.course) == ("101 North High", "22-23", "ENG9")


def test_r74_refused_edit_writes_no_record(district, client):
    # a locked, linked category cannot be edited: nothing changed, so nothing is recorded
    client.force_login(district.school_admin)
    item = CourseCategory.objects.get(course=district.own_course, name="Homework")
    url = reverse("courses:course_item_edit", args=[district.own_course.pk, "categories", item.pk])
    client.post(url, {"name": "Homework", "weight": "99", "sequence": "1", "drop_lowest": "0"})
    assert not HistoryRecord.objects.filter(level="course").exists()


def test_r74_master_item_create_edit_delete_and_attributes_by_web_form(district, client):
    client.force_login(district.district_admin)
    master = district.master
    add = reverse("coursemasters:master_item_add", args=[master.pk, "categories"])
    assert (
        client.post(add, {"name": "Projects", "weight": "10", "sequence": "9", "drop_lowest": "0"}).status_code == 302
    )
    item = MasterCategory.objects.get(master=master, name="Projects")
    edit = reverse("coursemasters:master_item_edit", args=[master.pk, "categories", item.pk])
    client.post(edit, {"name": "Projects", "weight": "15", "sequence": "9", "drop_lowest": "0"})
    client.post(reverse("coursemasters:master_item_delete", args=[master.pk, "categories", item.pk]))
    records = list(HistoryRecord.objects.filter(level="master", object_pk=master.pk).order_by("pk"))
    assert [(r.change, r.item, r.how) for r in records] == [
        ("created", "Projects", "web"),
        ("updated", "Projects", "web"),
        ("removed", "Projects", "web"),
    ]
    assert records[0].before is None and records[0].after["weight"] == "10.00"
    assert (records[1].before["weight"], records[1].after["weight"]) == ("10.00", "15.00")
    assert records[2].before["weight"] == "15.00" and records[2].after is None


def test_r74_section_category_by_the_teacher_is_recorded(district, client):
    client.force_login(district.teacher)
    section = district.own_section
    add = reverse("sections:section_category_add", args=[section.pk])
    client.post(add, {"name": "Reading log", "weight": "5", "sequence": "7", "drop_lowest": "0"})
    record = HistoryRecord.objects.get(level="section", object_pk=section.pk)
    assert (record.username, record.how, record.change, record.item) == ("jdoe", "web", "created", "Reading log")
    assert record.after["state"] == "teacher" and record.section == "1" and record.course == "ENG9"


def test_r74_link_ignore_master_push_and_attributes_by_services(district):
    from courses.services import course_attributes_update, course_ignore_master_push_set, course_link_set

    admin, course = district.district_admin, district.own_course
    course_ignore_master_push_set(user=admin, course=course, ignore=True)
    course_attributes_update(user=admin, course=course, values={"department": "Language Arts"})
    course_link_set(user=admin, course=course, master=None)
    records = list(HistoryRecord.objects.filter(level="course", object_pk=course.pk).order_by("pk"))
    # (unlinking also records each pushed item it made local: tests/history/test_r74_unlink_makes_items_local.py)
    assert [(r.data_type, r.change, r.before, r.after) for r in records[:3]] == [
        ("ignore_master_push", "updated", {"ignore_master_push": False}, {"ignore_master_push": True}),
        ("course_info", "updated", {"department": "English"}, {"department": "Language Arts"}),
        ("master_link", "unlinked", {"master": "ENG9"}, {"master": None}),
    ]
    assert {r.after.get("state") for r in records[3:] if r.item != "remembered deletion"} == {"local"}
    assert {r.how for r in records} == {"other"}  # called outside a request, a command or an import


def test_r74_commands_record_with_their_acting_user(district):
    # given the catalog_locks and link_course commands run --as the district admin
    call_command("catalog_locks", "--catalog", "High School Catalog", "--unlock", "credits", "--as", "admin1")
    call_command("link_course", "--school", "101", "--year", "22-23", "--course", "ENG9", "--unlink", "--as", "admin1")
    lock = HistoryRecord.objects.get(level="catalog", object_pk=district.catalog.pk)
    assert (lock.how, lock.username, lock.data_type) == ("command", "admin1", "locks")
    assert "credits" in lock.before["locked_attributes"] and "credits" not in lock.after["locked_attributes"]
    link = HistoryRecord.objects.get(level="course", object_pk=district.own_course.pk, data_type="master_link")
    assert (link.how, link.username, link.change) == ("command", "admin1", "unlinked")


def test_r74_an_import_is_one_record_with_digest_and_counts(district, tmp_path):
    import hashlib

    before = HistoryRecord.objects.count()
    call_command("import_district", str(FIXTURE), "--replace", "--as", "admin1")
    added = list(HistoryRecord.objects.order_by("pk")[before:])
    assert len(added) == 1
    record = added[0]
    document = json.loads(FIXTURE.read_text())
    assert (record.how, record.username, record.level, record.change) == ("import", "admin1", "district", "imported")
    assert record.detail["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert record.detail["counts"]["courses"] == len(document["courses"])
    assert record.detail["counts"]["sections"] == len(document["sections"])
    assert record.item == "district-small.json"


def test_r74_push_and_undo_appear_through_the_change_log(district, client):
    from pushjobs.worker import push_job_undo_run

    admin = district.district_admin
    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    job = _push_master(admin)
    undo, _ = push_job_undo_run(user=admin, job_id=job.pk)
    assert not HistoryRecord.objects.filter(level="course").exists()  # the change log is their record (R70)
    client.force_login(admin)
    rows = _csv("course", district.own_course, client)
    projects = [r for r in rows if r["Item"] == "Projects"]
    # newest first: the undo removed what the push created
    assert [(r["How"], r["Change"], r["Job"]) for r in projects] == [
        ("Undo", "Removed", str(undo.pk)),
        ("Push", "Created", str(job.pk)),
    ]
    assert json.loads(projects[1]["After"])["weight"] == "10.00"
    page = client.get(_history_url("course", district.own_course))
    assert reverse("pushjobs:job_detail", args=[job.pk]) in page.content.decode()


# ---------------------------------------------------------------------------
# The History tab: filters, pagination, downloads
# ---------------------------------------------------------------------------


def _many_edits(district, n: int):
    from courses.services import course_item_update

    item = _participation(district.own_course)
    for weight in range(1, n + 1):
        item = course_item_update(user=district.school_admin, item=item, values={"weight": str(weight)})


def test_r74_history_tab_filters_and_paginates(district, client):
    from courses.services import course_ignore_master_push_set

    _many_edits(district, 55)
    course_ignore_master_push_set(user=district.district_admin, course=district.own_course, ignore=True)
    client.force_login(district.district_admin)
    first = client.get(_history_url("course", district.own_course))
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert html.index("Ignore Master Push") < html.index("Participation")  # newest first
    second = client.get(_history_url("course", district.own_course, page=2)).content.decode()
    assert "Page 2 of 2" in second
    # who: only the district admin's change
    mine = client.get(_history_url("course", district.own_course, who="admin1")).content.decode()
    assert "1 change, filtered" in mine and "Ignore Master Push" in mine
    # data type: the categories only (the import's record is not one)
    cats = _csv("course", district.own_course, client, data_type="categories")
    assert len(cats) == 55 and {r["Data type"] for r in cats} == {"Category"}
    assert [json.loads(r["After"])["weight"] for r in cats[:2]] == ["55.00", "54.00"]
    # how: nothing by command here
    assert _csv("course", district.own_course, client, how="command") == []
    # dates: nothing before today, everything from today
    from django.utils import timezone

    today = timezone.localdate()
    assert _csv("course", district.own_course, client, until=(today.replace(year=today.year - 1)).isoformat()) == []
    assert len(_csv("course", district.own_course, client, since=today.isoformat())) == 57  # + the fixture's import


def test_r74_csv_and_xlsx_downloads_hold_the_same_rows(district, client):
    _many_edits(district, 3)
    client.force_login(district.district_admin)
    rows = _csv("course", district.own_course, client)
    response = client.get(reverse("history:history_xlsx", args=["course", district.own_course.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["When", "How", "Who", "Where", "Data type", "Item", "Change", "Before", "After", "Job"]
    # the same rows; the XLSX, for people, has the values in words where the CSV has JSON (issue 14)
    assert [v[1:7] + v[9:] for v in values[1:]] == [list(r.values())[1:7] + list(r.values())[9:] for r in rows]
    assert values[1][7:9] == ["weight: 2.00", "weight: 3.00"] and json.loads(rows[0]["After"])["weight"] == "3.00"
    assert len(rows) == 4 and rows[-1]["How"] == "Import" and rows[-1]["Where"] == "The whole district"


def test_r74_cells_that_look_like_formulas_are_neutralised(district, client):
    from courses.services import course_attributes_update

    course_attributes_update(user=district.district_admin, course=district.own_course, values={"description": "=1+1"})
    client.force_login(district.district_admin)
    row = _csv("course", district.own_course, client, data_type="course_info")[0]
    assert row["Item"] == "Description" and json.loads(row["After"]) == {"description": "=1+1"}
    # a cell is neutralised when it begins like a formula; JSON begins with "{"
    from catalog.spreadsheets import cell_text

    assert cell_text("=1+1") == "'=1+1"


# ---------------------------------------------------------------------------
# Rights: the same as opening the object
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "level", "what", "status"),
    [
        ("school_admin", "course", "own_course", 200),
        ("school_admin", "course", "other_school_course", 403),
        ("teacher", "course", "own_course", 403),
        ("teacher", "section", "own_section", 200),
        ("teacher", "section", "other_section", 403),
        ("school_admin", "master", "master", 403),
        ("district_admin", "master", "master", 200),
    ],
)
def test_r74_history_rights_are_those_of_the_object(district, client, who, level, what, status):
    client.force_login(getattr(district, who))
    obj = getattr(district, what)
    assert client.get(_history_url(level, obj)).status_code == status
    csv_url = reverse("history:history_csv", args=[level, obj.pk])
    assert client.get(csv_url).status_code == status


def test_r74_section_history_shows_the_teachers_changes_and_pushes_to_sections(district, client):
    from sections.services import section_category_update

    category = SectionCategory.objects.filter(section=district.own_section, state="teacher").first()
    if category is None:
        pytest.skip("the fixture's section has no category of the teacher's own")
    section_category_update(user=district.teacher, category=category, values={"weight": "3"})
    client.force_login(district.teacher)
    rows = _csv("section", district.own_section, client)
    assert rows[0]["Who"] == "jdoe" and rows[0]["Change"] == "Updated"
    html = client.get(_history_url("section", district.own_section)).content.decode()
    assert category.name in html


# ---------------------------------------------------------------------------
# The history command
# ---------------------------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command("history", *args, stdout=out)
    return out.getvalue()


def test_r74_history_command_prints_the_tabs_rows(district, client, tmp_path):
    _many_edits(district, 2)
    text = _run("--course", "101", "22-23", "ENG9")
    rows = list(csv.DictReader(io.StringIO(text)))
    client.force_login(district.district_admin)
    assert rows == _csv("course", district.own_course, client)
    assert [json.loads(r["After"])["weight"] for r in rows[:2]] == ["2.00", "1.00"]
    # XLSX to a file
    out = tmp_path / "h.xlsx"
    call_command("history", "--course", "101", "22-23", "ENG9", "--format", "xlsx", "--out", str(out))
    sheet = load_workbook(out).active
    assert sheet.max_row == len(rows) + 1
    # master and section
    assert _run("--master", "High School Catalog", "ENG9").startswith("When,How,Who")
    assert _run("--section", "101", "22-23", "ENG9", "1").startswith("When,How,Who")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--course", "999", "22-23", "ENG9"], 'no school "999"'),
        (["--course", "101", "22-23", "NOPE"], 'no course "NOPE"'),
        (["--section", "101", "22-23", "ENG9", "77"], 'has no section "77"'),
        (["--master", "No Such Catalog", "ENG9"], 'no course catalog "No Such Catalog"'),
        (["--master", "High School Catalog", "NOPE"], 'no course master "NOPE"'),
    ],
)
def test_r74_history_command_names_what_is_missing(district, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message) as error:
        _run(*args)
    assert error.value.returncode == 2


def test_r74_history_command_checks_the_rights_of_as(district):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="may not read the history"):
        _run("--course", "201", "22-23", "SCI7", "--as", "principal")
    with pytest.raises(CommandError, match="may not read the history"):
        _run("--section", "101", "22-23", "ENG9", "2", "--as", "jdoe")
    assert _run("--section", "101", "22-23", "ENG9", "1", "--as", "jdoe").startswith("When,How,Who")


def test_r74_history_tab_queries_do_not_grow_with_its_rows(district, client, django_assert_max_num_queries):
    from pushjobs.worker import push_job_undo_run

    client.force_login(district.district_admin)
    url = _history_url("course", district.own_course)
    client.get(url)  # the session and the district row, once
    _many_edits(district, 3)
    # a push's rows name tasks and standards: the page reads their names with one query
    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    job = _push_master(district.district_admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    # many more rows, from both sources: an undo and web edits
    push_job_undo_run(user=district.district_admin, job_id=job.pk)
    _many_edits(district, 60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert "Page 1 of" in page.content.decode()
