"""``import_edfi DIR --catalog NAME [--create-masters]``: Ed-Fi 5.x interchange XML (R93).

Read: InterchangeEducationOrganization (the local education agency, schools, courses),
InterchangeStandards (learning standards), InterchangeEducationOrgCalendar (sessions and grading
periods), InterchangeMasterSchedule (course offerings, sections) and InterchangeStudentGradebook
(gradebook entries, student gradebook entries), in that order whatever the files are called.

Each file is streamed one line at a time through defusedxml's expat parser, and each entity (a
child of the interchange root) is handled as soon as it ends and then dropped, so a file of any
size takes the memory of one entity. Hostile XML is refused with a clear message: an entity
declaration (billion laughs, an external entity), a reference to an outside resource. Every error
names the file, the line where the entity starts and the element; all or nothing.

What becomes what: the LEA names the district; a school is a school (number: SchoolId); a course
of the LEA is a course master of the named catalog; a course of a school is that school's own
(with --create-masters it also becomes a master of the catalog, which the school's courses link
to); a grading period is a term of its school's calendar for its year, named by GradingPeriodName
or else by its descriptor's code value (``uri://ed-fi.org/GradingPeriodDescriptor#First Six
Weeks`` -> ``First Six Weeks``), in PeriodSequence order; a course offering is a course of its
school's calendar for its session's year (offerings of one course in two sessions are one course);
a section is a section; a gradebook entry is an assignment (its type descriptor the category,
MaxPoints the points, its grading period the term); a student gradebook entry is a score; a
learning standard is a district standard.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from django.db import transaction

from catalog.district_lock import district_exclusive_lock
from catalog.errors import InputError
from catalog.history import IMPORT, file_digest, history_how, history_import_record
from catalog.limits import date_out_of_range
from catalog.models import Calendar, CourseCatalog, District, GradingItem, School, SchoolYear, User
from catalog.progress import ProgressCallback, counted
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Assignment, Score, Section, SectionCategory

ORDER = (
    "InterchangeEducationOrganization",
    "InterchangeStandards",
    "InterchangeEducationOrgCalendar",
    "InterchangeMasterSchedule",
    "InterchangeStudentGradebook",
)
MASTER_NAME_MAX = CourseMaster._meta.get_field("name").max_length
KEY_MAX = 255


class EdFiError(InputError):
    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")


@dataclass
class Entity:
    file: str
    line: int
    element: ET.Element

    def fail(self, path: str | None, problem: str) -> EdFiError:
        at = f"{self.file} line {self.line} {self.element.tag}"
        return EdFiError(f"{at}/{path}" if path else at, problem)

    def text(self, path: str, *, required: bool = True, limit: int = KEY_MAX) -> str:
        found = self.element.find(path)
        value = (found.text or "").strip() if found is not None else ""
        if not value and required:
            raise self.fail(path, "is required and missing")
        if len(value) > limit:
            raise self.fail(path, f"is longer than {limit} characters")
        return value

    def day(self, path: str, *, required: bool = True) -> date | None:
        value = self.text(path, required=required)
        if not value:
            return None
        try:
            result = date.fromisoformat(value)
        except ValueError:
            raise self.fail(path, f'"{value}" is not a date written YYYY-MM-DD') from None
        problem = date_out_of_range(result)
        if problem:
            raise self.fail(path, problem)
        return result

    def number(self, path: str, *, required: bool = False) -> Decimal | None:
        value = self.text(path, required=required)
        if not value:
            return None
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise self.fail(path, f'"{value}" is not a number') from None
        if not result.is_finite() or abs(result) >= 1_000_000:
            raise self.fail(path, f'"{value}" is not a number from -999999.99 to 999999.99')
        return result.quantize(Decimal("0.01"))

    def school_year(self, path: str) -> int:
        value = self.text(path)
        if not (len(value) == 4 and value.isdigit()):
            raise self.fail(path, f'"{value}" is not a school year written YYYY (the year it ends)')
        return int(value)


def descriptor_value(uri: str) -> str:
    """``uri://ed-fi.org/GradingPeriodDescriptor#First Six Weeks`` -> ``First Six Weeks``."""
    return uri.rsplit("#", 1)[-1].strip()


