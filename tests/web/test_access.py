"""Who may open which page (rules.md section 1): every role against every view.

District admins open everything; school admins the courses and sections of their
schools (never catalogs or masters); teachers only their own sections. A refusal
is the explained 403 page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from coursemasters.models import MasterCategory
from courses.models import CourseCategory
from sections.models import Section, SectionCategory

DISTRICT, SCHOOL, TEACHER = "district_admin", "school_admin", "teacher"


def _master_item(d):
    return MasterCategory.objects.filter(master=d.master).first()


def _course_item(d, course):
    return CourseCategory.objects.filter(course=course).first()


def _section_item(section):
    return SectionCategory.objects.filter(section=section).first()


def _other_school_section(d):
    return Section.objects.get(course=d.other_school_course, number="1")


# (name, method, url builder) -> expected status for district admin, school admin (101, 102), teacher (jdoe)
VIEWS = [
    ("home", "get", lambda d: reverse("home"), (200, 200, 200)),
    ("catalog list", "get", lambda d: reverse("catalog:catalog_list"), (200, 403, 403)),
    ("catalog page", "get", lambda d: reverse("catalog:catalog_detail", args=[d.catalog.pk]), (200, 403, 403)),
    ("catalog locks", "post", lambda d: reverse("catalog:catalog_locks", args=[d.catalog.pk]), (302, 403, 403)),
    ("master page", "get", lambda d: reverse("coursemasters:master_detail", args=[d.master.pk]), (200, 403, 403)),
    ("master info", "get", lambda d: reverse("coursemasters:master_attributes", args=[d.master.pk]), (200, 403, 403)),
    (
        "master item add",
        "get",
        lambda d: reverse("coursemasters:master_item_add", args=[d.master.pk, "categories"]),
        (200, 403, 403),
    ),
    (
        "master item edit",
        "get",
        lambda d: reverse("coursemasters:master_item_edit", args=[d.master.pk, "categories", _master_item(d).pk]),
        (200, 403, 403),
    ),
    (
        "master item delete",
        "get",
        lambda d: reverse("coursemasters:master_item_delete", args=[d.master.pk, "categories", _master_item(d).pk]),
        (200, 403, 403),
    ),
    ("course list", "get", lambda d: reverse("courses:course_list"), (200, 200, 302)),
    ("own course", "get", lambda d: reverse("courses:course_detail", args=[d.own_course.pk]), (200, 200, 403)),
    (
        "other school's course",
        "get",
        lambda d: reverse("courses:course_detail", args=[d.other_school_course.pk]),
        (200, 403, 403),
    ),
    ("course info", "get", lambda d: reverse("courses:course_attributes", args=[d.own_course.pk]), (200, 200, 403)),
    (
        "other school's course info",
        "get",
        lambda d: reverse("courses:course_attributes", args=[d.other_school_course.pk]),
        (200, 403, 403),
    ),
    (
        "course item add",
        "get",
        lambda d: reverse("courses:course_item_add", args=[d.own_course.pk, "categories"]),
        (200, 200, 403),
    ),
    (
        "course item edit",
        "get",
        lambda d: reverse(
            "courses:course_item_edit", args=[d.own_course.pk, "categories", _course_item(d, d.own_course).pk]
        ),
        (200, 200, 403),
    ),
    (
        "other school's course item edit",
        "get",
        lambda d: reverse(
            "courses:course_item_edit",
            args=[d.other_school_course.pk, "categories", _course_item(d, d.other_school_course).pk],
        ),
        (200, 403, 403),
    ),
    (
        "course item delete",
        "get",
        lambda d: reverse(
            "courses:course_item_delete", args=[d.own_course.pk, "categories", _course_item(d, d.own_course).pk]
        ),
        (200, 200, 403),
    ),
    ("course link", "get", lambda d: reverse("courses:course_link", args=[d.own_course.pk]), (200, 200, 403)),
    (
        "other school's course link",
        "get",
        lambda d: reverse("courses:course_link", args=[d.other_school_course.pk]),
        (200, 403, 403),
    ),
    (
        "ignore master push",
        "post",
        lambda d: reverse("courses:course_ignore_master_push", args=[d.own_course.pk]),
        (302, 302, 403),
    ),
    (
        "other school's ignore master push",
        "post",
        lambda d: reverse("courses:course_ignore_master_push", args=[d.other_school_course.pk]),
        (302, 403, 403),
    ),
    (
        "push to sections",
        "get",
        lambda d: reverse("pushjobs:push_to_sections", args=[d.own_course.pk]),
        (200, 200, 403),
    ),
    (
        "other school's push to sections",
        "get",
        lambda d: reverse("pushjobs:push_to_sections", args=[d.other_school_course.pk]),
        (200, 403, 403),
    ),
    ("section list", "get", lambda d: reverse("sections:section_list"), (200, 200, 200)),
    ("own section", "get", lambda d: reverse("sections:section_detail", args=[d.own_section.pk]), (200, 200, 200)),
    (
        "another teacher's section",
        "get",
        lambda d: reverse("sections:section_detail", args=[d.other_section.pk]),
        (200, 200, 403),
    ),
    (
        "other school's section",
        "get",
        lambda d: reverse("sections:section_detail", args=[_other_school_section(d).pk]),
        (200, 403, 403),
    ),
    (
        "section category add",
        "get",
        lambda d: reverse("sections:section_category_add", args=[d.own_section.pk]),
        (200, 200, 200),
    ),
    (
        "section category edit",
        "get",
        lambda d: reverse("sections:section_category_edit", args=[d.own_section.pk, _section_item(d.own_section).pk]),
        (200, 200, 200),
    ),
    (
        "another teacher's section category edit",
        "get",
        lambda d: reverse(
            "sections:section_category_edit", args=[d.other_section.pk, _section_item(d.other_section).pk]
        ),
        (200, 200, 403),
    ),
    (
        "section category delete",
        "get",
        lambda d: reverse("sections:section_category_delete", args=[d.own_section.pk, _section_item(d.own_section).pk]),
        (200, 200, 200),
    ),
    (
        "other school's section category add",
        "get",
        lambda d: reverse("sections:section_category_add", args=[_other_school_section(d).pk]),
        (200, 403, 403),
    ),
]

CASES = [
    pytest.param(name, method, url, role, expected[i], id=f"{role}-{name.replace(' ', '_')}")
    for name, method, url, expected in VIEWS
    for i, role in enumerate((DISTRICT, SCHOOL, TEACHER))
]


def _user(district, role):
    return {DISTRICT: district.district_admin, SCHOOL: district.school_admin, TEACHER: district.teacher}[role]


@pytest.mark.parametrize(("name", "method", "url", "role", "expected"), CASES)
def test_role_may_open_only_its_pages(client, district, name, method, url, role, expected):
    # given a signed-in user of this role
    client.force_login(_user(district, role))
    # when they open the page
    response = getattr(client, method)(url(district))
    # then they get it, or the 403 page that says why
    assert response.status_code == expected, f"{role} {name}: {response.status_code}"
    if expected == 403:
        body = response.content.decode()
        assert "You can't open this page" in body
        assert 'id="forbidden-reason"' in body


@pytest.mark.parametrize(
    ("url_name", "args"),
    [("home", []), ("catalog:catalog_list", []), ("courses:course_list", []), ("sections:section_list", [])],
)
def test_signed_out_visitor_is_sent_to_sign_in(client, district, url_name, args):
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_403_page_says_which_school_the_course_belongs_to(client, district):
    client.force_login(district.school_admin)
    response = client.get(reverse("courses:course_detail", args=[district.other_school_course.pk]))
    assert response.status_code == 403
    assert "201 Central Middle, which is not one of your schools" in response.content.decode()


def test_403_page_tells_a_teacher_the_section_is_someone_elses(client, district):
    client.force_login(district.teacher)
    response = client.get(reverse("sections:section_detail", args=[district.other_section.pk]))
    assert response.status_code == 403
    assert "teachers can open only their own sections" in response.content.decode()


def test_404_page_explains_itself(client, district):
    client.force_login(district.district_admin)
    response = client.get("/courses/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "/courses/999999/" in body
