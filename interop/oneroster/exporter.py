"""``export_oneroster``: a year's setup and rosters as a OneRoster 1.2 CSV package (R92).

Every sourcedId is a UUID derived (uuid5) from the natural key of what it names, so the same
district exports the same ids every time, and a package imported into an empty database and
exported again is the same package byte for byte. What OneRoster has no place for travels in
``metadata.*`` columns the importer reads back: the class a category belongs to
(``metadata.classSourcedId``; OneRoster categories are global rows, ours are per section) and the
master a school's course is linked to (``metadata.courseMasterSourcedId``).

The product keeps no term dates: a calendar's terms get consecutive equal slices of the school
year, in calendar order, so that an importer that orders terms by date keeps the order.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from catalog.errors import InputError
from catalog.models import Calendar, District, GradingScale, SchoolYear
from catalog.progress import ProgressCallback, counted
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Assignment, Score, Section, SectionCategory

from .columns import FILES, MANIFEST_FILES

NAMESPACE = uuid.UUID("6f1c3a52-7d0e-5b8e-9a41-0c2d5e7f9b13")
EXPORTED = (
    "orgs",
    "academicSessions",
    "courses",
    "classes",
    "users",
    "roles",
    "enrollments",
    "categories",
    "lineItems",
    "results",
    "scoreScales",
)
METADATA = {"categories": ("metadata.classSourcedId",), "courses": ("metadata.courseMasterSourcedId",)}


def sourced_id(kind: str, *key: str) -> str:
    """The stable sourcedId of a record: a UUID of its kind and natural key."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((kind, *key))))


