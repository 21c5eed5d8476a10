"""Courses: a school's course in one calendar, optionally linked to a course
master, with its own attributes and grading setup items."""

from django.db import models

from catalog.setup_types import (
    CATEGORY_NAME_KEY,
    COURSE,
    COURSE_ITEM_STATES,
    AssessmentFields,
    CategoryFields,
    CompositeFields,
    GradeCalcOptionFields,
    StandardAlignmentFields,
    TaskAlignmentFields,
    setup_models_register,
)
from coursemasters.models import CourseAttributeFields


class Course(CourseAttributeFields):
    name = models.CharField(max_length=255)
    calendar = models.ForeignKey("catalog.Calendar", on_delete=models.PROTECT, related_name="courses")
    # Must be a master of the course's school's catalog: enforced by
    # courses.services (and a database trigger on PostgreSQL).
    master = models.ForeignKey(
        "coursemasters.CourseMaster", null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    ignore_master_push = models.BooleanField(default=False)
    # Setup types in which an item pushed from the master was deleted at the
    # course while the type was unlocked (R9).
    desynced_types = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["calendar", "number"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "number"], name="course_number_unique_in_calendar"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


class CourseItem(models.Model):
    """What every course-level setup item has: its course, its link and state (R6)."""

    LINKED, UNLINKED, RESIDUAL, LOCAL = COURSE_ITEM_STATES
    STATE_CHOICES = [(s, s) for s in COURSE_ITEM_STATES]

    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=LOCAL)

    class Meta:
        abstract = True

    @property
    def is_pushed(self) -> bool:
        return self.state in (self.LINKED, self.UNLINKED)


def _state_check(name: str):
    return models.CheckConstraint(condition=models.Q(state__in=COURSE_ITEM_STATES), name=name)


def _residual_index(name: str):
    # The Residual Data report and the home pages read residual items only (R52): a few of the
    # table's rows, found by this index without reading the table.
    return models.Index(fields=["course", "id"], condition=models.Q(state="residual"), name=name)


def _source_check(name: str):
    # Only linked and unlinked items point at a master item (local and
    # residual items are the course's own).
    return models.CheckConstraint(
        condition=models.Q(state__in=["linked", "unlinked"]) | models.Q(source__isnull=True), name=name
    )


class CourseTask(CourseItem, TaskAlignmentFields):
    source = models.ForeignKey(
        "coursemasters.MasterTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="course_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "item"], name="course_task_unique"),
            _state_check("course_task_state_valid"),
            _source_check("course_task_source_only_when_pushed"),
        ]
        indexes = [_residual_index("course_task_residual")]


class CourseStandard(CourseItem, StandardAlignmentFields):
    source = models.ForeignKey(
        "coursemasters.MasterStandard", null=True, blank=True, on_delete=models.SET_NULL, related_name="course_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "item"], name="course_standard_unique"),
            _state_check("course_standard_state_valid"),
            _source_check("course_standard_source_only_when_pushed"),
        ]
        indexes = [_residual_index("course_standard_residual")]


class CourseCategory(CourseItem, CategoryFields):
    source = models.ForeignKey(
        "coursemasters.MasterCategory", null=True, blank=True, on_delete=models.SET_NULL, related_name="course_items"
    )

    class Meta:
        verbose_name_plural = "course categories"
        constraints = [
            models.UniqueConstraint("course", CATEGORY_NAME_KEY, name="course_category_name_unique"),
            _state_check("course_category_state_valid"),
            _source_check("course_category_source_only_when_pushed"),
        ]
        indexes = [_residual_index("course_category_residual")]


class CourseAssessment(CourseItem, AssessmentFields):
    source = models.ForeignKey(
        "coursemasters.MasterAssessment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_items",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "test"], name="course_assessment_unique"),
            _state_check("course_assessment_state_valid"),
            _source_check("course_assessment_source_only_when_pushed"),
        ]
        indexes = [_residual_index("course_assessment_residual")]


class CourseGradeCalcOption(CourseItem, GradeCalcOptionFields):
    source = models.ForeignKey(
        "coursemasters.MasterGradeCalcOption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_items",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "item", "term"], name="course_gco_unique"),
            _state_check("course_gco_state_valid"),
            _source_check("course_gco_source_only_when_pushed"),
        ]
        indexes = [_residual_index("course_gco_residual")]


class CourseComposite(CourseItem, CompositeFields):
    source = models.ForeignKey(
        "coursemasters.MasterComposite",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_items",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "parent"], name="course_composite_unique"),
            _state_check("course_composite_state_valid"),
            _source_check("course_composite_source_only_when_pushed"),
        ]
        indexes = [_residual_index("course_composite_residual")]


setup_models_register(
    COURSE,
    grading_tasks=CourseTask,
    standards=CourseStandard,
    categories=CourseCategory,
    assessments=CourseAssessment,
    grade_calc_options=CourseGradeCalcOption,
    composite_grades=CourseComposite,
)
