"""R94: a course's and a section's grading setup items are added, changed and removed through the
API as on the course and section pages (R3, R4, R22): every setup type a course holds, the
categories a section's teacher manages; the pages' rights on other schools' courses and other
teachers' sections; a locked item refused in the page's words and left as it was; errors that name
the field (R32); the History the pages write (R74). And a course's info, link and Ignore Master
Push (R3, R7, R11), and a master's info."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils.html import escape

from catalog.models import AssessmentTest, GradingItem, GradingScale
from catalog.services import catalog_locks_set
from catalog.setup_types import COURSE, SECTION, SETUP_TYPES_BY_NAME
from courses.models import Course, CourseCategory
from exchange.formats import types_at
from sections.models import Assignment, Section, SectionCategory

from .conftest import api_as, errors_of


@pytest.fixture
def setup(d):
    """What the items name (tasks, a standard, a test, a scale), and on North High's first course
    the master's Homework as a push leaves it (linked, categories locked), pushed on to its first
    section, where the teacher has a category of their own."""
    for kind, code, name in (
        ("task", "S1", "Semester 1"),
        ("task", "Q1G", "Quarter 1"),
        ("task", "Q2G", "Quarter 2"),
        ("standard", "ELA.W.1", "Writes arguments"),
    ):
        GradingItem.objects.create(kind=kind, code=code, name=name)
    AssessmentTest.objects.create(code="MAP", name="MAP Growth")
    GradingScale.objects.create(name="A-F")
    master_homework = d.master.categories.get(name="Homework")
    d.linked = CourseCategory.objects.create(
        course=d.north_course, name="Homework", weight=master_homework.weight, state="linked", source=master_homework
    )
    d.section_linked = SectionCategory.objects.create(
        section=d.own_section, name="Homework", weight=d.linked.weight, state="linked", source=d.linked
    )
    d.south_section = Section.objects.get(course=d.south_course, number="1")
    return d


def _item_path(owner: str, owner_id: int, type_name: str, item_id: int | None = None) -> str:
    path = f"/{owner}/{owner_id}/setup/{type_name}"
    return path if item_id is None else f"{path}/{item_id}"


# ---------------------------------------------------------------------------
# Every type, through the API
# ---------------------------------------------------------------------------

# Per course setup type: the item to add, a change, and the field the change shows in.
SAMPLES = {
    "grading_tasks": ({"task": "S1", "credit": "0.50"}, {"credit": "1"}, "credit", "1.00"),
    "standards": ({"standard": "ELA.W.1", "score_group": "1-4"}, {"score_group": "A-F"}, "score_group", "A-F"),
    "categories": ({"name": "Labs", "weight": "10"}, {"weight": "15"}, "weight", "15.00"),
    "assessments": ({"test": "MAP", "standard": "ELA.W.1"}, {"copies_forward": True}, "copies_forward", True),
    "grade_calc_options": (
        {"item": "task:S1", "term": "Q1", "grading_scale": "A-F"},
        {"calculation": "proficiency_estimate"},
        "calculation",
        "proficiency_estimate",
    ),
    "composite_grades": (
        {"parent": "task:S1", "children": [{"item": "task:Q1G", "weight": "50"}, {"item": "task:Q2G", "weight": "50"}]},
        {"children": [{"item": "task:Q1G", "weight": "60"}, {"item": "task:Q2G", "weight": "40"}]},
        "children",
        [{"item": "task:Q1G", "weight": "60.00"}, {"item": "task:Q2G", "weight": "40.00"}],
    ),
}


def test_r94_the_samples_cover_every_setup_type_a_course_holds():
    assert set(SAMPLES) == {t.name for t in types_at(COURSE)}


@pytest.mark.parametrize("type_name", sorted(SAMPLES))
def test_r94_every_course_setup_type_is_added_changed_and_removed_with_its_history(setup, type_name):
    d, api = setup, api_as(setup.school_admin)
    values, change, field, changed_to = SAMPLES[type_name]
    model = SETUP_TYPES_BY_NAME[type_name].model(COURSE)
    course_path = f"/courses/{d.north_course.pk}"
    # when a school admin adds the course's own item
    added = api.post(_item_path("courses", d.north_course.pk, type_name), values)
    assert added.status_code == 201, added.content
    item = added.json()["item"]
    assert item["type"] == type_name and item["state"] == "local" and item["linked_to"] is None
    assert item["id"] in {i["id"] for i in api.get(course_path).json()["setup"][type_name]}
    # and changes it
    changed = api.patch(_item_path("courses", d.north_course.pk, type_name, item["id"]), change)
    assert changed.status_code == 200, changed.content
    assert changed.json()["item"][field] == changed_to
    assert changed.json()["item"]["state"] == "local"
    # and removes it
    removed = api.delete(_item_path("courses", d.north_course.pk, type_name, item["id"]))
    assert removed.status_code == 204, removed.content
    assert not model.objects.filter(pk=item["id"]).exists()
    assert item["id"] not in {i["id"] for i in api.get(course_path).json()["setup"][type_name]}
    # then the course's History holds the three changes, newest first, made by them on the web
    history = api.get(f"{course_path}/history", data_type=type_name).json()["results"]
    assert [(r["change"], r["who"], r["how"]) for r in history] == [
        ("removed", "sadmin", "web"),
        ("updated", "sadmin", "web"),
        ("created", "sadmin", "web"),
    ]


def test_r94_a_section_categorys_add_change_remove_and_its_history(setup, as_teacher):
    d = setup
    path = _item_path("sections", d.own_section.pk, "categories")
    added = as_teacher.post(path, {"name": "Labs", "weight": "10"})
    assert added.status_code == 201, added.content
    item = added.json()["item"]
    assert item["state"] == "teacher" and item["weight"] == "10.00"
    changed = as_teacher.patch(f"{path}/{item['id']}", {"weight": "12.5", "drop_lowest": 1})
    assert changed.status_code == 200 and changed.json()["item"]["weight"] == "12.50"
    assert changed.json()["item"]["drop_lowest"] == 1
    assert as_teacher.get(f"/sections/{d.own_section.pk}").json()["setup"]["categories"][-1]["id"] == item["id"]
    assert as_teacher.delete(f"{path}/{item['id']}").status_code == 204
    assert not SectionCategory.objects.filter(pk=item["id"]).exists()
    history = as_teacher.get(f"/sections/{d.own_section.pk}/history", data_type="categories").json()["results"]
    assert [(r["change"], r["who"], r["how"], r["item"]) for r in history] == [
        ("removed", "jdoe", "web", "Labs"),
        ("updated", "jdoe", "web", "Labs"),
        ("created", "jdoe", "web", "Labs"),
    ]


@pytest.mark.parametrize("type_name", ["grade_calc_options", "composite_grades", "grading_tasks", "nonsense"])
def test_r94_a_section_edits_only_the_types_its_teacher_manages(setup, as_teacher, type_name):
    # the section page edits categories; the rest come from the course (and sections hold no tasks)
    refused = as_teacher.post(_item_path("sections", setup.own_section.pk, type_name), {"item": "task:S1"})
    assert refused.status_code == 400
    [error] = errors_of(refused)
    assert error["field"] == "type_name"
    if type_name in SETUP_TYPES_BY_NAME and SECTION in SETUP_TYPES_BY_NAME[type_name].levels:
        assert "pushed from its course" in error["message"] and "E000" in error["message"]
    counts = {t.name: t.model(SECTION).objects.count() for t in types_at(SECTION)}
    assert counts == {"categories": 1, "grade_calc_options": 0, "composite_grades": 0}


# ---------------------------------------------------------------------------
# The role x endpoint x object matrix
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, where, allowed",
    [
        ("district_admin", "south_course", True),
        ("school_admin", "north_course", True),
        ("school_admin", "south_course", False),  # another school's course
        ("middle_admin", "north_course", False),
        ("teacher", "north_course", False),  # teachers work in their sections
    ],
)
def test_r94_course_setup_edits_follow_the_course_pages_rights(setup, who, where, allowed):
    course = getattr(setup, where)
    labs = CourseCategory.objects.create(course=course, name="Labs", weight=Decimal("10"), state="local")
    api = api_as(getattr(setup, who))
    added = api.post(_item_path("courses", course.pk, "categories"), {"name": "Projects", "weight": "5"})
    changed = api.patch(_item_path("courses", course.pk, "categories", labs.pk), {"weight": "15"})
    removed = api.delete(_item_path("courses", course.pk, "categories", labs.pk))
    statuses = [added.status_code, changed.status_code, removed.status_code]
    if allowed:
        assert statuses == [201, 200, 204]
        assert changed.json()["item"]["weight"] == "15.00"
        assert list(CourseCategory.objects.filter(course=course, state="local").values_list("name", flat=True)) == [
            "Projects"
        ]
    else:
        assert statuses == [403, 403, 403]
        assert all(errors_of(r)[0]["message"] for r in (added, changed, removed))
        assert not CourseCategory.objects.filter(name="Projects").exists()
        assert CourseCategory.objects.get(pk=labs.pk).weight == Decimal("10")


@pytest.mark.parametrize(
    "who, where, allowed",
    [
        ("teacher", "own_section", True),
        ("teacher", "other_section", False),  # another teacher's section
        ("other_teacher", "other_section", True),
        ("school_admin", "other_section", True),
        ("school_admin", "south_section", False),  # another school's section
        ("middle_admin", "own_section", False),
        ("district_admin", "south_section", True),
    ],
)
def test_r94_section_setup_edits_follow_the_section_pages_rights(setup, who, where, allowed):
    section = getattr(setup, where)
    own = SectionCategory.objects.create(section=section, name="Labs", weight=Decimal("10"), state="teacher")
    api = api_as(getattr(setup, who))
    added = api.post(_item_path("sections", section.pk, "categories"), {"name": "Projects", "weight": "5"})
    changed = api.patch(_item_path("sections", section.pk, "categories", own.pk), {"weight": "15"})
    removed = api.delete(_item_path("sections", section.pk, "categories", own.pk))
    statuses = [added.status_code, changed.status_code, removed.status_code]
    if allowed:
        assert statuses == [201, 200, 204]
        assert changed.json()["item"]["weight"] == "15.00"
        names = SectionCategory.objects.filter(section=section, state="teacher").values_list("name", flat=True)
        assert list(names) == ["Projects"]
    else:
        assert statuses == [403, 403, 403]
        assert all(errors_of(r)[0]["message"] for r in (added, changed, removed))
        assert not SectionCategory.objects.filter(name="Projects").exists()
        assert SectionCategory.objects.get(pk=own.pk).weight == Decimal("10")


def test_r94_an_item_of_another_course_or_section_and_no_such_owner_are_not_found(setup, as_district_admin):
    d = setup
    south_labs = CourseCategory.objects.create(course=d.south_course, name="Labs", state="local")
    south_own = SectionCategory.objects.create(section=d.south_section, name="Labs", state="teacher")
    # an item is looked for on the owner the path names only
    wrong_course = as_district_admin.patch(_item_path("courses", d.north_course.pk, "categories", south_labs.pk), {})
    wrong_section = as_district_admin.delete(_item_path("sections", d.own_section.pk, "categories", south_own.pk))
    assert wrong_course.status_code == wrong_section.status_code == 404
    assert errors_of(wrong_course)[0]["message"] == f"no category {south_labs.pk} on course E000"
    assert SectionCategory.objects.filter(pk=south_own.pk).exists()
    for path in (_item_path("courses", 999999, "categories"), _item_path("sections", 999999, "categories")):
        assert as_district_admin.post(path, {"name": "Labs"}).status_code == 404


# ---------------------------------------------------------------------------
# Locks: refused as on the page, and nothing changes
# ---------------------------------------------------------------------------


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_r3_a_linked_item_of_a_locked_type_is_refused_in_the_pages_words_and_left_as_it_was(setup, as_school_admin):
    d = setup
    path = _item_path("courses", d.north_course.pk, "categories", d.linked.pk)
    # when a school admin changes, then removes, the master's Homework on a course (categories locked)
    changed = as_school_admin.patch(path, {"weight": "30"})
    removed = as_school_admin.delete(path)
    # then both are refused, saying who manages it, and it is as it was
    assert changed.status_code == removed.status_code == 403
    [edit_error], [delete_error] = errors_of(changed), errors_of(removed)
    assert 'category "Homework" of course E000 comes from course master ENG9' in edit_error["message"]
    assert "it cannot be edited at the course" in edit_error["message"]
    assert "it cannot be deleted at the course" in delete_error["message"]
    linked = CourseCategory.objects.get(pk=d.linked.pk)
    assert (linked.weight, linked.state, linked.source_id) == (Decimal("40.00"), "linked", d.linked.source_id)
    assert not as_school_admin.get(f"/courses/{d.north_course.pk}/history").json()["results"]
    # and the course page refuses the same change with the same message
    page = _page_client(d.school_admin).post(
        f"/courses/{d.north_course.pk}/categories/{d.linked.pk}/edit/",
        {"name": "Homework", "weight": "30", "sequence": "0", "drop_lowest": "0"},
    )
    assert page.status_code == 400
    assert escape(edit_error["message"]) in page.content.decode()


def test_r22_a_category_pushed_to_a_section_is_refused_saying_who_manages_it(setup, as_teacher):
    d = setup
    path = _item_path("sections", d.own_section.pk, "categories", d.section_linked.pk)
    changed = as_teacher.patch(path, {"name": "My homework"})
    removed = as_teacher.delete(path)
    assert changed.status_code == removed.status_code == 403
    message = errors_of(changed)[0]["message"]
    assert message.startswith("Homework is managed by the district course master ENG9 (English 9)")
    assert "cannot be deleted in the section" in errors_of(removed)[0]["message"]
    assert SectionCategory.objects.get(pk=d.section_linked.pk).name == "Homework"
    page = _page_client(d.teacher).post(
        f"/sections/{d.own_section.pk}/categories/{d.section_linked.pk}/edit/",
        {"name": "My homework", "weight": "40", "sequence": "0", "drop_lowest": "0"},
    )
    assert page.status_code == 400 and escape(message) in page.content.decode()


def test_r30_a_section_category_that_holds_assignments_is_not_removed(setup, as_teacher):
    d = setup
    labs = SectionCategory.objects.create(section=d.own_section, name="Labs", state="teacher")
    Assignment.objects.create(section=d.own_section, name="Lab 1", category=labs)
    refused = as_teacher.delete(_item_path("sections", d.own_section.pk, "categories", labs.pk))
    assert refused.status_code == 400
    assert "has 1 assignment: move it to another category first" in errors_of(refused)[0]["message"]
    assert SectionCategory.objects.filter(pk=labs.pk).exists()


# ---------------------------------------------------------------------------
# Errors name the field (R32) and change nothing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_name, body, field, words",
    [
        ("categories", {"name": "Labs", "weight": "heavy"}, "weight", "category weight: 'heavy' is not a number"),
        ("categories", {"name": "Labs", "drop_lowest": -1}, "drop_lowest", "category drop lowest cannot be negative"),
        ("categories", {"name": "Labs", "colour": "red"}, "colour", 'category: unknown field "colour"'),
        ("categories", {"weight": "5"}, "name", "category: name is required"),
        ("categories", {"name": " homework "}, "name", "course E000 already has category"),
        ("grading_tasks", {"task": "ZZ"}, "task", 'grading task item: no grading task "ZZ"'),
        ("grade_calc_options", {"item": "task:S1", "term": "Q9"}, "term", 'grade calc option term "Q9" is not a term'),
        (
            "composite_grades",
            {"parent": "task:S1", "children": [{"item": "task:Q1G", "weight": "x"}]},
            "children",
            "composite grade child 1 weight",
        ),
    ],
)
def test_r32_a_refused_course_item_names_the_field_and_adds_nothing(
    setup, as_school_admin, type_name, body, field, words
):
    model = SETUP_TYPES_BY_NAME[type_name].model(COURSE)
    before = model.objects.count()
    refused = as_school_admin.post(_item_path("courses", setup.north_course.pk, type_name), body)
    assert refused.status_code == 400, refused.content
    [error] = errors_of(refused)
    assert error["field"] == field and error["message"].startswith(words), error
    assert model.objects.count() == before


def test_r32_a_refused_change_names_the_field_and_changes_nothing(setup, as_teacher, as_school_admin):
    d = setup
    own = SectionCategory.objects.create(section=d.own_section, name="Labs", weight=Decimal("10"), state="teacher")
    refused = as_teacher.patch(_item_path("sections", d.own_section.pk, "categories", own.pk), {"weight": "-3"})
    assert refused.status_code == 400
    assert errors_of(refused) == [{"field": "weight", "message": "category weight cannot be negative"}]
    taken = as_teacher.patch(_item_path("sections", d.own_section.pk, "categories", own.pk), {"name": "HOMEWORK"})
    assert taken.status_code == 400 and errors_of(taken)[0]["field"] == "name"
    assert SectionCategory.objects.get(pk=own.pk).name == "Labs"
    not_json = as_school_admin.client.post(
        f"/api/v1/courses/{d.north_course.pk}/setup/categories",
        "[1, 2]",
        content_type="application/json",
        headers={"Authorization": f"Bearer {as_school_admin.token}"},
    )
    assert not_json.status_code == 422


# ---------------------------------------------------------------------------
# History as the pages write it
# ---------------------------------------------------------------------------


def test_r74_an_api_change_writes_the_history_the_page_writes(setup, as_school_admin):
    d = setup
    # given the same course category on North High's two courses
    first, second = d.north_course, Course.objects.get(calendar=d.north_course.calendar, number="E001")
    items = [
        CourseCategory.objects.create(course=c, name="Labs", weight=Decimal("10"), state="local")
        for c in (first, second)
    ]
    # when the first is changed on the course page and the second through the API
    page = _page_client(d.school_admin).post(
        f"/courses/{first.pk}/categories/{items[0].pk}/edit/",
        {"name": "Labs", "weight": "15", "sequence": "0", "drop_lowest": "0"},
    )
    assert page.status_code == 302
    api_change = as_school_admin.patch(_item_path("courses", second.pk, "categories", items[1].pk), {"weight": "15"})
    assert api_change.status_code == 200
    # then both courses' History say the same
    keys = ("how", "who", "level", "data_type", "item", "change", "before", "after")
    rows = [as_school_admin.get(f"/courses/{c.pk}/history").json()["results"] for c in (first, second)]
    assert [[{k: r[k] for k in keys} for r in course_rows] for course_rows in rows[1:]] == [
        [{k: r[k] for k in keys} for r in rows[0]]
    ]
    assert len(rows[0]) == 1 and rows[0][0]["before"] != rows[0][0]["after"]


# ---------------------------------------------------------------------------
# A course's info, link and Ignore Master Push; a master's info
# ---------------------------------------------------------------------------


def test_r3_course_info_changes_and_a_locked_attribute_is_refused_naming_it(setup, as_school_admin):
    d = setup
    path = f"/courses/{d.north_course.pk}"
    changed = as_school_admin.patch(path, {"department": "English", "credits": "1.5"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["attributes"]["department"] == "English"
    assert Course.objects.get(pk=d.north_course.pk).credits == Decimal("1.50")
    bad = as_school_admin.patch(path, {"credits": "lots"})
    assert bad.status_code == 400 and errors_of(bad)[0]["field"] == "credits"
    catalog_locks_set(user=d.district_admin, catalog=d.catalog, lock=["credits"])
    locked = as_school_admin.patch(path, {"credits": "2"})
    assert locked.status_code == 403
    [error] = errors_of(locked)
    assert error["field"] == "credits"
    assert error["message"].startswith('credits of course E000 is locked on catalog "High School Catalog"')
    assert Course.objects.get(pk=d.north_course.pk).credits == Decimal("1.50")
    assert api_as(d.school_admin).patch(f"/courses/{d.south_course.pk}", {"department": "X"}).status_code == 403


def test_r7_a_course_is_unlinked_and_linked_again_by_master_number(setup, as_school_admin, as_teacher):
    d = setup
    path = f"/courses/{d.north_course.pk}/link"
    unlinked = as_school_admin.post(path, {"master": None})
    assert unlinked.status_code == 200 and unlinked.json()["master_id"] is None
    # unlinking made the pushed Homework the course's own (R7)
    assert CourseCategory.objects.get(pk=d.linked.pk).state == "local"
    linked = as_school_admin.post(path, {"master": "ENG9"})
    assert linked.status_code == 200 and linked.json()["master"] == "ENG9"
    history = as_school_admin.get(f"/courses/{d.north_course.pk}/history", data_type="master_link").json()
    assert [r["change"] for r in history["results"]] == ["linked", "unlinked"]
    # a master of another catalog is not one of the course's, and is named so
    other = as_school_admin.post(path, {"master": "ENG7"})
    assert other.status_code == 400 and errors_of(other)[0]["field"] == "master"
    assert Course.objects.get(pk=d.north_course.pk).master_id == d.master.pk
    missing = as_school_admin.post(path, {})
    assert missing.status_code == 422 and errors_of(missing)[0]["field"] == "master"
    assert as_teacher.post(path, {"master": None}).status_code == 403
    assert as_school_admin.post(f"/courses/{d.south_course.pk}/link", {"master": None}).status_code == 403
    assert Course.objects.get(pk=d.south_course.pk).master_id == d.master.pk


def test_r11_ignore_master_push_is_marked_and_cleared(setup, as_school_admin):
    d = setup
    path = f"/courses/{d.north_course.pk}/ignore-master-push"
    marked = as_school_admin.post(path, {"ignore": True})
    assert marked.status_code == 200 and marked.json()["ignore_master_push"] is True
    assert Course.objects.get(pk=d.north_course.pk).ignore_master_push
    bad = as_school_admin.post(path, {"ignore": "maybe"})
    assert bad.status_code == 422 and errors_of(bad)[0]["field"] == "ignore"
    cleared = as_school_admin.post(path, {"ignore": False})
    assert cleared.json()["ignore_master_push"] is False
    history = as_school_admin.get(f"/courses/{d.north_course.pk}/history", data_type="ignore_master_push").json()
    assert [(r["before"], r["after"]) for r in history["results"]] == [
        ({"ignore_master_push": True}, {"ignore_master_push": False}),
        ({"ignore_master_push": False}, {"ignore_master_push": True}),
    ]
    assert as_school_admin.post(f"/courses/{d.south_course.pk}/ignore-master-push", {"ignore": True}).status_code == 403


def test_r94_a_masters_info_is_changed_by_district_admins_only(setup, as_district_admin, as_school_admin):
    d = setup
    changed = as_district_admin.patch(f"/masters/{d.master.pk}", {"description": "Reading and writing"})
    assert changed.status_code == 200 and changed.json()["attributes"]["description"] == "Reading and writing"
    bad = as_district_admin.patch(f"/masters/{d.master.pk}", {"credits": "lots"})
    assert bad.status_code == 400 and errors_of(bad)[0]["field"] == "credits"
    assert as_school_admin.patch(f"/masters/{d.master.pk}", {"description": "Mine"}).status_code == 403
    d.master.refresh_from_db()
    assert d.master.description == "Reading and writing"


def test_r60_a_master_is_copied_with_the_setup_chosen(setup, as_district_admin, as_school_admin):
    d = setup
    path = f"/masters/{d.master.pk}/copy"
    copied = as_district_admin.post(
        path,
        {
            "new_number": "ENG9H",
            "new_name": "English 9 Honors",
            "to_catalog": d.other_catalog.pk,
            "data": ["categories"],
        },
    )
    assert copied.status_code == 201, copied.content
    copy = copied.json()
    assert (copy["number"], copy["catalog"], copy["course_count"]) == ("ENG9H", "Middle School Catalog", 0)
    assert [c["name"] for c in copy["setup"]["categories"]] == ["Homework", "Tests"]
    # the number is taken now, and grade calc options need the tasks and standards: each names its field
    taken = as_district_admin.post(path, {"new_number": "ENG9H", "new_name": "Again", "to_catalog": d.other_catalog.pk})
    assert taken.status_code == 400 and errors_of(taken)[0]["field"] == "new_number"
    needs_tasks = as_district_admin.post(path, {"new_number": "ENG9X", "new_name": "X", "data": ["grade_calc_options"]})
    assert needs_tasks.status_code == 400 and errors_of(needs_tasks)[0]["field"] == "data"
    assert as_school_admin.post(path, {"new_number": "ENG9S", "new_name": "Mine"}).status_code == 403
    assert not d.catalog.masters.filter(number__in=["ENG9X", "ENG9S"]).exists()


def test_r32_a_refused_master_item_names_the_field_too(setup, as_district_admin):
    homework = setup.master.categories.get(name="Homework")
    path = f"/masters/{setup.master.pk}/setup/categories"
    bad = as_district_admin.patch(f"{path}/{homework.pk}", {"weight": "heavy"})
    assert bad.status_code == 400
    assert errors_of(bad) == [{"field": "weight", "message": "category weight: 'heavy' is not a number"}]
    taken = as_district_admin.post(path, {"name": "tests"})
    assert taken.status_code == 400 and errors_of(taken)[0]["field"] == "name"
    assert setup.master.categories.count() == 2
