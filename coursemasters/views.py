"""Course master pages: the master's info and grading setup, and their edit forms.

Thin views: check the user may manage the district, validate the form, call
one coursemasters service, redirect. Services refuse bad input with a message
that the page shows.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog.errors import InputError
from catalog.forms import AttributesForm, setup_item_form_class
from catalog.setup_display import setup_item_label, with_article
from catalog.setup_types import COURSE_ATTRIBUTES, MASTER, SETUP_TYPES_BY_NAME
from catalog.web_access import require_district_admin

from .copy import course_master_copy
from .forms import CourseMasterCopyForm
from .models import CourseMaster
from .page_selectors import (
    master_attribute_rows,
    master_get,
    master_item_get,
    master_linked_courses,
    master_setup_groups,
)
from .services import master_attributes_update, master_item_create, master_item_delete, master_item_update

WHAT = "course masters"


def _master(request, pk: int) -> CourseMaster:
    require_district_admin(request.user, WHAT)
    master = master_get(pk=pk)
    if master is None:
        raise Http404("No such course master")
    return master


def _setup_type(type_name: str):
    try:
        return SETUP_TYPES_BY_NAME[type_name]
    except KeyError:
        raise Http404(f"No grading setup type {type_name!r}") from None


def _master_url(master: CourseMaster, anchor: str = "") -> str:
    return reverse("coursemasters:master_detail", args=[master.pk]) + (f"#{anchor}" if anchor else "")


def _breadcrumbs(master: CourseMaster, *, current: str | None = None) -> list[tuple[str, str | None]]:
    crumbs = [
        ("Catalogs", reverse("catalog:catalog_list")),
        (master.catalog.name, reverse("catalog:catalog_detail", args=[master.catalog_id])),
        (f"{master.number} {master.name}", _master_url(master) if current else None),
    ]
    if current:
        crumbs.append((current, None))
    return crumbs


def master_detail_view(request, pk: int):
    master = _master(request, pk)
    context = {
        "master": master,
        "attributes": master_attribute_rows(master=master),
        "groups": master_setup_groups(master=master),
        "courses": master_linked_courses(master=master)[:100],
        "course_count": master.courses.count(),
        "breadcrumbs": _breadcrumbs(master),
    }
    return render(request, "coursemasters/master_detail.html", context)


def _form_page(request, master, form, *, title: str, intro: str = "", status: int = 200, anchor: str = ""):
    context = {
        "title": title,
        "intro": intro,
        "form": form,
        "cancel_url": _master_url(master, anchor),
        "breadcrumbs": _breadcrumbs(master, current=title),
        "submit_label": "Save",
    }
    return render(request, "form_page.html", context, status=status)


def master_attributes_view(request, pk: int):

    master = _master(request, pk)
    initial = {name: getattr(master, name) for name in COURSE_ATTRIBUTES}
    form = AttributesForm(request.POST or None, model=CourseMaster, initial=initial)
    title = f"Edit info of {master.number}"
    if request.method == "POST" and form.is_valid():
        try:
            master_attributes_update(user=request.user, master=master, values=form.values())
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Course master {master.number} saved. Linked courses get it at the next push.")
            return redirect(_master_url(master, "info"))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, master, form, title=title, status=status, anchor="info")


def master_item_add_view(request, pk: int, type_name: str):

    master = _master(request, pk)
    setup_type = _setup_type(type_name)
    form = setup_item_form_class(setup_type, MASTER)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            master_item_create(user=request.user, master=master, setup_type=setup_type.name, values=form.values())
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added the {setup_type.label} to {master.number}.")
            return redirect(_master_url(master, setup_type.name))
    status = 400 if request.method == "POST" else 200
    return _form_page(
        request,
        master,
        form,
        title=f"Add {with_article(setup_type.label)} to {master.number}",
        status=status,
        anchor=type_name,
    )


def _item(master, setup_type, item_pk: int):
    item = master_item_get(master=master, setup_type=setup_type, pk=item_pk)
    if item is None:
        raise Http404(f"No such {setup_type.label} on this course master")
    return item


def master_item_edit_view(request, pk: int, type_name: str, item_pk: int):

    master = _master(request, pk)
    setup_type = _setup_type(type_name)
    item = _item(master, setup_type, item_pk)
    form_class = setup_item_form_class(setup_type, MASTER, editing=True)
    initial = {name: getattr(item, name) for name in form_class.base_fields}
    form = form_class(request.POST or None, initial=initial)
    label = setup_item_label(setup_type, item)
    if request.method == "POST" and form.is_valid():
        try:
            master_item_update(user=request.user, item=item, values=form.values())
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved the {setup_type.label} {label}.")
            return redirect(_master_url(master, setup_type.name))
    status = 400 if request.method == "POST" else 200
    return _form_page(request, master, form, title=f"Edit {setup_type.label} {label}", status=status, anchor=type_name)


def master_item_delete_view(request, pk: int, type_name: str, item_pk: int):

    master = _master(request, pk)
    setup_type = _setup_type(type_name)
    item = _item(master, setup_type, item_pk)
    label = setup_item_label(setup_type, item)
    error = None
    if request.method == "POST":
        try:
            master_item_delete(user=request.user, item=item)
        except (InputError, PermissionError) as exc:
            error = str(exc)
        else:
            messages.success(request, f"Deleted the {setup_type.label} {label} from {master.number}.")
            return redirect(_master_url(master, setup_type.name))
    context = {
        "title": f"Delete {setup_type.label} {label}?",
        "explanation": (
            f"The {setup_type.label} {label} is removed from course master {master.number}. Linked courses keep it "
            "until the next push, which removes it there too, or keeps it as residual where teachers use it."
        ),
        "error": error,
        "cancel_url": _master_url(master, setup_type.name),
        "breadcrumbs": _breadcrumbs(master, current=f"Delete {label}"),
    }
    return render(request, "confirm_delete.html", context, status=400 if error else 200)


def master_copy_view(request, pk: int):
    """Copy Course Master (R60): one service call; the copy's page opens on success."""
    master = _master(request, pk)
    form = CourseMasterCopyForm(request.POST or None, master=master)
    if request.method == "POST" and form.is_valid():
        try:
            copy = course_master_copy(
                user=request.user,
                master=master,
                to_catalog=form.cleaned_data["to_catalog"],
                new_number=form.cleaned_data["new_number"],
                new_name=form.cleaned_data["new_name"],
                data=set(form.cleaned_data["data"]),
            )
        except (InputError, PermissionError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Copied course master {master.number} to {copy.number} {copy.name} in {copy.catalog.name}. "
                "No course is linked to the copy yet.",
            )
            return redirect(_master_url(copy))
    context = {
        "title": f"Copy course master {master.number}",
        "intro": "A new course master with this master's info and the grading setup ticked below. Courses are not "
        "changed.",
        "form": form,
        "cancel_url": _master_url(master),
        "breadcrumbs": _breadcrumbs(master, current="Copy Course Master"),
    }
    return render(request, "crispy_form_page.html", context, status=400 if request.method == "POST" else 200)
