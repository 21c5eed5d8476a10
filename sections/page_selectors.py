"""What the section pages read (selectors; nothing here writes).

A teacher sees which categories were pushed, and who manages them (R22), and
which grade calc options are read-only (R23).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import Count, Prefetch, QuerySet

from catalog.models import Calendar, SchoolYear, User
from catalog.setup_display import (
    grading_item_names,
    setup_cells,
    setup_headings,
    setup_items,
    setup_ordering,
    shares_warning,
)
from catalog.setup_types import CATEGORIES, SECTION, SETUP_TYPES

from .grades import Grade, section_grades
from .models import Assignment, PostedGrade, Score, Section, SectionCategory, SectionItem
from .selectors import section_category_manager

STATE_WORDS = {SectionItem.LINKED: "pushed", SectionItem.RESIDUAL: "residual", SectionItem.TEACHER: "teacher"}


@dataclass
class SectionItemRow:
    pk: int
    label: str
    cells: list[str]
    state: str
    state_words: str
    why: str
    locked: bool = False
    read_only: bool = False
    assignment_count: int = 0


def section_list(
    *, user: User, calendar: Calendar | None, year: SchoolYear | None, school_ids: list[int] | None
) -> QuerySet:
    """A teacher's own sections (of the toolbar's year); an admin's sections of the toolbar's calendar."""
    sections = Section.objects.select_related("course__calendar__school", "course__calendar__year", "teacher").annotate(
        assignment_count=Count("assignments")
    )
    if user.is_teacher:
        sections = sections.filter(teacher=user)
        if year is not None:
            sections = sections.filter(course__calendar__year=year)
    else:
        if calendar is not None:
            sections = sections.filter(course__calendar=calendar)
        elif year is not None:
            sections = sections.filter(course__calendar__year=year)
        if school_ids is not None:
            sections = sections.filter(course__calendar__school_id__in=school_ids)
    return sections.order_by("course__calendar__school__number", "course__number", "number")


def section_get(*, pk: int) -> Section | None:
    return (
        Section.objects.select_related(
            "course__calendar__school", "course__calendar__year", "course__master__catalog", "teacher"
        )
        .filter(pk=pk)
        .first()
    )


def section_categories_warning(*, section: Section) -> str:
    """Whether the section's category weights fall short of, or pass, 100."""
    return shares_warning(CATEGORIES, SectionCategory.objects.filter(section=section).only("weight"))


def section_categories(*, section: Section, reader=None) -> list[SectionItemRow]:
    """The section's categories as ``reader`` sees them: the section's teacher reads of "your own"
    categories, anyone else of the teacher's."""
    own = reader is not None and reader.pk == section.teacher_id
    categories = (
        SectionCategory.objects.filter(section=section)
        .select_related("source", "section__course__calendar__school", "section__course__master")
        .annotate(assignment_total=Count("assignments"))
        .order_by(*setup_ordering(CATEGORIES))
    )
    rows = []
    for category in categories:
        if category.state == SectionItem.LINKED:
            why = (
                f"Pushed from course {section.course.number}; managed by {section_category_manager(category=category)}"
            )
        elif category.state == SectionItem.RESIDUAL:
            why = "No longer pushed; kept because assignments use it"
        else:
            why = "Your own category" if own else "Teacher's category"
        rows.append(
            SectionItemRow(
                pk=category.pk,
                label=category.name,
                cells=setup_cells(CATEGORIES, category),
                state=category.state,
                state_words=STATE_WORDS[category.state],
                why=why,
                locked=category.state == SectionItem.LINKED,
                assignment_count=category.assignment_total,
            )
        )
    return rows


def _rows(section: Section, setup_type, own: bool) -> list[SectionItemRow]:
    items = setup_items(setup_type, SECTION, section=section)
    rows = []
    for item in items:
        read_only = getattr(item, "read_only", False)
        if read_only:
            why = "Read-only: its task or standard is no longer set up at the course: nothing to calculate with"
        elif item.state == SectionItem.LINKED:
            why = f"Pushed from course {section.course.number}"
        elif item.state == SectionItem.RESIDUAL:
            why = "No longer pushed; kept because grades or assignments use it"
        else:
            why = "Your own setup" if own else "Teacher's setup"
        rows.append(
            SectionItemRow(
                pk=item.pk,
                label=" ".join(setup_cells(setup_type, item)[: len(setup_type.key_fields)]),
                cells=setup_cells(setup_type, item),
                state=item.state,
                state_words=STATE_WORDS[item.state],
                why=why,
                locked=item.state == SectionItem.LINKED,
                read_only=read_only,
            )
        )
    return rows


@dataclass(frozen=True)
class PushedSetupTable:
    """A section's items of one type that the course pushes and the teacher reads."""

    anchor: str
    title: str
    headings: list[str]
    rows: list[SectionItemRow]


def section_pushed_setup(*, section: Section, reader=None) -> list[PushedSetupTable]:
    """One table per section-level type that teachers do not manage themselves."""
    return [
        PushedSetupTable(
            t.name.replace("_", "-"),
            t.title,
            setup_headings(t),
            _rows(section, t, reader is not None and reader.pk == section.teacher_id),
        )
        for t in SETUP_TYPES
        if SECTION in t.levels and not t.teacher_managed
    ]


def section_assignments(*, section: Section) -> QuerySet[Assignment]:
    """Assignments with their category, aligned items and scores (a fixed number of queries)."""
    return (
        Assignment.objects.filter(section=section)
        .select_related("category")
        .prefetch_related("items", Prefetch("scores", queryset=Score.objects.order_by("student")))
        .order_by("term", "name")
    )


def section_posted_grades(*, section: Section) -> QuerySet[PostedGrade]:
    return PostedGrade.objects.filter(section=section).select_related("item").order_by("item__code", "term", "student")


def section_current_grades(*, section: Section) -> list[Grade]:
    """Each student's in-progress grade per grade calc option (R81), its task or standard by code and
    name ("Q1G Quarter 1 Grade", not "task:Q1G"): four queries, whatever the number of students."""
    grades = section_grades(section_ids=[section.pk])
    names = grading_item_names({g.item for g in grades})
    return [replace(g, item=names.get(g.item, g.item)) for g in grades]


def section_category_get(*, section: Section, pk: int) -> SectionCategory | None:
    return SectionCategory.objects.filter(section=section, pk=pk).select_related("source").first()
