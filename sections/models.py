"""Sections: a class of a course, taught by a teacher, with its grading setup
(pushed from the course or the teacher's own) and the teacher's data:
assignments, scores, posted grades and comments."""

from django.conf import settings
from django.db import models

from catalog.setup_types import (
    CATEGORY_NAME_KEY,
    SECTION,
    SECTION_ITEM_STATES,
    CategoryFields,
    CompositeFields,
    GradeCalcOptionFields,
    setup_models_register,
)


class Section(models.Model):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(max_length=255)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sections"
    )
    advisory = models.BooleanField(default=False)

    class Meta:
        ordering = ["course", "number"]
        constraints = [models.UniqueConstraint(fields=["course", "number"], name="section_number_unique_in_course")]

    def __str__(self):
        return f"{self.course.number}-{self.number}"


class SectionItem(models.Model):
    """What every section-level setup item has: its section, its link and state (R6)."""

    LINKED, RESIDUAL, TEACHER = SECTION_ITEM_STATES
    STATE_CHOICES = [(s, s) for s in SECTION_ITEM_STATES]

    section = models.ForeignKey(Section, on_delete=models.CASCADE)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=TEACHER)

    class Meta:
        abstract = True


def _state_check(name: str):
    return models.CheckConstraint(condition=models.Q(state__in=SECTION_ITEM_STATES), name=name)


def _residual_index(name: str):
    # The Residual Data report and the home pages read residual items only (R52): a few of the
    # table's rows, found by this index without reading the table.
    return models.Index(fields=["section", "id"], condition=models.Q(state="residual"), name=name)


def _source_check(name: str):
    return models.CheckConstraint(condition=models.Q(state="linked") | models.Q(source__isnull=True), name=name)


class SectionCategory(SectionItem, CategoryFields):
    source = models.ForeignKey(
        "courses.CourseCategory", null=True, blank=True, on_delete=models.SET_NULL, related_name="section_items"
    )

    class Meta:
        verbose_name_plural = "section categories"
        constraints = [
            models.UniqueConstraint("section", CATEGORY_NAME_KEY, name="section_category_name_unique"),
            _state_check("section_category_state_valid"),
            _source_check("section_category_source_only_when_linked"),
        ]
        indexes = [_residual_index("section_category_residual")]


class SectionGradeCalcOption(SectionItem, GradeCalcOptionFields):
    source = models.ForeignKey(
        "courses.CourseGradeCalcOption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="section_items",
    )
    # "Grayed out" (R23): no district setup is left to calculate with.
    read_only = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "item", "term"], name="section_gco_unique"),
            _state_check("section_gco_state_valid"),
            _source_check("section_gco_source_only_when_linked"),
        ]
        indexes = [_residual_index("section_gco_residual")]


class SectionComposite(SectionItem, CompositeFields):
    source = models.ForeignKey(
        "courses.CourseComposite", null=True, blank=True, on_delete=models.SET_NULL, related_name="section_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "parent"], name="section_composite_unique"),
            _state_check("section_composite_state_valid"),
            _source_check("section_composite_source_only_when_linked"),
        ]
        indexes = [_residual_index("section_composite_residual")]


# ---------------------------------------------------------------------------
# The teacher's data. No push ever deletes or changes these (R30).
# ---------------------------------------------------------------------------


class Assignment(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="assignments")
    name = models.CharField(max_length=255)
    # PROTECT: a category with an assignment is "in use" (R20) and must survive.
    category = models.ForeignKey(
        SectionCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    items = models.ManyToManyField("catalog.GradingItem", blank=True, related_name="+")
    term = models.CharField(max_length=255, blank=True, default="")
    points = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        ordering = ["section", "name"]
        constraints = [models.UniqueConstraint(fields=["section", "name"], name="assignment_name_unique_in_section")]

    def __str__(self):
        return self.name


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    student = models.CharField(max_length=255)
    # May exceed the points possible: extra credit.
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["assignment", "student"]
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="score_unique_per_student")]


class PostedGrade(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="posted_grades")
    item = models.ForeignKey("catalog.GradingItem", on_delete=models.PROTECT, related_name="+")
    term = models.CharField(max_length=255)
    student = models.CharField(max_length=255)
    grade = models.CharField(max_length=20)
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["section", "item", "term", "student"]
        constraints = [
            models.UniqueConstraint(fields=["section", "item", "term", "student"], name="posted_grade_unique"),
        ]


setup_models_register(
    SECTION,
    categories=SectionCategory,
    grade_calc_options=SectionGradeCalcOption,
    composite_grades=SectionComposite,
)
