"""What the catalog pages read (selectors; nothing here writes)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import CourseCatalog


def catalog_list() -> QuerySet[CourseCatalog]:
    """Every catalog with how many masters it holds and how many schools use it."""
    return CourseCatalog.objects.annotate(
        master_count=Count("masters", distinct=True), school_count=Count("schools", distinct=True)
    ).order_by("name")


def catalog_masters(*, catalog: CourseCatalog, query: str = "") -> QuerySet:
    """The catalog's course masters, with how many courses link to each."""
    masters = catalog.masters.annotate(course_count=Count("courses")).order_by("number")
    if query:
        masters = masters.filter(Q(number__icontains=query) | Q(name__icontains=query))
    return masters
