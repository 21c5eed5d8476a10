"""Forms of the push tools and the batch queue pages.

Each tool form validates into the push engine's options (pushjobs.engine.api) plus what to do
with them: preview, run now, or submit to batch at a date, time and priority.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.urls import reverse_lazy
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from catalog.limits import EARLIEST_DATE, LATEST_DATE, date_validators
from catalog.models import Calendar, CourseCatalog, SchoolYear
from catalog.push_data_locks import push_data_locks
from catalog.setup_types import COURSE_PUSH_DATA, COURSE_PUSH_DATA_LABELS, MASTER_PUSH_DATA, MASTER_PUSH_DATA_LABELS
from coursemasters.models import CourseMaster
from pushjobs.engine.api import OVERWRITE, PUSH, CoursePushOptions, MasterPushOptions

from .models import PushJob
from .ui_selectors import push_tool_calendars, push_tool_catalogs

PREVIEW, RUN_NOW, BATCH = "preview", "run_now", "batch"
ACTIONS = (PREVIEW, RUN_NOW, BATCH)

MODE_CHOICES = [
    (PUSH, "Push locked data"),
    (OVERWRITE, "Overwrite existing course and section level data"),
]
CONSIDERATIONS = "pushjobs/push_all_course_masters.html#overwrite_considerations"

# Dates and times in messages as the pages write them (the Batch Queue List: 12/01/2026 11:11 AM).
PAGE_DATE, PAGE_DATETIME = "m/d/Y", "m/d/Y h:i A"
# The queue refuses a time more than this far in the past (pushjobs.submit, R32); the form says so
# first, in the page's words.
PAST_GRACE = timedelta(minutes=1)


def page_datetime(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment), PAGE_DATETIME)


def page_date(day: date) -> str:
    return dateformat.format(day, PAGE_DATE)


def error_sentence(error) -> str:
    """A service's refusal ("the scheduled time ... is in the past", worded for the commands too)
    as a sentence on a page: capital first, full stop last."""
    text = capfirst(str(error).strip())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _next_whole_hour() -> datetime:
    now = timezone.localtime()
    return (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def _date_input() -> forms.DateInput:
    """A date picker that offers only the dates the product takes (catalog.limits; checked again on the server)."""
    return forms.DateInput(attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()})


def _schedule_fields(form: forms.Form) -> None:
    """Submit to Batch: when and at which priority (Run Now is always now, at high priority)."""
    at = _next_whole_hour()
    form.fields["run_date"] = forms.DateField(
        label="Date", required=False, initial=at.date(), widget=_date_input(), validators=date_validators()
    )
    form.fields["run_time"] = forms.TimeField(
        label="Time", required=False, initial=at.time(), widget=forms.TimeInput(attrs={"type": "time"})
    )
    form.fields["priority"] = forms.ChoiceField(
        label="Priority", choices=PushJob.PRIORITY_CHOICES, initial=PushJob.NORMAL, required=False
    )


def _schedule_clean(form: forms.Form, cleaned: dict) -> None:
    """Only Submit to Batch needs a date and time; the queue refuses one in the past (R32)."""
    if cleaned.get("action") != BATCH:
        return
    cleaned["priority"] = cleaned.get("priority") or PushJob.NORMAL
    run_date, run_time = cleaned.get("run_date"), cleaned.get("run_time")
    if run_date is None:
        form.add_error("run_date", "Pick the date the job should run.")
    if run_time is None:
        form.add_error("run_time", "Pick the time the job should run.")
    if run_date is not None and run_time is not None:
        cleaned["scheduled_for"] = timezone.make_aware(datetime.combine(run_date, run_time))
        _past_check(form, cleaned["scheduled_for"], "run_time")


def _past_check(form: forms.Form, moment: datetime, field: str) -> None:
    if moment < timezone.now() - PAST_GRACE:
        form.add_error(
            field, f"The scheduled time, {page_datetime(moment)}, is in the past: pick a later date or time."
        )


def _schedule_layout() -> Fieldset:
    return Fieldset(
        "Submit to Batch: when to run",
        Row(
            Column("run_date", css_class="col-6 col-md-4"),
            Column("run_time", css_class="col-6 col-md-3"),
            Column("priority", css_class="col-12 col-md-4"),
        ),
        css_class="schedule-fieldset",
    )


def _buttons() -> Div:
    return Div(
        StrictButton("Preview", type="submit", name="action", value=PREVIEW, css_class="btn-outline-primary"),
        StrictButton("Run Now", type="submit", name="action", value=RUN_NOW, css_class="btn-primary"),
        StrictButton("Submit to Batch", type="submit", name="action", value=BATCH, css_class="btn-primary"),
        css_class="d-flex flex-wrap gap-2 push-actions",
    )


class _ActionForm(forms.Form):
    # The clicked button (name="action") says what to do; it is not rendered as a field, so a
    # missing one is a form-wide error the page shows.
    action = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") not in ACTIONS:
            raise forms.ValidationError("Choose Preview, Run Now or Submit to Batch.")
        return cleaned


class CalendarCheckboxes(forms.CheckboxSelectMultiple):
    """Calendar checkboxes that say which catalog their school uses (the page hides the others)."""

    def __init__(self, *args, catalog_of: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalog_of = catalog_of or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["data-catalog"] = self.catalog_of.get(str(value), "")
        return option


class PushDataCheckboxes(forms.CheckboxSelectMultiple):
    """The master tools' "Data to be pushed" boxes, each saying whether the catalog locks what it
    covers (R2: only locked data is pushed). With several catalogs on the page each box carries
    one line per catalog, named; the page shows the chosen catalog's (static/js/pushjobs.js)."""

    def __init__(self, *args, catalogs: list[CourseCatalog] = (), chosen: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.locks = [(c.name, push_data_locks(catalog=c)) for c in catalogs]
        self.chosen = chosen

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        named = len(self.locks) > 1
        box = option["attrs"].get("id", f"{name}_{index}")
        lines = [
            (
                f"{box}-lock-{i}",
                catalog,
                "push-lock push-lock-" + lines[value].state + (" d-none" if self.chosen not in ("", catalog) else ""),
                f"{catalog}: " if named else "",
                lines[value].words,
            )
            for i, (catalog, lines) in enumerate(self.locks)
            if value in lines
        ]
        # The box keeps its label as its name ("Categories"); the lock is its description.
        option["attrs"]["aria-labelledby"] = f"{box}-name"
        option["attrs"]["aria-describedby"] = " ".join(line[0] for line in lines)
        option["label"] = format_html(
            '<span id="{}">{}</span> {}',
            f"{box}-name",
            label,
            format_html_join(
                " ",
                '<span id="{}" data-catalog="{}" class="{}"><span class="push-lock-catalog">{}</span>{}</span>',
                lines,
            ),
        )
        return option


class MasterPushForm(_ActionForm):
    """Push All Course Masters (``master`` None) or Push to Courses for one master.

    The year is picked above the form (it filters the catalogs, R10); the calendars are the year's
    calendars whose school uses a catalog, all ticked: a catalog's calendars all ticked mean every
    calendar of that catalog, including one added before the job runs.
    """

    year = forms.CharField(widget=forms.HiddenInput)
    catalog = forms.ChoiceField(label="Course Catalog")
    calendars = forms.MultipleChoiceField(
        label="Calendars",
        required=False,
        help_text="The year's calendars whose school uses the catalog; untick those to leave out.",
    )
    mode = forms.ChoiceField(label="Push Mode", choices=MODE_CHOICES, initial=PUSH, widget=forms.RadioSelect)
    to_sections = forms.BooleanField(
        label="Push locked data to sections",
        required=False,
        help_text="Also push each pushed course's categories, grade calc options, composite grades and advisory "
        "flag on to its sections.",
    )
    data = forms.MultipleChoiceField(
        label="Data to be pushed",
        choices=list(MASTER_PUSH_DATA_LABELS.items()),
        initial=list(MASTER_PUSH_DATA),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only data locked on the course catalog is pushed: each box says whether it is.",
        error_messages={"required": "Tick at least one kind of data to push."},
    )

    def __init__(self, data=None, *, year: SchoolYear | None, master: CourseMaster | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.year_obj = year
        self.master = master
        catalog = master.catalog if master is not None else None
        self.fields["year"].initial = year.name if year else ""
        catalogs = [catalog] if catalog is not None else list(push_tool_catalogs(year=year))
        self.catalogs_by_name = {c.name: c for c in catalogs}
        self.fields["catalog"].choices = [(c.name, c.name) for c in catalogs]
        if catalog is not None:
            self.fields["catalog"].initial = catalog.name
            self.fields["catalog"].widget = forms.HiddenInput()
        elif len(catalogs) != 1:
            self.fields["catalog"].choices = [("", "Choose a catalog")] + self.fields["catalog"].choices
        self.calendar_list = list(push_tool_calendars(year=year, catalog=catalog))
        self.fields["calendars"].widget = CalendarCheckboxes(
            catalog_of={str(c.pk): c.school.catalog.name for c in self.calendar_list}
        )
        # Set after the widget, so that the widget gets them too.
        self.fields["calendars"].choices = [
            (str(c.pk), f"{c.name}" + ("" if catalog else f" ({c.school.catalog.name})")) for c in self.calendar_list
        ]
        self.fields["calendars"].initial = [str(c.pk) for c in self.calendar_list]
        chosen = (self.data.get("catalog") if self.is_bound else "") or (catalogs[0].name if len(catalogs) == 1 else "")
        self.fields["data"].widget = PushDataCheckboxes(catalogs=catalogs, chosen=chosen)
        self.fields["data"].choices = list(MASTER_PUSH_DATA_LABELS.items())
        _schedule_fields(self)
        self.helper = FormHelper()
        self.helper.form_id = "push-masters-form" if master is None else "push-to-courses-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "year",
            Field("catalog", css_class="push-catalog"),
            Field("calendars", wrapper_class="push-calendars"),
            Field("mode", wrapper_class="push-mode"),
            HTML(f'{{% include "{CONSIDERATIONS}" %}}'),
            "to_sections",
            "data",
            _schedule_layout(),
            _buttons(),
        )

    def clean_year(self):
        name = self.cleaned_data["year"]
        if self.year_obj is None or name != self.year_obj.name:
            raise forms.ValidationError(f'No school year "{name}".')
        return name

    def clean(self):
        cleaned = super().clean()
        catalog = self.catalogs_by_name.get(cleaned.get("catalog") or "")
        if catalog is not None:
            mine = [c for c in self.calendar_list if c.school.catalog_id == catalog.pk]
            ticked = set(cleaned.get("calendars") or [])
            chosen = [c for c in mine if str(c.pk) in ticked]
            if not chosen:
                self.add_error("calendars", f"Tick at least one calendar whose school uses {catalog.name}.")
            # All of the catalog's calendars ticked: push to every calendar of the year (R10 default).
            cleaned["calendar_numbers"] = () if len(chosen) == len(mine) else tuple(c.school.number for c in chosen)
        _schedule_clean(self, cleaned)
        return cleaned

    def push_options(self) -> MasterPushOptions:
        cleaned = self.cleaned_data
        return MasterPushOptions(
            year=cleaned["year"],
            catalog=cleaned["catalog"],
            calendars=cleaned["calendar_numbers"],
            master=self.master.number if self.master is not None else None,
            mode=cleaned["mode"],
            to_sections=cleaned["to_sections"],
            data=frozenset(cleaned["data"]),
        )


class MasterYearForm(forms.Form):
    """The year above a master push form: it filters the catalogs and calendars (GET)."""

    year = forms.ModelChoiceField(queryset=SchoolYear.objects.none(), label="Select Year", empty_label=None)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = years
        self.fields["year"].to_field_name = "name"
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "push-year-form"
        self.helper.form_class = "push-year-form"
        self.helper.layout = Layout(
            Row(
                Column(Field("year", css_class="push-year"), css_class="col-8 col-md-4"),
                Column(
                    StrictButton("Show catalogs", type="submit", css_class="btn-outline-secondary push-year-apply"),
                    css_class="col-auto align-self-end mb-3",
                ),
            )
        )


class CoursePushForm(_ActionForm):
    """Push All Courses: every course of the toolbar's calendar to its sections (R19)."""

    data = forms.MultipleChoiceField(
        label="Data to be pushed",
        choices=list(COURSE_PUSH_DATA_LABELS.items()),
        initial=list(COURSE_PUSH_DATA),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one kind of data to push."},
    )
    overwrite_categories = forms.BooleanField(
        label="Overwrite Categories",
        required=False,
        help_text="Replace section-level categories with the course's; teacher categories with assignments are kept.",
    )

    def __init__(self, data=None, *, calendar: Calendar | None, **kwargs):
        super().__init__(data, **kwargs)
        self.calendar = calendar
        _schedule_fields(self)
        self.helper = FormHelper()
        self.helper.form_id = "push-courses-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout("data", "overwrite_categories", _schedule_layout(), _buttons())

    def clean(self):
        cleaned = super().clean()
        if self.calendar is None:
            raise forms.ValidationError(
                "Pick a calendar in the toolbar first: Push All Courses pushes the courses of that calendar."
            )
        _schedule_clean(self, cleaned)
        return cleaned

    def push_options(self) -> CoursePushOptions:
        return CoursePushOptions(
            school=self.calendar.school.number,
            year=self.calendar.year.name,
            data=frozenset(self.cleaned_data["data"]),
            overwrite_categories=self.cleaned_data["overwrite_categories"],
        )


class QueueWindowForm(forms.Form):
    """The Batch Queue List's date window (R43); Refresh re-reads the list."""

    start = forms.DateField(
        label="Jobs scheduled from",
        required=False,
        widget=_date_input(),
        validators=date_validators("The first day"),
    )
    end = forms.DateField(label="to", required=False, widget=_date_input(), validators=date_validators("The last day"))
    # The tool page's own pick (Push All Course Masters' year) survives a Refresh.
    year = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, default_window: tuple[date, date], year: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].initial, self.fields["end"].initial = default_window
        self.fields["year"].initial = year
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "queue-window-form"
        self.helper.form_class = "queue-window-form"
        self.helper.attrs = {"aria-label": "Batch Queue List dates"}
        # The page says what is wrong once, above the form, with the window it shows instead.
        self.helper.form_show_errors = False
        self.helper.layout = Layout(
            "year",
            Row(
                Column("start", css_class="col-6 col-md-auto"),
                Column("end", css_class="col-6 col-md-auto"),
                Column(
                    StrictButton("Refresh", type="submit", css_class="btn-outline-primary"),
                    css_class="col-12 col-md-auto align-self-end mb-3",
                ),
                css_class="g-2",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(
                f"The dates are the wrong way round: {page_date(end)} is before {page_date(start)}."
            )
        return cleaned

    def window(self) -> tuple[date, date]:
        """The dates asked for; a date left empty is the default one (a week either side of today)."""
        start, end = self.fields["start"].initial, self.fields["end"].initial
        if self.is_bound and self.is_valid():
            start = self.cleaned_data["start"] or start
            end = self.cleaned_data["end"] or end
        return start, end


class RescheduleForm(forms.Form):
    run_date = forms.DateField(
        label="New date",
        widget=_date_input(),
        validators=date_validators("The new date"),
        error_messages={"required": "Pick the new date.", "invalid": "Pick the new date."},
    )
    run_time = forms.TimeField(
        label="New time",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"required": "Pick the new time.", "invalid": "Pick the new time."},
    )

    def __init__(self, *args, job: PushJob, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        current = timezone.localtime(job.scheduled_for)
        self.fields["run_date"].initial = current.date()
        self.fields["run_time"].initial = current.time().replace(second=0, microsecond=0)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "reschedule-form"
        self.helper.layout = Layout(
            Row(
                Column("run_date", css_class="col-6 col-md-auto"),
                Column("run_time", css_class="col-6 col-md-auto"),
                Column(
                    StrictButton("Reschedule", type="submit", css_class="btn-outline-primary"),
                    css_class="col-12 col-md-auto align-self-end mb-3",
                ),
                css_class="g-2",
            )
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("run_date") is not None and cleaned.get("run_time") is not None:
            _past_check(self, self.scheduled_for(), "run_time")
        return cleaned

    def scheduled_for(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["run_date"], self.cleaned_data["run_time"]))


class ChangeFilterForm(forms.Form):
    """The change rows of a preview or a job, filtered by school, course, type and change (GET).
    The choices are the values the rows hold (ui_selectors.change_filter_choices)."""

    school = forms.ChoiceField(label="Schools", required=False)
    course = forms.ChoiceField(label="Courses", required=False)
    data_type = forms.ChoiceField(label="Types", required=False)
    change = forms.ChoiceField(label="Changes", required=False)

    def __init__(self, data=None, *, choices: dict[str, list[tuple[str, str]]], **kwargs):
        # Its own ids and labels: the toolbar on the same page has a School select too.
        kwargs.setdefault("auto_id", "changes_%s")
        super().__init__(data, **kwargs)
        everything = {
            "school": "All schools",
            "course": "All courses",
            "data_type": "All types",
            "change": "All changes",
        }
        for name, label in everything.items():
            self.fields[name].choices = [("", label), *choices.get(name, [])]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "change-filter-form"
        self.helper.form_action = "#changes"
        self.helper.attrs = {"aria-label": "Filter the changes"}
        self.helper.layout = Layout(
            Row(
                Column("school", css_class="col-12 col-md-3"),
                Column("course", css_class="col-6 col-md-3"),
                Column("data_type", css_class="col-6 col-md-2"),
                Column("change", css_class="col-6 col-md-2"),
                Column(
                    StrictButton("Filter", type="submit", css_class="btn-outline-primary"),
                    css_class="col-6 col-md-2 align-self-end mb-3",
                ),
                css_class="g-2",
            )
        )

    def filters(self) -> dict[str, str]:
        """The filters asked for that the rows can meet (an unknown value is ignored)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class PreviewRunForm(forms.Form):
    """ "Run this push" on a preview (R71): Run Now, or Submit to Batch at a time, with the same options.
    When the push deletes course or teacher items (R72) it must be confirmed here, and the form names
    the preview it confirms (the page's own job)."""

    action = forms.CharField(required=False)
    confirm = forms.BooleanField(required=False)

    def __init__(self, data=None, *, preview: PushJob, confirm_label: str = "", undo: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        self.preview = preview
        self.needs_confirmation = bool(confirm_label)
        self.undo = undo
        self.fields["confirm"].label = confirm_label
        if self.needs_confirmation:
            self.fields["confirm"].error_messages["required"] = "Tick the box to confirm the deletions first."
            self.fields["confirm"].required = True
        _schedule_fields(self)
        self.helper = FormHelper()
        self.helper.form_id = "preview-run-form"
        self.helper.form_action = reverse_lazy("pushjobs:preview_run", args=[preview.pk])
        self.helper.attrs = {"novalidate": ""}
        parts = []
        if self.needs_confirmation:
            parts.append(Field("confirm", wrapper_class="preview-confirm"))
        if undo:
            parts.append(
                StrictButton("Undo this push", type="submit", name="action", value=RUN_NOW, css_class="btn-danger")
            )
        else:
            parts += [
                _schedule_layout(),
                Div(
                    StrictButton(
                        "Run this push now", type="submit", name="action", value=RUN_NOW, css_class="btn-primary"
                    ),
                    StrictButton(
                        "Submit this push to Batch", type="submit", name="action", value=BATCH, css_class="btn-primary"
                    ),
                    css_class="d-flex flex-wrap gap-2 push-actions",
                ),
            ]
        self.helper.layout = Layout(*parts)

    def clean(self):
        cleaned = super().clean()
        allowed = (RUN_NOW,) if self.undo else (RUN_NOW, BATCH)
        if cleaned.get("action") not in allowed:
            raise forms.ValidationError("Choose Run this push now or Submit this push to Batch.")
        _schedule_clean(self, cleaned)
        return cleaned
