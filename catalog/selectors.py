"""Reading the district's definitions by their natural keys (rules.md section 2).

Each getter raises InputError naming what does not exist (R32), so a command or
a form can pass the message on as it is.
"""

from __future__ import annotations

from .errors import InputError
from .models import Calendar, CourseCatalog, School, SchoolYear
from .setup_types import COURSE_ATTRIBUTES, SETUP_LOCKS


def catalog_get(*, name: str) -> CourseCatalog:
    catalog = CourseCatalog.objects.filter(name=name).first()
    if catalog is None:
        raise InputError(f'no course catalog "{name}"')
    return catalog


def catalog_locks(*, catalog: CourseCatalog) -> dict[str, list[str]]:
    """The catalog's locks as the exchange format writes them, in their defined order (R1)."""
    return {
        "attributes": [a for a in COURSE_ATTRIBUTES if a in catalog.locked_attributes],
        "types": [t for t in SETUP_LOCKS if t in catalog.locked_types],
    }


def school_get(*, number: str) -> School:
    school = School.objects.select_related("catalog").filter(number=number).first()
    if school is None:
        raise InputError(f'no school "{number}"')
    return school


def school_year_get(*, name: str) -> SchoolYear:
    year = SchoolYear.objects.filter(name=name).first()
    if year is None:
        raise InputError(f'no school year "{name}"')
    return year


def calendar_get(*, school: School, year: SchoolYear) -> Calendar:
    calendar = Calendar.objects.select_related("school__catalog", "year").filter(school=school, year=year).first()
    if calendar is None:
        raise InputError(f"school {school.number} {school.name} has no calendar in {year.name}")
    return calendar
