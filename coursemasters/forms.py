"""Forms of the course master pages that are not the shared item/attribute forms (catalog.forms)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from catalog.models import CourseCatalog
from catalog.setup_types import MASTER_PUSH_DATA_LABELS

from .copy import COPY_DATA
from .models import CourseMaster


class CourseMasterCopyForm(forms.Form):
    """Copy Course Master (R60): where to, under which number and name, with which setup."""

    to_catalog = forms.ModelChoiceField(
        queryset=CourseCatalog.objects.all(), label="Copy into catalog", empty_label=None
    )
    new_number = forms.CharField(label="New course master number", max_length=255)
    new_name = forms.CharField(label="New name", max_length=30, help_text="At most 30 characters.")
    data = forms.MultipleChoiceField(
        label="Grading setup to copy",
        choices=[(name, MASTER_PUSH_DATA_LABELS[name]) for name in COPY_DATA],
        initial=list(COPY_DATA),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Course master info (attributes) is always copied. Copying grade calc options requires copying "
        "grading tasks/standards too.",
    )

    def __init__(self, *args, master: CourseMaster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_catalog"].initial = master.catalog_id
        self.fields["new_name"].initial = master.name
        self.helper = FormHelper()
        self.helper.form_id = "copy-course-master-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("copy", "Copy Course Master"))

    def clean(self):
        cleaned = super().clean()
        data = set(cleaned.get("data") or [])
        if "grade_calc_options" in data and "grading_tasks_standards" not in data:
            self.add_error("data", "Copying grade calc options requires copying grading tasks/standards too.")
        return cleaned
