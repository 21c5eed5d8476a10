"""Export the district in the exchange format (district-format.md).

Deterministic: keys sorted, 2-space indent, every key the format defines, lists
sorted as the format says. Courses and sections are read a chunk at a time
with values() querysets (a fixed number of queries per chunk, none per row),
and the JSON can be streamed to a file without holding the document.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from json.encoder import encode_basestring as _encode_string

from catalog.accounts import SYSTEM_USERNAME
from catalog.models import (
    AssessmentTest,
    Calendar,
    CourseCatalog,
    District,
    GradingItem,
    GradingScale,
    School,
    SchoolYear,
    User,
)
from catalog.progress import ProgressCallback, counted
from catalog.setup_types import COURSE, EXTRA_ATTRIBUTES, MASTER, SECTION, SetupType
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Assignment, PostedGrade, Score, Section

from .formats import (
    CHILDREN,
    DECIMAL,
    FORMAT,
    ITEM_REF,
    SCALE_NAME,
    STANDARD_CODE,
    TASK_CODE,
    TEST_CODE,
    decimal_canonical,
    decimal_to_json,
    type_fields,
    types_at,
)

CHUNK_SIZE = 2000
OWNER_FIELD = {MASTER: "master", COURSE: "course", SECTION: "section"}
# The owner one level up that an item's source belongs to.
UPSTREAM_OWNER_FIELD = {COURSE: "master", SECTION: "course"}


def district_export() -> dict:
    """The whole district as an exchange document (a dict)."""
    return {key: (list(value) if isinstance(value, Iterator) else value) for key, value in _Exporter().parts()}


def district_export_json() -> str:
    """The whole district as exchange-format JSON text (keys sorted, 2-space indent, final newline)."""
    buffer = io.StringIO()
    district_export_write(buffer)
    return buffer.getvalue()


def district_export_write(stream, progress: ProgressCallback | None = None) -> None:
    """Write the exchange-format JSON to a text stream, one record at a time.

    The text is exactly ``json.dumps(district_export(), indent=2, sort_keys=True,
    ensure_ascii=False) + "\\n"``, without building the whole document."""
    document_write(stream, _Exporter().parts(), progress)


def document_write(stream, parts: Iterable[tuple[str, object]], progress: ProgressCallback | None = None) -> None:
    """Write a document given as (top-level key, value) in key order, a big list as an iterator
    of its records, in the export's text, one record in memory at a time (generate_district
    --out writes its spooled district so)."""
    stream.write("{")
    first = True
    for key, value in parts:
        stream.write("\n" if first else ",\n")
        first = False
        stream.write(f"  {_dumps(key)}: ")
        if isinstance(value, Iterator | list):
            _write_list(stream, value if progress is None else counted(value, f"writing {key}", progress))
        else:
            stream.write(_dumps(value).replace("\n", "\n  "))
    stream.write("\n}\n" if not first else "}\n")


def _dumps(value, pad: str = "") -> str:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)``, for the
    values an export holds. With an indent, the json module encodes in pure Python
    through generators, which dominates the export of a large district; this
    direct recursion gives the same text several times faster."""
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = pad + "  "
        body = ",\n".join(f"{inner}{_encode_string(k)}: {_dumps(value[k], inner)}" for k in sorted(value))
        return f"{{\n{body}\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = pad + "  "
        body = ",\n".join(inner + _dumps(v, inner) for v in value)
        return f"[\n{body}\n{pad}]"
    if isinstance(value, int):
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _write_list(stream, values: Iterable) -> None:
    empty = True
    for value in values:
        stream.write("[\n    " if empty else ",\n    ")
        empty = False
        stream.write(_dumps(value).replace("\n", "\n    "))
    stream.write("[]" if empty else "\n  ]")


