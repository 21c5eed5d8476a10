"""The grading setup types, described once.

Six types behave the same way under a push: each has a key (what makes two
items "the same item" at two levels), a payload (the values a push copies),
a lock on the catalog, a checkbox in the push tools, and one model per level
it lives at. The push engine, the exchange format and the reports walk these
specs instead of naming the types in code (STYLE.md: "types are data").

Models are named by label and resolved lazily, so that this bottom layer does
not import the levels above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models.functions import Lower, Trim

from . import limits

# ---------------------------------------------------------------------------
# Course attributes (on masters and courses), R1 locks one flag per attribute.
# ---------------------------------------------------------------------------

COURSE_ATTRIBUTES = (
    "number",
    "name",
    "state_code",
    "description",
    "department",
    "credits",
    "grade_levels",
    "standards_based",
    "active",
    "advisory",
    "sced_code",
)
# Attributes that live in the exchange format's ``attributes`` object (number
# and name sit at the top level of a master or course).
EXTRA_ATTRIBUTES = tuple(a for a in COURSE_ATTRIBUTES if a not in ("number", "name"))

CALCULATIONS = ("no_calculation", "in_progress", "proficiency_estimate")

MASTER, COURSE, SECTION = "master", "course", "section"

# Item states (R6): one set of constants for the models, the planner and both SQL generators
# (the settled check and the reports' differences).
LINKED, UNLINKED, RESIDUAL, LOCAL, TEACHER = "linked", "unlinked", "residual", "local", "teacher"
COURSE_ITEM_STATES = (LINKED, UNLINKED, RESIDUAL, LOCAL)
SECTION_ITEM_STATES = (LINKED, RESIDUAL, TEACHER)


# ---------------------------------------------------------------------------
# Abstract payload models, one per type; each level's concrete model adds its
# owner (master, course or section), and below the master its source and state.
# ---------------------------------------------------------------------------


class TaskAlignmentFields(models.Model):
    item = models.ForeignKey("catalog.GradingItem", on_delete=models.PROTECT, related_name="+")
    credit = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.00"))
    credit_type = models.CharField(max_length=100, blank=True, default="")
    score_group = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self):
        return f"task alignment {self.item_id}"


class StandardAlignmentFields(models.Model):
    item = models.ForeignKey("catalog.GradingItem", on_delete=models.PROTECT, related_name="+")
    score_group = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self):
        return f"standard alignment {self.item_id}"


class CategoryFields(models.Model):
    name = models.CharField(max_length=255)
    weight = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    sequence = models.PositiveIntegerField(default=0, validators=limits.category_sequence_validators)
    drop_lowest = models.PositiveIntegerField(default=0, validators=limits.category_drop_lowest_validators)
    excluded = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


def category_name_key(name: str) -> str:
    """Categories are the same category when their names match trimmed, ignoring case: as the
    database's index (CATEGORY_NAME_KEY) says, letter by letter. Python's lower() maps a few letters
    to two ("İ" to "i" and a dot) and a sigma by its place in a word, where PostgreSQL's lower()
    maps every letter to one on its own; the key takes PostgreSQL's, or "İx" and "Ix" would be two
    categories to the engine and one to the index."""
    name = name.strip()
    if name.isascii():
        return name.lower()
    return "".join(letter.lower()[0] for letter in name)


# The database index behind "category names unique per owner" (R13, R19).
CATEGORY_NAME_KEY = Lower(Trim("name"))


class AssessmentFields(models.Model):
    test = models.ForeignKey("catalog.AssessmentTest", on_delete=models.PROTECT, related_name="+")
    standard = models.ForeignKey(
        "catalog.GradingItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    copies_forward = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def __str__(self):
        return f"assessment {self.test_id}"


class GradeCalcOptionFields(models.Model):
    item = models.ForeignKey("catalog.GradingItem", on_delete=models.PROTECT, related_name="+")
    term = models.CharField(max_length=255)
    calculation = models.CharField(max_length=30, choices=[(c, c) for c in CALCULATIONS], default="in_progress")
    grading_scale = models.ForeignKey(
        "catalog.GradingScale", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    weight_categories = models.BooleanField(default=False)
    use_score_percent = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def __str__(self):
        return f"grade calc option {self.item_id} {self.term}"


class CompositeFields(models.Model):
    parent = models.ForeignKey("catalog.GradingItem", on_delete=models.PROTECT, related_name="+")
    # [{"item": "task:Q1G", "weight": "50"}, ...] in their own order. Kept as
    # one value because a composite is pushed, compared and locked as a whole
    # (weights aside: R4).
    children = models.JSONField(default=list, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"composite {self.parent_id}"


# ---------------------------------------------------------------------------
# What the push engine needs to know per type (pushjobs.engine walks these).
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InUseRule:
    """R20: the teacher data that keeps an item of a type alive.

    assignment_category  a section item is in use when an assignment names it (categories)
    item_fields          fields naming a task or standard: the item is in use when that task
                         or standard has a posted grade or an aligned assignment in the section
                         (for a course item: in any section of the course)
    term_field           only posted grades and assignments of the item's term count (an
                         assignment without a term counts for every term)

    A course item is also in use when any section item pushed from it is in use.
    """

    assignment_category: bool = False
    item_fields: tuple[str, ...] = ()
    term_field: str | None = None


def composite_keep_course_weights(master_values: dict, course_values: dict) -> dict:
    """R4 with composite weights unlocked: the master's children in the master's order, each
    child the course already has keeping the course's own weight, new children the master's."""
    own = {child.get("item"): child.get("weight") for child in course_values.get("children") or []}
    children = [
        {**child, "weight": own[child.get("item")]} if child.get("item") in own else dict(child)
        for child in master_values.get("children") or []
    ]
    return {**master_values, "children": children}


# ---------------------------------------------------------------------------
# The specs.
# ---------------------------------------------------------------------------


# (type name, level) -> model, filled by each level's models module.
_MODELS: dict[tuple[str, str], type[models.Model]] = {}


def setup_models_register(level: str, **by_type: type[models.Model]) -> None:
    """A level's app names its model for each setup type it holds (called from its models.py)."""
    for name, model in by_type.items():
        if level not in SETUP_TYPES_BY_NAME[name].levels:
            raise LookupError(f"{name} is not held at the {level} level")
        _MODELS[name, level] = model


