"""Import a district exchange file (district-format.md): all or nothing.

The document is checked against the JSON Schema first, then record by record
while it is written, inside one transaction: the first problem raises
DistrictFileError and rolls everything back. Natural keys are resolved through
in-memory dictionaries of ids and rows are written with bulk inserts, so the
number of queries grows with the number of batches, never with the rows.

Models above the catalog layer are resolved lazily through django.apps, as in
catalog.setup_types, so this bottom layer imports no level above it.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from catalog.accounts import ROLE_GROUPS
from catalog.composites import composite_cycle, composite_cycle_text
from catalog.district_lock import district_exclusive_lock
from catalog.errors import InputError
from catalog.history import IMPORT, history_how, history_import_record
from catalog.limits import date_out_of_range
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
    grading_scale_bands_clean,
)
from catalog.progress import ProgressCallback
from catalog.setup_types import COURSE, EXTRA_ATTRIBUTES, MASTER, SECTION, SetupType, category_name_key
from coursemasters.models import CourseMaster
from courses.models import Course
from pushjobs.engine import bulk
from sections.models import Assignment, PostedGrade, Score, Section

from .errors import DistrictFileError
from .formats import (
    CHILDREN,
    DECIMAL,
    ITEM_REF,
    ITEM_STATE_DEFAULT,
    PUSHED_STATES,
    SCALE_NAME,
    STANDARD_CODE,
    TASK_CODE,
    TEST_CODE,
    decimal_canonical,
    source_match_key,
    type_fields,
    types_at,
)
from .normalise import document_normalise, json_text_parse
from .schema import schema_validate
from .stream import StreamedDocument, document_stream

BATCH_SIZE = 5000
# Courses and sections are read and written this many at a time, so memory
# holds one chunk's rows, not the district's.
CHUNK_SIZE = 2000

OWNER_ATTNAME = {MASTER: "master_id", COURSE: "course_id", SECTION: "section_id"}
LEVEL_WORD = {MASTER: "master", COURSE: "course", SECTION: "section"}


def district_import_file(path, *, replace: bool = False, progress: ProgressCallback | None = None, **options) -> dict:
    """Read a district exchange file record by record and import it (see district_import):
    memory holds a record at a time and the keys the checks across records need, not the file.
    Returns how many records each list held."""
    with document_stream(path, progress) as document:
        district_import(document, replace=replace, progress=progress, **options)
        return document.list_counts()


def document_read(path) -> dict:
    """Parse a district file; malformed JSON is a DistrictFileError naming line and column."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DistrictFileError("document", f"the file is not UTF-8 text (byte {error.start})") from error
    try:
        return json_text_parse(text)
    except json.JSONDecodeError as error:
        raise DistrictFileError(f"line {error.lineno} column {error.colno}", f"not valid JSON ({error.msg})") from error
    except RecursionError as error:
        raise DistrictFileError(
            "document", "lists or objects are nested too deeply to read (the format nests at most 7 levels)"
        ) from error


class _WholeDocument:
    """A document held whole (a dict), read the way the importer reads a streamed one."""

    def __init__(self, document: dict):
        self.document = document

    def get(self, name: str, default=None):
        return self.document.get(name, default)

    def count(self, name: str) -> int:
        return len(self.document.get(name) or ())

    def records(self, name: str) -> Iterable[dict]:
        return self.document.get(name) or ()

    def list_counts(self) -> dict[str, int]:
        return {name: len(value) for name, value in self.document.items() if isinstance(value, list) and value}


