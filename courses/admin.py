from django.contrib import admin

from .models import (
    Course,
    CourseAssessment,
    CourseCategory,
    CourseComposite,
    CourseGradeCalcOption,
    CourseStandard,
    CourseTask,
)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "calendar", "master", "ignore_master_push"]
    list_filter = ["calendar__year", "ignore_master_push", "calendar__school"]
    search_fields = ["number", "name", "calendar__school__name"]
    list_select_related = ["calendar", "master"]
    raw_id_fields = ["master"]

    # View-only: linking, Ignore Master Push and attributes change through
    # courses.services (the course page), which enforce R3 and R7.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CourseTask, CourseStandard, CourseCategory, CourseAssessment, CourseGradeCalcOption, CourseComposite)
class CourseItemAdmin(admin.ModelAdmin):
    # Read-only here: course items change through courses.services, which
    # enforces the catalog's locks (R3) and the link state (R6-R9).
    list_display = ["__str__", "course", "state"]
    list_filter = ["state"]
    search_fields = ["course__number"]
    raw_id_fields = ["course", "source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
