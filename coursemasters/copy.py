"""Copy Course Master (R60): one master into the same or another catalog, under a
new number and name, with the chosen grading setup types."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from catalog.errors import InputError
from catalog.history import (
    CREATED,
    history_course_created_build,
    history_records_write,
    history_setup_item_build,
    setup_item_copied,
    setup_item_relations,
    setup_items_loaded,
)
from catalog.models import CourseCatalog, User
from catalog.permissions import can_manage_district
from catalog.setup_types import MASTER, MASTER_PUSH_DATA, types_for_master_data

from .models import CourseMaster
from .services import course_attributes_clean

# The tool's checkboxes: Push All Course Masters' data less Course Info (attributes are always copied).
COPY_DATA = tuple(d for d in MASTER_PUSH_DATA if d != "course_info")


def course_master_copy(
    *,
    user: User,
    master: CourseMaster,
    to_catalog: CourseCatalog | None = None,
    new_number: str,
    new_name: str,
    data: set[str] | frozenset[str] = frozenset(COPY_DATA),
) -> CourseMaster:
    """A new master in ``to_catalog`` (default: the master's own) numbered ``new_number`` (unique
    there) and named ``new_name``, with the master's attributes and the grading setup of the types
    in ``data``. Grade calc options need grading tasks/standards copied too. Courses are not
    touched: nothing is linked to the copy until someone links it.
    """
    if not can_manage_district(user):
        raise PermissionError(f"{user.username} may not copy course masters: only district administrators may")
    data = set(data)
    unknown = sorted(data - set(COPY_DATA))
    if unknown:
        raise InputError(f'unknown data type "{unknown[0]}" (choose from: {", ".join(COPY_DATA)})')
    if "grade_calc_options" in data and "grading_tasks_standards" not in data:
        raise InputError("copying grade calc options requires copying grading tasks/standards too")
    cleaned = course_attributes_clean(values={"number": new_number, "name": new_name})
    target = to_catalog or master.catalog

    with transaction.atomic():
        if CourseMaster.objects.filter(catalog=target, number=cleaned["number"]).exists():
            raise InputError(f'catalog "{target.name}" already has a course master numbered "{cleaned["number"]}"')
        copy = CourseMaster.objects.get(pk=master.pk)
        copy.pk = None
        copy.id = None
        copy._state.adding = True
        copy.catalog = target
        copy.number = cleaned["number"]
        copy.name = cleaned["name"]
        copy.save()
        # History (R74): the copy's info and each item copied, as if made one by one, in one statement.
        at = timezone.now()
        records = history_course_created_build(user=user, level=MASTER, obj=copy, at=at)
        records[0].detail = {
            "copied_from": {"catalog": master.catalog.name, "master": master.number, "name": master.name},
            "data": sorted(data),
        }
        for setup_type in types_for_master_data(data):
            model = setup_type.model(MASTER)
            columns = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "master_id")]
            relations = setup_item_relations(setup_type)
            originals = setup_items_loaded(model.objects.filter(master=master).order_by("pk"), setup_type)
            items = model.objects.bulk_create(
                [setup_item_copied(original, columns, relations, master=copy) for original in originals]
            )
            records += [
                history_setup_item_build(
                    user=user, level=MASTER, owner=copy, setup_type=setup_type, item=item, change=CREATED, at=at
                )
                for item in items
            ]
        history_records_write(records)
    return copy