def district_import(
    document: dict | StreamedDocument,
    *,
    replace: bool = False,
    on_wait: Callable[[], None] | None = None,
    progress: ProgressCallback | None = None,
    user: User | None = None,
    file_name: str = "",
    digest: str = "",
) -> None:
    """Load a district exchange document into the database, all or nothing.

    Into an empty database; with ``replace``, everything the district holds is
    deleted first (schools, years, catalogs, masters, courses, sections, teacher
    data, push jobs with their reports and notifications), keeping the user
    accounts the document does not name. Raises DistrictFileError (path and
    problem) for a bad document and InputError when the database already holds
    a district and ``replace`` is not set; nothing is changed then. A push that is writing
    is waited for (``on_wait`` is told), and pushes wait for the import (issue 11).
    ``progress`` is told how far the load of each level is (issue 18). The import is one History
    record (R74): ``user``, the file's name and digest, and how many of each kind it held.
    ``document`` is a dict, or a file read by exchange.stream.document_stream (already checked
    record by record against the schema, its big lists read back one record at a time).
    """
    if not isinstance(document, StreamedDocument):
        if progress is not None:
            progress("checking the file", 0, None)
        # Keys and names NFC-normalised and trimmed, hostile text refused, before anything reads them (R90).
        document = document_normalise(document)
        schema_validate(document)
        document = _WholeDocument(document)
    with transaction.atomic(), history_how(IMPORT):
        district_exclusive_lock(on_wait=on_wait)
        if district_exists():
            if not replace:
                raise InputError("the database already holds a district; use --replace")
            if progress is not None:
                progress("deleting the district's data", 0, None)
            district_data_delete()
        _Importer(document, progress=progress).run()
        if document.count("sections") >= 1000:
            # A bulk load leaves the planner with no statistics: without them, the first
            # reports and pushes on a large district can pick very bad plans.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = document.list_counts()
        history_import_record(
            user=user, kind="district", file_name=file_name or "generated district", digest=digest, counts=counts
        )


# ---------------------------------------------------------------------------
# The district's data as a set of models.
# ---------------------------------------------------------------------------

_CATALOG_DATA = (SchoolYear, GradingScale, GradingItem, AssessmentTest, CourseCatalog, School, Calendar)


def _level_models() -> list:
    configs = (apps.get_app_config("coursemasters"), apps.get_app_config("courses"), apps.get_app_config("sections"))
    return [m for config in configs for m in config.get_models(include_auto_created=True)]


def _job_models() -> list:
    """Every row of these apps belongs to the district: jobs, their reports, notifications."""
    configs = (apps.get_app_config("pushjobs"), apps.get_app_config("reports"))
    return [m for config in configs for m in config.get_models(include_auto_created=True)]


def district_exists() -> bool:
    """Whether the database holds district data (users and the district row do not count)."""
    candidates = list(_CATALOG_DATA) + [m for m in _level_models() if not m._meta.auto_created]
    return any(model.objects.exists() for model in candidates)


def district_data_delete() -> None:
    """Delete every row of district data, keeping users and the district row."""
    models = list(_CATALOG_DATA) + _level_models() + _job_models() + [User.schools.through]
    existing = set(connection.introspection.table_names())
    models = [m for m in models if m._meta.db_table in existing]  # an app may not be migrated yet
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction leave deferred foreign-key
        # checks pending, and PostgreSQL refuses to truncate under them.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# ---------------------------------------------------------------------------
# The importer.
# ---------------------------------------------------------------------------


def _bulk(model, objs: list) -> list:
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    return objs


