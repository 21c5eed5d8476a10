"""The History tab's filters (GET): a date range, how, who and data type."""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from catalog.limits import EARLIEST_DATE, LATEST_DATE, date_validators

from .display import HOW_LABELS, HOW_ORDER, data_type_label
from .selectors import MASTER, PUSH, UNDO, HistoryFilters, HistoryObject, history_filter_choices


def _date_field(label: str) -> forms.DateField:
    widget = forms.DateInput(attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()})
    return forms.DateField(label=label, required=False, widget=widget, validators=date_validators())


class HistoryFilterForm(forms.Form):
    since = _date_field("From")
    until = _date_field("To")
    how = forms.ChoiceField(label="How", required=False)
    who = forms.ChoiceField(label="Who", required=False)
    data_type = forms.ChoiceField(label="Data type", required=False)

    FIELDS = ("since", "until", "how", "who", "data_type")

    def __init__(self, data=None, *, choices: dict[str, list[tuple[str, str]]], **kwargs):
        kwargs.setdefault("auto_id", "history_%s")
        super().__init__(data, **kwargs)
        everything = {"how": "Any way", "who": "Anyone", "data_type": "All data types"}
        for name, label in everything.items():
            self.fields[name].choices = [("", label), *choices.get(name, [])]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "history-filter-form"
        self.helper.attrs = {"aria-label": "Filter the history"}
        self.helper.layout = Layout(
            Row(
                Column("since", css_class="col-6 col-md-2"),
                Column("until", css_class="col-6 col-md-2"),
                Column("how", css_class="col-6 col-md-2"),
                Column("who", css_class="col-6 col-md-2"),
                Column("data_type", css_class="col-6 col-md-2"),
                Column(
                    StrictButton("Filter", type="submit", css_class="btn-outline-primary"),
                    css_class="col-6 col-md-2 align-self-end mb-3",
                ),
                css_class="g-2",
            )
        )

    def filters(self) -> HistoryFilters:
        """What to show: the valid filters given (an invalid one is ignored, and the form says why)."""
        if not self.is_bound or not self.is_valid():
            cleaned = getattr(self, "cleaned_data", {}) if self.is_bound else {}
        else:
            cleaned = self.cleaned_data
        return HistoryFilters(
            since=cleaned.get("since"),
            until=cleaned.get("until"),
            how=cleaned.get("how") or "",
            who=cleaned.get("who") or "",
            data_type=cleaned.get("data_type") or "",
        )

    def query(self) -> dict[str, str]:
        """The filters given, as GET parameters for the page links and the downloads."""
        if not self.is_bound:
            return {}
        return {name: self.data[name] for name in self.FIELDS if self.data.get(name) and name in self.cleaned_data}


def history_filter_form(*, target: HistoryObject, data) -> HistoryFilterForm:
    """The History tab's filters for this object, from GET parameters (the page's, or a download's)."""
    found = history_filter_choices(target=target)
    hows = [h for h in HOW_ORDER if target.level != MASTER or h not in (PUSH, UNDO)]
    choices = {
        "how": [(h, HOW_LABELS[h]) for h in hows],
        "who": [(w, w) for w in found["who"]],
        "data_type": [(t, data_type_label(t)) for t in found["data_type"]],
    }
    bound = any(data.get(name) for name in HistoryFilterForm.FIELDS)
    return HistoryFilterForm(data if bound else None, choices=choices)
