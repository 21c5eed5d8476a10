"""Changing the district's definitions: a catalog's locks (R1, R5), and the
cleaning of grading setup values that every level's services share.

``setup_values_clean`` lives here, at the bottom layer, because masters,
courses and sections all take the same values for the same setup type and
must refuse bad ones with the same message (R32).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models.functions import Lower, Trim

from .errors import InputError
from .history import LOCKS, UPDATED, history_record
from .models import AssessmentTest, CourseCatalog, GradingItem, GradingScale, User
from .permissions import can_manage_district
from .setup_types import (
    COMPOSITE_GRADES,
    COURSE,
    COURSE_ATTRIBUTES,
    MASTER,
    SECTION,
    SETUP_LOCKS,
    SETUP_TYPES,
    SETUP_TYPES_BY_NAME,
    SetupType,
    category_name_key,
)

# ---------------------------------------------------------------------------
# Locks
# ---------------------------------------------------------------------------


def catalog_locks_set(
    *,
    user: User,
    catalog: CourseCatalog,
    lock: list[str] | tuple[str, ...] = (),
    unlock: list[str] | tuple[str, ...] = (),
) -> CourseCatalog:
    """Lock and unlock course attributes and setup types on a catalog.

    Names are those of the exchange format (``credits``, ``categories``,
    ``composite_weights``...). The change takes effect at once on every course
    linked to the catalog's masters; no value moves until the next push (R5).
    """
    if not can_manage_district(user):
        raise PermissionError(f'{user.username} may not change the locks of catalog "{catalog.name}"')
    lock, unlock = list(lock), list(unlock)
    known = set(COURSE_ATTRIBUTES) | set(SETUP_LOCKS)
    unknown = [name for name in lock + unlock if name not in known]
    if unknown:
        raise InputError(
            f"unknown lock {', '.join(repr(n) for n in unknown)}; locks are the attributes "
            f"{', '.join(COURSE_ATTRIBUTES)} and the types {', '.join(SETUP_LOCKS)}"
        )
    both = sorted(set(lock) & set(unlock))
    if both:
        raise InputError(f"cannot both lock and unlock {', '.join(both)}")
    with transaction.atomic():
        catalog = CourseCatalog.objects.select_for_update().get(pk=catalog.pk)
        attributes = (set(catalog.locked_attributes) | set(lock)) - set(unlock)
        types = (set(catalog.locked_types) | set(lock)) - set(unlock)
        # Kept in the order the names are defined, so exports and pages are stable.
        new_attributes = [a for a in COURSE_ATTRIBUTES if a in attributes]
        new_types = [t for t in SETUP_LOCKS if t in types]
        if new_attributes != catalog.locked_attributes or new_types != catalog.locked_types:
            before = {"locked_attributes": catalog.locked_attributes, "locked_types": catalog.locked_types}
            after = {"locked_attributes": new_attributes, "locked_types": new_types}
            history_record(
                user=user, level="catalog", obj=catalog, data_type=LOCKS, change=UPDATED, before=before, after=after
            )
            catalog.locked_attributes = new_attributes
            catalog.locked_types = new_types
            catalog.save(update_fields=["locked_attributes", "locked_types"])
    return catalog


# ---------------------------------------------------------------------------
# Setup item values
# ---------------------------------------------------------------------------

# Exchange-format names accepted for model fields ("task": "S1" is "item").
_ALIASES = {"grading_tasks": {"task": "item"}, "standards": {"standard": "item"}}
# Where a bare code names a task or a standard without its ``kind:`` prefix.
_IMPLIED_KIND = {
    ("grading_tasks", "item"): GradingItem.TASK,
    ("standards", "item"): GradingItem.STANDARD,
    ("assessments", "standard"): GradingItem.STANDARD,
}


def setup_type_get(*, name: str) -> SetupType:
    try:
        return SETUP_TYPES_BY_NAME[name]
    except KeyError:
        raise InputError(f'unknown setup type "{name}"; setup types are {", ".join(SETUP_TYPES_BY_NAME)}') from None


# How an item's owner is named in a message, per level.
LEVEL_WORDS = {MASTER: "course master", COURSE: "course", SECTION: "section"}


def setup_type_of(*, item, level: str) -> SetupType:
    """The setup type of a grading setup item of ``level``; InputError for anything else."""
    for setup_type in SETUP_TYPES:
        if isinstance(item, setup_type.model(level)):
            return setup_type
    raise InputError(f"{item!r} is not a {LEVEL_WORDS[level]} setup item")


def setup_values_clean(*, setup_type: SetupType, values: dict, partial: bool = False) -> dict:
    """Turn submitted values into model field values, or raise InputError.

    Keys are model field names (``item``, ``weight``...), or the exchange
    format's (``task``, ``standard``). References may be model instances,
    primary keys, or natural keys (``task:S1``, ``MAP``, ``A-F``). With
    ``partial`` only the given fields are cleaned (an update); otherwise key
    fields are required and the rest take their defaults (a create).
    """
    if not isinstance(values, dict):
        raise InputError(f"{setup_type.label}: values must be a mapping of field names to values")
    aliases = _ALIASES.get(setup_type.name, {})
    allowed = setup_type.key_fields + setup_type.payload_fields
    cleaned: dict = {}
    for raw_name, value in values.items():
        name = aliases.get(raw_name, raw_name)
        if name not in allowed:
            raise InputError(f'{setup_type.label}: unknown field "{raw_name}"; fields are {", ".join(allowed)}')
        cleaned[name] = _clean_field(setup_type, name, value)
    if not partial:
        missing = [name for name in setup_type.key_fields if cleaned.get(name) in (None, "")]
        if missing:
            raise InputError(f"{setup_type.label}: {', '.join(missing)} is required")
    return cleaned


def setup_values_assign(*, setup_type: SetupType, item, values: dict) -> list[str]:
    """Set cleaned values on an item; returns the names of the fields that changed.

    Then checks what spans fields (a composite cannot be its own child).
    """
    changed = []
    for name, value in values.items():
        attname = item._meta.get_field(name).attname
        current = getattr(item, attname)
        new = value.pk if isinstance(value, models.Model) else value
        if name == "children":
            differs = not composite_children_equal(current, new)
        else:
            differs = current != new
        if differs:
            setattr(item, name, value)
            changed.append(name)
    if setup_type is COMPOSITE_GRADES and any(c["item"] == item.parent.ref for c in item.children):
        raise InputError(f"composite grade {item.parent.ref}: a composite cannot be its own child")
    return changed


def _clean_field(setup_type: SetupType, name: str, value):
    # Every level's model has the same fields (they share abstract models),
    # so the master model describes them.
    field = setup_type.model("master")._meta.get_field(name)
    label = f"{setup_type.label} {name.replace('_', ' ')}"
    if isinstance(field, models.ForeignKey):
        if isinstance(value, str):
            value = _text(value)
        if value in (None, ""):
            if not field.null:
                raise InputError(f"{label} is required")
            return None
        return _reference(field.related_model, value, label, _IMPLIED_KIND.get((setup_type.name, name)))
    if isinstance(field, models.DecimalField):
        return _decimal(value, label, field)
    if isinstance(field, models.PositiveIntegerField):
        # Parsed from text, so True and 1.0 ("True", "1.0") are not taken for whole numbers.
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise InputError(f"{label}: {value!r} is not a whole number") from None
        if number < 0:
            raise InputError(f"{label} cannot be negative")
        # The field's own range (catalog.limits), and the column's: past it PostgreSQL would refuse
        # the row with a DataError, not a message.
        highest = min((v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)), default=None)
        if highest is not None and number > highest:
            raise InputError(f"{label}: {number} is too large (at most {highest})")
        return number
    if isinstance(field, models.BooleanField):
        if not isinstance(value, bool):
            raise InputError(f"{label}: {value!r} is not true or false")
        return value
    if isinstance(field, models.CharField):
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InputError(f"{label}: {value!r} is not text")
        value = _text(value)
        if name in setup_type.key_fields and not value:
            raise InputError(f"{label} cannot be empty")
        if len(value) > field.max_length:
            raise InputError(f"{label} is longer than {field.max_length} characters")
        if field.choices and value not in [c[0] for c in field.choices]:
            raise InputError(f'{label}: "{value}" is not one of {", ".join(c[0] for c in field.choices)}')
        return value
    if name == "children":
        return _composite_children(value)
    raise InputError(f"{label}: cannot be set")  # pragma: no cover - every field is handled above


def _decimal(value, label: str, field: models.DecimalField) -> Decimal:
    # Parsed from text, so True and None ("True", "None") are not taken for numbers.
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InputError(f"{label}: {value!r} is not a number") from None
    if not number.is_finite():
        raise InputError(f"{label}: {value!r} is not a number")
    if number < 0:
        raise InputError(f"{label} cannot be negative")
    places = Decimal(1).scaleb(-field.decimal_places)
    limit = Decimal(10) ** (field.max_digits - field.decimal_places)
    # Compared before rounding (rounding 1E+100 to cents is itself an error) and after (99999.995
    # rounds up to 100000.00, which the column cannot hold).
    if number >= limit or number.quantize(places) >= limit:
        raise InputError(f"{label}: {value} is too large")
    return number.quantize(places)


def _text(value: str) -> str:
    """Text as the district means it: NFC-normalised, so keys that look the same are the same,
    and trimmed (R90)."""
    return unicodedata.normalize("NFC", value).strip()


def _reference(model, value, label: str, implied_kind: str | None = None):
    if isinstance(value, model):
        obj = value
    elif isinstance(value, int) and not isinstance(value, bool):
        obj = model.objects.filter(pk=value).first()
        if obj is None:
            raise InputError(f"{label}: no {model._meta.verbose_name} with id {value}")
    elif isinstance(value, str):
        obj = _by_natural_key(model, _text(value), label, implied_kind)
    else:
        raise InputError(f"{label}: {value!r} does not name a {model._meta.verbose_name}")
    if implied_kind and obj.kind != implied_kind:
        raise InputError(f'{label}: "{obj.ref}" is not a {dict(GradingItem.KIND_CHOICES)[implied_kind].lower()}')
    return obj


def grading_item_get(*, ref: str, implied_kind: str | None = None, label: str = "item") -> GradingItem:
    """The task or standard that ``task:S1`` / ``standard:ELA.W.1`` names (or a bare code of the implied kind)."""
    kind, sep, code = ref.partition(":")
    if not sep:
        if implied_kind is None:
            raise InputError(f'{label}: "{ref}" must be written task:CODE or standard:CODE')
        kind, code = implied_kind, ref
    if kind not in (GradingItem.TASK, GradingItem.STANDARD):
        raise InputError(f'{label}: "{ref}" must be written task:CODE or standard:CODE')
    obj = GradingItem.objects.filter(kind=kind, code=code).first()
    if obj is None:
        raise InputError(f'{label}: no {"grading task" if kind == GradingItem.TASK else "standard"} "{code}"')
    return obj


def _by_natural_key(model, value: str, label: str, implied_kind: str | None):
    if model is GradingItem:
        return grading_item_get(ref=value, implied_kind=implied_kind, label=label)
    if model is AssessmentTest:
        obj = AssessmentTest.objects.filter(code=value).first()
        if obj is None:
            raise InputError(f'{label}: no test "{value}"')
        return obj
    if model is GradingScale:
        obj = GradingScale.objects.filter(name=value).first()
        if obj is None:
            raise InputError(f'{label}: no grading scale "{value}"')
        return obj
    raise InputError(f"{label}: cannot be named by text")  # pragma: no cover


CENT = Decimal("0.01")


def _composite_children(value) -> list[dict]:
    if not isinstance(value, list | tuple):
        raise InputError("composite grade children: a list of {item, weight} is required")
    children = []
    for i, child in enumerate(value, 1):
        if not isinstance(child, dict) or set(child) - {"item", "weight"} or "item" not in child:
            raise InputError(f"composite grade child {i}: give an item and a weight")
        raw_item = child["item"]
        item = raw_item if isinstance(raw_item, GradingItem) else None
        if item is None:
            if not isinstance(raw_item, str):
                raise InputError(f"composite grade child {i}: {raw_item!r} does not name a task or standard")
            item = grading_item_get(ref=_text(raw_item), label=f"composite grade child {i}")
        weight = child.get("weight", "0")
        try:
            number = Decimal(str(weight).strip())
        except (InvalidOperation, ValueError):
            raise InputError(f"composite grade child {i} weight: {weight!r} is not a number") from None
        # Compared before rounding and after, as in _decimal.
        if not number.is_finite() or number < 0 or number >= 100000 or number.quantize(CENT) >= 100000:
            raise InputError(f"composite grade child {i} weight: {weight!r} is not a number from 0 to 99999.99")
        # Kept as text in the form the database gives any weight ("50.00"), as the exchange import does.
        # + 0: "-0" is kept as "0.00", not "-0.00" (a numeric column does the same for _decimal).
        children.append({"item": item.ref, "weight": str(number.quantize(CENT) + 0)})
    refs = [c["item"] for c in children]
    duplicates = sorted({r for r in refs if refs.count(r) > 1})
    if duplicates:
        raise InputError(f"composite grade children: {', '.join(duplicates)} appears more than once")
    return children


def composite_children_equal(a: list[dict], b: list[dict], *, weights: bool = True) -> bool:
    """Children compared item by item in order, weights as numbers (``"50"`` == ``"50.00"``)."""
    if [c["item"] for c in a] != [c["item"] for c in b]:
        return False
    if not weights:
        return True
    try:
        pairs = zip(a, b, strict=True)  # the same length: the items matched above
        return all(Decimal(str(x.get("weight", "0"))) == Decimal(str(y.get("weight", "0"))) for x, y in pairs)
    except InvalidOperation:
        return False


def setup_values_equal(*, setup_type: SetupType, a, b, weights: bool = True) -> bool:
    """Whether two items (of any levels) hold the same key and payload.

    Category names compare exactly here (a push sets the master's spelling);
    composite weights only when ``weights`` (R4: unlocked weights are the course's own).
    """
    for name in setup_type.key_fields + setup_type.payload_fields:
        if name == "children":
            if not composite_children_equal(a.children, b.children, weights=weights):
                return False
            continue
        attname = a._meta.get_field(name).attname
        left, right = getattr(a, attname), getattr(b, attname)
        if name == "name":
            left, right = left.strip(), right.strip()
        if left != right:
            return False
    return True


def setup_key_taken(*, setup_type: SetupType, queryset, item) -> bool:
    """Whether another item of the owner's ``queryset`` has this item's key."""
    qs = queryset if item.pk is None else queryset.exclude(pk=item.pk)
    filters = {}
    for name in setup_type.key_fields:
        if name == "name":
            qs = qs.annotate(_name_key=Lower(Trim("name")))
            filters["_name_key"] = category_name_key(item.name)
        else:
            attname = item._meta.get_field(name).attname
            filters[attname] = getattr(item, attname)
    return qs.filter(**filters).exists()


def setup_key_require_free(*, setup_type: SetupType, queryset, item, owner: str) -> None:
    """Refuse (InputError) an item whose key another item of the owner's ``queryset`` holds;
    ``owner`` names the owner in the message: ``course 101``."""
    if setup_key_taken(setup_type=setup_type, queryset=queryset, item=item):
        raise InputError(f"{owner} already has {setup_item_describe(setup_type=setup_type, item=item)}")


def setup_item_describe(*, setup_type: SetupType, item) -> str:
    """An item in words, as people name it: ``category "Homework"``, ``grading task S1``."""
    return f"{setup_type.label} {setup_key_text(setup_type=setup_type, item=item)}"


def setup_key_text(*, setup_type: SetupType, item) -> str:
    if setup_type.name == "categories":
        return f'"{item.name}"'
    if setup_type.name in ("grading_tasks", "standards"):
        return item.item.code
    if setup_type.name == "assessments":
        return item.test.code
    if setup_type.name == "grade_calc_options":
        return f"{item.item.ref} {item.term}"
    return item.parent.ref
