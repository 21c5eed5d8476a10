"""Options checked against the database (R32) and resolved into what a push needs."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Calendar, CourseCatalog, School, SchoolYear
from catalog.setup_types import (
    COURSE,
    COURSE_ATTRIBUTES,
    COURSE_PUSH_DATA,
    MASTER_PUSH_DATA,
    SECTION,
    types_for_course_data,
    types_for_master_data,
)
from coursemasters.models import CourseMaster
from courses.models import Course

from .api import MODES, OVERWRITE, CoursePushOptions, MasterPushOptions, PushInputError
from .levels import TypeLevel, type_level


@dataclass(frozen=True)
class MasterContext:
    """Push All Course Masters / Push to Courses, resolved."""

    options: MasterPushOptions
    catalog_id: int
    calendar_ids: tuple[int, ...]
    master_id: int | None
    overwrite: bool
    course_types: tuple[TypeLevel, ...]  # pushed = ticked ∩ locked (R2)
    section_types: tuple[TypeLevel, ...]  # of those, what sections hold, when pushed to sections (R17)
    partially_locked: frozenset[str]  # partial locks (R4 composite weights) that are locked
    attributes: tuple[str, ...]  # locked Course Info attributes to copy (R16)
    section_advisory: bool  # Course Info carries the advisory flag to sections (R17)

    kind = "master"


@dataclass(frozen=True)
class CourseContext:
    """Push All Courses / Push to Sections, resolved."""

    options: CoursePushOptions
    calendar_id: int
    course_id: int | None
    section_types: tuple[TypeLevel, ...]
    overwrite_categories: bool
    section_advisory: bool

    kind = "course"


def _check_data(data, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise PushInputError(f'unknown data type "{unknown[0]}" (choose from: {", ".join(allowed)})')
    if not data:
        raise PushInputError(f"no data to push: choose at least one of {', '.join(allowed)}")


def _year(name: str) -> SchoolYear:
    year = SchoolYear.objects.filter(name=name).first()
    if year is None:
        raise PushInputError(f'no school year "{name}"')
    return year


def master_context(options: MasterPushOptions) -> MasterContext:
    if options.mode not in MODES:
        raise PushInputError(f'unknown push mode "{options.mode}" (choose push or overwrite)')
    _check_data(options.data, MASTER_PUSH_DATA)
    year = _year(options.year)
    catalog = CourseCatalog.objects.filter(name=options.catalog).first()
    if catalog is None:
        raise PushInputError(f'no course catalog "{options.catalog}"')
    using = dict(Calendar.objects.filter(year=year, school__catalog=catalog).values_list("school__number", "id"))
    if not using:
        raise PushInputError(f'no calendar in {year.name} uses catalog "{catalog.name}"')
    if options.calendars:
        calendar_ids = []
        for number in options.calendars:
            if number in using:
                calendar_ids.append(using[number])
                continue
            school = School.objects.filter(number=number).first()
            if school is None:
                raise PushInputError(f'no school "{number}"')
            if not Calendar.objects.filter(school=school, year=year).exists():
                raise PushInputError(f"school {number} has no calendar in {year.name}")
            raise PushInputError(f'school {number} does not use catalog "{catalog.name}"')
    else:
        calendar_ids = list(using.values())
    master_id = None
    if options.master is not None:
        master_id = CourseMaster.objects.filter(catalog=catalog, number=options.master).values_list("id", flat=True)
        master_id = next(iter(master_id), None)
        if master_id is None:
            raise PushInputError(f'no course master "{options.master}" in catalog "{catalog.name}"')

    locked = set(catalog.locked_types)
    specs = [t for t in types_for_master_data(options.data) if t.lock in locked]
    course_types = tuple(type_level(t.name, COURSE) for t in specs)
    section_types = (
        tuple(type_level(t.name, SECTION) for t in specs if t.reaches_sections) if options.to_sections else ()
    )
    attributes = (
        tuple(a for a in COURSE_ATTRIBUTES if a in catalog.locked_attributes) if "course_info" in options.data else ()
    )
    return MasterContext(
        options=options,
        catalog_id=catalog.pk,
        calendar_ids=tuple(sorted(calendar_ids)),
        master_id=master_id,
        overwrite=options.mode == OVERWRITE,
        course_types=course_types,
        section_types=section_types,
        partially_locked=frozenset(t.partial_lock for t in specs if t.partial_lock and t.partial_lock in locked),
        attributes=attributes,
        section_advisory=options.to_sections and "advisory" in attributes,
    )


def course_context(options: CoursePushOptions) -> CourseContext:
    _check_data(options.data, COURSE_PUSH_DATA)
    year = _year(options.year)
    school = School.objects.filter(number=options.school).first()
    if school is None:
        raise PushInputError(f'no school "{options.school}"')
    calendar_id = Calendar.objects.filter(school=school, year=year).values_list("id", flat=True).first()
    if calendar_id is None:
        raise PushInputError(f"school {school.number} has no calendar in {year.name}")
    course_id = None
    if options.course is not None:
        course_id = Course.objects.filter(calendar_id=calendar_id, number=options.course).values_list("id", flat=True)
        course_id = next(iter(course_id), None)
        if course_id is None:
            raise PushInputError(f'no course "{options.course}" in the {year.name} calendar of school {school.number}')
    return CourseContext(
        options=options,
        calendar_id=calendar_id,
        course_id=course_id,
        section_types=tuple(type_level(t.name, SECTION) for t in types_for_course_data(options.data)),
        overwrite_categories=options.overwrite_categories,
        section_advisory="advisory" in options.data,
    )


def resolve(options: MasterPushOptions | CoursePushOptions) -> MasterContext | CourseContext:
    if isinstance(options, MasterPushOptions):
        return master_context(options)
    if isinstance(options, CoursePushOptions):
        return course_context(options)
    raise PushInputError(f"unknown push options {type(options).__name__}")


def scope_queryset(ctx: MasterContext | CourseContext):
    """The courses a push touches (R10): the filter every chunk re-applies when it locks its courses."""
    if isinstance(ctx, MasterContext):
        qs = Course.objects.filter(master__catalog_id=ctx.catalog_id, calendar_id__in=ctx.calendar_ids)
        if ctx.master_id is not None:
            qs = qs.filter(master_id=ctx.master_id)
        return qs
    qs = Course.objects.filter(calendar_id=ctx.calendar_id)
    if ctx.course_id is not None:
        qs = qs.filter(pk=ctx.course_id)
    return qs
