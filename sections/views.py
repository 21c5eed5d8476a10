"""Section pages: a teacher's sections, and one section's grading setup (pushed
items locked, with who manages them), assignments with scores and posted grades.

Thin views: check the user may see the section, validate the form, call one
sections service, redirect. A locked category is refused by the service with a
message the page shows (R22).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog.errors import InputError
from catalog.permissions import managed_school_ids
from catalog.setup_item_pages import form_page_render
from catalog.toolbar import toolbar_selection
from catalog.web_access import require_section_access

from .forms import section_category_form_class
from .models import Section
from .page_selectors import (
    section_assignments,
    section_categories,
    section_categories_warning,
    section_category_get,
    section_current_grades,
    section_get,
    section_list,
    section_posted_grades,
    section_pushed_setup,
)
from .selectors import section_category_lock_message
from .services import section_category_create, section_category_delete, section_category_update


def _section(request, pk: int) -> Section:
    section = section_get(pk=pk)
    if section is None:
        raise Http404("No such section")
    require_section_access(request.user, section)
    return section


def _section_url(section: Section, anchor: str = "") -> str:
    return reverse("sections:section_detail", args=[section.pk]) + (f"#{anchor}" if anchor else "")


def _breadcrumbs(request, section: Section, *, current: str | None = None):
    crumbs = [("My sections" if request.user.is_teacher else "Sections", reverse("sections:section_list"))]
    if not request.user.is_teacher:
        crumbs.append(
            (
                f"{section.course.number} {section.course.name}",
                reverse("courses:course_detail", args=[section.course_id]),
            )
        )
    crumbs.append((f"Section {section}", _section_url(section) if current else None))
    if current:
        crumbs.append((current, None))
    return crumbs


def section_list_view(request):
    selection = toolbar_selection(request)
    sections = section_list(
        user=request.user,
        calendar=selection.calendar,
        year=selection.year,
        school_ids=managed_school_ids(request.user),
    )
    page = Paginator(sections, 50).get_page(request.GET.get("page"))
    return render(request, "sections/section_list.html", {"sections": page, "selection": selection})


def section_detail_view(request, pk: int):
    section = _section(request, pk)
    context = {
        "section": section,
        "course": section.course,
        "categories": section_categories(section=section, reader=request.user),
        "categories_warning": section_categories_warning(section=section),
        "pushed_setup": section_pushed_setup(section=section, reader=request.user),
        "is_own_section": request.user.pk == section.teacher_id,
        "assignments": section_assignments(section=section),
        "posted_grades": section_posted_grades(section=section),
        "grades": section_current_grades(section=section),
        "breadcrumbs": _breadcrumbs(request, section),
    }
    return render(request, "sections/section_detail.html", context)


def _form_page(request, section, form, *, title, status=200, locked_message=None):
    return form_page_render(
        request,
        form,
        title=title,
        cancel_url=_section_url(section, "categories"),
        breadcrumbs=_breadcrumbs(request, section, current=title),
        locked_message=locked_message,
        status=status,
    )


def section_category_add_view(request, pk: int):

    section = _section(request, pk)
    form = section_category_form_class()(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            section_category_create(user=request.user, section=section, values=form.values())
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added the category {form.cleaned_data['name']}.")
            return redirect(_section_url(section, "categories"))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, section, form, title=f"Add a category to section {section}", status=status)


def _category(section, category_pk: int):
    category = section_category_get(section=section, pk=category_pk)
    if category is None:
        raise Http404("No such category in this section")
    return category


def section_category_edit_view(request, pk: int, category_pk: int):

    section = _section(request, pk)
    category = _category(section, category_pk)
    form_class = section_category_form_class(editing=True)
    form = form_class(request.POST or None, initial={name: getattr(category, name) for name in form_class.base_fields})
    if request.method == "POST" and form.is_valid():
        try:
            section_category_update(user=request.user, category=category, values=form.values())
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved the category {form.cleaned_data['name']}.")
            return redirect(_section_url(section, "categories"))
    locked_message = None
    if request.method != "POST":
        locked_message = section_category_lock_message(category=category, action="edited")
    status = 400 if request.method == "POST" else 200
    return _form_page(
        request, section, form, title=f"Edit category {category.name}", status=status, locked_message=locked_message
    )


def section_category_delete_view(request, pk: int, category_pk: int):
    section = _section(request, pk)
    category = _category(section, category_pk)
    error = section_category_lock_message(category=category, action="deleted")
    if request.method == "POST":
        try:
            section_category_delete(user=request.user, category=category)
        except (InputError, PermissionError) as exc:
            error = str(exc)
        else:
            messages.success(request, f"Deleted the category {category.name}.")
            return redirect(_section_url(section, "categories"))
    context = {
        "title": f"Delete category {category.name}?",
        "refused_title": f"Category {category.name} cannot be deleted",
        "explanation": f"The category {category.name} will be removed from section {section}.",
        "error": error,
        "cancel_url": _section_url(section, "categories"),
        "breadcrumbs": _breadcrumbs(request, section, current=f"Delete {category.name}"),
    }
    return render(request, "confirm_delete.html", context, status=400 if error and request.method == "POST" else 200)