def _insert(model, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert rows (dicts of attribute name -> value, all with the same keys), returning
    their new ids when asked: with COPY through the engine's writer, several times faster
    than INSERT for the millions of rows of a large district."""
    if not rows:
        return []
    attnames = list(rows[0])
    return bulk.insert_rows(model, attnames, [[row[a] for a in attnames] for row in rows], returning_ids=ids)


def _chunks(records: Iterable, size: int | None = None):
    """(index of the first, list) for each run of ``size`` (CHUNK_SIZE) records of an iterable."""
    size = size or CHUNK_SIZE
    records = iter(records)
    start = 0
    while chunk := list(itertools.islice(records, size)):
        yield start, chunk
        start += len(chunk)


class _Importer:
    def __init__(self, document: _WholeDocument | StreamedDocument, *, progress: ProgressCallback | None = None):
        self.doc = document
        self.progress = progress
        self.items: dict[str, int] = {}  # "task:S1" -> GradingItem id
        self.tests: dict[str, int] = {}
        self.scales: dict[str, int] = {}
        self.years: dict[str, int] = {}
        self.catalogs: dict[str, int] = {}
        self.catalog_names: dict[int, str] = {}
        self.schools: dict[str, tuple[int, int | None]] = {}  # number -> (id, catalog id)
        self.calendars: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = {}  # (school, year) -> (id, terms)
        self.users: dict[str, int] = {}  # lower-case username -> id
        self.masters: dict[tuple[int, str], int] = {}  # (catalog id, number) -> id
        # owner id -> setup type name -> source match key -> item id
        self.master_items: dict[int, dict[str, dict[str, int]]] = {}
        self.course_items: dict[int, dict[str, dict[str, int]]] = {}
        # (school, year, number) -> (id, calendar terms, calendar label)
        self.courses: dict[tuple[str, str, str], tuple[int, tuple[str, ...], str]] = {}

    def run(self) -> None:
        try:
            if self.progress is not None:
                self.progress("loading definitions, schools and users", 0, None)
            self.district()
            self.school_years()
            self.grading_items()
            self.tests_and_scales()
            self.catalogs_()
            self.schools_()
            self.calendars_()
            self.users_()
            self.course_masters()
            self.courses_()
            self.sections()
        except (IntegrityError, DatabaseError) as error:
            # Every rule the database enforces is checked above with a clear
            # message; this is the last line, still all or nothing.
            raise DistrictFileError("document", f"the database refused the file: {error}") from error

    def _chunks(self, name: str, what: str):
        """The records of a big list a chunk at a time (a streamed file's are read back from
        disk as they are needed), telling ``progress`` how many were loaded before each."""
        total = self.doc.count(name)
        for start, chunk in _chunks(self.doc.records(name)):
            if self.progress is not None:
                self.progress(what, start, total)
            yield start, chunk
        if self.progress is not None:
            self.progress(what, total, total)

    # -- the district's definitions ------------------------------------------

    def district(self) -> None:
        data = self.doc.get("district") or {"name": "District"}
        district = District.current()
        district.name = data["name"]
        district.batch_processing_enabled = data.get("batch_processing_enabled", True)
        district.save(update_fields=["name", "batch_processing_enabled"])

    def _unique(self, list_name: str, key_name: str, *, key=None) -> list[tuple[int, dict]]:
        """The records of a top-level list, refusing two with the same key."""
        seen: dict = {}
        records = self.doc.get(list_name, [])
        for i, record in enumerate(records):
            value = key(record) if key else record[key_name]
            if value in seen:
                shown = " ".join(value) if isinstance(value, tuple) else record[key_name]
                raise DistrictFileError(f"{list_name}[{i}]", f'duplicate "{shown}" (also {list_name}[{seen[value]}])')
            seen[value] = i
        return list(enumerate(records))

    def school_years(self) -> None:
        objs = []
        for i, record in self._unique("school_years", "name"):
            start = _date(record["start"], f"school_years[{i}].start")
            end = _date(record["end"], f"school_years[{i}].end")
            if end <= start:
                raise DistrictFileError(f"school_years[{i}].end", "must be after start")
            objs.append(SchoolYear(name=record["name"], start=start, end=end))
        self.years = {y.name: y.pk for y in _bulk(SchoolYear, objs)}

    def grading_items(self) -> None:
        objs = []
        for _i, record in self._unique("grading_tasks", "code"):
            objs.append(GradingItem(kind=GradingItem.TASK, code=record["code"], name=record["name"]))
        for _i, record in self._unique("standards", "code"):
            objs.append(
                GradingItem(
                    kind=GradingItem.STANDARD,
                    code=record["code"],
                    name=record["name"],
                    post_only=record.get("post_only", False),
                )
            )
        self.items = {g.ref: g.pk for g in _bulk(GradingItem, objs)}

    def tests_and_scales(self) -> None:
        tests = [AssessmentTest(code=r["code"], name=r["name"]) for _, r in self._unique("tests", "code")]
        self.tests = {t.code: t.pk for t in _bulk(AssessmentTest, tests)}
        scales = [
            GradingScale(name=r["name"], bands=_bands(r.get("bands", []), f"grading_scales[{i}].bands"))
            for i, r in self._unique("grading_scales", "name")
        ]
        self.scales = {s.name: s.pk for s in _bulk(GradingScale, scales)}

    def catalogs_(self) -> None:
        objs = []
        for _, record in self._unique("catalogs", "name"):
            locks = record.get("locks", {})
            objs.append(
                CourseCatalog(
                    name=record["name"],
                    locked_attributes=sorted(locks.get("attributes", [])),
                    locked_types=sorted(locks.get("types", [])),
                )
            )
        self.catalogs = {c.name: c.pk for c in _bulk(CourseCatalog, objs)}
        self.catalog_names = {pk: name for name, pk in self.catalogs.items()}

    def schools_(self) -> None:
        objs = []
        for i, record in self._unique("schools", "number"):
            catalog = record.get("catalog")
            catalog_id = None
            if catalog is not None:
                catalog_id = self.catalogs.get(catalog)
                if catalog_id is None:
                    raise DistrictFileError(f"schools[{i}].catalog", f'no catalog "{catalog}" in catalogs')
            objs.append(School(number=record["number"], name=record["name"], catalog_id=catalog_id))
        self.schools = {s.number: (s.pk, s.catalog_id) for s in _bulk(School, objs)}
        self.school_names = {s.number: s.name for s in objs}

    def calendars_(self) -> None:
        objs = []
        for i, record in self._unique("calendars", "school", key=lambda r: (r["school"], r["year"])):
            school = self.schools.get(record["school"])
            if school is None:
                raise DistrictFileError(f"calendars[{i}].school", f'no school "{record["school"]}" in schools')
            year_id = self.years.get(record["year"])
            if year_id is None:
                raise DistrictFileError(f"calendars[{i}].year", f'no school year "{record["year"]}" in school_years')
            name = record.get("name", f"{record['year']} {self.school_names[record['school']]}")
            objs.append(Calendar(school_id=school[0], year_id=year_id, name=name, terms=list(record.get("terms", []))))
            self.calendars[(record["school"], record["year"])] = (objs[-1], ())
        _bulk(Calendar, objs)
        self.calendars = {key: (calendar.pk, tuple(calendar.terms)) for key, (calendar, _) in self.calendars.items()}

    def users_(self) -> None:
        existing = {name.lower(): (pk, name) for pk, name in User.objects.values_list("pk", "username")}
        new_users, updated, memberships = [], [], []
        for i, record in self._unique("users", "username", key=lambda r: r["username"].lower()):
            path = f"users[{i}]"
            role = record.get("role", User.TEACHER)
            school_ids = []
            for k, number in enumerate(record.get("schools", [])):
                school = self.schools.get(number)
                if school is None:
                    raise DistrictFileError(f"{path}.schools[{k}]", f'no school "{number}" in schools')
                school_ids.append(school[0])
            if role == User.DISTRICT_ADMIN and school_ids:
                raise DistrictFileError(
                    f"{path}.schools", "must be empty for a district admin (they manage every school)"
                )
            found = existing.get(record["username"].lower())
            if found:
                user = User(pk=found[0], username=found[1], role=role)
                updated.append(user)
            else:
                user = User(username=record["username"], role=role, password=make_password(None))
                new_users.append(user)
            memberships.append((user, school_ids))
        if updated:
            User.objects.bulk_update(updated, ["role"], batch_size=BATCH_SIZE)
        _bulk(User, new_users)
        named_ids = [user.pk for user, _ in memberships]
        SchoolLink = User.schools.through
        SchoolLink.objects.filter(user_id__in=named_ids).delete()
        _bulk(SchoolLink, [SchoolLink(user_id=u.pk, school_id=s) for u, ids in memberships for s in ids])
        # Role groups (catalog.accounts.user_sync_role_group, for many users at once).
        groups = {role: Group.objects.get_or_create(name=name)[0].pk for role, name in ROLE_GROUPS.items()}
        GroupLink = User.groups.through
        GroupLink.objects.filter(user_id__in=named_ids, group_id__in=groups.values()).delete()
        _bulk(GroupLink, [GroupLink(user_id=u.pk, group_id=groups[u.role]) for u, _ in memberships])
        self.users = {name: pk for name, (pk, _) in existing.items()}
        self.users.update({u.username.lower(): u.pk for u in new_users})

    # -- the three levels ---------------------------------------------------

    def course_masters(self) -> None:
        seen: dict[tuple[int, str], int] = {}
        for start, chunk in self._chunks("course_masters", "loading course masters"):
            rows = []
            for offset, record in enumerate(chunk):
                i = start + offset
                path = f"course_masters[{i}]"
                catalog_id = self.catalogs.get(record["catalog"])
                if catalog_id is None:
                    raise DistrictFileError(f"{path}.catalog", f'no catalog "{record["catalog"]}" in catalogs')
                key = (catalog_id, record["number"])
                if key in seen:
                    raise DistrictFileError(
                        f"{path}.number",
                        f'duplicate master "{record["number"]}" in catalog "{record["catalog"]}" '
                        f"(also course_masters[{seen[key]}])",
                    )
                seen[key] = i
                rows.append(
                    {
                        "catalog_id": catalog_id,
                        "number": record["number"],
                        "name": record["name"],
                        **_attributes(CourseMaster, record.get("attributes", {})),
                    }
                )
            ids = _insert(CourseMaster, rows, ids=True)
            owners = []
            for k, (pk, row, record) in enumerate(zip(ids, rows, chunk, strict=True)):
                self.masters[(row["catalog_id"], row["number"])] = pk
                owners.append((f"course_masters[{start + k}]", pk, record, None))
            self.master_items.update(self.setup_items(MASTER, owners))

    def courses_(self) -> None:
        seen: dict[tuple[int, str], int] = {}
        for start, chunk in self._chunks("courses", "loading courses"):
            rows, owners = [], []
            for offset, record in enumerate(chunk):
                i = start + offset
                path = f"courses[{i}]"
                school_number, year = record["calendar"]["school"], record["calendar"]["year"]
                calendar = self.calendars.get((school_number, year))
                if calendar is None:
                    raise DistrictFileError(
                        f"{path}.calendar", f'no calendar of school "{school_number}" in year "{year}" in calendars'
                    )
                key = (calendar[0], record["number"])
                if key in seen:
                    raise DistrictFileError(
                        f"{path}.number",
                        f'duplicate course "{record["number"]}" in calendar {school_number} {year} '
                        f"(also courses[{seen[key]}])",
                    )
                seen[key] = i
                master_id = None
                master_number = record.get("master")
                if master_number is not None:
                    catalog_id = self.schools[school_number][1]
                    if catalog_id is None:
                        raise DistrictFileError(
                            f"{path}.master", f'school "{school_number}" uses no catalog, so its courses have no master'
                        )
                    master_id = self.masters.get((catalog_id, master_number))
                    if master_id is None:
                        raise DistrictFileError(
                            f"{path}.master",
                            f'no master "{master_number}" in catalog "{self.catalog_names[catalog_id]}"',
                        )
                rows.append(
                    {
                        "calendar_id": calendar[0],
                        "number": record["number"],
                        "name": record["name"],
                        "master_id": master_id,
                        "ignore_master_push": record.get("ignore_master_push", False),
                        "desynced_types": sorted(record.get("desynced", [])),
                        **_attributes(Course, record.get("attributes", {})),
                    }
                )
                upstream = None
                if master_id is not None:
                    upstream = (self.master_items.get(master_id, {}), f'master "{master_number}"')
                owners.append([path, None, record, upstream, calendar[1], f"{school_number} {year}"])
            for owner, pk in zip(owners, _insert(Course, rows, ids=True), strict=True):
                owner[1] = pk
                record = owner[2]
                school_number, year = record["calendar"]["school"], record["calendar"]["year"]
                self.courses[(school_number, year, record["number"])] = (pk, owner[4], owner[5])
            self.course_items.update(self.setup_items(COURSE, owners))

    def sections(self) -> None:
        seen: dict[tuple[int, str], int] = {}
        for start, chunk in self._chunks("sections", "loading sections"):
            rows, owners = [], []
            for offset, record in enumerate(chunk):
                i = start + offset
                path = f"sections[{i}]"
                ref = record["course"]
                course = self.courses.get((ref["school"], ref["year"], ref["number"]))
                if course is None:
                    raise DistrictFileError(
                        f"{path}.course",
                        f'no course "{ref["number"]}" in the calendar of school "{ref["school"]}" '
                        f'in year "{ref["year"]}" in courses',
                    )
                key = (course[0], record["number"])
                if key in seen:
                    raise DistrictFileError(
                        f"{path}.number",
                        f'duplicate section "{record["number"]}" of course "{ref["number"]}" '
                        f"(also sections[{seen[key]}])",
                    )
                seen[key] = i
                teacher_id = None
                teacher = record.get("teacher")
                if teacher is not None:
                    teacher_id = self.users.get(teacher.lower())
                    if teacher_id is None:
                        raise DistrictFileError(f"{path}.teacher", f'no user "{teacher}" in users')
                rows.append(
                    {
                        "course_id": course[0],
                        "number": record["number"],
                        "teacher_id": teacher_id,
                        "advisory": record.get("advisory", False),
                    }
                )
                upstream = (self.course_items.get(course[0], {}), f'course "{ref["number"]}"')
                owners.append([path, None, record, upstream, course[1], course[2]])
            for owner, pk in zip(owners, _insert(Section, rows, ids=True), strict=True):
                owner[1] = pk
            section_items = self.setup_items(SECTION, owners)
            self.teacher_data(owners, section_items)

    # -- setup items, walked over the setup types ------------------------------

    def setup_items(self, level: str, owners: list) -> dict[int, dict[str, dict[str, int]]]:
        """Create the setup items of a chunk of owners at one level.

        ``owners``: [path, owner id, record, upstream, terms, calendar label], where
        upstream is (items of the owner one level up by type and source key, its
        name) or None, and terms is the calendar's terms (None for masters).
        Returns owner id -> type name -> source match key -> new item id.
        """
        registry: dict[int, dict[str, dict[str, int]]] = {owner[1]: {} for owner in owners}
        for setup_type in types_at(level):
            model = setup_type.model(level)
            forms = type_fields(setup_type, level)
            has_children = any(form.kind == CHILDREN for form in forms)
            rows, keys = [], []
            for owner in owners:
                path, owner_id, record = owner[0], owner[1], owner[2]
                upstream = owner[3] if level != MASTER else None
                terms = owner[4] if level != MASTER else None
                calendar_label = owner[5] if level != MASTER else None
                seen: dict = {}
                used_sources: dict[int, int] = {}
                composite_paths: dict[str, str] = {}
                for j, item in enumerate(record.get(setup_type.name, [])):
                    item_path = f"{path}.{setup_type.name}[{j}]"
                    values, rendered = self.item_values(setup_type, forms, item, item_path)
                    if has_children:
                        composite_paths[item["parent"]] = item_path
                    renamable = setup_type.rename_field is not None
                    dup_key = category_name_key(rendered[0]) if renamable else tuple(rendered)
                    if dup_key in seen:
                        shown = " ".join(rendered)
                        raise DistrictFileError(
                            item_path,
                            f'duplicate {setup_type.label} "{shown}" (also {setup_type.name}[{seen[dup_key]}])',
                        )
                    seen[dup_key] = j
                    if terms is not None and "term" in values and values["term"] not in terms:
                        raise DistrictFileError(
                            f"{item_path}.term", f'no term "{values["term"]}" in calendar {calendar_label}'
                        )
                    values[OWNER_ATTNAME[level]] = owner_id
                    if level != MASTER:
                        values.update(
                            self.item_link(level, setup_type, item, item_path, rendered, upstream, used_sources, j)
                        )
                    rows.append(values)
                    keys.append((owner_id, source_match_key(setup_type, " ".join(rendered))))
                if composite_paths:
                    self._refuse_circular(record.get(setup_type.name, []), composite_paths)
            # Ids are needed for what points at these items: the level below, and
            # the assignments that name a section category.
            if level != SECTION or setup_type.in_use.assignment_category:
                for (owner_id, key), pk in zip(keys, _insert(model, rows, ids=True), strict=True):
                    registry[owner_id].setdefault(setup_type.name, {})[key] = pk
            else:
                _insert(model, rows)
        return registry

    def item_values(self, setup_type: SetupType, forms, item: dict, path: str) -> tuple[dict, list[str]]:
        values, rendered = {}, []
        for form in forms:
            raw = item.get(form.json, form.default)
            field_path = f"{path}.{form.json}"
            if form.is_key:
                rendered.append(raw)
            if form.kind == DECIMAL:
                value = Decimal(raw)
            elif form.kind == TASK_CODE:
                value = self._item_id(f"task:{raw}", field_path) if raw is not None else None
            elif form.kind == STANDARD_CODE:
                value = self._item_id(f"standard:{raw}", field_path) if raw is not None else None
            elif form.kind == ITEM_REF:
                value = self._item_id(raw, field_path)
            elif form.kind == TEST_CODE:
                value = self.tests.get(raw)
                if value is None:
                    raise DistrictFileError(field_path, f'no test "{raw}" in tests')
            elif form.kind == SCALE_NAME:
                value = None
                if raw is not None:
                    value = self.scales.get(raw)
                    if value is None:
                        raise DistrictFileError(field_path, f'no grading scale "{raw}" in grading_scales')
            elif form.kind == CHILDREN:
                value = self._children(item.get("parent"), raw, field_path)
            elif isinstance(raw, float):
                value = int(raw)  # the schema's integers include 1.0
            else:
                value = raw
            values[form.attname] = value
        return values, rendered

    def _item_id(self, ref: str, path: str) -> int:
        pk = self.items.get(ref)
        if pk is None:
            kind, code = ref.split(":", 1)
            if kind == "task":
                raise DistrictFileError(path, f'no grading task "{code}" in grading_tasks')
            raise DistrictFileError(path, f'no standard "{code}" in standards')
        return pk

    @staticmethod
    def _refuse_circular(composites: list[dict], paths: dict[str, str]) -> None:
        cycle = composite_cycle({c["parent"]: [child["item"] for child in c.get("children", ())] for c in composites})
        if cycle:
            raise DistrictFileError(paths[cycle[0]], composite_cycle_text(cycle))

    def _children(self, parent: str | None, children: list, path: str) -> list[dict]:
        result, seen = [], {}
        for k, child in enumerate(children):
            ref = child["item"]
            self._item_id(ref, f"{path}[{k}].item")
            if ref == parent:
                raise DistrictFileError(f"{path}[{k}].item", "a composite cannot contain its own parent")
            if ref in seen:
                raise DistrictFileError(
                    f"{path}[{k}].item", f'duplicate child "{ref}" (also {path.rsplit(".", 1)[-1]}[{seen[ref]}])'
                )
            seen[ref] = k
            result.append({"item": ref, "weight": decimal_canonical(child["weight"])})
        return result

    def item_link(self, level, setup_type, item, path, rendered, upstream, used_sources, index) -> dict:
        """State and source of a course or section item (R6)."""
        state = item.get("state", ITEM_STATE_DEFAULT[level])
        if state not in PUSHED_STATES[level]:
            if item.get("source") is not None:
                pushed = " or ".join(PUSHED_STATES[level])
                raise DistrictFileError(
                    f"{path}.source", f"must be null: a {state} item has no source (only {pushed} items do)"
                )
            return {"state": state, "source_id": None}
        if upstream is None:
            raise DistrictFileError(
                f"{path}.state", f"a {state} item needs the course's master, and the course has none"
            )
        items, owner_name = upstream
        source = item["source"] if "source" in item else " ".join(rendered)
        if source is None:
            return {"state": state, "source_id": None}
        source_id = items.get(setup_type.name, {}).get(source_match_key(setup_type, source))
        if source_id is None:
            raise DistrictFileError(f"{path}.source", f'no {setup_type.label} "{source}" in {owner_name}')
        if source_id in used_sources:
            raise DistrictFileError(
                f"{path}.source", f'"{source}" is already the source of {setup_type.name}[{used_sources[source_id]}]'
            )
        used_sources[source_id] = index
        return {"state": state, "source_id": source_id}

    # -- teacher data -----------------------------------------------------------

    def teacher_data(self, owners: list, section_items: dict) -> None:
        ItemLink = Assignment.items.through
        assignments, aligned, scores, grades = [], [], [], []
        for path, section_id, record, _upstream, terms, calendar_label in owners:
            categories = section_items[section_id].get("categories", {})
            names: dict[str, int] = {}
            for j, data in enumerate(record.get("assignments", [])):
                apath = f"{path}.assignments[{j}]"
                if data["name"] in names:
                    raise DistrictFileError(
                        f"{apath}.name",
                        f'duplicate assignment "{data["name"]}" (also assignments[{names[data["name"]]}])',
                    )
                names[data["name"]] = j
                category_id = None
                if data.get("category") is not None:
                    category_id = categories.get(category_name_key(data["category"]))
                    if category_id is None:
                        raise DistrictFileError(
                            f"{apath}.category", f'no category "{data["category"]}" in this section'
                        )
                term = data.get("term", "")
                if term and term not in terms:
                    raise DistrictFileError(f"{apath}.term", f'no term "{term}" in calendar {calendar_label}')
                item_ids = [self._item_id(ref, f"{apath}.items[{k}]") for k, ref in enumerate(data.get("items", []))]
                assignments.append(
                    {
                        "section_id": section_id,
                        "name": data["name"],
                        "category_id": category_id,
                        "term": term,
                        "points": Decimal(data.get("points", "0")),
                    }
                )
                aligned.append(item_ids)
                students: dict[str, int] = {}
                own_scores = []
                for k, score in enumerate(data.get("scores", [])):
                    if score["student"] in students:
                        raise DistrictFileError(
                            f"{apath}.scores[{k}].student",
                            f'duplicate score for student "{score["student"]}" '
                            f"(also scores[{students[score['student']]}])",
                        )
                    students[score["student"]] = k
                    value = score.get("score")
                    own_scores.append(
                        {
                            "student": score["student"],
                            "score": None if value is None else Decimal(value),
                            "comment": score.get("comment", ""),
                        }
                    )
                scores.append(own_scores)
            posted: dict[tuple, int] = {}
            for j, data in enumerate(record.get("posted_grades", [])):
                gpath = f"{path}.posted_grades[{j}]"
                item_id = self._item_id(data["item"], f"{gpath}.item")
                if data["term"] not in terms:
                    raise DistrictFileError(f"{gpath}.term", f'no term "{data["term"]}" in calendar {calendar_label}')
                key = (data["item"], data["term"], data["student"])
                if key in posted:
                    raise DistrictFileError(gpath, f"duplicate posted grade (also posted_grades[{posted[key]}])")
                posted[key] = j
                grades.append(
                    {
                        "section_id": section_id,
                        "item_id": item_id,
                        "term": data["term"],
                        "student": data["student"],
                        "grade": data["grade"],
                        "comment": data.get("comment", ""),
                    }
                )
        assignment_ids = _insert(Assignment, assignments, ids=True)
        links, score_rows = [], []
        for pk, item_ids, own_scores in zip(assignment_ids, aligned, scores, strict=True):
            links += [{"assignment_id": pk, "gradingitem_id": item_id} for item_id in item_ids]
            for score in own_scores:
                score["assignment_id"] = pk
            score_rows += own_scores
        _insert(ItemLink, links)
        _insert(Score, score_rows)
        _insert(PostedGrade, grades)


def _attributes(model, data: dict) -> dict:
    """Course attributes (catalog.setup_types.EXTRA_ATTRIBUTES) with the model's defaults."""
    values = {}
    for name in EXTRA_ATTRIBUTES:
        field = model._meta.get_field(name)
        value = data.get(name, field.get_default())
        if isinstance(field.default, Decimal) and isinstance(value, str):
            value = Decimal(value)
        if name == "grade_levels":
            value = sorted(value)
        values[name] = value
    return values


def _bands(bands: list, path: str) -> list[dict]:
    """R80: a scale's bands as the database keeps them; a grade given twice or a minimum outside
    0..1000 is refused, naming the band."""
    try:
        return grading_scale_bands_clean(bands)
    except ValidationError as error:
        raise DistrictFileError(path, error.messages[0]) from None


def _date(text: str, path: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as error:
        raise DistrictFileError(path, f'"{text}" is not a date') from error
    problem = date_out_of_range(day)
    if problem:
        raise DistrictFileError(path, problem)
    return day
