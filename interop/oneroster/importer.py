"""``import_oneroster``: a OneRoster 1.1 or 1.2 CSV package into the district (R91), all or nothing.

What each file becomes (docs/decisions.md, "OneRoster in"):

- orgs: the district org names the district; each school org is a school, numbered by its
  ``identifier`` (the district's school number, often the NCES id) or else its sourcedId, using
  the catalog the command names when it has none.
- academicSessions: each ``schoolYear`` is a school year named by its title; terms, semesters and
  grading periods are the terms of that year's calendars, in date order (longer first on a tie).
- courses: district-owned rows are course masters in the named catalog (numbered by courseCode,
  else sourcedId; a title over 30 characters is cut, with a warning); school-owned rows are courses
  of that school's calendar for their year, linked to the master of the school's catalog with the
  same courseCode when one exists.
- classes: sections of their course (a class of a district course gets that school's course of
  the master, created and linked when missing), numbered by classCode, else sourcedId.
- users and enrollments: teachers and administrators are user accounts; a class's teacher of
  record is its primary teacher enrollment (or its only one); students are the student ids scores
  name (their ``identifier``, else username): the product keeps no rosters, so a student's
  enrollment is checked, not stored.
- categories, lineItems, results: a class's categories (a category row becomes a category of each
  class whose line items use it, or of the class its ``metadata.classSourcedId`` names), its
  assignments (points = resultValueMax, term = the line item's grading period) and their scores.

Bulk rows add and update; nothing the package leaves out is deleted (a bulk file is a snapshot of
the sender, and a missing row is more often a filter than a deletion). Delta rows marked
``tobedeleted`` delete what they name: a class, a line item, a result; a teacher enrollment
leaves the class without that teacher; a user is deactivated. Every sourcedId seen is remembered
(interop.models.SourcedRecord) so that a later delta can name records by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from catalog import models as catalog_models
from catalog.accounts import ROLE_GROUPS
from catalog.district_lock import district_exclusive_lock
from catalog.errors import InputError
from catalog.history import IMPORT, file_digest, history_how, history_import_record
from catalog.models import Calendar, CourseCatalog, District, GradingScale, School, SchoolYear, User
from catalog.progress import ProgressCallback, counted
from coursemasters.models import CourseMaster
from courses.models import Course
from interop.models import SourcedRecord
from pushjobs.engine.bulk import update_rows
from sections.models import Assignment, Score, Section, SectionCategory

from .columns import CLASS_TYPES, ENROLLMENT_ROLES, ORG_TYPES, SCORE_STATUSES, SESSION_TYPES, USER_ROLES
from .package import Package, PackageError, Row, package_read

MASTER_NAME_MAX = CourseMaster._meta.get_field("name").max_length
KEY_MAX = 255
POINTS_LIMIT = Decimal("1000000")  # the columns hold 6 digits before the point
# Rows per bulk statement, and sourcedIds per look-up.
BATCH = 5000
# The course attributes a OneRoster course row sets (on masters and courses alike).
ATTRIBUTES = ("grade_levels", "sced_code", "state_code")

# OneRoster 1.2 roles.csv role -> product role (None: not an account this product keeps).
ROLE_12 = {
    "teacher": User.TEACHER,
    "districtAdministrator": User.DISTRICT_ADMIN,
    "systemAdministrator": User.DISTRICT_ADMIN,
    "siteAdministrator": User.SCHOOL_ADMIN,
    "principal": User.SCHOOL_ADMIN,
    "administrator": User.SCHOOL_ADMIN,
    "student": "student",
}


@dataclass
class ImportSummary:
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def line(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "nothing"


def oneroster_import(
    path,
    *,
    catalog: str,
    delta: bool = False,
    user: User | None = None,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Load a OneRoster CSV package (ZIP or folder) in bulk or delta mode, all or nothing; raises
    PackageError (file, line, column and problem) or InputError, and then nothing is changed.
    The import is one History record (R74) by ``user``, with the package's digest and counts.
    ``progress`` is told each file's rows as they are imported."""
    catalog = catalog.strip()
    if not catalog or len(catalog) > KEY_MAX:
        raise InputError("--catalog: a catalog name of 1 to 255 characters is required")
    if progress is not None:
        progress(f"reading {Path(path).name}", 0, None)
    package = package_read(path, delta=delta)
    with transaction.atomic(), history_how(IMPORT):
        district_exclusive_lock()
        run = _Import(package, catalog, delta, progress)
        run.run()
        history_import_record(
            user=user, kind="oneroster", file_name=str(path), digest=file_digest(path), counts=dict(run.summary.counts)
        )
    run.summary.warnings[:0] = package.warnings
    return run.summary


def _text(row: Row, column: str, limit: int = KEY_MAX, *, required: bool = True) -> str:
    value = row.required(column) if required else row.get(column)
    if len(value) > limit:
        raise row.fail(column, f"is longer than {limit} characters")
    return value


def _decimal(row: Row, column: str, *, required: bool) -> Decimal | None:
    value = row.get(column)
    if not value:
        if required:
            raise row.fail(column, "is required and empty")
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise row.fail(column, f'"{value}" is not a number') from None
    if not number.is_finite() or abs(number) >= POINTS_LIMIT:
        raise row.fail(column, f'"{value}" is not a number from -999999.99 to 999999.99')
    return number.quantize(Decimal("0.01"))


def _set(obj, values: dict) -> bool:
    """Give ``obj`` these values; whether any of them was different (only those rows are written)."""
    differs = False
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            differs = True
    return differs


