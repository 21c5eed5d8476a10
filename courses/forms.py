"""Forms of the course pages (item and attribute forms come from catalog.forms)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from catalog.forms import StyledSubmit
from catalog.setup_types import COURSE_PUSH_DATA, COURSE_PUSH_DATA_LABELS

from .page_selectors import course_link_choices


class MasterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.name}"


class CourseLinkForm(forms.Form):
    """Link the course to a master of its school's catalog, or unlink it (R7)."""

    master = MasterChoiceField(
        queryset=None,
        required=False,
        empty_label="(not linked)",
        label="Course master",
        help_text="Linking changes no item: what the master has awaits the next push. Unlinking makes the course's "
        "linked and unlinked items local.",
    )

    def __init__(self, *args, course, **kwargs):
        kwargs.setdefault("initial", {"master": course.master_id})
        super().__init__(*args, **kwargs)
        self.fields["master"].queryset = course_link_choices(course=course)
        self.helper = FormHelper()
        self.helper.form_id = "course-link-form"
        self.helper.add_input(Submit("save", "Save link"))


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