@dataclass(frozen=True)
class SetupType:
    """One grading setup type.

    name          exchange-format list name, lock name and --data word ("categories")
    lock          the catalog lock that lets masters push it (R1, R2)
    master_data   the Push All Course Masters checkbox that covers it
    course_data   the Push All Courses checkbox, or None if sections lack it
    key_fields    model fields whose values make an item's key at every level
    payload_fields model fields a push copies
    levels        the levels that hold it (master, course, section), top down; each level's
                  app registers its model for the type (``setup_models_register``), so this
                  module, the lowest level, never names a model above it
    """

    name: str
    label: str
    lock: str
    master_data: str
    course_data: str | None
    key_fields: tuple[str, ...]
    payload_fields: tuple[str, ...]
    levels: tuple[str, ...] = ()
    # --- words and order, for the pages, the tools and the downloads ---
    # The plural title on pages and in the lock settings ("Grade calc options").
    title: str = ""
    # The "Data to be pushed" checkbox labels, as the seed's tools say them.
    master_data_label: str = ""
    course_data_label: str | None = None
    # Where the type stands in Push All Course Masters' list and the lock settings, and in
    # Push All Courses' list (the seed's orders, which differ).
    tool_position: int = 0
    course_tool_position: int = 0
    # The title of partial_lock, when there is one ("Composite weights").
    partial_lock_title: str | None = None
    # How an item's key reads to a person, a format over the item's key fields
    # ('"{name}"' gives "Homework" in quotes, "{item.ref} {term}" gives task:Q1G Q1).
    key_format: str = ""
    # The exchange format's name of a key or payload field where it is not the field's own
    # ("item" of a grading task alignment is written "task").
    json_names: dict = field(default_factory=dict)
    # Grading-item foreign keys whose kind the type implies, so that a bare code names them
    # ("task": "S1"); every other grading-item foreign key is a reference ("task:S1").
    item_kinds: dict = field(default_factory=dict)
    # Column headings of fields where the type has a word of its own ("Grading task").
    field_headings: dict = field(default_factory=dict)
    # Teachers set up their own items of this type in their sections (categories); the
    # section page shows the other section types as tables pushed from the course.
    teacher_managed: bool = False
    # A payload field whose values across one owner's items are shares of 100 (category
    # weights): the pages warn when they do not total 100.
    share_field: str | None = None
    # --- what the push engine needs (pushjobs.engine) ---
    # R20: what teacher data keeps an item alive.
    in_use: InUseRule = InUseRule()
    # A key field that a push may rename to "Name (1)" instead of reporting a
    # conflict (R13, R19); None: a key collision with a local or teacher item
    # is a conflict (or an adoption in overwrite mode).
    rename_field: str | None = None
    # A field naming a term: a master item whose term the course's calendar
    # lacks cannot be pushed (a conflict, R13).
    calendar_term_field: str | None = None
    # A second catalog lock over part of the payload (R4: composite weights).
    # When it is not locked, keep_course_values(master_values, course_values)
    # gives the values the course keeps of its own, without unlinking the item.
    partial_lock: str | None = None
    keep_course_values: Callable[[dict, dict], dict] | None = None
    # Extra section fields: their values on a linked section item, and the
    # values a section item takes when it is left residual (R23).
    section_linked_values: dict = field(default_factory=dict)
    section_residual_values: dict = field(default_factory=dict)

    def model(self, level: str) -> type[models.Model]:
        try:
            return _MODELS[self.name, level]
        except KeyError:
            raise LookupError(f"no {level} model is registered for {self.name}") from None

    @property
    def reaches_sections(self) -> bool:
        return SECTION in self.levels

    def key_text(self, item) -> str:
        """The item's key in words: ``"Homework"``, ``S1``, ``task:Q1G Q1`` (a model instance,
        its key's foreign keys loaded)."""
        return self.key_format.format(**{name: getattr(item, name) for name in self.key_fields})

    def json_name(self, field_name: str) -> str:
        return self.json_names.get(field_name, field_name)

    def key_of(self, obj) -> tuple:
        """The item's key as a tuple of plain values (foreign keys by id)."""
        values = []
        for name in self.key_fields:
            if name == "name":
                values.append(category_name_key(obj.name))
            else:
                values.append(getattr(obj, _attname(obj, name)))
        return tuple(values)

    def payload_of(self, obj) -> dict:
        return {name: getattr(obj, _attname(obj, name)) for name in self.payload_fields}