def _csv(columns: tuple[str, ...], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def oneroster_export(
    *, year: str, school: str | None = None, progress: ProgressCallback | None = None
) -> dict[str, str]:
    """File name -> CSV text of the package for ``year`` (one school's, or every school's);
    ``progress`` is told the schools as their courses, sections and gradebooks are written."""
    school_year = SchoolYear.objects.filter(name=year).first()
    if school_year is None:
        raise InputError(f'--year: no school year "{year}"')
    calendars = Calendar.objects.filter(year=school_year).select_related("school", "school__catalog")
    if school is not None:
        calendars = calendars.filter(school__number=school)
        if not calendars.exists():
            raise InputError(f'--school: no calendar of school "{school}" in {year}')
    calendars = sorted(calendars, key=lambda c: c.school.number)
    rows: dict[str, list[dict]] = {name: [] for name in EXPORTED}
    district = District.current()
    district_id = sourced_id("org", "district")
    rows["orgs"].append({"sourcedId": district_id, "name": district.name, "type": "district"})
    year_id = sourced_id("academicSession", year)
    rows["academicSessions"].append(
        {
            "sourcedId": year_id,
            "title": year,
            "type": "schoolYear",
            "startDate": school_year.start.isoformat(),
            "endDate": school_year.end.isoformat(),
            "schoolYear": str(school_year.end.year),
        }
    )
    # Terms: every calendar's, in calendar order (the first calendar naming a term places it).
    terms: list[str] = []
    for calendar in calendars:
        terms += [t for t in calendar.terms if t not in terms]
    days = (school_year.end - school_year.start).days + 1
    for i, term in enumerate(terms):
        start = school_year.start + timedelta(days=days * i // len(terms))
        end = school_year.start + timedelta(days=days * (i + 1) // len(terms) - 1)
        rows["academicSessions"].append(
            {
                "sourcedId": sourced_id("academicSession", year, term),
                "title": term,
                "type": "gradingPeriod",
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "parentSourcedId": year_id,
                "schoolYear": str(school_year.end.year),
            }
        )
    term_ids = {t: sourced_id("academicSession", year, t) for t in terms}
    catalogs = sorted({c.school.catalog_id for c in calendars if c.school.catalog_id is not None})
    masters = CourseMaster.objects.filter(catalog_id__in=catalogs).select_related("catalog").order_by("number")
    for master in masters:
        rows["courses"].append(
            {
                "sourcedId": sourced_id("course", master.catalog.name, master.number),
                "schoolYearSourcedId": year_id,
                "title": master.name,
                "courseCode": master.number,
                "grades": ",".join(master.grade_levels),
                "orgSourcedId": district_id,
                "subjects": master.name.replace(",", "") if master.sced_code else "",
                "subjectCodes": master.sced_code,
            }
        )
    teachers: dict[str, object] = {}
    students: dict[str, str] = {}  # student id -> the school of their first class
    for calendar in counted(calendars, "writing schools", progress):
        number = calendar.school.number
        school_id = sourced_id("org", "school", number)
        rows["orgs"].append(
            {
                "sourcedId": school_id,
                "name": calendar.school.name,
                "type": "school",
                "identifier": number,
                "parentSourcedId": district_id,
            }
        )
        courses = Course.objects.filter(calendar=calendar).select_related("master__catalog").order_by("number")
        gradebook = _Gradebook(calendar)
        for course in courses:
            course_id = sourced_id("course", number, year, course.number)
            rows["courses"].append(
                {
                    "sourcedId": course_id,
                    "schoolYearSourcedId": year_id,
                    "title": course.name,
                    "courseCode": course.number,
                    "grades": ",".join(course.grade_levels),
                    "orgSourcedId": school_id,
                    "subjects": course.name.replace(",", "") if course.sced_code else "",
                    "subjectCodes": course.sced_code,
                    "metadata.courseMasterSourcedId": sourced_id(
                        "course", course.master.catalog.name, course.master.number
                    )
                    if course.master_id
                    else "",
                }
            )
            for section in gradebook.sections.get(course.pk, ()):
                _section_rows(
                    rows,
                    section,
                    course,
                    course_id,
                    school_id,
                    year_id,
                    term_ids,
                    calendar,
                    teachers,
                    students,
                    gradebook,
                )
    for username in sorted(teachers, key=str.lower):
        user, school_ids = teachers[username]
        user_id = sourced_id("user", username.lower())
        rows["users"].append(
            {
                "sourcedId": user_id,
                "enabledUser": "true" if user.is_active else "false",
                "username": user.username,
                "givenName": user.first_name,
                "familyName": user.last_name,
                "email": user.email,
            }
        )
        for k, school_id in enumerate(school_ids):
            rows["roles"].append(
                {
                    "sourcedId": sourced_id("role", username.lower(), school_id),
                    "userSourcedId": user_id,
                    "roleType": "primary" if k == 0 else "secondary",
                    "role": "teacher",
                    "orgSourcedId": school_id,
                }
            )
    for student in sorted(students):
        user_id = sourced_id("student", student)
        rows["users"].append(
            {
                "sourcedId": user_id,
                "enabledUser": "true",
                "username": student,
                "givenName": "Student",
                "familyName": student,
                "identifier": student,
            }
        )
        rows["roles"].append(
            {
                "sourcedId": sourced_id("role", "student", student),
                "userSourcedId": user_id,
                "roleType": "primary",
                "role": "student",
                "orgSourcedId": students[student],
            }
        )
    for scale in GradingScale.objects.order_by("name"):
        bands = getattr(scale, "bands", None) or []
        rows["scoreScales"].append(
            {
                "sourcedId": sourced_id("scoreScale", scale.name),
                "title": scale.name,
                "type": "letter",
                "orgSourcedId": district_id,
                "scoreScaleValue": ",".join(f"{{{b['min']}:{b['grade']}}}" for b in bands),
            }
        )
    spec = FILES["1.2"]
    files = {"manifest.csv": _manifest()}
    for name in EXPORTED:
        columns = spec[name].all_columns + METADATA.get(name, ())
        files[f"{name}.csv"] = _csv(columns, rows[name])
    return files


class _Gradebook:
    """A calendar's sections, categories, assignments and scores, one query each (not one per
    course, section and assignment), grouped in the order the package lists them."""

    def __init__(self, calendar: Calendar):
        self.sections = _grouped(
            Section.objects.filter(course__calendar=calendar).select_related("teacher").order_by("number"), "course_id"
        )
        self.categories = _grouped(
            SectionCategory.objects.filter(section__course__calendar=calendar).order_by("sequence", "name"),
            "section_id",
        )
        self.assignments = _grouped(
            Assignment.objects.filter(section__course__calendar=calendar).order_by("name"), "section_id"
        )
        self.scores = _grouped(
            Score.objects.filter(assignment__section__course__calendar=calendar).order_by("student"), "assignment_id"
        )


def _grouped(queryset, attname: str) -> dict[int, list]:
    groups: dict[int, list] = {}
    for obj in queryset.iterator(chunk_size=5000):
        groups.setdefault(getattr(obj, attname), []).append(obj)
    return groups


def _section_rows(
    rows, section, course, course_id, school_id, year_id, term_ids, calendar, teachers, students, gradebook
):
    number = calendar.school.number
    year = calendar.year.name
    key = (number, year, course.number, section.number)
    class_id = sourced_id("class", *key)
    rows["classes"].append(
        {
            "sourcedId": class_id,
            "title": f"{course.name} - {section.number}",
            "courseSourcedId": course_id,
            "classCode": section.number,
            "classType": "scheduled",
            "schoolSourcedId": school_id,
            "termSourcedIds": ",".join(term_ids[t] for t in calendar.terms) or year_id,
        }
    )
    if section.teacher is not None:
        username = section.teacher.username
        entry = teachers.setdefault(username, (section.teacher, []))
        if school_id not in entry[1]:
            entry[1].append(school_id)
        rows["enrollments"].append(
            {
                "sourcedId": sourced_id("enrollment", *key, "teacher", username.lower()),
                "classSourcedId": class_id,
                "schoolSourcedId": school_id,
                "userSourcedId": sourced_id("user", username.lower()),
                "role": "teacher",
                "primary": "true",
            }
        )
    category_ids = {}
    for category in gradebook.categories.get(section.pk, ()):
        category_ids[category.pk] = sourced_id("category", *key, category.name)
        rows["categories"].append(
            {
                "sourcedId": category_ids[category.pk],
                "title": category.name,
                "weight": str(category.weight),
                "metadata.classSourcedId": class_id,
            }
        )
    enrolled: set[str] = set()
    for assignment in gradebook.assignments.get(section.pk, ()):
        item_id = sourced_id("lineItem", *key, assignment.name)
        rows["lineItems"].append(
            {
                "sourcedId": item_id,
                "title": assignment.name,
                "assignDate": calendar.year.start.isoformat(),
                "dueDate": calendar.year.start.isoformat(),
                "classSourcedId": class_id,
                "categorySourcedId": category_ids.get(assignment.category_id, ""),
                "academicSessionSourcedId": term_ids[assignment.term] if assignment.term else year_id,
                "resultValueMin": "0.00",
                "resultValueMax": str(assignment.points),
                "schoolSourcedId": school_id,
            }
        )
        for score in gradebook.scores.get(assignment.pk, ()):
            enrolled.add(score.student)
            rows["results"].append(
                {
                    "sourcedId": sourced_id("result", *key, assignment.name, score.student),
                    "lineItemSourcedId": item_id,
                    "studentSourcedId": sourced_id("student", score.student),
                    "scoreStatus": "not submitted" if score.score is None else "fully graded",
                    "score": "" if score.score is None else str(score.score),
                    "scoreDate": calendar.year.start.isoformat(),
                    "comment": score.comment,
                    "classSourcedId": class_id,
                }
            )
    for student in sorted(enrolled):
        students.setdefault(student, school_id)
        rows["enrollments"].append(
            {
                "sourcedId": sourced_id("enrollment", *key, "student", student),
                "classSourcedId": class_id,
                "schoolSourcedId": school_id,
                "userSourcedId": sourced_id("student", student),
                "role": "student",
                "primary": "false",
            }
        )


def _manifest() -> str:
    rows = [{"propertyName": "manifest.version", "value": "1.0"}, {"propertyName": "oneroster.version", "value": "1.2"}]
    for name in MANIFEST_FILES:
        rows.append({"propertyName": f"file.{name}", "value": "bulk" if name in EXPORTED else "absent"})
    rows += [
        {"propertyName": "source.systemName", "value": "grading-push"},
        {"propertyName": "source.systemCode", "value": "grading-push"},
    ]
    return _csv(("propertyName", "value"), rows)


def oneroster_zip_write(files: dict[str, str], out) -> None:
    """Write the package as a ZIP to ``out``, a path or a binary file (the Export button's temporary file)."""
    # A fixed time stamp, so the same package is the same ZIP.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), files[name])


def oneroster_export_write(files: dict[str, str], out) -> Path:
    """Write the package: a ZIP when ``out`` ends in .zip, else a folder (created if missing)."""
    out = Path(out)
    if out.suffix.lower() == ".zip":
        oneroster_zip_write(files, out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8", newline="")
    return out
