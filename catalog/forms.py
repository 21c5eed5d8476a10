"""Forms of the catalog pages and the toolbar."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse

from .models import Calendar, CourseCatalog, GradingItem, School, SchoolYear
from .setup_display import CALCULATION_WORDS, HEADINGS, attribute_label
from .setup_types import CALCULATIONS, COURSE_ATTRIBUTES, LOCK_TITLES, SETUP_LOCKS, SetupType


class StyledSubmit(Submit):
    """A submit button styled by its ``css_class`` alone (crispy's Submit is always btn-primary)."""

    field_classes = "btn"


class ToolbarForm(forms.Form):
    """Year, school and calendar of the toolbar (stored in the session)."""

    year = forms.ModelChoiceField(queryset=SchoolYear.objects.none(), required=False, empty_label="(any year)")
    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label="(all schools)")
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.none(), required=False, empty_label="(from year and school)"
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, schools, calendars, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = SchoolYear.objects.all()
        self.fields["school"].queryset = schools
        self.fields["calendar"].queryset = calendars
        self.fields["calendar"].label_from_instance = lambda c: f"{c.year.name} {c.school.number} {c.school.name}"
        self.helper = FormHelper()
        self.helper.form_action = reverse("catalog:toolbar")
        self.helper.form_id = "toolbar-form"
        self.helper.form_class = "toolbar-form"
        self.helper.attrs = {"aria-label": "Year, school and calendar"}
        self.helper.layout = Layout(
            Row(
                Column("year", css_class="col-6 col-md-2"),
                Column("school", css_class="col-6 col-md-3"),
                Column("calendar", css_class="col-12 col-md-4"),
                Column(
                    StyledSubmit("apply", "Apply", css_class="btn-sm btn-light border"),
                    css_class="col-12 col-md-auto toolbar-apply",
                ),
                "next",
                css_class="g-2 align-items-end",
            )
        )


@dataclass(frozen=True)
class LockChange:
    lock: tuple[str, ...]
    unlock: tuple[str, ...]