def _attname(obj, name: str) -> str:
    f = obj._meta.get_field(name)
    return f.attname


GRADING_TASKS = SetupType(
    name="grading_tasks",
    label="grading task",
    lock="grading_tasks",
    master_data="grading_tasks_standards",
    course_data=None,
    key_fields=("item",),
    payload_fields=("credit", "credit_type", "score_group"),
    levels=(MASTER, COURSE),
    in_use=InUseRule(item_fields=("item",)),
    title="Grading tasks",
    master_data_label="Grading Tasks/Standards",
    tool_position=1,
    key_format="{item.code}",
    json_names={"item": "task"},
    item_kinds={"item": "task"},
    field_headings={"item": "Grading task"},
)
STANDARDS = SetupType(
    name="standards",
    label="standard",
    lock="standards",
    master_data="grading_tasks_standards",
    course_data=None,
    key_fields=("item",),
    payload_fields=("score_group",),
    levels=(MASTER, COURSE),
    in_use=InUseRule(item_fields=("item",)),
    title="Standards",
    master_data_label="Grading Tasks/Standards",
    tool_position=2,
    key_format="{item.code}",
    json_names={"item": "standard"},
    item_kinds={"item": "standard"},
    field_headings={"item": "Standard"},
)
CATEGORIES = SetupType(
    name="categories",
    label="category",
    lock="categories",
    master_data="categories",
    course_data="categories",
    key_fields=("name",),
    payload_fields=("weight", "sequence", "drop_lowest", "excluded"),
    levels=(MASTER, COURSE, SECTION),
    in_use=InUseRule(assignment_category=True),
    rename_field="name",
    title="Categories",
    master_data_label="Categories",
    course_data_label="Categories",
    tool_position=5,
    course_tool_position=1,
    key_format='"{name}"',
    teacher_managed=True,
    share_field="weight",
)
ASSESSMENTS = SetupType(
    name="assessments",
    label="assessment",
    lock="assessments",
    master_data="assessments",
    course_data=None,
    key_fields=("test",),
    payload_fields=("standard", "copies_forward"),
    levels=(MASTER, COURSE),
    in_use=InUseRule(item_fields=("standard",)),
    title="Assessments",
    master_data_label="Assessments",
    tool_position=6,
    key_format="{test.code}",
    item_kinds={"standard": "standard"},
)
GRADE_CALC_OPTIONS = SetupType(
    name="grade_calc_options",
    label="grade calc option",
    lock="grade_calc_options",
    master_data="grade_calc_options",
    course_data="grade_calc_options",
    key_fields=("item", "term"),
    payload_fields=("calculation", "grading_scale", "weight_categories", "use_score_percent"),
    levels=(MASTER, COURSE, SECTION),
    in_use=InUseRule(item_fields=("item",), term_field="term"),
    calendar_term_field="term",
    section_linked_values={"read_only": False},
    section_residual_values={"calculation": "no_calculation", "read_only": True},
    title="Grade calc options",
    master_data_label="Grade Calc Options",
    course_data_label="Grade Calc Options",
    tool_position=3,
    course_tool_position=2,
    key_format="{item.ref} {term}",
)
COMPOSITE_GRADES = SetupType(
    name="composite_grades",
    label="composite grade",
    lock="composite_grades",
    master_data="composite_grades",
    course_data="composite_grades",
    key_fields=("parent",),
    payload_fields=("children",),
    levels=(MASTER, COURSE, SECTION),
    in_use=InUseRule(item_fields=("parent",)),
    partial_lock="composite_weights",
    keep_course_values=composite_keep_course_weights,
    title="Composite grades",
    master_data_label="Composite Grades",
    course_data_label="Composite Grades and Weights",
    tool_position=4,
    course_tool_position=3,
    partial_lock_title="Composite weights",
    key_format="{parent.ref}",
)

