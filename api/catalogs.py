"""Catalogs and their locks (R1, R5, R9) and course masters with their setup items (R8): the
district admins' resources, as on the catalog and master pages."""

import json
from typing import Any

from ninja import Router, Schema, Status
from pydantic import ConfigDict

from catalog.errors import InputError
from catalog.lock_impact import lock_impact
from catalog.models import CourseCatalog
from catalog.page_selectors import catalog_list, catalog_masters
from catalog.selectors import catalog_locks
from catalog.services import catalog_locks_set, setup_type_get
from catalog.setup_types import COURSE_ATTRIBUTES, MASTER
from catalog.web_access import require_district_admin
from coursemasters.copy import COPY_DATA, course_master_copy
from coursemasters.forms import CourseMasterCopyForm
from coursemasters.page_selectors import master_get, master_item_get
from coursemasters.services import (
    master_attributes_update,
    master_item_create,
    master_item_delete,
    master_item_update,
)

from .errors import ERROR_RESPONSES, ApiError, attributes_refusal, form_refusal, not_found, values_refusal
from .pagination import paginated
from .setup_items import setup_item_json, setup_items_json

router = Router(tags=["Catalogs and course masters"])
WHAT = "course catalogs"


class LocksOut(Schema):
    attributes: list[str]
    types: list[str]


class CatalogOut(Schema):
    id: int
    name: str
    locks: LocksOut
    master_count: int
    school_count: int

    @staticmethod
    def resolve_locks(obj):
        return obj["locks"] if isinstance(obj, dict) else catalog_locks(catalog=obj)


class LocksChangeIn(Schema):
    lock: list[str] = []
    unlock: list[str] = []
    # Locking a type desyncs the linked courses that changed it while it was unlocked (R9): say
    # confirm=true once you have read which (the refusal lists them).
    confirm: bool = False


class MasterOut(Schema):
    id: int
    catalog: str
    number: str
    name: str
    course_count: int | None = None

    @staticmethod
    def resolve_catalog(obj):
        return obj["catalog"] if isinstance(obj, dict) else obj.catalog.name


class MasterDetailOut(MasterOut):
    attributes: dict[str, Any]
    setup: dict[str, list[dict[str, Any]]]


class ItemValuesIn(Schema):
    """The item's fields as the district exchange format names them (``name``, ``weight``,
    ``task``...): all of a type's key fields to add one, only those to change to change one."""

    model_config = ConfigDict(extra="allow")


class AttributesIn(Schema):
    """Course attributes by name (``credits``, ``grade_levels``...), only those to change."""

    model_config = ConfigDict(extra="allow")


class ItemOut(Schema):
    item: dict[str, Any]


def sent_values(request) -> dict:
    # The body as sent: its field names are the setup type's (or the attributes), which one schema
    # cannot list for every type.
    values = json.loads(request.body or b"{}")
    if not isinstance(values, dict):
        raise ApiError(422, "send the fields as a JSON object")
    return values


def _catalog_json(catalog: CourseCatalog, counts: CourseCatalog | None = None) -> dict:
    counts = counts or catalog
    return {
        "id": catalog.pk,
        "name": catalog.name,
        "locks": catalog_locks(catalog=catalog),
        "master_count": getattr(counts, "master_count", 0),
        "school_count": getattr(counts, "school_count", 0),
    }


def _catalog(request, catalog_id: int) -> CourseCatalog:
    require_district_admin(request.user, WHAT)
    catalog = catalog_list().filter(pk=catalog_id).first()
    if catalog is None:
        raise not_found(f"course catalog {catalog_id}")
    return catalog


@router.get("/catalogs", response={200: list[CatalogOut], **ERROR_RESPONSES}, summary="Course catalogs")
@paginated()
def catalogs_list(request):
    require_district_admin(request.user, WHAT)
    return catalog_list()


@router.get("/catalogs/{catalog_id}", response={200: CatalogOut, **ERROR_RESPONSES}, summary="One course catalog")
def catalog_detail(request, catalog_id: int):
    return _catalog_json(_catalog(request, catalog_id))


@router.post(
    "/catalogs/{catalog_id}/locks",
    response={200: CatalogOut, 409: dict, **ERROR_RESPONSES},
    summary="Lock and unlock attributes and setup types",
)
def catalog_locks_change(request, catalog_id: int, payload: LocksChangeIn):
    catalog = _catalog(request, catalog_id)
    if payload.lock and not payload.confirm:
        warnings = lock_impact(catalog=catalog, types=tuple(payload.lock))
        if warnings:
            errors = [{"field": "confirm", "message": w} for w in warnings]
            return Status(409, {"errors": errors})
    catalog_locks_set(user=request.user, catalog=catalog, lock=payload.lock, unlock=payload.unlock)
    return _catalog_json(_catalog(request, catalog_id))


