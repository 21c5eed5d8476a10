"""The push engine's public contract: options in, outcome out.

Everything that pushes (the web forms, the commands, the batch queue) goes
through these types and the functions named in ``pushjobs.engine``:

    push_scope(options) -> list[int]
        Validates the options against the database (R32: raises PushInputError
        naming the problem) and returns the ids of the courses in scope, in a
        fixed order (the order courses are locked and pushed in).

    push_chunks(options, course_ids, size) -> list[list[int]]
        The courses in chunks of about ``size``, what must be decided together
        in one chunk (a calendar's courses when course numbers move, R16).

    push_chunk(options, course_ids, *, dry_run=False) -> PushOutcome
        Plans and applies the push for these courses (and their sections when
        the push reaches them). Runs in one transaction.atomic() block: called
        inside the caller's atomic block its writes commit with the caller's
        (so a batch job can mark the chunk done in the same transaction). Each
        course is atomic (R12): a course that fails is left exactly as it was
        and reported; the others go on. dry_run plans and writes nothing.

    push_run(options, *, dry_run=False, chunk_size=None) -> PushOutcome
        push_scope + push_chunk over every chunk of push_chunks; the outcome of
        the whole push.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from catalog.errors import InputError
from catalog.setup_types import COURSE_PUSH_DATA, MASTER_PUSH_DATA

PUSH, OVERWRITE = "push", "overwrite"
MODES = (PUSH, OVERWRITE)

# Result row outcomes (cli.md).
SKIPPED_IGNORE_MASTER_PUSH = "skipped_ignore_master_push"
FAILED_DESYNCED = "failed_desynced"
FAILED_ERROR = "failed_error"
KEPT_RESIDUAL = "kept_residual"
RENAMED_TEACHER_ITEM = "renamed_teacher_item"
RENAMED_LOCAL_ITEM = "renamed_local_item"
RELINKED = "relinked"
CONFLICT = "conflict"
REMOVED = "removed"  # R72: every removed item by name, its former values in the detail
OUTCOMES = (
    SKIPPED_IGNORE_MASTER_PUSH,
    FAILED_DESYNCED,
    FAILED_ERROR,
    KEPT_RESIDUAL,
    RENAMED_TEACHER_ITEM,
    RENAMED_LOCAL_ITEM,
    RELINKED,
    CONFLICT,
    REMOVED,
)

REPORT_COLUMNS = ("school", "calendar", "course", "course_master", "section", "data_type", "item", "outcome", "detail")


class PushInputError(InputError):
    """Bad input (R32). The message names the problem; nothing was changed."""


@dataclass(frozen=True)
class MasterPushOptions:
    """Push All Course Masters, or Push to Courses for one master (``master`` set)."""

    year: str
    catalog: str
    calendars: tuple[str, ...] = ()  # school numbers; empty: every calendar of the year using the catalog
    master: str | None = None  # a master number: Push to Courses
    mode: str = PUSH
    to_sections: bool = False
    data: frozenset[str] = frozenset(MASTER_PUSH_DATA)

    kind = "master"

    def to_json(self) -> dict:
        d = asdict(self)
        d["calendars"] = list(self.calendars)
        d["data"] = sorted(self.data)
        d["kind"] = self.kind
        return d


@dataclass(frozen=True)
class CoursePushOptions:
    """Push All Courses for one calendar, or Push to Sections for one course (``course`` set)."""

    school: str
    year: str
    course: str | None = None
    data: frozenset[str] = frozenset(COURSE_PUSH_DATA)
    overwrite_categories: bool = False

    kind = "course"

    def to_json(self) -> dict:
        d = asdict(self)
        d["data"] = sorted(self.data)
        d["kind"] = self.kind
        return d


@dataclass(frozen=True)
class UndoOptions:
    """Undo a finished job (R73): put back, course by course, what its change log says it changed."""

    job: int

    kind = "undo"

    def to_json(self) -> dict:
        return {"kind": self.kind, "job": self.job}


def options_from_json(d: dict) -> MasterPushOptions | CoursePushOptions | UndoOptions:
    d = dict(d)
    kind = d.pop("kind")
    if kind == "undo":
        return UndoOptions(**d)
    d["data"] = frozenset(d["data"])
    if kind == "master":
        d["calendars"] = tuple(d.get("calendars", ()))
        return MasterPushOptions(**d)
    return CoursePushOptions(**d)


@dataclass
class ResultRow:
    """One outcome that needs a person's attention (R44, cli.md columns)."""

    school: str  # "101 North High"
    calendar: str  # "22-23"
    course: str
    course_master: str
    section: str
    data_type: str  # a setup type name, "course_info", "advisory" or "" for the whole course
    item: str  # the item's key in words ("Homework", "task:S1", "task:Q1G Q1")
    outcome: str  # one of OUTCOMES
    detail: str

    def as_list(self) -> list[str]:
        return [getattr(self, c) for c in REPORT_COLUMNS]


@dataclass
class Summary:
    courses_changed: int = 0
    courses_unchanged: int = 0
    courses_skipped: int = 0
    courses_failed: int = 0
    items_created: int = 0
    items_updated: int = 0
    items_removed: int = 0
    items_kept_residual: int = 0

    def add(self, other: Summary) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self) -> str:
        """The summary line exactly as cli.md prints it."""
        return (
            f"courses: {self.courses_changed} changed, {self.courses_unchanged} unchanged, "
            f"{self.courses_skipped} skipped, {self.courses_failed} failed; "
            f"items: {self.items_created} created, {self.items_updated} updated, "
            f"{self.items_removed} removed, {self.items_kept_residual} kept residual"
        )

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class PushOutcome:
    summary: Summary = field(default_factory=Summary)
    rows: list[ResultRow] = field(default_factory=list)
    # Courses whose writes were committed (or would be, in a dry run) and those that failed.
    pushed_course_ids: list[int] = field(default_factory=list)
    failed_course_ids: list[int] = field(default_factory=list)
    # The change log rows (R70) the push wrote, or a dry run would write (R71): changes.Change.
    changes: list = field(default_factory=list)

    def add(self, other: PushOutcome) -> None:
        self.summary.add(other.summary)
        self.rows.extend(other.rows)
        self.changes.extend(other.changes)
        self.pushed_course_ids.extend(other.pushed_course_ids)
        self.failed_course_ids.extend(other.failed_course_ids)
