"""Course pages: the course list, one course with its attributes, grading setup
(state and why of each item), sections, master link, Ignore Master Push, and
Push to Sections.

Thin views: check the user manages the course's school, validate the form, call
one courses service, redirect. Services refuse bad or locked changes with a
message that the page shows.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.errors import InputError
from catalog.forms import AttributesForm
from catalog.permissions import managed_school_ids
from catalog.setup_item_pages import SetupItemPages, form_page_render
from catalog.setup_types import COURSE, COURSE_ATTRIBUTES
from catalog.toolbar import toolbar_selection
from catalog.web_access import require_course_access

from .forms import CourseLinkForm, IgnoreMasterPushForm
from .models import Course
from .page_selectors import (
    course_attribute_rows,
    course_catalog,
    course_get,
    course_item_get,
    course_item_lock_message,
    course_list,
    course_sections,
    course_setup_groups,
)
from .selectors import course_desync_reasons, course_locked_attributes
from .services import (
    course_attributes_update,
    course_ignore_master_push_set,
    course_item_create,
    course_item_delete,
    course_item_update,
    course_link_set,
)

# Push to Sections runs through the batch queue's "run now in this request"
# entry point once it exists (pushjobs builds it; levels must not import it).


def course_for_request(request, pk: int) -> Course:
    course = course_get(pk=pk)
    if course is None:
        raise Http404("No such course")
    require_course_access(request.user, course)
    return course


def course_url(course: Course, anchor: str = "") -> str:
    return reverse("courses:course_detail", args=[course.pk]) + (f"#{anchor}" if anchor else "")


def course_breadcrumbs(course: Course, *, current: str | None = None) -> list[tuple[str, str | None]]:
    crumbs = [
        ("Courses", reverse("courses:course_list")),
        (f"{course.number} {course.name}", course_url(course) if current else None),
    ]
    if current:
        crumbs.append((current, None))
    return crumbs


def course_list_view(request):
    user = request.user
    if user.is_teacher:
        # Teachers work in their sections; the course list is the admins'.
        return redirect("sections:section_list")
    selection = toolbar_selection(request)
    query = request.GET.get("q", "").strip()
    courses = course_list(
        calendar=selection.calendar,
        school_ids=managed_school_ids(user),
        year=selection.year,
        query=query,
    )
    page = Paginator(courses, 50).get_page(request.GET.get("page"))
    return render(request, "courses/course_list.html", {"courses": page, "query": query, "selection": selection})


def course_detail_view(request, pk: int):
    course = course_for_request(request, pk)
    context = {
        "course": course,
        "catalog": course_catalog(course=course),
        "attributes": course_attribute_rows(course=course),
        "groups": course_setup_groups(course=course),
        "sections": course_sections(course=course),
        "desync_reasons": course_desync_reasons(course=course),
        "ignore_form": IgnoreMasterPushForm(
            course=course, form_action=reverse("courses:course_ignore_master_push", args=[course.pk])
        ),
        "breadcrumbs": course_breadcrumbs(course),
    }
    return render(request, "courses/course_detail.html", context)


def course_attributes_view(request, pk: int):

    course = course_for_request(request, pk)
    locked = frozenset(course_locked_attributes(course=course))
    initial = {name: getattr(course, name) for name in COURSE_ATTRIBUTES}
    form = AttributesForm(request.POST or None, model=Course, locked=locked, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            course_attributes_update(user=request.user, course=course, values=form.values())
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Course {course.number} saved.")
            return redirect(course_url(course, "info"))
    intro = (
        f"Attributes locked by catalog {course_catalog(course=course).name} are set on the course master and "
        "cannot be changed here."
        if locked
        else ""
    )
    title = f"Edit info of {course.number}"
    return form_page_render(
        request,
        form,
        title=title,
        intro=intro,
        cancel_url=course_url(course, "info"),
        breadcrumbs=course_breadcrumbs(course, current=title),
        status=400 if request.method == "POST" else 200,
    )


class CourseItemPages(SetupItemPages):
    level = COURSE
    owner_words = "course"
    added_note = " The course manages it."

    def owner_url(self, owner, anchor=""):
        return course_url(owner, anchor)

    def breadcrumbs(self, owner, *, current=None):
        return course_breadcrumbs(owner, current=current)

    def item_get(self, owner, setup_type, pk):
        return course_item_get(course=owner, setup_type=setup_type, pk=pk)

    def item_create(self, *, user, owner, setup_type, values):
        return course_item_create(user=user, course=owner, setup_type=setup_type.name, values=values)

    def item_update(self, *, user, item, values):
        return course_item_update(user=user, item=item, values=values)

    def item_delete(self, *, user, item):
        course_item_delete(user=user, item=item)

    def delete_explanation(self, owner, setup_type, label):
        return (
            f"The {setup_type.label} {label} is removed from course {owner.number}. Sections keep their copy until "
            "the next Push to Sections, which removes it there too, or keeps it as residual where teachers use it."
        )

    def form_terms(self, owner):
        return owner.calendar.terms

    def lock_message(self, owner, setup_type, item):
        return course_item_lock_message(course=owner, setup_type=setup_type, item=item)


ITEM_PAGES = CourseItemPages()


def course_item_add_view(request, pk: int, type_name: str):
    return ITEM_PAGES.add_view(request, course_for_request(request, pk), type_name)


def course_item_edit_view(request, pk: int, type_name: str, item_pk: int):
    return ITEM_PAGES.edit_view(request, course_for_request(request, pk), type_name, item_pk)


def course_item_delete_view(request, pk: int, type_name: str, item_pk: int):
    return ITEM_PAGES.delete_view(request, course_for_request(request, pk), type_name, item_pk)


def course_link_view(request, pk: int):

    course = course_for_request(request, pk)
    form = CourseLinkForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        master = form.cleaned_data["master"]
        try:
            course_link_set(user=request.user, course=course, master=master)
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            if master is None:
                messages.success(request, f"Course {course.number} is no longer linked: the course manages its items.")
            else:
                messages.success(
                    request,
                    f"Course {course.number} is linked to master {master.number}. Its setup awaits the next push.",
                )
            return redirect(course_url(course))
    context = {
        "title": f"Link {course.number} to a course master",
        "intro": f"Masters of catalog {course.calendar.school.catalog or '(none)'}, the catalog of "
        f"{course.calendar.school}.",
        "form": form,
        "cancel_url": course_url(course),
        "breadcrumbs": course_breadcrumbs(course, current="Course master link"),
        "helper_form": True,
        "datalist": {"id": "master-options", "options": form.options()},
    }
    return render(request, "crispy_form_page.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def course_ignore_master_push_view(request, pk: int):

    course = course_for_request(request, pk)
    form = IgnoreMasterPushForm(request.POST, course=course, form_action="")
    if form.is_valid():
        ignore = form.cleaned_data["ignore"]
        try:
            course_ignore_master_push_set(user=request.user, course=course, ignore=ignore)
        except (InputError, PermissionError) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Ignore Master Push is on: master pushes skip {course.number}."
                if ignore
                else f"Ignore Master Push is off: master pushes reach {course.number} again.",
            )
    return redirect(course_url(course))
