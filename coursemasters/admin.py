from django.contrib import admin

from .models import (
    CourseMaster,
    MasterAssessment,
    MasterCategory,
    MasterComposite,
    MasterGradeCalcOption,
    MasterStandard,
    MasterTask,
)


class _ItemInline(admin.TabularInline):
    # View-only: master items change through coursemasters.services (the
    # master page), which validate references and terms.
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MasterTaskInline(_ItemInline):
    model = MasterTask


class MasterStandardInline(_ItemInline):
    model = MasterStandard


class MasterCategoryInline(_ItemInline):
    model = MasterCategory


class MasterAssessmentInline(_ItemInline):
    model = MasterAssessment


class MasterGradeCalcOptionInline(_ItemInline):
    model = MasterGradeCalcOption


class MasterCompositeInline(_ItemInline):
    model = MasterComposite


@admin.register(CourseMaster)
class CourseMasterAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "catalog", "state_code", "active"]
    list_filter = ["catalog", "active", "standards_based"]
    search_fields = ["number", "name", "state_code"]
    inlines = [
        MasterTaskInline,
        MasterStandardInline,
        MasterCategoryInline,
        MasterAssessmentInline,
        MasterGradeCalcOptionInline,
        MasterCompositeInline,
    ]