def _parser() -> DefusedXMLParser:
    return DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=False, forbid_entities=True, forbid_external=True)


def _hostile(name: str, line: int, error: DefusedXmlException) -> EdFiError:
    if isinstance(error, EntitiesForbidden):
        kind = f'an external entity ("{error.sysid}")' if error.sysid else "an entity"
        return EdFiError(
            f"{name} line {line}",
            f'declares {kind} "{error.name}"; XML entity declarations are refused '
            "(entity expansion and external entities are how hostile XML attacks)",
        )
    if isinstance(error, ExternalReferenceForbidden):
        return EdFiError(f"{name} line {line}", f'refers to an outside resource ("{error.sysid}"); refused')
    if isinstance(error, DTDForbidden):
        return EdFiError(f"{name} line {line}", "has a document type declaration; refused")
    return EdFiError(f"{name} line {line}", f"refused as unsafe XML ({error})")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def entities(path: Path):
    """(interchange name, Entity) for each entity of one file, streamed."""
    parser = _parser()
    pull = ET.XMLPullParser(events=("start", "end"), _parser=parser)
    depth, root, start_line, line = 0, None, 0, 0
    try:
        with path.open("rb") as stream:
            for line, raw in enumerate(stream, start=1):
                pull.feed(raw)
                for event, element in pull.read_events():
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            root = _local(element.tag)
                        elif depth == 2:
                            start_line = line
                        continue
                    depth -= 1
                    if depth == 1:
                        for node in element.iter():
                            node.tag = _local(node.tag)
                        yield root, Entity(path.name, start_line, element)
                        element.clear()
            pull.close()
    except DefusedXmlException as error:
        raise _hostile(path.name, line, error) from None
    except ET.ParseError as error:
        row, column = error.position if error.position else (line, 0)
        problem = str(error.msg).split(": line ", 1)[0]
        raise EdFiError(f"{path.name} line {row} column {column + 1}", f"not well-formed XML ({problem})") from None
    if root is None:
        raise EdFiError(path.name, "holds no XML element")


def interchange_of(path: Path) -> str:
    for root, _entity in entities(path):
        return root
    # An interchange with no entities: read its root alone.
    parser = _parser()
    pull = ET.XMLPullParser(events=("start",), _parser=parser)
    try:
        with path.open("rb") as stream:
            for raw in stream:
                pull.feed(raw)
                for _event, element in pull.read_events():
                    return _local(element.tag)
    except DefusedXmlException as error:
        raise _hostile(path.name, 1, error) from None
    except ET.ParseError as error:
        raise EdFiError(path.name, f"not well-formed XML ({error.msg})") from None
    raise EdFiError(path.name, "holds no XML element")


@dataclass
class EdFiSummary:
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def line(self) -> str:
        return ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items())) or "nothing"


