"""Template context every page needs: the signed-in user's role, the navigation
for that role, the toolbar (year, school, calendar), and the district's
batch-processing switch (R42 banner)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

DISTRICT, SCHOOL, TEACHER = "district_admin", "school_admin", "teacher"


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: tuple[str, ...]
    group: str = ""  # "tools": shown in the Tools menu


# The push tools, the batch queue and the reports are built by other parts of
# the project: an entry whose URL name does not exist yet is shown disabled.
NAVIGATION = (
    NavEntry("Home", "home", (DISTRICT, SCHOOL, TEACHER)),
    NavEntry("Catalogs", "catalog:catalog_list", (DISTRICT,)),
    NavEntry("Courses", "courses:course_list", (DISTRICT, SCHOOL)),
    NavEntry("Sections", "sections:section_list", (DISTRICT, SCHOOL)),
    NavEntry("My Sections", "sections:section_list", (TEACHER,)),
    NavEntry("Push All Course Masters", "pushjobs:push_all_course_masters", (DISTRICT,), "tools"),
    NavEntry("Push All Courses", "pushjobs:push_all_courses", (DISTRICT, SCHOOL), "tools"),
    NavEntry("Batch Queue", "pushjobs:batch_queue", (DISTRICT, SCHOOL), "tools"),
    NavEntry("Reports", "reports:index", (DISTRICT, SCHOOL)),
    NavEntry("Import", "interop:import", (DISTRICT,), "tools"),
)
NOTIFICATIONS_URL_NAME = "pushjobs:notifications"


def _role(user) -> str:
    return DISTRICT if user.is_district_admin else user.role


def _nav(request, role: str) -> dict:
    path = request.path
    items = []
    for entry in NAVIGATION:
        if role not in entry.roles:
            continue
        url = reverse(entry.url_name)
        active = bool(url) and (path == url if url == "/" else path.startswith(url))
        items.append({"label": entry.label, "url": url, "active": active, "group": entry.group})
    return {
        "main": [i for i in items if not i["group"]],
        "tools": [i for i in items if i["group"] == "tools"],
    }


def _unread_notifications(user) -> int:
    from pushjobs.selectors import notifications_unread_count

    return notifications_unread_count(user=user)


def navigation(request):
    from catalog.forms import ToolbarForm
    from catalog.models import District
    from catalog.toolbar import toolbar_calendars, toolbar_schools, toolbar_selection

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    district = District.objects.order_by("pk").first()
    role = _role(user)
    selection = toolbar_selection(request)
    toolbar_form = ToolbarForm(
        initial={
            "year": selection.year,
            "school": selection.school,
            "calendar": selection.calendar,
            "next": request.get_full_path(),
        },
        schools=toolbar_schools(user=user),
        calendars=toolbar_calendars(user=user),
    )
    return {
        "district": district,
        "batch_processing_enabled": district.batch_processing_enabled if district else True,
        "role": role,
        "nav": _nav(request, role),
        "toolbar": selection,
        "toolbar_form": toolbar_form,
        "notifications_url": reverse(NOTIFICATIONS_URL_NAME),
        "unread_notifications": _unread_notifications(user),
    }
