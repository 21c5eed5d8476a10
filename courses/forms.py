"""Forms of the course pages (item and attribute forms come from catalog.forms)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from catalog.forms import StyledSubmit
from catalog.setup_types import COURSE_PUSH_DATA, COURSE_PUSH_DATA_LABELS

from .page_selectors import course_link_choices


def master_choice_text(master) -> str:
    return f"{master.number} {master.name}"


class CourseLinkForm(forms.Form):
    """Link the course to a master of its school's catalog, or unlink it (R7). A catalog holds
    hundreds of masters, so the master is typed and picked from suggestions (a datalist: no
    script), by number or name, rather than scrolled for in a list."""

    master = forms.CharField(
        required=False,
        label="Course master",
        max_length=300,
        help_text="Type a number or a name and pick from the list; leave empty to unlink. Linking changes no item: "
        "what the master has awaits the next push. Unlinking makes the course's linked and unlinked items local.",
        widget=forms.TextInput(attrs={"list": "master-options", "autocomplete": "off"}),
    )

    def __init__(self, *args, course, **kwargs):
        kwargs.setdefault("initial", {"master": master_choice_text(course.master) if course.master_id else ""})
        super().__init__(*args, **kwargs)
        self.masters = course_link_choices(course=course)
        self.helper = FormHelper()
        self.helper.form_id = "course-link-form"
        self.helper.add_input(Submit("save", "Save link"))

    def options(self) -> list[str]:
        return [master_choice_text(m) for m in self.masters]

    def clean_master(self):
        text = self.cleaned_data["master"].strip()
        if not text:
            return None
        # "ENG9 English 9" as suggested, or the number alone.
        number = text.split(" ", 1)[0]
        master = self.masters.filter(number=number).first()
        if master is None:
            raise forms.ValidationError(f'No course master "{number}" in this catalog: pick one from the list.')
        return master


class IgnoreMasterPushForm(forms.Form):
    """The Ignore Master Push switch (R11), one button that turns it over."""

    ignore = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, course, form_action: str, **kwargs):
        kwargs.setdefault("initial", {"ignore": not course.ignore_master_push})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = form_action
        self.helper.form_id = "ignore-master-push-form"
        self.helper.form_class = "d-inline"
        label = "Turn off Ignore Master Push" if course.ignore_master_push else "Turn on Ignore Master Push"
        self.helper.add_input(StyledSubmit("toggle", label, css_class="btn-sm btn-outline-secondary"))


class PushToSectionsForm(forms.Form):
    """Push to Sections for one course, confirmed: it can change students' grade calculations."""

    data = forms.MultipleChoiceField(
        label="Data to be pushed",
        choices=list(COURSE_PUSH_DATA_LABELS.items()),
        initial=list(COURSE_PUSH_DATA),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one kind of data to push."},
    )
    overwrite_categories = forms.BooleanField(
        required=False,
        label="Overwrite Categories",
        help_text="Replace the sections' own categories with the course's; categories with assignments are kept "
        "(as residual).",
    )
    confirm = forms.BooleanField(
        required=True,
        label="I understand and wish to continue",
        error_messages={"required": "Tick “I understand and wish to continue” to push."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "push-to-sections-form"
        # The page's own message explains a missing confirmation better than the browser's.
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(StyledSubmit("push", "Push to Sections", css_class="btn-warning"))
