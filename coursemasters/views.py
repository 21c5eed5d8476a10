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
from catalog.forms import AttributesForm
from catalog.setup_item_pages import SetupItemPages, form_page_render
from catalog.setup_types import COURSE_ATTRIBUTES, MASTER
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
    return form_page_render(
        request,
        form,
        title=title,
        cancel_url=_master_url(master, "info"),
        breadcrumbs=_breadcrumbs(master, current=title),
        status=400 if request.method == "POST" else 200,
    )


class MasterItemPages(SetupItemPages):
    level = MASTER
    owner_words = "course master"

    def owner_url(self, owner, anchor=""):
        return _master_url(owner, anchor)

    def breadcrumbs(self, owner, *, current=None):
        return _breadcrumbs(owner, current=current)

    def item_get(self, owner, setup_type, pk):
        return master_item_get(master=owner, setup_type=setup_type, pk=pk)

    def item_create(self, *, user, owner, setup_type, values):
        return master_item_create(user=user, master=owner, setup_type=setup_type.name, values=values)

    def item_update(self, *, user, item, values):
        return master_item_update(user=user, item=item, values=values)

    def item_delete(self, *, user, item):
        master_item_delete(user=user, item=item)

    def delete_explanation(self, owner, setup_type, label):
        return (
            f"The {setup_type.label} {label} is removed from course master {owner.number}. Linked courses keep it "
            "until the next push, which removes it there too, or keeps it as residual where teachers use it."
        )


ITEM_PAGES = MasterItemPages()


def master_item_add_view(request, pk: int, type_name: str):
    return ITEM_PAGES.add_view(request, _master(request, pk), type_name)


def master_item_edit_view(request, pk: int, type_name: str, item_pk: int):
    return ITEM_PAGES.edit_view(request, _master(request, pk), type_name, item_pk)


def master_item_delete_view(request, pk: int, type_name: str, item_pk: int):
    return ITEM_PAGES.delete_view(request, _master(request, pk), type_name, item_pk)


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