@router.get(
    "/catalogs/{catalog_id}/masters", response={200: list[MasterOut], **ERROR_RESPONSES}, summary="A catalog's masters"
)
@paginated()
def catalog_masters_list(request, catalog_id: int, q: str = ""):
    catalog = _catalog(request, catalog_id)
    return catalog_masters(catalog=catalog, query=q).select_related("catalog")


def _master(request, master_id: int):
    require_district_admin(request.user, "course masters")
    master = master_get(pk=master_id)
    if master is None:
        raise not_found(f"course master {master_id}")
    return master


def _master_json(master) -> dict:
    return {
        "id": master.pk,
        "catalog": master.catalog.name,
        "number": master.number,
        "name": master.name,
        "course_count": master.courses.count(),
        "attributes": {name: getattr(master, name) for name in COURSE_ATTRIBUTES},
        "setup": setup_items_json(master, MASTER, "master"),
    }


@router.get("/masters/{master_id}", response={200: MasterDetailOut, **ERROR_RESPONSES}, summary="One course master")
def master_detail(request, master_id: int):
    return _master_json(_master(request, master_id))


@router.patch(
    "/masters/{master_id}", response={200: MasterDetailOut, **ERROR_RESPONSES}, summary="Change a master's info"
)
def master_change(request, master_id: int, payload: AttributesIn):
    """The master's attributes (``number``, ``name``, ``credits``...), only those sent; linked
    courses get them at the next push of Course Info (R16)."""
    values = sent_values(request)
    master = _master(request, master_id)
    attributes_refusal(values, lambda: master_attributes_update(user=request.user, master=master, values=values))
    return _master_json(_master(request, master_id))


class MasterCopyIn(Schema):
    new_number: str
    new_name: str
    # A catalog's id; the master's own catalog when left out.
    to_catalog: int | None = None
    # The grading setup to copy, as Push All Course Masters names it (grading_tasks_standards,
    # grade_calc_options, composite_grades, categories, assessments); all of it when left out.
    data: list[str] | None = None


@router.post(
    "/masters/{master_id}/copy", response={201: MasterDetailOut, **ERROR_RESPONSES}, summary="Copy a course master"
)
def master_copy(request, master_id: int, payload: MasterCopyIn):
    """Copy Course Master (R60): a new master with this one's info and the chosen grading setup.
    Courses are not changed: none is linked to the copy."""
    master = _master(request, master_id)
    sent = {
        "to_catalog": payload.to_catalog or master.catalog_id,
        "new_number": payload.new_number,
        "new_name": payload.new_name,
        "data": list(COPY_DATA) if payload.data is None else payload.data,
    }
    form = CourseMasterCopyForm(sent, master=master)
    if not form.is_valid():
        raise form_refusal(form)
    chosen = form.cleaned_data
    try:
        copy = course_master_copy(
            user=request.user,
            master=master,
            to_catalog=chosen["to_catalog"],
            new_number=chosen["new_number"],
            new_name=chosen["new_name"],
            data=set(chosen["data"]),
        )
    except InputError as error:
        raise ApiError(400, str(error), field="new_number" if " already has " in str(error) else None) from None
    return Status(201, _master_json(master_get(pk=copy.pk)))


def _master_item(request, master_id: int, type_name: str, item_id: int):
    master = _master(request, master_id)
    setup_type = setup_type_get(name=type_name)
    item = master_item_get(master=master, setup_type=setup_type, pk=item_id)
    if item is None:
        raise not_found(f"{setup_type.label} {item_id} on course master {master.number}")
    return master, setup_type, item


@router.post(
    "/masters/{master_id}/setup/{type_name}",
    response={201: ItemOut, **ERROR_RESPONSES},
    summary="Add a setup item to a master",
)
def master_item_add(request, master_id: int, type_name: str, payload: ItemValuesIn):
    values = sent_values(request)
    master = _master(request, master_id)
    setup_type = setup_type_get(name=type_name)
    item = values_refusal(
        values,
        lambda: master_item_create(user=request.user, master=master, setup_type=type_name, values=values),
        setup_type=setup_type,
    )
    return Status(201, {"item": setup_item_json(setup_type, MASTER, item)})


@router.patch(
    "/masters/{master_id}/setup/{type_name}/{item_id}",
    response={200: ItemOut, **ERROR_RESPONSES},
    summary="Change a master's setup item",
)
def master_item_change(request, master_id: int, type_name: str, item_id: int, payload: ItemValuesIn):
    values = sent_values(request)
    _master_obj, setup_type, item = _master_item(request, master_id, type_name, item_id)
    item = values_refusal(
        values, lambda: master_item_update(user=request.user, item=item, values=values), setup_type=setup_type
    )
    return {"item": setup_item_json(setup_type, MASTER, item)}


@router.delete(
    "/masters/{master_id}/setup/{type_name}/{item_id}",
    response={204: None, **ERROR_RESPONSES},
    summary="Remove a master's setup item",
)
def master_item_remove(request, master_id: int, type_name: str, item_id: int):
    _master_obj, _setup_type, item = _master_item(request, master_id, type_name, item_id)
    master_item_delete(user=request.user, item=item)
    return Status(204, None)
