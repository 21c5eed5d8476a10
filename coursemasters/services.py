"""Editing course masters: their attributes and grading setup items.

Only district admins edit masters. A change here never touches a course: the
linked courses are awaiting push (R8) until someone pushes.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import models, transaction

from catalog.composites import composites_refuse_cycle
from catalog.errors import InputError
from catalog.history import (
    COURSE_INFO,
    CREATED,
    REMOVED,
    UPDATED,
    attributes_values,
    history_attributes,
    history_record,
    history_setup_item,
    setup_item_values,
)
from catalog.models import CourseCatalog, User
from catalog.permissions import can_manage_district
from catalog.services import (
    setup_key_require_free,
    setup_type_get,
    setup_type_of,
    setup_values_assign,
    setup_values_clean,
)
from catalog.setup_types import COURSE_ATTRIBUTES, MASTER, SetupType

from .models import CourseAttributeFields, CourseMaster

# ---------------------------------------------------------------------------
# Course attributes (shared with courses.services: same fields, same checks)
# ---------------------------------------------------------------------------


def course_attributes_clean(*, values: dict) -> dict:
    """Check submitted course attributes (rules.md section 2); raise InputError naming the bad one."""
    if not isinstance(values, dict):
        raise InputError("attributes must be a mapping of attribute names to values")
    cleaned = {}
    for name, value in values.items():
        if name not in COURSE_ATTRIBUTES:
            raise InputError(f'unknown attribute "{name}"; attributes are {", ".join(COURSE_ATTRIBUTES)}')
        field = CourseAttributeFields._meta.get_field(name)
        label = name.replace("_", " ")
        if isinstance(field, models.DecimalField):
            try:
                number = Decimal(str(value).strip()) if not isinstance(value, bool) and value is not None else None
            except (InvalidOperation, ValueError):
                number = None
            if number is None or not number.is_finite() or number < 0:
                raise InputError(f"{label}: {value!r} is not a number of zero or more")
            # Compared before rounding: quantizing 1E+100 to cents overflows the decimal context.
            limit = Decimal(10) ** (field.max_digits - field.decimal_places)
            if number >= limit or number.quantize(Decimal("0.01")) >= limit:
                raise InputError(f"{label}: {value} is too large")
            number = number.quantize(Decimal("0.01"))
            cleaned[name] = number
        elif isinstance(field, models.BooleanField):
            if not isinstance(value, bool):
                raise InputError(f"{label}: {value!r} is not true or false")
            cleaned[name] = value
        elif name == "grade_levels":
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
                raise InputError("grade levels: a list of grade levels such as 09, 10 is required")
            cleaned[name] = sorted({v.strip() for v in value})
        else:  # text
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise InputError(f"{label}: {value!r} is not text")
            value = value.strip()
            if name in ("number", "name") and not value:
                raise InputError(f"{label} cannot be empty")
            if field.max_length and len(value) > field.max_length:
                raise InputError(f"{label} is longer than {field.max_length} characters")
            cleaned[name] = value
    return cleaned


def course_attributes_assign(*, obj, values: dict) -> list[str]:
    """Set cleaned attributes on a master or course; returns the names that changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# ---------------------------------------------------------------------------
# Masters
# ---------------------------------------------------------------------------


def _require_district_admin(user: User, what: str) -> None:
    if not can_manage_district(user):
        raise PermissionError(f"{user.username} may not {what}: only district administrators edit course masters")


def _check_master_number_free(catalog: CourseCatalog, number: str, exclude_pk: int | None = None) -> None:
    qs = CourseMaster.objects.filter(catalog=catalog, number=number)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise InputError(f'catalog "{catalog.name}" already has a course master numbered "{number}"')


def master_create(
    *, user: User, catalog: CourseCatalog, number: str, name: str, values: dict | None = None
) -> CourseMaster:
    """A new course master in a catalog; ``number`` is unique in the catalog, ``name`` at most 30 characters."""
    _require_district_admin(user, "create course masters")
    cleaned = course_attributes_clean(values={**(values or {}), "number": number, "name": name})
    with transaction.atomic():
        _check_master_number_free(catalog, cleaned["number"])
        master = CourseMaster(catalog=catalog)
        course_attributes_assign(obj=master, values=cleaned)
        master.save()
        after = attributes_values(master, COURSE_ATTRIBUTES)
        history_record(user=user, level=MASTER, obj=master, data_type=COURSE_INFO, change=CREATED, after=after)
    return master