class CatalogLocksForm(forms.Form):
    """One checkbox per course attribute and per setup type lock (R1)."""

    attributes = forms.MultipleChoiceField(
        label="Locked course attributes",
        choices=[(a, attribute_label(a)) for a in COURSE_ATTRIBUTES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Locked attributes are copied from the master by a Course Info push and cannot be edited on "
        "linked courses.",
    )
    types = forms.MultipleChoiceField(
        label="Locked grading setup types",
        choices=[(t, LOCK_TITLES[t]) for t in SETUP_LOCKS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only locked types are pushed from course masters; their pushed items cannot be edited on "
        "courses. Composite weights without composite grades push nothing.",
    )

    def __init__(self, *args, catalog: CourseCatalog, **kwargs):
        kwargs.setdefault("initial", {"attributes": catalog.locked_attributes, "types": catalog.locked_types})
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        self.helper = FormHelper()
        self.helper.form_action = reverse("catalog:catalog_locks", args=[catalog.pk])
        self.helper.form_id = "catalog-locks-form"
        self.helper.layout = Layout(
            Row(Column("attributes", css_class="col-md-6"), Column("types", css_class="col-md-6")),
            Submit("save", "Save lock settings"),
        )

    def change(self) -> LockChange:
        """What to lock and unlock, compared with the catalog's current settings."""
        wanted = set(self.cleaned_data["attributes"]) | set(self.cleaned_data["types"])
        current = set(self.catalog.locked_attributes) | set(self.catalog.locked_types)
        return LockChange(lock=tuple(sorted(wanted - current)), unlock=tuple(sorted(current - wanted)))


# ---------------------------------------------------------------------------
# Grading setup items and course attributes, for every level: the forms are
# made from the setup type specs, so the pages walk SETUP_TYPES generically.
# ---------------------------------------------------------------------------


class GradingItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"  # "CIT Citizenship": people name a task so, not "task:CIT"


class CompositeChildrenField(forms.CharField):
    """A composite's children, one a line: the task's or standard's code, then its weight (``Q1G 50``).
    The reference (``task:Q1G 50``) is taken too, and is needed only for a code that is both a task
    and a standard."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            items = [str(child.get("item")) for child in value]
            codes = [item.partition(":")[2] or item for item in items]
            counts: dict[str, int] = {}
            for code in GradingItem.objects.filter(code__in=codes).values_list("code", flat=True):
                counts[code] = counts.get(code, 0) + 1
            return "\n".join(
                f"{item if counts.get(code, 0) > 1 else code} {child.get('weight')}"
                for item, code, child in zip(items, codes, value, strict=True)
            )
        return value

    def to_python(self, value):
        text = super().to_python(value)
        lines = []
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise forms.ValidationError(
                    f"Line {number}: write the child's code and its weight, e.g. “Q1G 50” (got “{line.strip()}”)."
                )
            try:
                weight = Decimal(parts[1])
            except InvalidOperation:
                raise forms.ValidationError(f"Line {number}: the weight “{parts[1]}” is not a number.") from None
            lines.append((number, parts[0], weight))
        kinds: dict[str, list[str]] = {}
        bare = {item for _, item, _ in lines if ":" not in item}
        for kind, code in GradingItem.objects.filter(code__in=bare).order_by("kind").values_list("kind", "code"):
            kinds.setdefault(code, []).append(kind)
        children = []
        for number, item, weight in lines:
            if ":" not in item:
                found = kinds.get(item, [])
                if not found:
                    raise forms.ValidationError(f"Line {number}: no task or standard has the code “{item}”.")
                if len(found) > 1:
                    raise forms.ValidationError(
                        f"Line {number}: “{item}” is both a task and a standard: write “task:{item}” or "
                        f"“standard:{item}”."
                    )
                item = f"{found[0]}:{item}"
            children.append({"item": item, "weight": str(weight)})
        return children


class GradeLevelsField(forms.CharField):
    """Grade levels as a comma-separated list: ``09, 10``."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


def _integer_widget_range(field: forms.IntegerField, validators) -> None:
    """The browser's number input gets the same min and max (the server checks them regardless)."""
    for validator in validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value
            field.widget.attrs["min"] = max(low, int(field.widget.attrs.get("min", low)))
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value
            field.widget.attrs["max"] = min(high, int(field.widget.attrs.get("max", high)))


class SetupItemForm(forms.Form):
    """Base of the generated item forms; ``values()`` is what the services take."""

    setup_type: SetupType

    def values(self) -> dict:
        """The item's values by field name (foreign keys as model instances), disabled fields left out."""
        return {name: value for name, value in self.cleaned_data.items() if not self.fields[name].disabled}


def setup_item_form_class(setup_type: SetupType, level: str, *, terms: list[str] | None = None, editing: bool = False):
    """A form for one item of ``setup_type`` at ``level`` (master, course or section).

    ``terms`` limits a grade calc option's term to the calendar's terms. When
    ``editing``, key fields other than a category's name are shown but fixed:
    to align another task, delete the item and add one.
    """
    model = setup_type.model(level)
    names = setup_type.key_fields + setup_type.payload_fields
    fields = forms.fields_for_model(model, fields=names)
    for name in names:
        model_field = model._meta.get_field(name)
        if model_field.related_model is GradingItem:
            queryset = GradingItem.objects.all()
            kind = setup_type.item_kinds.get(name)
            if kind:
                queryset = queryset.filter(kind=kind)
            fields[name] = GradingItemChoiceField(
                queryset=queryset, required=not model_field.null, label=HEADINGS.get(name, name)
            )
        elif name == "children":
            fields[name] = CompositeChildrenField(
                required=False,
                label="Children and weights",
                help_text="One child a line: the task's or standard's code, then its weight, e.g. “Q1G 50”.",
            )
        elif name == "calculation":
            fields[name] = forms.ChoiceField(
                choices=[(c, CALCULATION_WORDS[c]) for c in CALCULATIONS],
                initial=model_field.default,
                label=HEADINGS[name],
            )
        elif name == "term" and terms:
            fields[name] = forms.ChoiceField(choices=[(t, t) for t in terms], label="Term")
        elif isinstance(fields.get(name), forms.IntegerField):
            # The model's range (catalog.limits, and the database column's own), checked in the form
            # so that a number too big is the field's error, not the database's.
            fields[name].validators.extend(model_field.validators)
            _integer_widget_range(fields[name], model_field.validators)
        if name in fields and name in HEADINGS:
            fields[name].label = setup_type.field_headings.get(name, HEADINGS[name])
        if editing and name in setup_type.key_fields and name != "name":
            fields[name].disabled = True
            fields[name].help_text = "Part of the item's key: to change it, delete the item and add a new one."
    attrs = dict(fields)
    attrs["setup_type"] = setup_type
    return type(f"{model.__name__}Form", (SetupItemForm,), attrs)


class AttributesForm(forms.Form):
    """A master's or course's attributes. ``locked`` attributes are shown but cannot be changed (R3)."""

    def __init__(self, *args, model, locked: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in forms.fields_for_model(model, fields=COURSE_ATTRIBUTES).items():
            if name == "grade_levels":
                field = GradeLevelsField(required=False, help_text="Comma-separated, e.g. “09, 10”.")
            field.label = attribute_label(name)
            if name in locked:
                field.disabled = True
                field.help_text = "Locked by the catalog: set on the course master and copied by a push."
            self.fields[name] = field

    def values(self) -> dict:
        """Only the attributes the user changed (locked ones never are)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if not self.fields[name].disabled}
