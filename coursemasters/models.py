"""Course masters: the district's definition of a course, in a catalog, with
its attributes and grading setup. Courses are pushed from these."""

from decimal import Decimal

from django.db import models

from catalog.setup_types import (
    CATEGORY_NAME_KEY,
    MASTER,
    AssessmentFields,
    CategoryFields,
    CompositeFields,
    GradeCalcOptionFields,
    StandardAlignmentFields,
    TaskAlignmentFields,
    setup_models_register,
)


class CourseAttributeFields(models.Model):
    """Course attributes shared by masters and courses (rules.md section 2)."""

    number = models.CharField(max_length=255)
    # A course master's name is at most 30 characters (the seed's rule); a course's, 255 (R90).
    name = models.CharField(max_length=30)
    state_code = models.CharField(max_length=30, blank=True, default="")
    description = models.TextField(blank=True, default="")
    department = models.CharField(max_length=100, blank=True, default="")
    credits = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.00"))
    grade_levels = models.JSONField(default=list, blank=True)
    standards_based = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    advisory = models.BooleanField(default=False)
    sced_code = models.CharField(max_length=30, blank=True, default="")

    class Meta:
        abstract = True


class CourseMaster(CourseAttributeFields):
    catalog = models.ForeignKey("catalog.CourseCatalog", on_delete=models.PROTECT, related_name="masters")

    class Meta:
        ordering = ["catalog", "number"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "number"], name="master_number_unique_in_catalog"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


class MasterTask(TaskAlignmentFields):
    master = models.ForeignKey(CourseMaster, on_delete=models.CASCADE, related_name="tasks")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["master", "item"], name="master_task_unique")]


class MasterStandard(StandardAlignmentFields):
    master = models.ForeignKey(CourseMaster, on_delete=models.CASCADE, related_name="standards")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["master", "item"], name="master_standard_unique")]


class MasterCategory(CategoryFields):
    master = models.ForeignKey(CourseMaster, on_delete=models.CASCADE, related_name="categories")

    class Meta:
        verbose_name_plural = "master categories"
        constraints = [
            models.UniqueConstraint("master", CATEGORY_NAME_KEY, name="master_category_name_unique"),
        ]


class MasterAssessment(AssessmentFields):
    master = models.ForeignKey(CourseMaster, on_delete=models.CASCADE, related_name="assessments")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["master", "test"], name="master_assessment_unique")]


class MasterGradeCalcOption(GradeCalcOptionFields):
    master = models.ForeignKey(CourseMaster, on_delete=models.CASCADE, related_name="grade_calc_options")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["master", "item", "term"], name="master_gco_unique"),
        ]


class MasterComposite(CompositeFields):
    master = models.ForeignKey(CourseMaster, on_delete=models.CASCADE, related_name="composites")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["master", "parent"], name="master_composite_unique")]


setup_models_register(
    MASTER,
    grading_tasks=MasterTask,
    standards=MasterStandard,
    categories=MasterCategory,
    assessments=MasterAssessment,
    grade_calc_options=MasterGradeCalcOption,
    composite_grades=MasterComposite,
)
