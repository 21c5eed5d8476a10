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
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import models as catalog_models
from catalog.accounts import user_sync_role_group
from catalog.district_lock import district_exclusive_lock
from catalog.errors import InputError
from catalog.history import IMPORT, file_digest, history_how, history_import_record
from catalog.models import Calendar, CourseCatalog, District, GradingScale, School, SchoolYear, User
from catalog.progress import ProgressCallback, counted
from coursemasters.models import CourseMaster
from courses.models import Course
from interop.models import SourcedRecord
from sections.models import Assignment, Score, Section, SectionCategory

from .columns import CLASS_TYPES, ENROLLMENT_ROLES, ORG_TYPES, SCORE_STATUSES, SESSION_TYPES, USER_ROLES
from .package import Package, PackageError, Row, package_read

MASTER_NAME_MAX = CourseMaster._meta.get_field("name").max_length
KEY_MAX = 255
POINTS_LIMIT = Decimal("1000000")  # the columns hold 6 digits before the point

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


class _Import:
    def __init__(self, package: Package, catalog_name: str, delta: bool, progress: ProgressCallback | None = None):
        self.pkg = package
        self.progress = progress
        self.delta = delta
        self.summary = ImportSummary()
        self.catalog_name = catalog_name
        self.catalog: CourseCatalog | None = None
        # sourcedId -> what it is, per kind, from this package and from earlier imports
        self.known: dict[str, dict[str, dict]] = {}
        self.seen_keys: dict[tuple, Row] = {}
        self.year_terms: dict[str, list[tuple]] = {}

    # -- sourcedIds -------------------------------------------------------------

    def remember(self, kind: str, sourced_id: str, key: dict) -> None:
        self.known.setdefault(kind, {})[sourced_id] = key
        SourcedRecord.objects.update_or_create(kind=kind, sourced_id=sourced_id, defaults={"key": key})

    def resolve(self, kind: str, row: Row, column: str, *, value: str | None = None) -> dict:
        sourced_id = value if value is not None else row.required(column)
        found = self.known.get(kind, {}).get(sourced_id)
        if found is None:
            record = SourcedRecord.objects.filter(kind=kind, sourced_id=sourced_id).first()
            if record is not None:
                found = record.key
                self.known.setdefault(kind, {})[sourced_id] = found
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

    # -- orgs and sessions -----------------------------------------------------------

    def orgs(self) -> None:
        for row in self.each("orgs"):
            kind = row.choice("type", ORG_TYPES)
            if self.deleted(row):
                raise row.fail("status", "a school or district is not deleted by an import; remove it in the product")
            name = _text(row, "name")
            if kind == "district":
                district = District.current()
                if district.name != name:
                    district.name = name
                    district.save(update_fields=["name"])
                self.remember("org", row.get("sourcedId"), {"district": True})
            elif kind == "school":
                number = _text(row, "identifier", required=False) or row.get("sourcedId")
                self.unique(("school", number), row, "identifier", f'school number "{number}"')
                school, created = School.objects.get_or_create(
                    number=number, defaults={"name": name, "catalog": self.catalog}
                )
                if not created and (school.name != name or school.catalog_id is None):
                    school.name = name
                    school.catalog_id = school.catalog_id or self.catalog.pk
                    school.save(update_fields=["name", "catalog"])
                self.summary.add("schools created" if created else "schools updated")
                self.remember("org", row.get("sourcedId"), {"school": number})
            else:
                self.remember("org", row.get("sourcedId"), {"other": kind})

    def calendars(self) -> None:
        """Each school of the package gets a calendar in each school year of the package."""
        schools = [k["school"] for k in self.known.get("org", {}).values() if "school" in k]
        years = [k["year"] for k in self.known.get("academicSession", {}).values() if "year" in k]
        for school_number in schools:
            for year_name in years:
                self.calendar(school_number, year_name)

    def sessions(self) -> None:
        rows = self.rows("academicSessions")
        by_id = {row.get("sourcedId"): row for row in rows}
        years_by_end: dict[str, str] = {}
        for row in rows:
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
            year, created = SchoolYear.objects.get_or_create(name=title, defaults={"start": start, "end": end})
            if not created and (year.start, year.end) != (start, end):
                year.start, year.end = start, end
                year.save(update_fields=["start", "end"])
            self.summary.add("school years created" if created else "school years updated")
            years_by_end[school_year] = title
            self.remember("academicSession", row.get("sourcedId"), {"year": title})
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
        existing = [y.name for y in SchoolYear.objects.filter(end__year=int(end_year))]
        if len(existing) == 1:
            return existing[0]
        raise row.fail("schoolYear", f"no schoolYear session for {end_year}, so this term belongs to no school year")

    def calendar(self, school_number: str, year_name: str) -> Calendar:
        cache = self.__dict__.setdefault("_calendars", {})
        if (school_number, year_name) in cache:
            return cache[(school_number, year_name)]
        school = School.objects.get(number=school_number)
        year = SchoolYear.objects.get(name=year_name)
        calendar, created = Calendar.objects.get_or_create(
            school=school, year=year, defaults={"name": f"{year.name} {school.name}", "terms": []}
        )
        # The package's terms in date order, then any the calendar had that the package does not name.
        package_terms = [title for *_, title in sorted(self.year_terms.get(year_name, []))]
        terms = package_terms + [t for t in calendar.terms if t not in package_terms]
        if terms != calendar.terms:
            calendar.terms = terms
            calendar.save(update_fields=["terms"])
        if created:
            self.summary.add("calendars created")
        cache[(school_number, year_name)] = calendar
        return calendar

    # -- courses and classes ----------------------------------------------------------

    def courses(self) -> None:
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
                master, created = CourseMaster.objects.update_or_create(
                    catalog=self.catalog, number=number, defaults={"name": name, **attributes}
                )
                self.summary.add("course masters created" if created else "course masters updated")
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
                calendar = self.calendar(school, year)
                master = None
                if row.get("metadata.courseMasterSourcedId"):
                    # The link this product's own export writes (OneRoster has no place for it).
                    master_key = self.resolve("course", row, "metadata.courseMasterSourcedId")
                    if "master" not in master_key:
                        raise row.fail("metadata.courseMasterSourcedId", "does not name a district course")
                    master = CourseMaster.objects.filter(
                        catalog__name=master_key["master"][0], number=master_key["master"][1]
                    ).first()
                    if master is not None and master.catalog_id != calendar.school.catalog_id:
                        master = None
                elif calendar.school.catalog_id is not None and row.get("courseCode"):
                    master = CourseMaster.objects.filter(
                        catalog_id=calendar.school.catalog_id, number=row.get("courseCode")
                    ).first()
                defaults = {"name": title, **attributes}
                course = Course.objects.filter(calendar=calendar, number=number).first()
                if course is None:
                    Course.objects.create(calendar=calendar, number=number, master=master, **defaults)
                    self.summary.add("courses created")
                else:
                    for attr, value in defaults.items():
                        setattr(course, attr, value)
                    if course.master_id is None and master is not None:
                        course.master = master
                    course.save()
                    self.summary.add("courses updated")
                self.remember("course", row.get("sourcedId"), key)
            else:
                raise row.fail(
                    "orgSourcedId", f"names a {owner['other']} org; a course belongs to the district or a school"
                )

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
            key = {"section": [school, year, course_number, number]}
            if self.deleted(row):
                section = self.section(key, row, "sourcedId")
                section.delete()
                self.summary.add("sections deleted")
                continue
            calendar = self.calendar(school, year)
            course = Course.objects.filter(calendar=calendar, number=course_number).first()
            if course is None:
                # A class of a district course: that school's course of the master.
                master = CourseMaster.objects.get(catalog__name=course_key["master"][0], number=course_number)
                linked = master if calendar.school.catalog_id == master.catalog_id else None
                course = Course.objects.create(
                    calendar=calendar,
                    number=course_number,
                    name=master.name,
                    master=linked,
                    grade_levels=master.grade_levels,
                    sced_code=master.sced_code,
                    state_code=master.state_code,
                )
                self.summary.add("courses created")
            _section, created = Section.objects.get_or_create(course=course, number=number)
            self.summary.add("sections created" if created else "sections unchanged")
            self.remember("class", row.get("sourcedId"), key)

    def section(self, key: dict, row: Row, column: str) -> Section:
        school, year, course, number = key["section"]
        section = Section.objects.filter(
            course__calendar__school__number=school,
            course__calendar__year__name=year,
            course__number=course,
            number=number,
        ).first()
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
            user = User.objects.filter(username__iexact=username).first()
            active = row.boolean("enabledUser", True) and not self.deleted(row)
            if user is None:
                user = User.objects.create(
                    username=username,
                    role=role,
                    first_name=row.get("givenName")[:150],
                    last_name=row.get("familyName")[:150],
                    email=row.get("email")[:254],
                    is_active=active,
                    password=make_password(None),
                )
                user_sync_role_group(user=user)
                self.summary.add("users created")
            else:
                if user.is_active != active:
                    user.is_active = active
                    user.save(update_fields=["is_active"])
                self.summary.add("users deactivated" if not active else "users updated")
            if role != User.DISTRICT_ADMIN and schools:
                user.schools.add(*School.objects.filter(number__in=schools))
            self.remember("user", sourced_id, {"user": user.username})

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
        for section_key, entries in teachers.items():
            live = [e for e in entries if not self.deleted(e[1])]
            section = self.section({"section": list(section_key)}, entries[0][1], "classSourcedId")
            if not live:
                gone = {e[2].lower() for e in entries}
                if section.teacher is not None and section.teacher.username.lower() in gone:
                    section.teacher = None
                    section.save(update_fields=["teacher"])
                    self.summary.add("teachers of record removed")
                continue
            chosen = [e for e in live if e[0]] or live
            if len(chosen) > 1:
                self.summary.warnings.append(
                    f"{chosen[1][1].at('primary')}: the class has more than one "
                    f"{'primary ' if chosen[0][0] else ''}teacher; {chosen[0][1].at()} is its teacher of record"
                )
            teacher = User.objects.get(username__iexact=chosen[0][2])
            if section.teacher_id != teacher.pk:
                section.teacher = teacher
                section.save(update_fields=["teacher"])
                self.summary.add("teachers of record set")

    # -- gradebook -------------------------------------------------------------------

    def categories(self) -> None:
        for row in self.each("categories"):
            title = _text(row, "title")
            weight = _decimal(row, "weight", required=False) if "weight" in row.cells else None
            if weight is not None and (weight < 0 or weight >= Decimal("100000")):
                raise row.fail("weight", f'"{row.get("weight")}" is not a weight from 0 to 99999.99')
            key = {"category": title, "weight": None if weight is None else str(weight)}
            self.remember("category", row.get("sourcedId"), key)
            if row.get("metadata.classSourcedId") and not self.deleted(row):
                class_key = self.resolve("class", row, "metadata.classSourcedId")
                self.section_category(self.section(class_key, row, "metadata.classSourcedId"), key)

    def section_category(self, section: Section, key: dict) -> SectionCategory:
        name = key["category"]
        category = SectionCategory.objects.filter(section=section, name__iexact=name).first()
        weight = Decimal(key["weight"]) if key.get("weight") is not None else None
        if category is None:
            last = (
                SectionCategory.objects.filter(section=section)
                .order_by("-sequence")
                .values_list("sequence", flat=True)
                .first()
                or 0
            )
            category = SectionCategory.objects.create(
                section=section, name=name, weight=weight or Decimal("0"), sequence=last + 1
            )
            self.summary.add("categories created")
        elif weight is not None and category.weight != weight:
            category.weight = weight
            category.save(update_fields=["weight"])
            self.summary.add("categories updated")
        return category

    def line_items(self) -> None:
        period_column = "gradingPeriodSourcedId" if self.pkg.version == "1.1" else "academicSessionSourcedId"
        for row in self.each("lineItems"):
            class_key = self.resolve("class", row, "classSourcedId")
            section = self.section(class_key, row, "classSourcedId")
            title = _text(row, "title")
            self.unique(("lineItem", *class_key["section"], title.lower()), row, "title", f'assignment "{title}"')
            key = {"assignment": [*class_key["section"], title]}
            if self.deleted(row):
                deleted, _ = Assignment.objects.filter(section=section, name=title).delete()
                if not deleted:
                    raise row.fail("sourcedId", f'assignment "{title}" is not in that section')
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
            values = {"category": category, "term": term, "points": points if points is not None else Decimal("0")}
            _assignment, created = Assignment.objects.update_or_create(section=section, name=title, defaults=values)
            self.summary.add("assignments created" if created else "assignments updated")
            self.remember("lineItem", row.get("sourcedId"), key)

    def results(self) -> None:
        for row in self.each("results"):
            item = self.resolve("lineItem", row, "lineItemSourcedId")
            *section_key, name = item["assignment"]
            assignment = Assignment.objects.filter(
                section=self.section({"section": section_key}, row, "lineItemSourcedId"), name=name
            ).first()
            if assignment is None:
                raise row.fail("lineItemSourcedId", f'assignment "{name}" is not in the district')
            student_key = self.resolve("user", row, "studentSourcedId")
            if "student" not in student_key:
                raise row.fail("studentSourcedId", "does not name a student")
            student = student_key["student"]
            self.unique(("result", assignment.pk, student), row, "studentSourcedId", f'a score for "{student}"')
            if self.deleted(row):
                deleted, _ = Score.objects.filter(assignment=assignment, student=student).delete()
                if not deleted:
                    raise row.fail("sourcedId", f'no score of "{student}" on "{name}" to delete')
                self.summary.add("scores deleted")
                continue
            row.choice("scoreStatus", SCORE_STATUSES)
            row.date("scoreDate")
            score = _decimal(row, "score", required=self.pkg.version == "1.1")
            comment = row.get("comment")
            _score, created = Score.objects.update_or_create(
                assignment=assignment, student=student, defaults={"score": score, "comment": comment}
            )
            self.summary.add("scores created" if created else "scores updated")
            self.remember("result", row.get("sourcedId"), {"score": [*item["assignment"], student]})

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
