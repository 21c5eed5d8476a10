from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
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


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "batch_processing_enabled"]


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end"]
    search_fields = ["name"]


@admin.register(GradingScale)
class GradingScaleAdmin(admin.ModelAdmin):
    # R80: bands as JSON, [{"grade": "A", "min": "90"}, ...]; the model's clean checks them.
    list_display = ["name", "bands_display"]
    search_fields = ["name"]
    fields = ["name", "bands"]

    @admin.display(description="Bands")
    def bands_display(self, scale: GradingScale) -> str:
        return ", ".join(f"{band['grade']} {band['min']}" for band in scale.bands)


@admin.register(GradingItem)
class GradingItemAdmin(admin.ModelAdmin):
    list_display = ["kind", "code", "name", "post_only"]
    list_filter = ["kind", "post_only"]
    search_fields = ["code", "name"]


@admin.register(AssessmentTest)
class AssessmentTestAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(CourseCatalog)
class CourseCatalogAdmin(admin.ModelAdmin):
    list_display = ["name", "locked_attributes", "locked_types"]
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "catalog"]
    list_filter = ["catalog"]
    search_fields = ["number", "name"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "year", "terms"]
    list_filter = ["year"]
    search_fields = ["name", "school__number", "school__name"]
    list_select_related = ["school", "year"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "role", "email", "is_active"]
    list_filter = ["role", "is_active", "schools"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("District role", {"fields": ("role", "schools")}))
    filter_horizontal = ["schools", "groups", "user_permissions"]
