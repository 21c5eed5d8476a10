"""The filter form of the report pages: natural keys in the address (``?year=22-23&catalog=...``),
checked by the same resolver as the ``report`` command."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from catalog.errors import InputError
from catalog.setup_types import SETUP_TYPES, SETUP_TYPES_BY_NAME

from .diff import COURSE_SECTION, pair_types
from .display import people_word
from .filters import (
    ADVISORY,
    CHANGES,
    COURSE_AUDIT,
    COURSE_AWAITING_PUSH,
    COURSE_STATES,
    DELETED,
    LEVELS,
    MASTER_AWAITING_PUSH,
    RESIDUAL,
    SORTS,
    UNLINKED,
    FilterMissing,
    report_filters_resolve,
)
from .selectors import report_choices, report_masters

# Which filters each report offers (rules R50-R53 and the issue: year, catalog, school,
# calendar = school + year, type, state).
FIELDS = {
    MASTER_AWAITING_PUSH: ("year", "catalog", "master", "school", "type", "locked", "state", "change", "sort"),
    COURSE_AWAITING_PUSH: ("year", "school", "type", "change", "sort"),
    RESIDUAL: ("year", "school", "level", "type", "sort"),
    COURSE_AUDIT: ("year", "catalog", "master", "school", "type", "locked", "state", "change", "sort"),
}
REQUIRED = {MASTER_AWAITING_PUSH: ("catalog",), COURSE_AWAITING_PUSH: ("school",)}
SORT_LABELS = {
    "master": "Course master, school, course",
    "school": "School, course",
    "course": "Course number",
    "teacher": "Teacher",
    "type": "Data type",
}


def _words(value: str) -> str:
    return value.replace("_", " ")


class ReportFilterForm(forms.Form):
    year = forms.ChoiceField(label="Year")
    catalog = forms.ChoiceField(label="Catalog", required=False)
    master = forms.ChoiceField(label="Course master", required=False)
    school = forms.ChoiceField(label="School (its calendar)", required=False)
    type = forms.ChoiceField(label="Data type", required=False)
    locked = forms.ChoiceField(
        label="Locked", required=False, choices=[("", "(locked or not)"), ("yes", "locked"), ("no", "unlocked")]
    )
    state = forms.ChoiceField(label="Course state", required=False)
    change = forms.ChoiceField(label="Change", required=False)
    level = forms.ChoiceField(
        label="Level", required=False, choices=[("", "(course and section)"), *[(v, v) for v in LEVELS]]
    )
    sort = forms.ChoiceField(label="Sort by", required=False)

    def __init__(self, *args, kind: str, school_ids: tuple[int, ...] | None, **kwargs):
        # The toolbar on every page has its own year and school fields: ids must not collide.
        kwargs.setdefault("auto_id", "report-%s")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.school_ids = school_ids
        choices = report_choices(school_ids=school_ids)
        self.fields["year"].choices = [(y, y) for y in choices["years"]]
        required = REQUIRED.get(kind, ())
        self.fields["catalog"].choices = [("", "(all catalogs)")] + [(c, c) for c in choices["catalogs"]]
        # A filter the report needs is asked for by the page (FilterMissing), not refused as an
        # error, so the field is not required of the form; the browser still asks for it.
        if "catalog" in required:
            self.fields["catalog"].widget.attrs.update(required=True)
        catalog = self.data.get("catalog") if self.is_bound else None
        masters = report_masters(catalog=catalog) if catalog else []
        self.fields["master"].choices = [("", "(all course masters)")] + [(n, f"{n} {name}") for n, name in masters]
        everyone = "(all schools)" if school_ids is None else "(all my schools)"
        self.fields["school"].choices = [("", everyone)] + [(n, f"{n} {name}") for n, name in choices["schools"]]
        if "school" in required:
            self.fields["school"].widget.attrs.update(required=True)
        if kind == COURSE_AWAITING_PUSH:
            types = [t.name for _, t in pair_types(COURSE_SECTION)] + [ADVISORY]
            changes = [c for c in CHANGES if c not in (UNLINKED, DELETED)]
        else:
            types = [t.name for t in SETUP_TYPES]
            changes = [c for c in CHANGES if kind == COURSE_AUDIT or c != DELETED]
        self.fields["type"].choices = [("", "(every type)")] + [
            (t, SETUP_TYPES_BY_NAME[t].title if t in SETUP_TYPES_BY_NAME else _words(t)) for t in types
        ]
        self.fields["state"].choices = [("", "(every state)")] + [
            (s, people_word("course_state", s)) for s in COURSE_STATES
        ]
        self.fields["change"].choices = [("", "(every change)")] + [(c, people_word("change", c)) for c in changes]
        self.fields["sort"].choices = [(s, SORT_LABELS.get(s, s)) for s in SORTS[kind]]
        for name in list(self.fields):
            if name not in FIELDS[kind]:
                del self.fields[name]

        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "report-filters"
        self.helper.form_class = "report-filters"
        self.helper.attrs = {"aria-label": "Report filters"}
        self.helper.layout = Layout(
            Row(
                *[Column(name, css_class="col-6 col-md-4 col-xl-2") for name in FIELDS[kind]],
                Column(Submit("apply", "Show report", css_class="btn-primary"), css_class="col-12 col-md-auto"),
                css_class="g-2 align-items-end",
            )
        )

    def clean(self):
        data = super().clean()
        try:
            data["filters"] = report_filters_resolve(
                kind=self.kind,
                year=data.get("year"),
                catalog=data.get("catalog"),
                master=data.get("master"),
                school=data.get("school"),
                setup_type=data.get("type"),
                locked=data.get("locked"),
                state=data.get("state"),
                change=data.get("change"),
                level=data.get("level"),
                sort=data.get("sort"),
                school_ids=self.school_ids,
            )
        except FilterMissing as missing:
            # Not an error: the page shows the filters and asks for the one it needs.
            self.missing_prompt = missing.prompt
            data["filters"] = None
        except InputError as error:
            raise forms.ValidationError(str(error)) from None
        return data
