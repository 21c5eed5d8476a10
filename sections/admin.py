from django.contrib import admin

from .models import Assignment, PostedGrade, Score, Section, SectionCategory, SectionComposite, SectionGradeCalcOption


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "teacher", "advisory"]
    list_filter = ["advisory"]
    search_fields = ["number", "course__number", "teacher__username"]
    raw_id_fields = ["course", "teacher"]
    list_select_related = ["course", "teacher"]


@admin.register(SectionCategory, SectionGradeCalcOption, SectionComposite)
class SectionItemAdmin(admin.ModelAdmin):
    # Read-only here: pushed section items are locked (R22); teachers edit
    # their own items through sections.services.
    list_display = ["__str__", "section", "state"]
    list_filter = ["state"]
    raw_id_fields = ["section", "source"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["name", "section", "term", "points"]
    search_fields = ["name"]
    raw_id_fields = ["section", "category"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["assignment", "student", "score"]
    search_fields = ["student"]
    raw_id_fields = ["assignment"]


@admin.register(PostedGrade)
class PostedGradeAdmin(admin.ModelAdmin):
    list_display = ["section", "item", "term", "student", "grade"]
    search_fields = ["student"]
    raw_id_fields = ["section"]