def master_attributes_update(*, user: User, master: CourseMaster, values: dict) -> CourseMaster:
    """Change a master's attributes. Courses follow at the next push of Course Info (R16)."""
    _require_district_admin(user, f"edit course master {master.number}")
    cleaned = course_attributes_clean(values=values)
    with transaction.atomic():
        master = CourseMaster.objects.select_for_update().select_related("catalog").get(pk=master.pk)
        if "number" in cleaned and cleaned["number"] != master.number:
            _check_master_number_free(master.catalog, cleaned["number"], exclude_pk=master.pk)
        before = attributes_values(master, cleaned)
        changed = course_attributes_assign(obj=master, values=cleaned)
        if changed:
            master.save(update_fields=changed)
            history_attributes(user=user, level=MASTER, obj=master, before=before, names=changed)
    return master


# ---------------------------------------------------------------------------
# Master grading setup items
# ---------------------------------------------------------------------------


def _check_key_free(setup_type: SetupType, item, master: CourseMaster) -> None:
    setup_key_require_free(
        setup_type=setup_type,
        queryset=setup_type.model(MASTER).objects.filter(master=master),
        item=item,
        owner=f"course master {master.number}",
    )


def master_item_create(*, user: User, master: CourseMaster, setup_type: str, values: dict):
    """Add a grading setup item to a master. Linked courses lack it until the next push (R8)."""
    _require_district_admin(user, f"edit course master {master.number}")
    stype = setup_type_get(name=setup_type)
    cleaned = setup_values_clean(setup_type=stype, values=values)
    with transaction.atomic():
        master = CourseMaster.objects.select_for_update().get(pk=master.pk)
        item = stype.model(MASTER)(master=master)
        setup_values_assign(setup_type=stype, item=item, values=cleaned)
        _check_key_free(stype, item, master)
        composites_refuse_cycle(setup_type=stype, item=item, queryset=stype.model(MASTER).objects.filter(master=master))
        item.save()
        history_setup_item(user=user, level=MASTER, owner=master, setup_type=stype, item=item, change=CREATED)
    return item


def master_item_update(*, user: User, item, values: dict):
    """Change a master item. Its linked course items follow it, by identity, at the next push (R6, R8)."""
    stype = setup_type_of(item=item, level=MASTER)
    _require_district_admin(user, "edit course masters")
    cleaned = setup_values_clean(setup_type=stype, values=values, partial=True)
    with transaction.atomic():
        master = CourseMaster.objects.select_for_update().get(pk=item.master_id)
        item = stype.model(MASTER).objects.select_for_update().get(pk=item.pk)
        before = setup_item_values(setup_type=stype, item=item)
        changed = setup_values_assign(setup_type=stype, item=item, values=cleaned)
        if set(changed) & set(stype.key_fields):
            _check_key_free(stype, item, master)
        if changed:
            composites_refuse_cycle(
                setup_type=stype, item=item, queryset=stype.model(MASTER).objects.filter(master=master)
            )
            item.save(update_fields=changed)
            history_setup_item(
                user=user, level=MASTER, owner=master, setup_type=stype, item=item, change=UPDATED, before=before
            )
    return item


def master_item_delete(*, user: User, item) -> None:
    """Remove a master item. Its linked course items await removal by the next push (R8, R13)."""
    stype = setup_type_of(item=item, level=MASTER)
    _require_district_admin(user, "edit course masters")
    with transaction.atomic():
        master = (
            CourseMaster.objects.select_for_update(of=("self",))
            .select_related("catalog")
            .filter(pk=item.master_id)
            .first()
        )
        if stype.model(MASTER).objects.filter(pk=item.pk).delete()[0]:
            history_setup_item(user=user, level=MASTER, owner=master, setup_type=stype, item=item, change=REMOVED)
