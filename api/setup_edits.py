"""Adding, changing and removing a course's and a section's grading setup items (R3, R4, R6, R9,
R22), as the course and section pages do: the page's access check first (district admins every
course, school admins their schools', teachers their own sections), then the same service, which
checks the rights again, refuses locked items in the page's words and writes the History.

A course edits every setup type it holds. A section edits the types its teacher manages
(categories, ``teacher_managed``); it holds the others as pushed from its course, and they are
changed there, as the section page says."""

from __future__ import annotations

from ninja import Router, Status

from catalog.errors import InputError
from catalog.services import setup_type_get
from catalog.setup_types import COURSE, SECTION, SetupType
from catalog.web_access import require_section_access
from courses.page_selectors import course_item_get
from courses.services import course_item_create, course_item_delete, course_item_update
from exchange.formats import types_at
from sections.page_selectors import section_category_get, section_get
from sections.services import section_category_create, section_category_delete, section_category_update

from .catalogs import ItemOut, ItemValuesIn, sent_values
from .courses import course_for_request
from .errors import ERROR_RESPONSES, ApiError, not_found, values_refusal
from .setup_items import setup_item_json

router = Router(tags=["Courses and sections"])


def _setup_type(type_name: str) -> SetupType:
    try:
        return setup_type_get(name=type_name)
    except InputError as error:
        raise ApiError(400, str(error), field="type_name") from None


# ---------------------------------------------------------------------------
# Courses
# ---------------------------------------------------------------------------


def _course_item(request, course_id: int, type_name: str, item_id: int):
    course = course_for_request(request, course_id)
    setup_type = _setup_type(type_name)
    item = course_item_get(course=course, setup_type=setup_type, pk=item_id)
    if item is None:
        raise not_found(f"{setup_type.label} {item_id} on course {course.number}")
    return setup_type, item


@router.post(
    "/courses/{course_id}/setup/{type_name}",
    response={201: ItemOut, **ERROR_RESPONSES},
    summary="Add a setup item to a course",
)
def course_item_add(request, course_id: int, type_name: str, payload: ItemValuesIn):
    """The course's own item (``local``), whatever the locks (R3)."""
    values = sent_values(request)
    course = course_for_request(request, course_id)
    setup_type = _setup_type(type_name)
    item = values_refusal(
        values,
        lambda: course_item_create(user=request.user, course=course, setup_type=setup_type.name, values=values),
        setup_type=setup_type,
        level=COURSE,
    )
    return Status(201, {"item": setup_item_json(setup_type, COURSE, item)})


@router.patch(
    "/courses/{course_id}/setup/{type_name}/{item_id}",
    response={200: ItemOut, **ERROR_RESPONSES},
    summary="Change a course's setup item",
)
def course_item_change(request, course_id: int, type_name: str, item_id: int, payload: ItemValuesIn):
    """Only the fields sent change. A pushed item of a type locked on the catalog is refused (403),
    but for a pushed composite's weights while composite weights are unlocked (R4); a pushed item
    of an unlocked type becomes ``unlinked`` or ``linked`` by its values (R9); a residual one
    becomes ``local`` (R6)."""
    values = sent_values(request)
    setup_type, item = _course_item(request, course_id, type_name, item_id)
    item = values_refusal(
        values,
        lambda: course_item_update(user=request.user, item=item, values=values),
        setup_type=setup_type,
        level=COURSE,
    )
    return {"item": setup_item_json(setup_type, COURSE, item)}


@router.delete(
    "/courses/{course_id}/setup/{type_name}/{item_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove a course's setup item",
)
def course_item_remove(request, course_id: int, type_name: str, item_id: int):
    """A pushed item of a locked type is refused (403, R3)."""
    _setup_type_found, item = _course_item(request, course_id, type_name, item_id)
    course_item_delete(user=request.user, item=item)
    return Status(204, None)


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _section(request, section_id: int):
    section = section_get(pk=section_id)
    if section is None:
        raise not_found(f"section {section_id}")
    require_section_access(request.user, section)
    return section


def _section_type(type_name: str, section) -> SetupType:
    setup_type = _setup_type(type_name)
    if setup_type.teacher_managed and SECTION in setup_type.levels:
        return setup_type
    own = " and ".join(t.title.lower() for t in types_at(SECTION) if t.teacher_managed)
    if SECTION in setup_type.levels:
        message = (
            f"a section's {setup_type.title.lower()} are pushed from its course: change them on course "
            f"{section.course.number} and push to sections; a section edits its own {own}"
        )
    else:
        message = f"sections hold no {setup_type.title.lower()}: they are set up on the course; a section edits {own}"
    raise ApiError(400, message, field="type_name")


def _section_item(request, section_id: int, type_name: str, item_id: int):
    section = _section(request, section_id)
    setup_type = _section_type(type_name, section)
    item = section_category_get(section=section, pk=item_id)
    if item is None:
        raise not_found(f"{setup_type.label} {item_id} in section {section}")
    return setup_type, item


@router.post(
    "/sections/{section_id}/setup/{type_name}",
    response={201: ItemOut, **ERROR_RESPONSES},
    summary="Add a setup item to a section",
)
def section_item_add(request, section_id: int, type_name: str, payload: ItemValuesIn):
    """A category of the teacher's own (state ``teacher``); its name must be free in the section."""
    values = sent_values(request)
    section = _section(request, section_id)
    setup_type = _section_type(type_name, section)
    item = values_refusal(
        values,
        lambda: section_category_create(user=request.user, section=section, values=values),
        setup_type=setup_type,
        level=SECTION,
    )
    return Status(201, {"item": setup_item_json(setup_type, SECTION, item)})


@router.patch(
    "/sections/{section_id}/setup/{type_name}/{item_id}",
    response={200: ItemOut, **ERROR_RESPONSES},
    summary="Change a section's setup item",
)
def section_item_change(request, section_id: int, type_name: str, item_id: int, payload: ItemValuesIn):
    """A category pushed to the section is refused (403), saying who manages it (R22); a residual
    one becomes the teacher's own."""
    values = sent_values(request)
    setup_type, item = _section_item(request, section_id, type_name, item_id)
    item = values_refusal(
        values,
        lambda: section_category_update(user=request.user, category=item, values=values),
        setup_type=setup_type,
        level=SECTION,
    )
    return {"item": setup_item_json(setup_type, SECTION, item)}


@router.delete(
    "/sections/{section_id}/setup/{type_name}/{item_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove a section's setup item",
)
def section_item_remove(request, section_id: int, type_name: str, item_id: int):
    """A pushed category is refused (403, R22), and so is one that holds assignments (400, R30)."""
    _setup_type_found, item = _section_item(request, section_id, type_name, item_id)
    section_category_delete(user=request.user, category=item)
    return Status(204, None)
