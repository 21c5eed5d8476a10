"""The add, edit and delete pages of a grading setup item, one implementation for every level that
edits items on the web (course masters and courses).

The pages behave the same at both levels: the same forms, statuses, redirects and messages. What
differs (which service writes, what a lock says, how the owner is addressed) is a hook of
``SetupItemPages`` that each level's views module fills in. The views there find the owner and
check the user's rights first, then hand over here.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from .errors import InputError
from .forms import setup_item_form_class
from .setup_display import setup_item_label, with_article
from .setup_types import SETUP_TYPES_BY_NAME, SetupType

Breadcrumbs = list[tuple[str, str | None]]


def setup_type_or_404(type_name: str) -> SetupType:
    try:
        return SETUP_TYPES_BY_NAME[type_name]
    except KeyError:
        raise Http404(f"No grading setup type {type_name!r}") from None


def form_page_render(
    request,
    form,
    *,
    title: str,
    cancel_url: str,
    breadcrumbs: Breadcrumbs,
    intro: str = "",
    locked_message: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The one-form edit page; a locked item's form shows read-only with the reason instead of Save."""
    if locked_message:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "title": title,
        "intro": intro,
        "form": form,
        "locked_message": locked_message,
        "cancel_url": cancel_url,
        "breadcrumbs": breadcrumbs,
    }
    return render(request, "form_page.html", context, status=status)


class SetupItemPages:
    """Add, edit and delete pages of the setup items of one level's owners (masters or courses)."""

    level: str
    owner_words: str  # how the 404 names the owner: "course master", "course"
    added_note: str = ""  # said after "Added the category to X."

    # -- hooks each level fills in ------------------------------------------------------------

    def owner_url(self, owner, anchor: str = "") -> str:
        raise NotImplementedError

    def breadcrumbs(self, owner, *, current: str | None = None) -> Breadcrumbs:
        raise NotImplementedError

    def item_get(self, owner, setup_type: SetupType, pk: int):
        raise NotImplementedError

    def item_create(self, *, user, owner, setup_type: SetupType, values: dict):
        raise NotImplementedError

    def item_update(self, *, user, item, values: dict):
        raise NotImplementedError

    def item_delete(self, *, user, item) -> None:
        raise NotImplementedError

    def delete_explanation(self, owner, setup_type: SetupType, label: str) -> str:
        raise NotImplementedError

    def form_terms(self, owner) -> list[str] | None:
        """The terms a grade calc option may name, where the level has a calendar."""
        return None

    def lock_message(self, owner, setup_type: SetupType, item) -> str | None:
        """Why this item cannot be edited or deleted here, or None."""
        return None

    # -- the pages ----------------------------------------------------------------------------

    def _item(self, owner, setup_type: SetupType, item_pk: int):
        item = self.item_get(owner, setup_type, item_pk)
        if item is None:
            raise Http404(f"No such {setup_type.label} on this {self.owner_words}")
        return item

    def _form_page(self, request, owner, form, *, title: str, anchor: str, locked_message: str | None = None):
        return form_page_render(
            request,
            form,
            title=title,
            cancel_url=self.owner_url(owner, anchor),
            breadcrumbs=self.breadcrumbs(owner, current=title),
            locked_message=locked_message,
            status=400 if request.method == "POST" else 200,
        )

    def add_view(self, request, owner, type_name: str) -> HttpResponse:
        setup_type = setup_type_or_404(type_name)
        form = setup_item_form_class(setup_type, self.level, terms=self.form_terms(owner))(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                self.item_create(user=request.user, owner=owner, setup_type=setup_type, values=form.values())
            except (InputError, PermissionError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Added the {setup_type.label} to {owner.number}.{self.added_note}")
                return redirect(self.owner_url(owner, setup_type.name))
        title = f"Add {with_article(setup_type.label)} to {owner.number}"
        return self._form_page(request, owner, form, title=title, anchor=type_name)

    def edit_view(self, request, owner, type_name: str, item_pk: int) -> HttpResponse:
        setup_type = setup_type_or_404(type_name)
        item = self._item(owner, setup_type, item_pk)
        form_class = setup_item_form_class(setup_type, self.level, terms=self.form_terms(owner), editing=True)
        form = form_class(request.POST or None, initial={name: getattr(item, name) for name in form_class.base_fields})
        label = setup_item_label(setup_type, item)
        if request.method == "POST" and form.is_valid():
            try:
                self.item_update(user=request.user, item=item, values=form.values())
            except (InputError, PermissionError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Saved the {setup_type.label} {label}.")
                return redirect(self.owner_url(owner, setup_type.name))
        # A refused save shows the service's message on the form; the lock note is for opening the page.
        locked_message = None if request.method == "POST" else self.lock_message(owner, setup_type, item)
        title = f"Edit {setup_type.label} {label}"
        return self._form_page(request, owner, form, title=title, anchor=type_name, locked_message=locked_message)

    def delete_view(self, request, owner, type_name: str, item_pk: int) -> HttpResponse:
        setup_type = setup_type_or_404(type_name)
        item = self._item(owner, setup_type, item_pk)
        label = setup_item_label(setup_type, item)
        error = self.lock_message(owner, setup_type, item)
        if request.method == "POST":
            try:
                self.item_delete(user=request.user, item=item)
            except (InputError, PermissionError) as exc:
                error = str(exc)
            else:
                messages.success(request, f"Deleted the {setup_type.label} {label} from {owner.number}.")
                return redirect(self.owner_url(owner, setup_type.name))
        context = {
            "title": f"Delete {setup_type.label} {label}?",
            "explanation": self.delete_explanation(owner, setup_type, label),
            "error": error,
            "cancel_url": self.owner_url(owner, setup_type.name),
            "breadcrumbs": self.breadcrumbs(owner, current=f"Delete {label}"),
        }
        status = 400 if error and request.method == "POST" else 200
        return render(request, "confirm_delete.html", context, status=status)
