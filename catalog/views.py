"""Catalog pages: the catalog list, one catalog with its lock settings and
course masters, and the toolbar's year/school/calendar pick."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .errors import InputError
from .forms import CatalogLocksForm, ToolbarForm
from .lock_impact import lock_impact
from .models import CourseCatalog
from .page_selectors import catalog_list, catalog_masters
from .services import catalog_locks_set
from .toolbar import toolbar_calendars, toolbar_schools, toolbar_select
from .web_access import require_district_admin


def catalog_list_view(request):
    require_district_admin(request.user, "course catalogs")
    return render(request, "catalog/catalog_list.html", {"catalogs": catalog_list()})


def _catalog_page(request, catalog: CourseCatalog, form: CatalogLocksForm, status: int = 200, lock_warnings=None):
    query = request.GET.get("q", "").strip()
    masters = Paginator(catalog_masters(catalog=catalog, query=query), 50).get_page(request.GET.get("page"))
    context = {"catalog": catalog, "form": form, "masters": masters, "query": query, "lock_warnings": lock_warnings}
    return render(request, "catalog/catalog_detail.html", context, status=status)


def catalog_detail_view(request, pk: int):
    require_district_admin(request.user, "course catalogs")
    catalog = get_object_or_404(CourseCatalog, pk=pk)
    return _catalog_page(request, catalog, CatalogLocksForm(catalog=catalog))


@require_POST
def catalog_locks_view(request, pk: int):
    require_district_admin(request.user, "course catalogs")
    catalog = get_object_or_404(CourseCatalog, pk=pk)
    form = CatalogLocksForm(request.POST, catalog=catalog)
    if not form.is_valid():
        return _catalog_page(request, catalog, form, status=400)
    change = form.change()
    if change.lock and request.POST.get("confirm") != "1":
        # Before saving: which courses the lock would desync, and why (R9).
        warnings = lock_impact(catalog=catalog, types=change.lock)
        if warnings:
            return _catalog_page(request, catalog, form, lock_warnings=warnings)
    try:
        catalog_locks_set(user=request.user, catalog=catalog, lock=change.lock, unlock=change.unlock)
    except (InputError, PermissionError) as error:
        form.add_error(None, str(error))
        return _catalog_page(request, catalog, form, status=400)
    if change.lock or change.unlock:
        messages.success(request, f"Lock settings of {catalog.name} saved. They apply at once to every linked course.")
    else:
        messages.info(request, "Nothing changed: the lock settings were already like that.")
    return redirect("catalog:catalog_detail", pk=catalog.pk)


@require_POST
def toolbar_view(request):
    form = ToolbarForm(
        request.POST, schools=toolbar_schools(user=request.user), calendars=toolbar_calendars(user=request.user)
    )
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    if not form.is_valid():
        messages.error(request, "That year, school or calendar cannot be picked: " + form.errors.as_text())
        return redirect(target)
    toolbar_select(
        request,
        year=form.cleaned_data["year"],
        school=form.cleaned_data["school"],
        calendar=form.cleaned_data["calendar"],
    )
    return redirect(target)