def _update(model, objects, attnames: list[str]) -> None:
    """Write the changed rows with the shared set-based writer: one UPDATE ... FROM per table."""
    update_rows(model, attnames, [(obj.pk, *(getattr(obj, a) for a in attnames)) for obj in objects])


class _Import:
    """One import, file by file in dependency order. Each file's rows are read and checked in
    Python against what is already known (this package's earlier files, the sourcedIds of
    earlier imports, and the records they name, loaded once per file with one query per kind),
    and what they change is written with a few bulk statements per file: the queries grow with
    the files, not with the rows."""

    def __init__(self, package: Package, catalog_name: str, delta: bool, progress: ProgressCallback | None = None):
        self.pkg = package
        self.progress = progress
        self.delta = delta
        self.summary = ImportSummary()
        self.catalog_name = catalog_name
        self.catalog: CourseCatalog | None = None
        # sourcedId -> what it is, per kind, from this package; and what earlier imports stored
        self.known: dict[str, dict[str, dict]] = {}
        self.stored: dict[tuple[str, str], dict] = {}
        self.remembered: dict[tuple[str, str], dict] = {}
        self.seen_keys: dict[tuple, Row] = {}
        self.year_terms: dict[str, list[tuple]] = {}
        # The district's records the package names, by natural key, as they are loaded or made.
        self.calendars_by_key: dict[tuple[str, str], Calendar] = {}
        self.courses_by_key: dict[tuple[str, str, str], Course] = {}
        self.sections_by_key: dict[tuple[str, str, str, str], Section | None] = {}
        self.categories_by_section: dict[int, dict[str, SectionCategory]] = {}
        self.new_categories: list[SectionCategory] = []
        self.changed_categories: dict[int, SectionCategory] = {}
        self.assignments_by_section: dict[int, dict[str, Assignment]] = {}

    # -- sourcedIds -------------------------------------------------------------

    def prefetch(self) -> None:
        """What earlier imports stored for every sourcedId this package holds or refers to, 5000 to a query."""
        values: set[str] = set()
        for rows in self.pkg.rows.values():
            for row in rows:
                for column, cell in row.cells.items():
                    if cell and (column == "sourcedId" or column.endswith(("SourcedId", "SourcedIds"))):
                        values.update(part.strip() for part in cell.split(",") if part.strip())
        ordered = sorted(values)
        for start in range(0, len(ordered), BATCH):
            records = SourcedRecord.objects.filter(sourced_id__in=ordered[start : start + BATCH])
            for kind, sourced_id, key in records.values_list("kind", "sourced_id", "key"):
                self.stored[(kind, sourced_id)] = key

    def remember(self, kind: str, sourced_id: str, key: dict) -> None:
        self.known.setdefault(kind, {})[sourced_id] = key
        self.remembered[(kind, sourced_id)] = key

    def remember_flush(self) -> None:
        records = [
            SourcedRecord(kind=k, sourced_id=s, key=key)
            for (k, s), key in self.remembered.items()
            if self.stored.get((k, s)) != key
        ]
        SourcedRecord.objects.bulk_create(
            records,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["kind", "sourced_id"],
            update_fields=["key"],
        )

    def resolve(self, kind: str, row: Row, column: str, *, value: str | None = None) -> dict:
        sourced_id = value if value is not None else row.required(column)
        found = self.known.get(kind, {}).get(sourced_id) or self.stored.get((kind, sourced_id))
        if found is None:
            raise row.fail(column, f'no {kind} with sourcedId "{sourced_id}" in this package or an earlier import')
        return found

    def unique(self, key: tuple, row: Row, column: str, what: str) -> None:
        other = self.seen_keys.get(key)
        if other is not None:
            raise row.fail(column, f"{what} is also {other.at()}")
        self.seen_keys[key] = row

    def rows(self, name: str) -> list[Row]:
        return self.pkg.rows.get(name, [])

    def each(self, name: str) -> Iterator[Row]:
        """The file's rows, telling whoever watches how far the import is."""
        return counted(self.rows(name), f"importing {name}.csv", self.progress)

    def deleted(self, row: Row) -> bool:
        return self.delta and row.get("status") == "tobedeleted"

    def run(self) -> None:
        self.catalog, created = CourseCatalog.objects.get_or_create(name=self.catalog_name)
        if created:
            self.summary.add("catalogs created")
        self.prefetch()
        self.orgs()
        self.sessions()
        self.calendars()
        self.courses()
        self.classes()
        self.users()
        self.enrollments()
        self.categories()
        self.line_items()
        self.results()
        self.score_scales()
        self.remember_flush()

    # -- orgs and sessions -----------------------------------------------------------

    def orgs(self) -> None:
        district_name = None
        schools: dict[str, str] = {}  # number -> name, in file order
        for row in self.each("orgs"):
            kind = row.choice("type", ORG_TYPES)
            if self.deleted(row):
                raise row.fail("status", "a school or district is not deleted by an import; remove it in the product")
            name = _text(row, "name")
            if kind == "district":
                district_name = name
                self.remember("org", row.get("sourcedId"), {"district": True})
            elif kind == "school":
                number = _text(row, "identifier", required=False) or row.get("sourcedId")
                self.unique(("school", number), row, "identifier", f'school number "{number}"')
                schools[number] = name
                self.remember("org", row.get("sourcedId"), {"school": number})
            else:
                self.remember("org", row.get("sourcedId"), {"other": kind})
        if district_name is not None:
            district = District.current()
            if district.name != district_name:
                district.name = district_name
                district.save(update_fields=["name"])
        existing = {s.number: s for s in School.objects.filter(number__in=list(schools))}
        new, changed = [], []
        for number, name in schools.items():
            school = existing.get(number)
            if school is None:
                new.append(School(number=number, name=name, catalog=self.catalog))
                self.summary.add("schools created")
                continue
            if school.name != name or school.catalog_id is None:
                school.name = name
                school.catalog_id = school.catalog_id or self.catalog.pk
                changed.append(school)
            self.summary.add("schools updated")
        School.objects.bulk_create(new, batch_size=BATCH)
        School.objects.bulk_update(changed, ["name", "catalog"], batch_size=BATCH)

    def calendars(self) -> None:
        """Each school of the package gets a calendar in each school year of the package."""
        schools = [k["school"] for k in self.known.get("org", {}).values() if "school" in k]
        years = [k["year"] for k in self.known.get("academicSession", {}).values() if "year" in k]
        self.calendars_load([(school, year) for school in schools for year in years])

    def sessions(self) -> None:
        rows = self.rows("academicSessions")
        by_id = {row.get("sourcedId"): row for row in rows}
        years_by_end: dict[str, str] = {}
        years: dict[str, tuple] = {}  # title -> (start, end)
        for row in self.each("academicSessions"):
            kind = row.choice("type", SESSION_TYPES)
            if self.deleted(row):
                raise row.fail("status", "a school year or term is not deleted by an import; remove it in the product")
            start, end = row.date("startDate"), row.date("endDate")
            if end <= start:
                raise row.fail("endDate", "must be after startDate")
            school_year = row.required("schoolYear")
            if not (len(school_year) == 4 and school_year.isdigit()):
                raise row.fail("schoolYear", f'"{school_year}" is not a year written YYYY (the year it ends)')
            if kind != "schoolYear":
                continue
            title = _text(row, "title")
            self.unique(("year", title), row, "title", f'school year "{title}"')
            years[title] = (start, end)
            years_by_end[school_year] = title
            self.remember("academicSession", row.get("sourcedId"), {"year": title})
        existing = {y.name: y for y in SchoolYear.objects.filter(name__in=list(years))}
        new, changed = [], []
        for title, (start, end) in years.items():
            year = existing.get(title)
            if year is None:
                new.append(SchoolYear(name=title, start=start, end=end))
                self.summary.add("school years created")
                continue
            if (year.start, year.end) != (start, end):
                year.start, year.end = start, end
                changed.append(year)
            self.summary.add("school years updated")
        SchoolYear.objects.bulk_create(new)
        SchoolYear.objects.bulk_update(changed, ["start", "end"])
        for row in rows:
            if row.get("type") == "schoolYear":
                continue
            year = self._session_year(row, by_id, years_by_end)
            title = _text(row, "title")
            self.unique(("term", year, title), row, "title", f'term "{title}" of year "{year}"')
            self.year_terms.setdefault(year, []).append(
                (row.date("startDate"), -row.date("endDate").toordinal(), title)
            )
            self.remember("academicSession", row.get("sourcedId"), {"term": [year, title]})

    def _session_year(self, row: Row, by_id: dict, years_by_end: dict) -> str:
        parent, hops = row.get("parentSourcedId"), 0
        while parent and hops < 10:
            hops += 1
            found = by_id.get(parent)
            if found is None:
                key = self.resolve("academicSession", row, "parentSourcedId", value=parent)
                return key["year"] if "year" in key else key["term"][0]
            if found.get("type") == "schoolYear":
                return found.get("title")
            parent = found.get("parentSourcedId")
        end_year = row.get("schoolYear")
        if end_year in years_by_end:
            return years_by_end[end_year]
        cache = self.__dict__.setdefault("_years_ending", {})
        if end_year not in cache:
            cache[end_year] = [y.name for y in SchoolYear.objects.filter(end__year=int(end_year))]
        if len(cache[end_year]) == 1:
            return cache[end_year][0]
        raise row.fail("schoolYear", f"no schoolYear session for {end_year}, so this term belongs to no school year")

    def calendars_load(self, pairs) -> None:
        """The calendars of these (school number, year name) pairs, made where missing, their terms
        the package's in date order, then any the calendar had that the package does not name."""
        pairs = list(dict.fromkeys(p for p in pairs if p not in self.calendars_by_key))
        if not pairs:
            return
        schools = {s.number: s for s in School.objects.filter(number__in={s for s, _ in pairs})}
        years = {y.name: y for y in SchoolYear.objects.filter(name__in={y for _, y in pairs})}
        existing = {
            (c.school.number, c.year.name): c
            for c in Calendar.objects.filter(
                school__number__in={s for s, _ in pairs}, year__name__in={y for _, y in pairs}
            ).select_related("school", "year")
        }
        new, changed = [], []
        for school_number, year_name in pairs:
            package_terms = [title for *_, title in sorted(self.year_terms.get(year_name, []))]
            calendar = existing.get((school_number, year_name))
            if calendar is None:
                school, year = schools[school_number], years[year_name]
                calendar = Calendar(school=school, year=year, name=f"{year.name} {school.name}", terms=package_terms)
                new.append(calendar)
                self.summary.add("calendars created")
            else:
                terms = package_terms + [t for t in calendar.terms if t not in package_terms]
                if terms != calendar.terms:
                    calendar.terms = terms
                    changed.append(calendar)
            self.calendars_by_key[(school_number, year_name)] = calendar
        Calendar.objects.bulk_create(new, batch_size=BATCH)
        Calendar.objects.bulk_update(changed, ["terms"], batch_size=BATCH)

    def calendar(self, school_number: str, year_name: str) -> Calendar:
        self.calendars_load([(school_number, year_name)])
        return self.calendars_by_key[(school_number, year_name)]

    # -- courses and classes ----------------------------------------------------------

    def masters_by(self, pairs) -> dict[tuple, CourseMaster]:
        """Masters by (catalog id, number) and by (catalog name, number), for these pairs (either kind)."""
        numbers = {number for _, number in pairs}
        found: dict[tuple, CourseMaster] = {}
        for master in CourseMaster.objects.filter(number__in=numbers).select_related("catalog"):
            found[(master.catalog_id, master.number)] = master
            found[(master.catalog.name, master.number)] = master
        return found

    def courses_load(self, keys) -> None:
        """The district's courses of these (school, year, number) keys, where they exist."""
        keys = [k for k in dict.fromkeys(keys) if k not in self.courses_by_key]
        if not keys:
            return
        found = Course.objects.filter(
            calendar__school__number__in={k[0] for k in keys},
            calendar__year__name__in={k[1] for k in keys},
            number__in={k[2] for k in keys},
        ).select_related("calendar__school", "calendar__year", "master")
        wanted = set(keys)
        for course in found:
            key = (course.calendar.school.number, course.calendar.year.name, course.number)
            if key in wanted:
                self.courses_by_key[key] = course

    def courses(self) -> None:
        masters: dict[str, tuple[str, dict]] = {}  # number -> (name, attributes)
        courses: list[tuple[Row, tuple, str, dict]] = []
        for row in self.each("courses"):
            owner = self.resolve("org", row, "orgSourcedId")
            title = _text(row, "title")
            number = _text(row, "courseCode", required=False) or row.get("sourcedId")
            codes = row.items("subjectCodes")
            attributes = {"grade_levels": sorted(set(row.items("grades")))}
            if codes:
                attributes["sced_code"] = attributes["state_code"] = codes[0][:30]
            if "district" in owner:
                if self.deleted(row):
                    raise row.fail("status", "a course master is not deleted by an import; remove it in the product")
                self.unique(("master", number), row, "courseCode", f'course master "{number}"')
                name = title
                if len(name) > MASTER_NAME_MAX:
                    name = title[:MASTER_NAME_MAX].rstrip()
                    self.summary.warnings.append(
                        f'{row.at("title")}: a course master\'s name is at most 30 characters; kept as "{name}"'
                    )
                masters[number] = (name, attributes)
                self.remember("course", row.get("sourcedId"), {"master": [self.catalog.name, number]})
            elif "school" in owner:
                if not row.get("schoolYearSourcedId"):
                    raise row.fail("schoolYearSourcedId", "is required for a school's course (courses are per year)")
                year_key = self.resolve("academicSession", row, "schoolYearSourcedId")
                if "year" not in year_key:
                    raise row.fail("schoolYearSourcedId", "names a term, not a school year")
                school, year = owner["school"], year_key["year"]
                self.unique(("course", school, year, number), row, "courseCode", f'course "{number}"')
                key = {"course": [school, year, number]}
                if self.deleted(row):
                    self._course_delete(row, key)
                    continue
                courses.append((row, (school, year, number), title, attributes))
                self.remember("course", row.get("sourcedId"), key)
            else:
                raise row.fail(
                    "orgSourcedId", f"names a {owner['other']} org; a course belongs to the district or a school"
                )
        self._masters_write(masters)
        self._courses_write(courses)

    def _masters_write(self, masters: dict[str, tuple[str, dict]]) -> None:
        existing = {m.number: m for m in CourseMaster.objects.filter(catalog=self.catalog, number__in=list(masters))}
        new, changed = [], []
        for number, (name, attributes) in masters.items():
            master = existing.get(number)
            if master is None:
                new.append(CourseMaster(catalog=self.catalog, number=number, name=name, **attributes))
                self.summary.add("course masters created")
                continue
            if _set(master, {"name": name, **attributes}):
                changed.append(master)
            self.summary.add("course masters updated")
        CourseMaster.objects.bulk_create(new, batch_size=BATCH)
        _update(CourseMaster, changed, ["name", *ATTRIBUTES])

    def _courses_write(self, courses: list[tuple[Row, tuple, str, dict]]) -> None:
        self.calendars_load([(school, year) for _row, (school, year, _n), *_ in courses])
        self.courses_load([key for _row, key, *_ in courses])
        # The master each course links to: the one this product's export names (OneRoster has no
        # place for it), else the one of the school's catalog with the same courseCode.
        wanted = []
        for row, (school, year, _number), _title, _attributes in courses:
            if row.get("metadata.courseMasterSourcedId"):
                master_key = self.resolve("course", row, "metadata.courseMasterSourcedId")
                if "master" not in master_key:
                    raise row.fail("metadata.courseMasterSourcedId", "does not name a district course")
                wanted.append(tuple(master_key["master"]))
            elif row.get("courseCode"):
                wanted.append((self.calendars_by_key[(school, year)].school.catalog_id, row.get("courseCode")))
        masters = self.masters_by(wanted) if wanted else {}
        new, changed = [], []
        for row, key, title, attributes in courses:
            calendar = self.calendars_by_key[key[:2]]
            catalog_id = calendar.school.catalog_id
            master = None
            if row.get("metadata.courseMasterSourcedId"):
                master_key = self.resolve("course", row, "metadata.courseMasterSourcedId")
                master = masters.get(tuple(master_key["master"]))
                if master is not None and master.catalog_id != catalog_id:
                    master = None
            elif catalog_id is not None and row.get("courseCode"):
                master = masters.get((catalog_id, row.get("courseCode")))
            course = self.courses_by_key.get(key)
            if course is None:
                course = Course(calendar=calendar, number=key[2], master=master, name=title, **attributes)
                new.append(course)
                self.courses_by_key[key] = course
                self.summary.add("courses created")
                continue
            values = {"name": title, **attributes}
            if course.master_id is None and master is not None:
                values["master_id"] = master.pk
            if _set(course, values):
                changed.append(course)
            self.summary.add("courses updated")
        Course.objects.bulk_create(new, batch_size=BATCH)
        _update(Course, changed, ["name", "master_id", *ATTRIBUTES])

    def _course_delete(self, row: Row, key: dict) -> None:
        school, year, number = key["course"]
        course = Course.objects.filter(
            calendar__school__number=school, calendar__year__name=year, number=number
        ).first()
        if course is None:
            raise row.fail("sourcedId", f'course "{number}" of school "{school}" in {year} is not in the district')
        if course.sections.exists():
            raise row.fail("status", f'course "{number}" still has sections; delete its classes first')
        course.delete()
        self.courses_by_key.pop((school, year, number), None)
        self.summary.add("courses deleted")

    def _class_year(self, row: Row) -> str:
        years = set()
        terms = row.items("termSourcedIds")
        if not terms:
            raise row.fail("termSourcedIds", "is required and empty")
        for term in terms:
            key = self.resolve("academicSession", row, "termSourcedIds", value=term)
            years.add(key["year"] if "year" in key else key["term"][0])
        if len(years) > 1:
            raise row.fail("termSourcedIds", f"names terms of more than one school year ({', '.join(sorted(years))})")
        return years.pop()

    def classes(self) -> None:
        pending: list[tuple[Row, tuple, dict]] = []  # (row, section key, course key)
        for row in self.each("classes"):
            row.choice("classType", CLASS_TYPES)
            school_key = self.resolve("org", row, "schoolSourcedId")
            if "school" not in school_key:
                raise row.fail("schoolSourcedId", "does not name a school")
            school = school_key["school"]
            year = self._class_year(row)
            course_key = self.resolve("course", row, "courseSourcedId")
            if "course" in course_key:
                c_school, c_year, course_number = course_key["course"]
                if (c_school, c_year) != (school, year):
                    raise row.fail(
                        "courseSourcedId",
                        f'course "{course_number}" is of school "{c_school}" in {c_year}, not this class\'s',
                    )
            else:
                course_number = course_key["master"][1]
            number = _text(row, "classCode", required=False) or row.get("sourcedId")
            self.unique(("section", school, year, course_number, number), row, "classCode", f'section "{number}"')
            pending.append((row, (school, year, course_number, number), course_key))
        self.sections_load([key for _row, key, _c in pending])
        live = [(row, key, course_key) for row, key, course_key in pending if not self.deleted(row)]
        self.calendars_load([key[:2] for _row, key, _c in live])
        self.courses_load([key[:3] for _row, key, _c in live])
        # A class of a district course belongs to that school's course of the master, made when missing.
        missing = {
            key[:3]: c["master"] for _row, key, c in live if "master" in c and key[:3] not in self.courses_by_key
        }
        masters = self.masters_by(list(missing.values())) if missing else {}
        rows_by_course = {key[:3]: row for row, key, _c in live}
        new_courses = []
        for course_key, (catalog_name, number) in missing.items():
            master = masters.get((catalog_name, number))
            if master is None:
                raise rows_by_course[course_key].fail(
                    "courseSourcedId", f'course master "{number}" of catalog "{catalog_name}" is not in the district'
                )
            calendar = self.calendars_by_key[course_key[:2]]
            course = Course(
                calendar=calendar,
                number=number,
                name=master.name,
                master=master if calendar.school.catalog_id == master.catalog_id else None,
                grade_levels=master.grade_levels,
                sced_code=master.sced_code,
                state_code=master.state_code,
            )
            new_courses.append(course)
            self.courses_by_key[course_key] = course
            self.summary.add("courses created")
        Course.objects.bulk_create(new_courses, batch_size=BATCH)
        doomed, new_sections = [], []
        for row, key, _course_key in pending:
            if self.deleted(row):
                doomed.append(self.section({"section": list(key)}, row, "sourcedId").pk)
                self.sections_by_key[key] = None
                self.summary.add("sections deleted")
                continue
            if self.sections_by_key.get(key) is None:
                course = self.courses_by_key.get(key[:3])
                if course is None:
                    raise row.fail(
                        "courseSourcedId", f'course "{key[2]}" of school "{key[0]}" in {key[1]} is not in the district'
                    )
                section = Section(course=course, number=key[3])
                new_sections.append(section)
                self.sections_by_key[key] = section
                self.summary.add("sections created")
            else:
                self.summary.add("sections unchanged")
            self.remember("class", row.get("sourcedId"), {"section": list(key)})
        if doomed:
            Section.objects.filter(pk__in=doomed).delete()
        Section.objects.bulk_create(new_sections, batch_size=BATCH)

    def sections_load(self, keys) -> None:
        """The district's sections of these (school, year, course, number) keys (None where there is none)."""
        keys = [tuple(k) for k in dict.fromkeys(tuple(k) for k in keys) if tuple(k) not in self.sections_by_key]
        if not keys:
            return
        found = Section.objects.filter(
            course__calendar__school__number__in={k[0] for k in keys},
            course__calendar__year__name__in={k[1] for k in keys},
            course__number__in={k[2] for k in keys},
            number__in={k[3] for k in keys},
        ).select_related("course__calendar__school", "course__calendar__year", "teacher")
        for key in keys:
            self.sections_by_key[key] = None
        wanted = set(keys)
        for section in found:
            calendar = section.course.calendar
            key = (calendar.school.number, calendar.year.name, section.course.number, section.number)
            if key in wanted:
                self.sections_by_key[key] = section

    def section(self, key: dict, row: Row, column: str) -> Section:
        school, year, course, number = key["section"]
        self.sections_load([(school, year, course, number)])
        section = self.sections_by_key[(school, year, course, number)]
        if section is None:
            raise row.fail(column, f'section "{number}" of course "{course}" ({school}, {year}) is not in the district')
        return section

    # -- people ----------------------------------------------------------------------

    def _roles_12(self) -> dict[str, list[tuple[str, str, Row]]]:
        roles: dict[str, list[tuple[str, str, Row]]] = {}
        for row in self.rows("roles"):
            user_id = row.required("userSourcedId")
            role = row.required("role")
            org = self.resolve("org", row, "orgSourcedId")
            primary = row.choice("roleType", ("primary", "secondary")) == "primary"
            roles.setdefault(user_id, []).append((role, org, primary, row))
        return roles

    def users(self) -> None:
        roles_12 = self._roles_12() if self.pkg.version == "1.2" else {}
        staff: list[tuple[Row, str, str, list[str], bool]] = []  # (row, username, role, schools, active)
        for row in self.each("users"):
            sourced_id = row.get("sourcedId")
            username = _text(row, "username")
            if self.pkg.version == "1.1":
                role_name = row.choice("role", USER_ROLES)
                orgs = [self.resolve("org", row, "orgSourcedIds", value=o) for o in row.items("orgSourcedIds")]
                role = {"teacher": User.TEACHER, "administrator": User.SCHOOL_ADMIN, "student": "student"}.get(
                    role_name
                )
                if role == User.SCHOOL_ADMIN and any("district" in o for o in orgs):
                    role = User.DISTRICT_ADMIN
            else:
                entries = sorted(roles_12.get(sourced_id, []), key=lambda e: not e[2])
                if not entries:
                    raise row.fail("sourcedId", "has no row in roles.csv (OneRoster 1.2 keeps a user's role there)")
                role = ROLE_12.get(entries[0][0])
                orgs = [e[1] for e in entries]
            if role is None:
                self.summary.add("users skipped (not staff or students)")
                self.remember("user", sourced_id, {"other": username})
                continue
            if role == "student":
                student = _text(row, "identifier", required=False) or username
                self.remember("user", sourced_id, {"student": student})
                self.summary.add("students")
                continue
            self.unique(("user", username.lower()), row, "username", f'user "{username}"')
            schools = [o["school"] for o in orgs if "school" in o]
            active = row.boolean("enabledUser", True) and not self.deleted(row)
            staff.append((row, username, role, schools, active))
        existing = self.users_by_name([username for _row, username, *_ in staff])
        new, changed = [], []
        for row, username, role, _schools, active in staff:
            user = existing.get(username.lower())
            if user is None:
                user = User(
                    username=username,
                    role=role,
                    first_name=row.get("givenName")[:150],
                    last_name=row.get("familyName")[:150],
                    email=row.get("email")[:254],
                    is_active=active,
                    password=make_password(None),
                )
                new.append(user)
                existing[username.lower()] = user
                self.summary.add("users created")
            else:
                if user.is_active != active:
                    user.is_active = active
                    changed.append(user)
                self.summary.add("users deactivated" if not active else "users updated")
            self.remember("user", row.get("sourcedId"), {"user": user.username})
        User.objects.bulk_create(new, batch_size=BATCH)
        _update(User, changed, ["is_active"])
        # Each new account in the group of its role (catalog.accounts.user_sync_role_group, for many).
        groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUPS.items()}
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=groups[u.role].pk) for u in new], batch_size=BATCH
        )
        # And in the schools the package gives them (a district admin has every school).
        numbers = {n for _row, _u, role, schools, _a in staff if role != User.DISTRICT_ADMIN for n in schools}
        school_ids = dict(School.objects.filter(number__in=numbers).values_list("number", "pk")) if numbers else {}
        links = {
            (existing[username.lower()].pk, school_ids[n])
            for _row, username, role, schools, _a in staff
            if role != User.DISTRICT_ADMIN
            for n in schools
            if n in school_ids
        }
        through = User.schools.through
        through.objects.bulk_create(
            [through(user_id=u, school_id=s) for u, s in sorted(links)], batch_size=BATCH, ignore_conflicts=True
        )

    def users_by_name(self, usernames) -> dict[str, User]:
        names = sorted({u.lower() for u in usernames})
        if not names:
            return {}
        found = User.objects.annotate(username_lower=Lower("username")).filter(username_lower__in=names)
        return {u.username.lower(): u for u in found}

    def enrollments(self) -> None:
        teachers: dict[tuple, list[tuple[bool, Row, str]]] = {}
        for row in self.each("enrollments"):
            role = row.choice("role", ENROLLMENT_ROLES)
            class_key = self.resolve("class", row, "classSourcedId")
            self.resolve("org", row, "schoolSourcedId")
            user_key = self.resolve("user", row, "userSourcedId")
            row.date("beginDate", required=False)
            row.date("endDate", required=False)
            if role == "teacher":
                if "user" not in user_key:
                    raise row.fail("userSourcedId", "a teacher enrollment must name a teacher or administrator")
                primary = row.boolean("primary")
                teachers.setdefault(tuple(class_key["section"]), []).append((primary, row, user_key["user"]))
            elif role == "student":
                if "student" not in user_key:
                    raise row.fail("userSourcedId", "a student enrollment must name a student")
                self.summary.add("student enrollments checked")
        self.sections_load(list(teachers))
        accounts = self.users_by_name([e[2] for entries in teachers.values() for e in entries])
        changed = []
        for section_key, entries in teachers.items():
            live = [e for e in entries if not self.deleted(e[1])]
            section = self.section({"section": list(section_key)}, entries[0][1], "classSourcedId")
            if not live:
                gone = {e[2].lower() for e in entries}
                if section.teacher is not None and section.teacher.username.lower() in gone:
                    section.teacher = None
                    changed.append(section)
                    self.summary.add("teachers of record removed")
                continue
            chosen = [e for e in live if e[0]] or live
            if len(chosen) > 1:
                self.summary.warnings.append(
                    f"{chosen[1][1].at('primary')}: the class has more than one "
                    f"{'primary ' if chosen[0][0] else ''}teacher; {chosen[0][1].at()} is its teacher of record"
                )
            teacher = accounts[chosen[0][2].lower()]
            if section.teacher_id != teacher.pk:
                section.teacher = teacher
                changed.append(section)
                self.summary.add("teachers of record set")
        _update(Section, changed, ["teacher_id"])

    # -- gradebook -------------------------------------------------------------------

    def categories_load(self, sections) -> None:
        """The categories of these sections, by name ignoring case (as the database compares them)."""
        ids = [s.pk for s in sections if s.pk is not None and s.pk not in self.categories_by_section]
        for section in sections:
            self.categories_by_section.setdefault(section.pk, {})
        for category in SectionCategory.objects.filter(section_id__in=ids) if ids else ():
            self.categories_by_section[category.section_id][category.name.strip().lower()] = category

    def categories_flush(self) -> None:
        SectionCategory.objects.bulk_create(self.new_categories, batch_size=BATCH)
        _update(SectionCategory, list(self.changed_categories.values()), ["weight"])
        self.new_categories, self.changed_categories = [], {}

    def categories(self) -> None:
        wanted: list[tuple[Row, dict, dict]] = []
        for row in self.each("categories"):
            title = _text(row, "title")
            weight = _decimal(row, "weight", required=False) if "weight" in row.cells else None
            if weight is not None and (weight < 0 or weight >= Decimal("100000")):
                raise row.fail("weight", f'"{row.get("weight")}" is not a weight from 0 to 99999.99')
            key = {"category": title, "weight": None if weight is None else str(weight)}
            self.remember("category", row.get("sourcedId"), key)
            if row.get("metadata.classSourcedId") and not self.deleted(row):
                wanted.append((row, self.resolve("class", row, "metadata.classSourcedId"), key))
        self.sections_load([c["section"] for _row, c, _key in wanted])
        sections = [self.section(c, row, "metadata.classSourcedId") for row, c, _key in wanted]
        self.categories_load(sections)
        for section, (_row, _c, key) in zip(sections, wanted, strict=True):
            self.section_category(section, key)
        self.categories_flush()

    def section_category(self, section: Section, key: dict) -> SectionCategory:
        """The section's category of that name, made (unsaved until categories_flush) or given its weight."""
        name = key["category"]
        by_name = self.categories_by_section[section.pk]
        category = by_name.get(name.strip().lower())
        weight = Decimal(key["weight"]) if key.get("weight") is not None else None
        if category is None:
            last = max((c.sequence for c in by_name.values()), default=0)
            category = SectionCategory(section=section, name=name, weight=weight or Decimal("0"), sequence=last + 1)
            by_name[name.strip().lower()] = category
            self.new_categories.append(category)
            self.summary.add("categories created")
        elif weight is not None and category.weight != weight:
            category.weight = weight
            if category.pk is not None:
                self.changed_categories[category.pk] = category
            self.summary.add("categories updated")
        return category

    def assignments_load(self, sections) -> None:
        ids = [s.pk for s in sections if s.pk not in self.assignments_by_section]
        for section in sections:
            self.assignments_by_section.setdefault(section.pk, {})
        for assignment in Assignment.objects.filter(section_id__in=ids) if ids else ():
            self.assignments_by_section[assignment.section_id][assignment.name] = assignment

    def line_items(self) -> None:
        period_column = "gradingPeriodSourcedId" if self.pkg.version == "1.1" else "academicSessionSourcedId"
        rows = list(self.each("lineItems"))
        class_keys = [self.resolve("class", row, "classSourcedId") for row in rows]
        self.sections_load([c["section"] for c in class_keys])
        sections = [self.section(c, row, "classSourcedId") for row, c in zip(rows, class_keys, strict=True)]
        self.categories_load(sections)
        self.assignments_load(sections)
        doomed, values = [], []
        for row, class_key, section in zip(rows, class_keys, sections, strict=True):
            title = _text(row, "title")
            self.unique(("lineItem", *class_key["section"], title.lower()), row, "title", f'assignment "{title}"')
            key = {"assignment": [*class_key["section"], title]}
            if self.deleted(row):
                assignment = self.assignments_by_section[section.pk].pop(title, None)
                if assignment is None:
                    raise row.fail("sourcedId", f'assignment "{title}" is not in that section')
                doomed.append(assignment.pk)
                self.summary.add("assignments deleted")
                continue
            row.date("assignDate")
            row.date("dueDate")
            category = None
            if row.get("categorySourcedId"):
                category = self.section_category(section, self.resolve("category", row, "categorySourcedId"))
            session = self.resolve("academicSession", row, period_column)
            term = session["term"][1] if "term" in session else ""
            if term and term not in section.course.calendar.terms:
                raise row.fail(period_column, f'term "{term}" is not a term of the class\'s calendar')
            points = _decimal(row, "resultValueMax", required=self.pkg.version == "1.1")
            _decimal(row, "resultValueMin", required=self.pkg.version == "1.1")
            values.append((section, title, category, term, points if points is not None else Decimal("0")))
            self.remember("lineItem", row.get("sourcedId"), key)
        if doomed:
            Assignment.objects.filter(pk__in=doomed).delete()
        self.categories_flush()  # the categories the line items made, so that assignments can name them
        new, changed = [], []
        for section, title, category, term, points in values:
            assignment = self.assignments_by_section[section.pk].get(title)
            if assignment is None:
                assignment = Assignment(section=section, name=title, category=category, term=term, points=points)
                self.assignments_by_section[section.pk][title] = assignment
                new.append(assignment)
                self.summary.add("assignments created")
                continue
            category_id = category.pk if category is not None else None
            if _set(assignment, {"category_id": category_id, "term": term, "points": points}):
                changed.append(assignment)
            self.summary.add("assignments updated")
        Assignment.objects.bulk_create(new, batch_size=BATCH)
        _update(Assignment, changed, ["category_id", "term", "points"])

    def results(self) -> None:
        rows = list(self.each("results"))
        items = [self.resolve("lineItem", row, "lineItemSourcedId") for row in rows]
        self.sections_load([item["assignment"][:4] for item in items])
        sections = [
            self.section({"section": item["assignment"][:4]}, row, "lineItemSourcedId")
            for row, item in zip(rows, items, strict=True)
        ]
        self.assignments_load(sections)
        assignments = []
        for row, item, section in zip(rows, items, sections, strict=True):
            assignment = self.assignments_by_section[section.pk].get(item["assignment"][4])
            if assignment is None:
                raise row.fail("lineItemSourcedId", f'assignment "{item["assignment"][4]}" is not in the district')
            assignments.append(assignment)
        existing: dict[tuple[int, str], Score] = {}
        ids = sorted({a.pk for a in assignments})
        for start in range(0, len(ids), BATCH):
            for score in Score.objects.filter(assignment_id__in=ids[start : start + BATCH]):
                existing[(score.assignment_id, score.student)] = score
        doomed, new, changed = [], [], []
        for row, item, assignment in zip(rows, items, assignments, strict=True):
            name = item["assignment"][4]
            student_key = self.resolve("user", row, "studentSourcedId")
            if "student" not in student_key:
                raise row.fail("studentSourcedId", "does not name a student")
            student = student_key["student"]
            self.unique(("result", assignment.pk, student), row, "studentSourcedId", f'a score for "{student}"')
            score = existing.get((assignment.pk, student))
            if self.deleted(row):
                if score is None:
                    raise row.fail("sourcedId", f'no score of "{student}" on "{name}" to delete')
                doomed.append(score.pk)
                self.summary.add("scores deleted")
                continue
            row.choice("scoreStatus", SCORE_STATUSES)
            row.date("scoreDate")
            value = _decimal(row, "score", required=self.pkg.version == "1.1")
            comment = row.get("comment")
            if score is None:
                new.append(Score(assignment=assignment, student=student, score=value, comment=comment))
                self.summary.add("scores created")
            else:
                if _set(score, {"score": value, "comment": comment}):
                    changed.append(score)
                self.summary.add("scores updated")
            self.remember("result", row.get("sourcedId"), {"score": [*item["assignment"], student]})
        if doomed:
            Score.objects.filter(pk__in=doomed).delete()
        Score.objects.bulk_create(new, batch_size=BATCH)
        _update(Score, changed, ["score", "comment"])

    def score_scales(self) -> None:
        bands_clean = getattr(catalog_models, "grading_scale_bands_clean", None)
        for row in self.each("scoreScales"):
            title = _text(row, "title")
            self.resolve("org", row, "orgSourcedId")
            self.unique(("scoreScale", title), row, "title", f'grading scale "{title}"')
            bands = []
            for part in re.findall(r"\{([^{}]*)\}", row.get("scoreScaleValue")):
                minimum, _, grade = part.partition(":")
                bands.append({"grade": grade.strip(), "min": minimum.strip()})
            scale, created = GradingScale.objects.get_or_create(name=title)
            self.summary.add("grading scales created" if created else "grading scales unchanged")
            if bands and bands_clean is not None:  # R80's bands, where this version of the product has them
                try:
                    scale.bands = bands_clean(bands)
                except ValidationError as error:
                    raise row.fail("scoreScaleValue", error.messages[0]) from None
                scale.save(update_fields=["bands"])
            self.remember("scoreScale", row.get("sourcedId"), {"scale": title})


def sourced_ids_forget(kind: str | None = None) -> None:
    """Forget remembered sourcedIds (all, or one kind): for tests and a district starting over."""
    queryset = SourcedRecord.objects.all()
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    queryset.delete()


__all__ = ["ImportSummary", "PackageError", "oneroster_import", "sourced_ids_forget"]