# In exchange-format order.
SETUP_TYPES: tuple[SetupType, ...] = (
    GRADING_TASKS,
    STANDARDS,
    CATEGORIES,
    ASSESSMENTS,
    GRADE_CALC_OPTIONS,
    COMPOSITE_GRADES,
)
SETUP_TYPES_BY_NAME = {t.name: t for t in SETUP_TYPES}


@dataclass(frozen=True)
class ToolLists:
    """What the lock settings and the push tools list, derived from the specs."""

    locks: tuple[str, ...]
    lock_titles: dict[str, str]
    master_data_labels: dict[str, str]
    course_data_labels: dict[str, str]


# Course Info and Advisory are checkboxes of the tools, and attributes, not setup types.
COURSE_INFO, ADVISORY = "course_info", "advisory"


def tool_lists(types: tuple[SetupType, ...]) -> ToolLists:
    """The lock list and the tools' "Data to be pushed" checkboxes (cli.md --data), in the seed's
    orders, for these types."""
    in_master_order = sorted(types, key=lambda t: t.tool_position)
    in_course_order = sorted(types, key=lambda t: t.course_tool_position)
    return ToolLists(
        # composite_weights is a lock but not a type (R4).
        locks=tuple(lock for t in in_master_order for lock in (t.lock, t.partial_lock) if lock),
        lock_titles={
            **{t.lock: t.title for t in in_master_order},
            **{t.partial_lock: t.partial_lock_title for t in in_master_order if t.partial_lock},
        },
        master_data_labels={
            COURSE_INFO: "Course Info",
            **{t.master_data: t.master_data_label for t in in_master_order},
        },
        course_data_labels={
            **{t.course_data: t.course_data_label for t in in_course_order if t.course_data},
            ADVISORY: "Advisory",
        },
    )


_LISTS = tool_lists(SETUP_TYPES)
SETUP_LOCKS: tuple[str, ...] = _LISTS.locks
LOCK_TITLES: dict[str, str] = _LISTS.lock_titles
MASTER_PUSH_DATA_LABELS: dict[str, str] = _LISTS.master_data_labels
COURSE_PUSH_DATA_LABELS: dict[str, str] = _LISTS.course_data_labels
MASTER_PUSH_DATA: tuple[str, ...] = tuple(MASTER_PUSH_DATA_LABELS)
COURSE_PUSH_DATA: tuple[str, ...] = tuple(COURSE_PUSH_DATA_LABELS)
# Both tools' words, for lists that show either kind of job.
PUSH_DATA_LABELS: dict[str, str] = {**COURSE_PUSH_DATA_LABELS, **MASTER_PUSH_DATA_LABELS}


def types_for_master_data(data: set[str] | frozenset[str]) -> list[SetupType]:
    """The setup types covered by Push All Course Masters checkboxes."""
    return [t for t in SETUP_TYPES if t.master_data in data]


def types_for_course_data(data: set[str] | frozenset[str]) -> list[SetupType]:
    """The setup types covered by Push All Courses checkboxes."""
    return [t for t in SETUP_TYPES if t.course_data and t.course_data in data]