def _chunks(rows: list, size: int | None = None):
    size = size or CHUNK_SIZE
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class _Exporter:
    def __init__(self):
        self.item_refs: dict[int, str] = {}
        self.item_codes: dict[int, str] = {}
        self.tests: dict[int, str] = {}
        self.scales: dict[int, str] = {}

    def parts(self) -> Iterator[tuple[str, object]]:
        """(top-level key, value) in sorted key order; big lists are iterators."""
        self.load_definitions()
        builders: dict[str, Callable[[], object]] = {
            "calendars": self.calendars,
            "catalogs": self.catalogs,
            "course_masters": self.course_masters,
            "courses": self.courses,
            "district": self.district,
            "format": lambda: FORMAT,
            "grading_scales": self.grading_scales,
            "grading_tasks": lambda: self.grading_items(GradingItem.TASK),
            "school_years": self.school_years,
            "schools": self.schools,
            "sections": self.sections,
            "standards": lambda: self.grading_items(GradingItem.STANDARD),
            "tests": self.tests_,
            "users": self.users,
        }
        for key in sorted(builders):
            yield key, builders[key]()

    # -- definitions ---------------------------------------------------------

    def load_definitions(self) -> None:
        for pk, kind, code in GradingItem.objects.values_list("pk", "kind", "code"):
            self.item_refs[pk] = f"{kind}:{code}"
            self.item_codes[pk] = code
        self.tests = dict(AssessmentTest.objects.values_list("pk", "code"))
        self.scales = dict(GradingScale.objects.values_list("pk", "name"))
        self.catalog_names = dict(CourseCatalog.objects.values_list("pk", "name"))
        self.year_names = dict(SchoolYear.objects.values_list("pk", "name"))
        self.school_numbers = dict(School.objects.values_list("pk", "number"))
        self.calendar_keys = {
            pk: (self.school_numbers[school_id], self.year_names[year_id])
            for pk, school_id, year_id in Calendar.objects.values_list("pk", "school_id", "year_id")
        }

    def district(self) -> dict:
        district = District.current()
        return {"name": district.name, "batch_processing_enabled": district.batch_processing_enabled}

    def school_years(self) -> list[dict]:
        rows = SchoolYear.objects.values("name", "start", "end")
        return sorted(
            ({"name": r["name"], "start": r["start"].isoformat(), "end": r["end"].isoformat()} for r in rows),
            key=lambda r: r["name"],
        )

    def grading_items(self, kind: str) -> list[dict]:
        rows = GradingItem.objects.filter(kind=kind).values("code", "name", "post_only")
        records = []
        for row in rows:
            record = {"code": row["code"], "name": row["name"]}
            if kind == GradingItem.STANDARD:
                record["post_only"] = row["post_only"]
            records.append(record)
        return sorted(records, key=lambda r: r["code"])

    def grading_scales(self) -> list[dict]:
        # R80: "bands" is written when a scale has any (absent means []), so files without bands
        # export as they were.
        records = []
        for name, bands in GradingScale.objects.values_list("name", "bands"):
            records.append({"bands": bands, "name": name} if bands else {"name": name})
        return sorted(records, key=lambda r: r["name"])

    def tests_(self) -> list[dict]:
        return sorted(
            ({"code": code, "name": name} for code, name in AssessmentTest.objects.values_list("code", "name")),
            key=lambda r: r["code"],
        )

    def catalogs(self) -> list[dict]:
        rows = CourseCatalog.objects.values("name", "locked_attributes", "locked_types")
        return sorted(
            (
                {
                    "name": r["name"],
                    "locks": {"attributes": sorted(r["locked_attributes"]), "types": sorted(r["locked_types"])},
                }
                for r in rows
            ),
            key=lambda r: r["name"],
        )

    def schools(self) -> list[dict]:
        rows = School.objects.values("number", "name", "catalog_id")
        return sorted(
            (
                {"number": r["number"], "name": r["name"], "catalog": self.catalog_names.get(r["catalog_id"])}
                for r in rows
            ),
            key=lambda r: r["number"],
        )

    def calendars(self) -> list[dict]:
        records = []
        for pk, name, terms in Calendar.objects.values_list("pk", "name", "terms"):
            school, year = self.calendar_keys[pk]
            records.append({"school": school, "year": year, "name": name, "terms": list(terms)})
        return sorted(records, key=lambda r: (r["school"], r["year"]))

    def users(self) -> list[dict]:
        # The system account belongs to the installation, not to the district:
        # commands create it on demand, so exporting it would break round trips.
        users = User.objects.exclude(username=SYSTEM_USERNAME).values_list("pk", "username", "role")
        schools = defaultdict(list)
        for user_id, school_id in User.schools.through.objects.values_list("user_id", "school_id"):
            schools[user_id].append(self.school_numbers[school_id])
        return sorted(
            (
                {"username": username, "role": role, "schools": sorted(schools.get(pk, []))}
                for pk, username, role in users
            ),
            key=lambda r: r["username"],
        )

    # -- the three levels ---------------------------------------------------

    def course_masters(self) -> Iterator[dict]:
        rows = list(CourseMaster.objects.values("pk", "catalog_id", "number", "name", *EXTRA_ATTRIBUTES))
        rows.sort(key=lambda r: (self.catalog_names[r["catalog_id"]], r["number"]))
        for chunk in _chunks(rows):
            items = self.setup_items(MASTER, [r["pk"] for r in chunk], {})
            for row in chunk:
                record = {
                    "catalog": self.catalog_names[row["catalog_id"]],
                    "number": row["number"],
                    "name": row["name"],
                    "attributes": _attributes(row),
                }
                record.update(items[row["pk"]])
                yield record

    def courses(self) -> Iterator[dict]:
        fields = ("pk", "calendar_id", "number", "name", "master_id", "master__number", "ignore_master_push")
        rows = list(Course.objects.values(*fields, "desynced_types", *EXTRA_ATTRIBUTES))
        rows.sort(key=lambda r: (*self.calendar_keys[r["calendar_id"]], r["number"]))
        for chunk in _chunks(rows):
            items = self.setup_items(COURSE, [r["pk"] for r in chunk], {r["pk"]: r["master_id"] for r in chunk})
            for row in chunk:
                school, year = self.calendar_keys[row["calendar_id"]]
                record = {
                    "calendar": {"school": school, "year": year},
                    "number": row["number"],
                    "name": row["name"],
                    "master": row["master__number"],
                    "ignore_master_push": row["ignore_master_push"],
                    "desynced": sorted(row["desynced_types"]),
                    "attributes": _attributes(row),
                }
                record.update(items[row["pk"]])
                yield record

    def sections(self) -> Iterator[dict]:
        courses = {
            pk: (*self.calendar_keys[calendar_id], number)
            for pk, calendar_id, number in Course.objects.values_list("pk", "calendar_id", "number")
        }
        teachers = dict(User.objects.values_list("pk", "username"))
        rows = list(Section.objects.values_list("pk", "course_id", "number", "teacher_id", "advisory"))
        rows.sort(key=lambda r: (*courses[r[1]], r[2]))
        for chunk in _chunks(rows):
            ids = [r[0] for r in chunk]
            items = self.setup_items(SECTION, ids, {r[0]: r[1] for r in chunk})
            assignments, posted_grades = self.teacher_data(ids)
            for pk, course_id, number, teacher_id, advisory in chunk:
                school, year, course_number = courses[course_id]
                record = {
                    "course": {"school": school, "year": year, "number": course_number},
                    "number": number,
                    "teacher": teachers.get(teacher_id),
                    "advisory": advisory,
                    "assignments": assignments.get(pk, []),
                    "posted_grades": posted_grades.get(pk, []),
                }
                record.update(items[pk])
                yield record

    # -- setup items, walked over the setup types ------------------------------

    def setup_items(self, level: str, owner_ids: list[int], upstream_of: dict[int, int | None]) -> dict:
        """owner id -> {type name: [item records, sorted]} for a chunk of owners.

        ``upstream_of``: owner id -> the id of the owner one level up (a
        course's master, a section's course); a source item that belongs to
        another owner (a course relinked to another master) is written null.
        """
        owner = OWNER_FIELD[level]
        result: dict[int, dict[str, list]] = {pk: {} for pk in owner_ids}
        for setup_type in types_at(level):
            forms = type_fields(setup_type, level)
            fields = [f"{owner}_id", *(f.attname for f in forms)]
            if level != MASTER:
                fields += ["state", "source_id", f"source__{UPSTREAM_OWNER_FIELD[level]}"]
                fields += [f"source__{f.field}" for f in forms if f.is_key]
            for pk in owner_ids:
                result[pk][setup_type.name] = []
            rows = setup_type.model(level).objects.filter(**{f"{owner}_id__in": owner_ids}).values(*fields)
            for row in rows:
                record = {f.json: self.value_json(f.kind, row[f.attname]) for f in forms}
                if level != MASTER:
                    record["state"] = row["state"]
                    record["source"] = self.source_json(level, setup_type, forms, row, upstream_of)
                result[row[f"{owner}_id"]][setup_type.name].append(record)
            sort_key = _sort_key(setup_type, forms)
            for pk in owner_ids:
                result[pk][setup_type.name].sort(key=sort_key)
        return result

    def source_json(self, level, setup_type: SetupType, forms, row: dict, upstream_of: dict) -> str | None:
        if row["source_id"] is None:
            return None
        if row[f"source__{UPSTREAM_OWNER_FIELD[level]}"] != upstream_of[row[f"{OWNER_FIELD[level]}_id"]]:
            return None
        return " ".join(self.value_json(f.kind, row[f"source__{f.field}"]) for f in forms if f.is_key)

    def value_json(self, kind: str, value):
        if value is None:
            return None
        if kind == DECIMAL:
            return decimal_to_json(value)
        if kind in (TASK_CODE, STANDARD_CODE):
            return self.item_codes[value]
        if kind == ITEM_REF:
            return self.item_refs[value]
        if kind == TEST_CODE:
            return self.tests[value]
        if kind == SCALE_NAME:
            return self.scales[value]
        if kind == CHILDREN:
            # Written as import stores them, whatever spelling another writer used,
            # so that export -> import -> export stays byte for byte.
            return [{"item": child["item"], "weight": decimal_canonical(child["weight"])} for child in value]
        return value

    # -- teacher data -----------------------------------------------------------

    def teacher_data(self, section_ids: list[int]) -> tuple[dict, dict]:
        ItemLink = Assignment.items.through
        aligned = defaultdict(list)
        for assignment_id, item_id in ItemLink.objects.filter(assignment__section_id__in=section_ids).values_list(
            "assignment_id", "gradingitem_id"
        ):
            aligned[assignment_id].append(self.item_refs[item_id])
        scores = defaultdict(list)
        # No ORDER BY (the scores are sorted by student below): Score's default ordering runs through
        # Assignment's to the school, five joins that, on tables not yet analysed, gave a plan that
        # ran for over ten minutes.
        for assignment_id, student, score, comment in (
            Score.objects.filter(assignment__section_id__in=section_ids)
            .order_by()
            .values_list("assignment_id", "student", "score", "comment")
        ):
            scores[assignment_id].append({"student": student, "score": decimal_to_json(score), "comment": comment})
        assignments = defaultdict(list)
        for pk, section_id, name, category, term, points in Assignment.objects.filter(
            section_id__in=section_ids
        ).values_list("pk", "section_id", "name", "category__name", "term", "points"):
            assignments[section_id].append(
                {
                    "name": name,
                    "category": category,
                    "items": sorted(aligned.get(pk, [])),
                    "term": term,
                    "points": decimal_to_json(points),
                    "scores": sorted(scores.get(pk, []), key=lambda s: s["student"]),
                }
            )
        for records in assignments.values():
            records.sort(key=lambda a: a["name"])
        posted = defaultdict(list)
        for section_id, item_id, term, student, grade, comment in PostedGrade.objects.filter(
            section_id__in=section_ids
        ).values_list("section_id", "item_id", "term", "student", "grade", "comment"):
            posted[section_id].append(
                {"item": self.item_refs[item_id], "term": term, "student": student, "grade": grade, "comment": comment}
            )
        for records in posted.values():
            records.sort(key=lambda g: (g["item"], g["term"], g["student"]))
        return assignments, posted


def _sort_key(setup_type: SetupType, forms):
    keys = [f.json for f in forms if f.is_key]
    if any(f.json == "sequence" for f in forms):
        return lambda record: (record["sequence"], *(record[k] for k in keys))
    return lambda record: tuple(record[k] for k in keys)


def _attributes(row: dict) -> dict:
    values = {}
    for name in EXTRA_ATTRIBUTES:
        value = row[name]
        if name == "credits":
            value = decimal_to_json(value)
        elif name == "grade_levels":
            value = sorted(value)
        values[name] = value
    return values