def edfi_import(
    directory,
    *,
    catalog: str,
    create_masters: bool = False,
    user: User | None = None,
    progress: ProgressCallback | None = None,
) -> EdFiSummary:
    """Load the Ed-Fi interchange files of ``directory``, all or nothing; raises EdFiError naming
    the file, line and element, or InputError. The import is one History record (R74) by ``user``.
    ``progress`` is told each file's entities as they are imported (a streamed file's count is not known ahead)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder")
    catalog = catalog.strip()
    if not catalog or len(catalog) > KEY_MAX:
        raise InputError("--catalog: a catalog name of 1 to 255 characters is required")
    files: dict[str, list[Path]] = {}
    summary = EdFiSummary()
    for path in sorted(directory.glob("*.xml")):
        kind = interchange_of(path)
        if kind not in ORDER:
            summary.warnings.append(f"{path.name}: {kind} is not an interchange this product reads; ignored")
            continue
        files.setdefault(kind, []).append(path)
    if not files:
        raise InputError(f"{directory}: no Ed-Fi interchange XML files")
    with transaction.atomic(), history_how(IMPORT):
        district_exclusive_lock()
        run = _EdFiImport(catalog, create_masters, summary)
        for kind in ORDER:
            for path in files.get(kind, []):
                for _root, entity in counted(entities(path), f"importing {path.name}", progress):
                    run.handle(entity)
        run.finish()
        history_import_record(
            user=user, kind="edfi", file_name=str(directory), digest=file_digest(directory), counts=dict(summary.counts)
        )
    return summary


class _EdFiImport:
    def __init__(self, catalog_name: str, create_masters: bool, summary: EdFiSummary):
        self.catalog, _ = CourseCatalog.objects.get_or_create(name=catalog_name)
        self.create_masters = create_masters
        self.summary = summary
        self.leas: set[str] = set()
        self.school_courses: dict[tuple[str, str], tuple[str, Entity]] = {}  # (school, code) -> title
        self.periods: dict[tuple[str, int], list[tuple[int, date, str]]] = {}
        self.sessions: dict[tuple[str, int, str], tuple[date, date]] = {}
        self.years: dict[int, SchoolYear] = {}
        self.entries: dict[tuple[str, str], Assignment] = {}

    def handle(self, entity: Entity) -> None:
        method = getattr(self, f"on_{entity.element.tag}", None)
        if method is None:
            self.summary.add(f"{entity.element.tag} ignored")
            return
        method(entity)

    # -- education organizations ---------------------------------------------------

    def on_LocalEducationAgency(self, e: Entity) -> None:
        self.leas.add(e.text("LocalEducationAgencyId"))
        district = District.current()
        district.name = e.text("NameOfInstitution")
        district.save(update_fields=["name"])

    def on_School(self, e: Entity) -> None:
        number = e.text("SchoolId")
        name = e.text("NameOfInstitution")
        school, created = School.objects.get_or_create(number=number, defaults={"name": name, "catalog": self.catalog})
        if not created:
            school.name = name
            school.catalog_id = school.catalog_id or self.catalog.pk
            school.save(update_fields=["name", "catalog"])
        self.summary.add("schools")

    def on_Course(self, e: Entity) -> None:
        code = e.text("CourseCode")
        title = e.text("CourseTitle")
        owner = e.text("EducationOrganizationReference/EducationOrganizationIdentity/EducationOrganizationId")
        sced = ""
        for ident in e.element.findall("CourseIdentificationCode"):
            system = (ident.findtext("CourseIdentificationSystemDescriptor") or "").strip()
            if descriptor_value(system).lower() in ("sced course code", "state course code"):
                sced = (ident.findtext("IdentificationCode") or "").strip()[:30]
        if owner in self.leas:
            self._master(e, code, title, sced)
        elif School.objects.filter(number=owner).exists():
            self.school_courses[(owner, code)] = (title, e)
            if self.create_masters:
                self._master(e, code, title, sced)
        else:
            raise e.fail(
                "EducationOrganizationReference", f'education organization "{owner}" is neither the LEA nor a school'
            )

    def _master(self, e: Entity, code: str, title: str, sced: str) -> None:
        name = title
        if len(name) > MASTER_NAME_MAX:
            name = title[:MASTER_NAME_MAX].rstrip()
            self.summary.warnings.append(
                f'{e.file} line {e.line}: a course master\'s name is at most 30 characters; kept as "{name}"'
            )
        CourseMaster.objects.update_or_create(
            catalog=self.catalog, number=code, defaults={"name": name, "sced_code": sced, "state_code": sced}
        )
        self.summary.add("course masters")

    # -- standards -------------------------------------------------------------------

    def on_LearningStandard(self, e: Entity) -> None:
        code = e.text("LearningStandardId")
        description = e.text("Description", limit=10_000)[:255]
        GradingItem.objects.update_or_create(kind=GradingItem.STANDARD, code=code, defaults={"name": description})
        self.summary.add("standards")

    # -- calendar --------------------------------------------------------------------

    def _school(self, e: Entity, path: str) -> str:
        number = e.text(f"{path}/SchoolIdentity/SchoolId")
        if not School.objects.filter(number=number).exists():
            raise e.fail(path, f'no school "{number}" (in this interchange or the district)')
        return number

    def _year(self, e: Entity, end_year: int, start: date | None = None, end: date | None = None) -> SchoolYear:
        if end_year in self.years:
            year = self.years[end_year]
            if start and end and (start < year.start or end > year.end):
                year.start, year.end = min(start, year.start), max(end, year.end)
                year.save(update_fields=["start", "end"])
            return year
        # The year an earlier import made is found by its name: its dates are its sessions', and the
        # first session may end before the year does (a fall semester ends in December).
        name = f"{end_year - 1}-{end_year}"
        year = (
            SchoolYear.objects.filter(name=name).first()
            or SchoolYear.objects.filter(end__year=end_year).order_by("start").first()
        )
        if year is None:
            if start is None or end is None:
                raise e.fail("SchoolYear", f"no school year ending in {end_year}")
            year = SchoolYear.objects.create(name=name, start=start, end=end)
            self.summary.add("school years")
        self.years[end_year] = year
        return year

    def on_Session(self, e: Entity) -> None:
        school = self._school(e, "SchoolReference")
        end_year = e.school_year("SchoolYear")
        start, end = e.day("BeginDate"), e.day("EndDate")
        if end <= start:
            raise e.fail("EndDate", "must be after BeginDate")
        self._year(e, end_year, start, end)
        self.sessions[(school, end_year, e.text("SessionName"))] = (start, end)
        self.summary.add("sessions")

    def on_GradingPeriod(self, e: Entity) -> None:
        school = self._school(e, "SchoolReference")
        end_year = e.school_year("SchoolYear")
        descriptor = e.text("GradingPeriodDescriptor")
        name = e.text("GradingPeriodName", required=False) or descriptor_value(descriptor)
        sequence = e.text("PeriodSequence", required=False)
        start, end = e.day("BeginDate"), e.day("EndDate")
        self._year(e, end_year, start, end)
        key = (school, end_year)
        if any(t[2] == name for t in self.periods.get(key, [])):
            raise e.fail("GradingPeriodName", f'grading period "{name}" of school "{school}" is given twice')
        self.periods.setdefault(key, []).append((int(sequence) if sequence.isdigit() else 0, start, name))
        self.summary.add("grading periods")

    def calendar(self, e: Entity, school: str, end_year: int) -> Calendar:
        year = self._year(e, end_year)
        school_row = School.objects.get(number=school)
        calendar, _ = Calendar.objects.get_or_create(
            school=school_row, year=year, defaults={"name": f"{year.name} {school_row.name}", "terms": []}
        )
        terms = [name for _seq, _start, name in sorted(self.periods.get((school, end_year), []))]
        merged = terms + [t for t in calendar.terms if t not in terms]
        if merged != calendar.terms:
            calendar.terms = merged
            calendar.save(update_fields=["terms"])
        return calendar

    # -- master schedule ----------------------------------------------------------------

    def _offering(self, e: Entity, path: str) -> tuple[str, int, str]:
        """(school, year, local course code) of a CourseOffering reference or identity."""
        school = self._school(e, f"{path}SchoolReference")
        end_year = e.school_year(f"{path}SessionReference/SessionIdentity/SchoolYear")
        session = e.text(f"{path}SessionReference/SessionIdentity/SessionName")
        if (school, end_year, session) not in self.sessions:
            raise e.fail(f"{path}SessionReference", f'no session "{session}" of school "{school}" in {end_year}')
        return school, end_year, e.text(f"{path}LocalCourseCode")

    def on_CourseOffering(self, e: Entity) -> None:
        school, end_year, local_code = self._offering(e, "")
        code = e.text("CourseReference/CourseIdentity/CourseCode")
        calendar = self.calendar(e, school, end_year)
        title = e.text("LocalCourseTitle", required=False)
        master = None
        if calendar.school.catalog_id is not None:
            master = CourseMaster.objects.filter(catalog_id=calendar.school.catalog_id, number=code).first()
        if master is None and (school, code) not in self.school_courses:
            raise e.fail("CourseReference", f'no course "{code}" of the LEA or of school "{school}"')
        title = title or (master.name if master else self.school_courses[(school, code)][0])
        course, created = Course.objects.get_or_create(
            calendar=calendar, number=local_code, defaults={"name": title, "master": master}
        )
        if not created and course.master_id is None and master is not None:
            course.master = master
            course.save(update_fields=["master"])
        self.summary.add("courses" if created else "course offerings of a course already read")

    def _section(self, e: Entity, path: str) -> Section:
        number = e.text(f"{path}/SectionIdentifier")
        school, end_year, local_code = self._offering(e, f"{path}/CourseOfferingReference/CourseOfferingIdentity/")
        section = Section.objects.filter(
            course__calendar__school__number=school,
            course__calendar__year=self._year(e, end_year),
            course__number=local_code,
            number=number,
        ).first()
        if section is None:
            raise e.fail(path, f'no section "{number}" of course "{local_code}" at school "{school}"')
        return section

    def on_Section(self, e: Entity) -> None:
        number = e.text("SectionIdentifier")
        school, end_year, local_code = self._offering(e, "CourseOfferingReference/CourseOfferingIdentity/")
        course = Course.objects.filter(
            calendar__school__number=school, calendar__year=self._year(e, end_year), number=local_code
        ).first()
        if course is None:
            raise e.fail("CourseOfferingReference", f'no course offering "{local_code}" at school "{school}"')
        _section, created = Section.objects.get_or_create(course=course, number=number)
        self.summary.add("sections")

    # -- gradebook --------------------------------------------------------------------------

    def on_GradebookEntry(self, e: Entity) -> None:
        identifier = (e.text("GradebookEntryIdentifier"), e.text("Namespace"))
        if identifier in self.entries:
            raise e.fail("GradebookEntryIdentifier", f'gradebook entry "{identifier[0]}" is given twice')
        section = self._section(e, "SectionReference/SectionIdentity")
        title = e.text("Title")
        term = ""
        period = e.element.find("GradingPeriodReference/GradingPeriodIdentity")
        if period is not None:
            term = (period.findtext("GradingPeriodName") or "").strip() or descriptor_value(
                (period.findtext("GradingPeriodDescriptor") or "").strip()
            )
            if term not in section.course.calendar.terms:
                raise e.fail(
                    "GradingPeriodReference", f'grading period "{term}" is not a term of the section\'s calendar'
                )
        category = None
        kind = e.text("GradebookEntryTypeDescriptor", required=False)
        if kind:
            name = descriptor_value(kind)
            category = SectionCategory.objects.filter(section=section, name__iexact=name).first()
            if category is None:
                last = SectionCategory.objects.filter(section=section).count()
                category = SectionCategory.objects.create(section=section, name=name, sequence=last + 1)
        points = e.number("MaxPoints") or Decimal("0")
        assignment, _ = Assignment.objects.update_or_create(
            section=section, name=title, defaults={"category": category, "term": term, "points": points}
        )
        self.entries[identifier] = assignment
        self.summary.add("assignments")

    def on_StudentGradebookEntry(self, e: Entity) -> None:
        ref = "GradebookEntryReference/GradebookEntryIdentity"
        identifier = (e.text(f"{ref}/GradebookEntryIdentifier"), e.text(f"{ref}/Namespace"))
        assignment = self.entries.get(identifier)
        if assignment is None:
            raise e.fail("GradebookEntryReference", f'no gradebook entry "{identifier[0]}" in this interchange')
        student_node = next((n for n in e.element.iter("StudentUniqueId") if (n.text or "").strip()), None)
        if student_node is None:
            raise e.fail("StudentReference", "names no StudentUniqueId")
        student = student_node.text.strip()
        if len(student) > KEY_MAX:
            raise e.fail("StudentReference", f"the student id is longer than {KEY_MAX} characters")
        score = e.number("PointsEarned")
        if score is None:
            score = e.number("NumericGradeEarned")
        Score.objects.update_or_create(assignment=assignment, student=student, defaults={"score": score, "comment": ""})
        self.summary.add("scores")

    def finish(self) -> None:
        """Calendars for every grading period read, even of a school with no course offering."""
        for school, end_year in list(self.periods):
            year = self.years.get(end_year)
            if year is not None:
                school_row = School.objects.get(number=school)
                calendar, _ = Calendar.objects.get_or_create(
                    school=school_row, year=year, defaults={"name": f"{year.name} {school_row.name}", "terms": []}
                )
                terms = [name for _seq, _start, name in sorted(self.periods[(school, end_year)])]
                merged = terms + [t for t in calendar.terms if t not in terms]
                if merged != calendar.terms:
                    calendar.terms = merged
                    calendar.save(update_fields=["terms"])
