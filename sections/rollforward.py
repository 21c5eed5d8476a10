"""Roll forward (R61): copy a calendar's courses and sections into the next year's calendar,
so that a district can start next year from scratch with an overwrite push."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalog.errors import InputError
from catalog.history import (
    CREATED,
    history_course_created_build,
    history_records_write,
    history_setup_item_build,
    setup_item_copied,
    setup_item_relations,
    setup_items_loaded,
)
from catalog.models import Calendar, School, SchoolYear, User
from catalog.permissions import can_manage_school
from catalog.setup_types import COURSE, SECTION, SETUP_TYPES
from coursemasters.models import CourseMaster
from courses.models import Course

from .models import Section

RESIDUAL = "residual"


@dataclass(frozen=True)
class RollForwardResult:
    calendar: Calendar
    calendar_created: bool
    courses: int
    sections: int

    def line(self) -> str:
        return (
            f"rolled {self.courses} courses and {self.sections} sections forward into calendar "
            f'"{self.calendar.name}"' + (" (created)" if self.calendar_created else "")
        )


def _school(school: School | str) -> School:
    if isinstance(school, School):
        return school
    found = School.objects.filter(number=school).first()
    if found is None:
        raise InputError(f'no school "{school}"')
    return found


def _year(year: SchoolYear | str) -> SchoolYear:
    if isinstance(year, SchoolYear):
        return year
    found = SchoolYear.objects.filter(name=year).first()
    if found is None:
        raise InputError(f'no school year "{year}"')
    return found


def _copy_fields(model, *skip: str) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *skip)]


def calendar_roll_forward(
    *, user: User, school: School | str, from_year: SchoolYear | str, to_year: SchoolYear | str
) -> RollForwardResult:
    """Copy the school's ``from_year`` courses and sections into its ``to_year`` calendar.

    The target calendar is used if it exists and has no courses (one that has courses is
    refused: R32), else created with the same terms. Courses keep their attributes,
    master links, Ignore Master Push flags, remembered desyncs and grading setup (residual
    items stay behind with the teacher data that keeps them); sections keep their number,
    teacher, advisory flag and linked items. Teacher items, assignments, scores and posted
    grades stay behind. All or nothing; a few statements per table. History (R74) gets, as if
    each were made alone, every course's info, master link, Ignore Master Push and remembered
    deletions, and every course and section item, in one statement.
    """
    school = _school(school)
    from_year, to_year = _year(from_year), _year(to_year)
    if not can_manage_school(user, school):
        raise PermissionError(f"{user.username} may not roll forward the calendars of school {school.number}")
    if to_year.start <= from_year.start:
        raise InputError(f"roll forward goes to a later year: {to_year.name} does not start after {from_year.name}")
    source = Calendar.objects.filter(school=school, year=from_year).first()
    if source is None:
        raise InputError(f"school {school.number} has no calendar in {from_year.name}")

    with transaction.atomic():
        target = Calendar.objects.select_for_update().filter(school=school, year=to_year).first()
        created = target is None
        if created:
            target = Calendar.objects.create(
                school=school, year=to_year, name=f"{to_year.name} {school.name}", terms=list(source.terms)
            )
        elif Course.objects.filter(calendar=target).exists():
            raise InputError(
                f'calendar "{target.name}" (school {school.number}, {to_year.name}) already has courses; '
                "roll forward only fills an empty calendar"
            )
        # History (R74) names every new course and section by its school and year: read once.
        target.school, target.year = school, to_year
        at = timezone.now()
        records = []

        # Courses. A master link survives only while the master is in the school's catalog
        # (the school may have changed catalogs since).
        fields = _copy_fields(Course, "calendar_id")
        old_courses = list(Course.objects.filter(calendar=source).order_by("pk").values("id", *fields))
        master_numbers = dict(CourseMaster.objects.filter(catalog_id=school.catalog_id).values_list("id", "number"))
        new_courses = Course.objects.bulk_create(
            [
                Course(
                    calendar=target,
                    **{
                        **{f: row[f] for f in fields},
                        "master_id": row["master_id"] if row["master_id"] in master_numbers else None,
                    },
                )
                for row in old_courses
            ]
        )
        courses = {row["id"]: new for row, new in zip(old_courses, new_courses, strict=True)}
        for course in new_courses:
            records += history_course_created_build(
                user=user, level=COURSE, obj=course, master_number=master_numbers.get(course.master_id), at=at
            )

        course_item_maps: dict[str, dict[int, int]] = {}
        for setup_type in SETUP_TYPES:
            model = setup_type.model(COURSE)
            item_fields = _copy_fields(model, "course_id")
            relations = setup_item_relations(setup_type)
            originals = list(
                setup_items_loaded(
                    model.objects.filter(course__calendar=source).exclude(state=RESIDUAL).order_by("pk"), setup_type
                )
            )
            new_items = model.objects.bulk_create(
                [setup_item_copied(o, item_fields, relations, course=courses[o.course_id]) for o in originals]
            )
            course_item_maps[setup_type.name] = {o.pk: n.pk for o, n in zip(originals, new_items, strict=True)}
            records += [
                history_setup_item_build(
                    user=user, level=COURSE, owner=n.course, setup_type=setup_type, item=n, change=CREATED, at=at
                )
                for n in new_items
            ]

        section_fields = _copy_fields(Section, "course_id")
        old_sections = list(
            Section.objects.filter(course__calendar=source).order_by("pk").values("id", "course_id", *section_fields)
        )
        new_sections = Section.objects.bulk_create(
            [Section(course=courses[r["course_id"]], **{f: r[f] for f in section_fields}) for r in old_sections]
        )
        sections = {r["id"]: n for r, n in zip(old_sections, new_sections, strict=True)}

        for setup_type in SETUP_TYPES:
            if not setup_type.reaches_sections:
                continue
            model = setup_type.model(SECTION)
            item_fields = _copy_fields(model, "section_id", "source_id")
            relations = setup_item_relations(setup_type)
            sources = course_item_maps[setup_type.name]
            originals = setup_items_loaded(
                model.objects.filter(section__course__calendar=source, state="linked").order_by("pk"), setup_type
            )
            new_items = model.objects.bulk_create(
                [
                    setup_item_copied(
                        o, item_fields, relations, section=sections[o.section_id], source_id=sources.get(o.source_id)
                    )
                    for o in originals
                ]
            )
            records += [
                history_setup_item_build(
                    user=user, level=SECTION, owner=n.section, setup_type=setup_type, item=n, change=CREATED, at=at
                )
                for n in new_items
            ]
        history_records_write(records)
    return RollForwardResult(
        calendar=target, calendar_created=created, courses=len(new_courses), sections=len(new_sections)
    )
