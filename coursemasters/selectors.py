"""Reading course masters by their natural keys."""

from __future__ import annotations

from catalog.errors import InputError
from catalog.models import CourseCatalog

from .models import CourseMaster


def master_get(*, catalog: CourseCatalog, number: str) -> CourseMaster:
    """The master numbered ``number`` in ``catalog``, or InputError naming both (R32)."""
    master = CourseMaster.objects.select_related("catalog").filter(catalog=catalog, number=number).first()
    if master is None:
        raise InputError(f'no course master "{number}" in catalog "{catalog.name}"')
    return master
