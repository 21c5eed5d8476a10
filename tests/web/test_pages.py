"""What the pages show and what their forms do, through the Django test client.

Each form calls one service; a refusal (lock, bad input) is shown on the page and
changes nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import CourseCatalog
from coursemasters.models import MasterCategory
from courses.models import Course, CourseCategory
from sections.models import SectionCategory


def _text(response) -> str:
    """The page's visible words, tags stripped and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------


def test_layout_navigation_follows_the_role(client, district):
    client.force_login(district.district_admin)
    admin_page = _text(client.get(reverse("home")))
    for entry in ("Catalogs", "Courses", "Push All Course Masters", "Push All Courses", "Batch Queue", "Reports"):
        assert entry in admin_page

    client.force_login(district.teacher)
    teacher_page = _text(client.get(reverse("home")))
    assert "My Sections" in teacher_page
    for entry in ("Catalogs", "Push All Course Masters", "Push All Courses", "Batch Queue"):
        assert entry not in teacher_page


def test_pages_use_no_inline_script_or_style(client, district):
    # CSP forbids inline code: every page's scripts and styles come from our static files.
    client.force_login(district.district_admin)
    for url in (
        reverse("home"),
        reverse("catalog:catalog_detail", args=[district.catalog.pk]),
        reverse("coursemasters:master_detail", args=[district.master.pk]),
        reverse("courses:course_detail", args=[district.own_course.pk]),
        reverse("sections:section_detail", args=[district.own_section.pk]),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert "Content-Security-Policy" in response.headers
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url


def test_toolbar_pick_is_kept_and_narrows_the_course_list(client, district):
    from catalog.models import Calendar

    client.force_login(district.school_admin)
    calendar = Calendar.objects.get(school__number="102", year__name="22-23")
    # when the school admin picks school 102's calendar in the toolbar
    response = client.post(reverse("catalog:toolbar"), {"calendar": calendar.pk, "next": "/courses/"})
    assert response.status_code == 302 and response.url == "/courses/"
    # then the course list shows that calendar's courses only, and the toolbar says so
    page = _text(client.get(reverse("courses:course_list")))
    assert f"Calendar: {calendar.name}" in page
    assert "102 South High" in page
    assert "101 North High" not in page.split("Courses of calendar")[1]


def test_toolbar_refuses_a_school_the_user_does_not_manage(client, district):
    from catalog.models import School

    client.force_login(district.school_admin)
    other = School.objects.get(number="201")
    response = client.post(reverse("catalog:toolbar"), {"school": other.pk, "next": "/"}, follow=True)
    assert any("cannot be picked" in m for m in _messages(response))
    assert "toolbar" not in client.session or client.session["toolbar"].get("school") != other.pk


# ---------------------------------------------------------------------------
# Catalog locks (R1, R5)
# ---------------------------------------------------------------------------


def test_r1_catalog_page_shows_a_checkbox_per_attribute_and_type(client, district):
    client.force_login(district.district_admin)
    response = client.get(reverse("catalog:catalog_detail", args=[district.catalog.pk]))
    html = response.content.decode()
    for name in ("number", "name", "state_code", "credits", "sced_code"):
        assert f'name="attributes" value="{name}"' in html
    for name in ("grading_tasks", "composite_weights", "categories", "assessments"):
        assert f'name="types" value="{name}"' in html
    # the current locks are ticked
    assert re.search(r'name="types" value="categories"[^>]*checked', html)
    assert "ENG9" in _text(response)


def test_r5_unlocking_categories_on_the_catalog_page_saves_at_once(client, district):
    client.force_login(district.district_admin)
    catalog = district.catalog
    keep_types = [t for t in catalog.locked_types if t != "categories"]
    response = client.post(
        reverse("catalog:catalog_locks", args=[catalog.pk]),
        {"attributes": catalog.locked_attributes, "types": keep_types},
        follow=True,
    )
    catalog.refresh_from_db()
    assert "categories" not in catalog.locked_types
    assert set(keep_types) == set(catalog.locked_types)
    assert any("saved" in m for m in _messages(response))
    # and the course page no longer shows its pushed categories locked
    client.force_login(district.school_admin)
    page = client.get(reverse("courses:course_detail", args=[district.own_course.pk])).content.decode()
    homework_row = re.search(r'<tr class="[^"]*" data-item="Homework">.*?</tr>', page, re.S).group(0)
    assert "locked-row" not in homework_row
    assert "categories are unlocked in catalog High School Catalog" in homework_row


# ---------------------------------------------------------------------------
# Course masters
# ---------------------------------------------------------------------------


def test_master_page_walks_every_setup_type(client, district):
    client.force_login(district.district_admin)
    page = _text(client.get(reverse("coursemasters:master_detail", args=[district.master.pk])))
    for title in ("Grading tasks", "Standards", "Categories", "Assessments", "Grade calc options", "Composite grades"):
        assert title in page
    assert "Push to Courses" in page and "Copy Course Master" in page


def test_master_category_added_through_the_form(client, district):
    client.force_login(district.district_admin)
    url = reverse("coursemasters:master_item_add", args=[district.master.pk, "categories"])
    response = client.post(url, {"name": "Projects", "weight": "15", "sequence": "9", "drop_lowest": "0"})
    assert response.status_code == 302
    category = MasterCategory.objects.get(master=district.master, name="Projects")
    assert category.weight == Decimal("15")


def test_master_category_with_a_taken_name_is_refused_with_the_services_message(client, district):
    client.force_login(district.district_admin)
    before = MasterCategory.objects.filter(master=district.master).count()
    url = reverse("coursemasters:master_item_add", args=[district.master.pk, "categories"])
    response = client.post(url, {"name": " homework ", "weight": "15", "sequence": "9", "drop_lowest": "0"})
    assert response.status_code == 400
    assert "course master ENG9 already has category" in _text(response)
    assert MasterCategory.objects.filter(master=district.master).count() == before


def test_master_composite_children_entered_one_a_line(client, district):
    from coursemasters.models import MasterComposite

    client.force_login(district.district_admin)
    composite = MasterComposite.objects.filter(master=district.master).first()
    url = reverse("coursemasters:master_item_edit", args=[district.master.pk, "composite_grades", composite.pk])
    children = "\n".join(f"{c['item']} 25" for c in composite.children)
    response = client.post(url, {"children": children})
    assert response.status_code == 302
    composite.refresh_from_db()
    assert {Decimal(c["weight"]) for c in composite.children} == {Decimal("25")}


# ---------------------------------------------------------------------------
# Courses (R3, R6, R7, R9, R11)
# ---------------------------------------------------------------------------


def test_r6_course_page_shows_state_and_why_of_each_item(client, district):
    client.force_login(district.school_admin)
    response = client.get(reverse("courses:course_detail", args=[district.own_course.pk]))
    html = response.content.decode()
    homework = re.search(r'<tr class="[^"]*" data-item="Homework">.*?</tr>', html, re.S).group(0)
    assert "locked-row" in homework and "icon-lock" in homework
    assert "Pushed from master ENG9; locked by catalog High School Catalog" in homework
    old_projects = re.search(r'<tr class="[^"]*" data-item="Old Projects">.*?</tr>', html, re.S).group(0)
    assert "course managed" in old_projects
    participation = re.search(r'<tr class="[^"]*" data-item="Participation">.*?</tr>', html, re.S).group(0)
    assert ">local<" in participation and "Edit" in participation and "Delete" in participation


def test_r9_course_page_lists_why_the_course_is_desynced(client, district):
    client.force_login(district.school_admin)
    page = _text(client.get(reverse("courses:course_detail", args=[district.own_course.pk])))
    assert "Desynced from its master" in page
    assert "was deleted at the course while categories were unlocked" in page


def test_r3_locked_attribute_is_shown_read_only_and_others_save(client, district):
    client.force_login(district.school_admin)
    course = district.own_course
    url = reverse("courses:course_attributes", args=[course.pk])
    html = client.get(url).content.decode()
    assert re.search(r'<input[^>]*name="name"[^>]*disabled', html)
    # when the admin changes the description (unlocked) and tries to change the name (locked)
    data = {
        "number": course.number,
        "name": "Renamed",
        "state_code": course.state_code,
        "description": "Reading and writing",
        "department": course.department,
        "credits": str(course.credits),
        "grade_levels": ", ".join(course.grade_levels),
        "active": "on",
        "sced_code": course.sced_code,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    course.refresh_from_db()
    # then the description is saved and the locked name is not
    assert course.description == "Reading and writing"
    assert course.name == "English 9"


def test_r3_locked_course_item_edit_shows_the_lock_and_a_forced_post_is_refused(client, district):
    client.force_login(district.school_admin)
    course = district.own_course
    homework = CourseCategory.objects.get(course=course, name="Homework")
    url = reverse("courses:course_item_edit", args=[course.pk, "categories", homework.pk])
    page = client.get(url)
    assert "locked on catalog" in _text(page)
    assert 'id="locked-message"' in page.content.decode()
    response = client.post(url, {"name": "Homework", "weight": "99", "sequence": "1", "drop_lowest": "0"})
    assert response.status_code == 400
    assert "cannot be edited at the course" in _text(response)
    homework.refresh_from_db()
    assert homework.weight == Decimal("20.00")


def test_r3_course_adds_its_own_category_despite_locks(client, district):
    client.force_login(district.school_admin)
    course = district.own_course
    url = reverse("courses:course_item_add", args=[course.pk, "categories"])
    response = client.post(url, {"name": "Portfolio", "weight": "5", "sequence": "7", "drop_lowest": "0"})
    assert response.status_code == 302
    assert CourseCategory.objects.get(course=course, name="Portfolio").state == CourseCategory.LOCAL


def test_course_grade_calc_option_term_is_one_of_the_calendar_terms(client, district):
    client.force_login(district.school_admin)
    url = reverse("courses:course_item_add", args=[district.own_course.pk, "grade_calc_options"])
    html = client.get(url).content.decode()
    for term in district.own_course.calendar.terms:
        assert f'<option value="{term}"' in html


def test_r3_locked_item_delete_is_refused_and_kept(client, district):
    client.force_login(district.school_admin)
    course = district.own_course
    homework = CourseCategory.objects.get(course=course, name="Homework")
    url = reverse("courses:course_item_delete", args=[course.pk, "categories", homework.pk])
    response = client.post(url)
    assert response.status_code == 400
    assert "cannot be deleted at the course" in _text(response)
    assert CourseCategory.objects.filter(pk=homework.pk).exists()


def test_r7_unlinking_a_course_from_the_link_page(client, district):
    client.force_login(district.school_admin)
    course = district.own_course
    response = client.post(reverse("courses:course_link", args=[course.pk]), {"master": ""}, follow=True)
    course.refresh_from_db()
    assert course.master_id is None
    assert any("no longer linked" in m for m in _messages(response))
    assert not CourseCategory.objects.filter(course=course, state__in=["linked", "unlinked"]).exists()


def test_r7_the_master_is_picked_by_typing_from_suggestions(client, district):
    # issue 14: a catalog of 152 masters is no plain select; a datalist suggests them by number and name
    client.force_login(district.school_admin)
    course = district.own_course
    url = reverse("courses:course_link", args=[course.pk])
    page = client.get(url).content.decode()
    assert 'list="master-options"' in page
    assert '<option value="ENG9 English 9"></option>' in page

    unknown = client.post(url, {"master": "NOPE9"})
    assert unknown.status_code == 400
    assert "No course master &quot;NOPE9&quot; in this catalog" in unknown.content.decode()

    client.post(url, {"master": ""})
    client.post(url, {"master": "ENG9 English 9"})
    course.refresh_from_db()
    assert course.master.number == "ENG9"


def test_r11_ignore_master_push_toggle(client, district):
    client.force_login(district.school_admin)
    course = district.own_course
    url = reverse("courses:course_ignore_master_push", args=[course.pk])
    response = client.post(url, {"ignore": "True"}, follow=True)
    assert Course.objects.get(pk=course.pk).ignore_master_push is True
    assert any("master pushes skip ENG9" in m for m in _messages(response))
    assert 'value="Turn off Ignore Master Push"' in response.content.decode()
    client.post(url, {"ignore": "False"})
    assert Course.objects.get(pk=course.pk).ignore_master_push is False


def test_push_to_sections_needs_the_confirmation_ticked(client, district):
    client.force_login(district.school_admin)
    url = reverse("pushjobs:push_to_sections", args=[district.own_course.pk])
    page = _text(client.get(url))
    assert "I understand and wish to continue" in page
    response = client.post(url, {"data": ["categories"]})
    assert response.status_code == 400
    assert "Tick “I understand and wish to continue” to push." in _text(response)


# ---------------------------------------------------------------------------
# Sections (R22, R23)
# ---------------------------------------------------------------------------


def test_r22_section_page_shows_pushed_categories_locked_with_who_manages_them(client, district):
    client.force_login(district.teacher)
    html = client.get(reverse("sections:section_detail", args=[district.own_section.pk])).content.decode()
    homework = re.search(r'<tr class="[^"]*" data-item="Homework">.*?</tr>', html, re.S).group(0)
    assert "icon-lock" in homework
    assert "managed by the district course master ENG9" in homework
    own = re.search(r'<tr class="[^"]*" data-item="Homework \(1\)">.*?</tr>', html, re.S).group(0)
    assert "Your own category" in own and "Delete" in own


def test_r22_teacher_edit_of_a_pushed_category_is_refused_with_the_lock_message(client, district):
    client.force_login(district.teacher)
    homework = SectionCategory.objects.get(section=district.own_section, name="Homework")
    url = reverse("sections:section_category_edit", args=[district.own_section.pk, homework.pk])
    assert "is managed by the district course master ENG9" in _text(client.get(url))
    response = client.post(url, {"name": "Homework", "weight": "1", "sequence": "1", "drop_lowest": "0"})
    assert response.status_code == 400
    assert "cannot be edited in the section" in _text(response)
    homework.refresh_from_db()
    assert homework.weight == Decimal("20.00")


def test_teacher_edits_an_own_category(client, district):
    client.force_login(district.teacher)
    own = SectionCategory.objects.get(section=district.own_section, name="Homework (1)")
    url = reverse("sections:section_category_edit", args=[district.own_section.pk, own.pk])
    response = client.post(url, {"name": "Essays", "weight": "12.5", "sequence": "4", "drop_lowest": "1"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.name, own.weight, own.drop_lowest) == ("Essays", Decimal("12.50"), 1)
    # its assignment stays with it (R30)
    assert own.assignments.filter(name="Essay 1").exists()


def test_r30_category_holding_assignments_cannot_be_deleted(client, district):
    client.force_login(district.teacher)
    own = SectionCategory.objects.get(section=district.own_section, name="Homework (1)")
    url = reverse("sections:section_category_delete", args=[district.own_section.pk, own.pk])
    response = client.post(url)
    assert response.status_code == 400
    assert "move it to another category first" in _text(response)
    assert SectionCategory.objects.filter(pk=own.pk).exists()


def test_r22_deleting_a_locked_category_shows_only_the_refusal(client, district):
    # issue 14 bug 2: the refusal, and not "the category ... is removed" below it
    client.force_login(district.teacher)
    homework = SectionCategory.objects.get(section=district.own_section, name="Homework")
    url = reverse("sections:section_category_delete", args=[district.own_section.pk, homework.pk])
    for response in (client.get(url), client.post(url)):
        page = _text(response)
        assert "cannot be deleted" in page
        assert "removed from section" not in page
        assert 'type="submit" class="btn btn-danger"' not in response.content.decode()
    assert SectionCategory.objects.filter(pk=homework.pk).exists()


def test_teacher_adds_and_deletes_an_own_category(client, district):
    client.force_login(district.teacher)
    section = district.own_section
    add = reverse("sections:section_category_add", args=[section.pk])
    assert (
        client.post(add, {"name": "Projects", "weight": "10", "sequence": "7", "drop_lowest": "0"}).status_code == 302
    )
    category = SectionCategory.objects.get(section=section, name="Projects")
    assert category.state == SectionCategory.TEACHER
    delete = reverse("sections:section_category_delete", args=[section.pk, category.pk])
    assert client.post(delete).status_code == 302
    assert not SectionCategory.objects.filter(pk=category.pk).exists()


def test_r23_read_only_grade_calc_options_are_grayed_out(client, district):
    client.force_login(district.teacher)
    html = client.get(reverse("sections:section_detail", args=[district.own_section.pk])).content.decode()
    rows = re.findall(r"<tr class=\"read-only-row\".*?</tr>", html, re.S)
    assert len(rows) == 1
    # The standard by code and name, as people name it (issue 14), not its reference "standard:ELA.R.1".
    assert "ELA.R.1 Reads closely" in rows[0] and "standard:" not in rows[0]
    assert "No calculation" in rows[0] and "read-only" in rows[0]


def test_section_page_shows_assignments_scores_and_posted_grades(client, district):
    client.force_login(district.teacher)
    page = _text(client.get(reverse("sections:section_detail", args=[district.own_section.pk])))
    assert "Essay 1" in page and "12.5" in page and "extra credit" in page
    assert "Posted grades" in page and "s0001" in page


@pytest.mark.parametrize("role", ["district_admin", "school_admin", "teacher"])
def test_home_page_per_role(client, district, role):
    user = {"district_admin": district.district_admin, "school_admin": district.school_admin}.get(
        role, district.teacher
    )
    client.force_login(user)
    page = _text(client.get(reverse("home")))
    if role == "district_admin":
        assert "Course catalogs" in page and "High School Catalog" in page and "Tools" in page
    elif role == "school_admin":
        assert "Your schools' courses" in page and "ENG9 English 9" in page and "SCI7" not in page
    else:
        assert "Your sections" in page and "ENG9-1 English 9" in page and "ENG9-2" not in page


def test_catalog_list_counts(client, district):
    client.force_login(district.district_admin)
    page = _text(client.get(reverse("catalog:catalog_list")))
    assert CourseCatalog.objects.count() == 2
    assert "High School Catalog" in page and "Middle School Catalog" in page


def test_r19_push_to_sections_confirmed_pushes_the_course_setup_and_says_what_changed(client, district):
    # given a course category the sections do not have yet
    assert not SectionCategory.objects.filter(section=district.own_section, name="Participation").exists()
    client.force_login(district.school_admin)
    url = reverse("pushjobs:push_to_sections", args=[district.own_course.pk])
    # when the school admin confirms the push of categories
    response = client.post(url, {"data": ["categories"], "confirm": "on"}, follow=True)
    # then the sections hold it, pushed and locked, and the page says what the push did
    pushed = SectionCategory.objects.get(section=district.own_section, name="Participation")
    assert pushed.state == SectionCategory.LINKED
    assert any(m.startswith("Pushed ENG9 to its sections: courses: 1 changed") for m in _messages(response))


def test_every_course_section_and_master_page_of_the_district_renders(client, district):
    # Every state and source case of the fixture (unlinked courses, schools without a catalog,
    # items whose source is gone) renders, with each page's edit forms.
    from coursemasters.models import CourseMaster
    from sections.models import Section

    client.force_login(district.district_admin)
    urls = []
    for course in Course.objects.all():
        urls += [
            reverse(name, args=[course.pk])
            for name in ("courses:course_detail", "courses:course_attributes", "courses:course_link")
        ]
    urls += [reverse("sections:section_detail", args=[pk]) for pk in Section.objects.values_list("pk", flat=True)]
    for master in CourseMaster.objects.all():
        urls += [reverse("coursemasters:master_detail", args=[master.pk])]
        urls += [
            reverse("coursemasters:master_item_add", args=[master.pk, t]) for t in ("grading_tasks", "composite_grades")
        ]
    for url in urls:
        assert client.get(url).status_code == 200, url
