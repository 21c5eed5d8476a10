"""Courses and sections with their setup items, states and links (R3-R9, R19-R23), for the people
the pages show them to: district admins every course, school admins their schools' courses,
teachers their own sections. A course's info, its link to a master and Ignore Master Push change
as on the course page (R3, R7, R11); its and its sections' setup items in ``setup_edits``."""

from typing import Any

from ninja import Router, Schema
from pydantic import StrictBool

from catalog.errors import InputError
from catalog.permissions import managed_school_ids
from catalog.selectors import school_get, school_year_get
from catalog.setup_types import COURSE, COURSE_ATTRIBUTES, SECTION
from catalog.web_access import require_course_access, require_section_access
from courses.forms import CourseLinkForm
from courses.page_selectors import course_get, course_list
from courses.selectors import course_desync_reasons
from courses.services import course_attributes_update, course_ignore_master_push_set, course_link_set
from sections.page_selectors import section_get, section_list

from .catalogs import AttributesIn, sent_values
from .errors import ERROR_RESPONSES, ApiError, attributes_refusal, form_refusal, not_found
from .pagination import paginated
from .setup_items import setup_items_json

router = Router(tags=["Courses and sections"])


class CourseOut(Schema):
    id: int
    school: str
    year: str
    number: str
    name: str
    master_id: int | None
    ignore_master_push: bool

    @staticmethod
    def resolve_school(obj):
        return obj.calendar.school.number

    @staticmethod
    def resolve_year(obj):
        return obj.calendar.year.name


class CourseDetailOut(Schema):
    id: int
    school: str
    year: str
    number: str
    name: str
    master_id: int | None
    master: str | None
    ignore_master_push: bool
    desynced: list[str]
    attributes: dict[str, Any]
    setup: dict[str, list[dict[str, Any]]]
    section_ids: list[int]


class SectionOut(Schema):
    id: int
    course_id: int
    course: str
    school: str
    year: str
    number: str
    teacher: str | None

    @staticmethod
    def resolve_course(obj):
        return obj.course.number

    @staticmethod
    def resolve_school(obj):
        return obj.course.calendar.school.number

    @staticmethod
    def resolve_year(obj):
        return obj.course.calendar.year.name

    @staticmethod
    def resolve_teacher(obj):
        return obj.teacher.username if obj.teacher_id else None


class SectionDetailOut(SectionOut):
    advisory: bool
    setup: dict[str, list[dict[str, Any]]]


def _year(name: str):
    return school_year_get(name=name) if name else None


@router.get("/courses", response={200: list[CourseOut], **ERROR_RESPONSES}, summary="Courses")
@paginated()
def courses_list(request, year: str = "", school: str = "", q: str = ""):
    """District admins see every course, school admins those of their schools, teachers none
    (they see their sections)."""
    school_ids = managed_school_ids(request.user)
    courses = course_list(calendar=None, school_ids=school_ids, year=_year(year), query=q)
    if school:
        courses = courses.filter(calendar__school=school_get(number=school))
    return courses


def course_for_request(request, course_id: int):
    course = course_get(pk=course_id)
    if course is None:
        raise not_found(f"course {course_id}")
    require_course_access(request.user, course)
    return course


def _course_json(course) -> dict:
    return {
        "id": course.pk,
        "school": course.calendar.school.number,
        "year": course.calendar.year.name,
        "number": course.number,
        "name": course.name,
        "master_id": course.master_id,
        "master": course.master.number if course.master_id else None,
        "ignore_master_push": course.ignore_master_push,
        "desynced": course_desync_reasons(course=course),
        "attributes": {name: getattr(course, name) for name in COURSE_ATTRIBUTES},
        "setup": setup_items_json(course, COURSE, "course"),
        "section_ids": list(course.sections.order_by("pk").values_list("pk", flat=True)),
    }


@router.get("/courses/{course_id}", response={200: CourseDetailOut, **ERROR_RESPONSES}, summary="One course")
def course_detail(request, course_id: int):
    return _course_json(course_for_request(request, course_id))


@router.patch(
    "/courses/{course_id}", response={200: CourseDetailOut, **ERROR_RESPONSES}, summary="Change a course's info"
)
def course_change(request, course_id: int, payload: AttributesIn):
    """The course's attributes (``number``, ``name``, ``credits``...), only those sent. An attribute
    locked on the catalog of a linked course is refused (403), unless sent unchanged (R3)."""
    values = sent_values(request)
    course = course_for_request(request, course_id)
    attributes_refusal(values, lambda: course_attributes_update(user=request.user, course=course, values=values))
    return _course_json(course_for_request(request, course_id))


class CourseLinkIn(Schema):
    # The master's number (or "ENG9 English 9", as the page suggests it) in the course's school's
    # catalog; null unlinks the course.
    master: str | None


@router.post(
    "/courses/{course_id}/link", response={200: CourseDetailOut, **ERROR_RESPONSES}, summary="Link or unlink a course"
)
def course_link(request, course_id: int, payload: CourseLinkIn):
    """Linking changes no item: what the master has awaits the next push. Unlinking, or moving to
    another master, makes the items pushed from the old master local (R7)."""
    course = course_for_request(request, course_id)
    form = CourseLinkForm({"master": payload.master or ""}, course=course)
    if not form.is_valid():
        raise form_refusal(form)
    try:
        course_link_set(user=request.user, course=course, master=form.cleaned_data["master"])
    except InputError as error:
        raise ApiError(400, str(error), field="master") from None
    return _course_json(course_for_request(request, course_id))


class IgnoreMasterPushIn(Schema):
    ignore: StrictBool


@router.post(
    "/courses/{course_id}/ignore-master-push",
    response={200: CourseDetailOut, **ERROR_RESPONSES},
    summary="Mark or clear Ignore Master Push",
)
def course_ignore_master_push(request, course_id: int, payload: IgnoreMasterPushIn):
    """A marked course receives nothing from any master push (R11)."""
    course = course_for_request(request, course_id)
    course_ignore_master_push_set(user=request.user, course=course, ignore=payload.ignore)
    return _course_json(course_for_request(request, course_id))


@router.get("/sections", response={200: list[SectionOut], **ERROR_RESPONSES}, summary="Sections")
@paginated()
def sections_list(request, year: str = ""):
    """A teacher's own sections; an admin's sections of the schools they manage."""
    return section_list(user=request.user, calendar=None, year=_year(year), school_ids=managed_school_ids(request.user))


@router.get("/sections/{section_id}", response={200: SectionDetailOut, **ERROR_RESPONSES}, summary="One section")
def section_detail(request, section_id: int):
    section = section_get(pk=section_id)
    if section is None:
        raise not_found(f"section {section_id}")
    require_section_access(request.user, section)
    section.setup = setup_items_json(section, SECTION, "section")
    return section
