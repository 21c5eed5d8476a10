"""Forms of the Import page: the upload (validated into ImportOptions) and the OneRoster export."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Field, Layout, Row, Submit
from django import forms
from django.urls import reverse

from catalog.forms import StyledSubmit
from catalog.models import CourseCatalog, School, SchoolYear

from .imports import ImportOptions, upload_max_bytes
from .models import ImportJob

# A ZIP starts with a local file header (or, empty, with the end of its directory).
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class ImportForm(forms.Form):
    format = forms.ChoiceField(
        label="What the file is",
        choices=[
            (ImportJob.ONEROSTER, "OneRoster 1.1 or 1.2 package (a ZIP of CSV files with manifest.csv)"),
            (ImportJob.EDFI, "Ed-Fi 5.x interchange files (a ZIP of XML files)"),
        ],
        initial=ImportJob.ONEROSTER,
        widget=forms.RadioSelect,
    )
    package = forms.FileField(label="File (ZIP)", widget=forms.ClearableFileInput(attrs={"accept": ".zip"}))
    catalog = forms.ModelChoiceField(
        label="Course catalog",
        queryset=CourseCatalog.objects.none(),
        to_field_name="name",
        required=False,
        empty_label="(a new catalog)",
        help_text="District courses become course masters of this catalog; schools without a catalog get it.",
    )
    new_catalog = forms.CharField(label="New catalog's name", max_length=255, required=False)
    delta = forms.BooleanField(
        label="Delta package: only the changes since the last one (OneRoster)",
        required=False,
        help_text="Its rows carry a status and a time; rows marked to be deleted delete what they name.",
    )
    create_masters = forms.BooleanField(
        label="Create masters from these courses (Ed-Fi)",
        required=False,
        help_text="Courses a school defines, with no district course, also become course masters.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["catalog"].queryset = CourseCatalog.objects.order_by("name")
        limit_mb = upload_max_bytes() // 2**20
        self.fields["package"].help_text = f"Up to {limit_mb} MB. Nothing is changed until you apply it."
        self.helper = FormHelper()
        self.helper.form_id = "import-form"
        self.helper.form_action = reverse("interop:import")
        self.helper.attrs = {"aria-label": "Upload a file to import"}
        self.helper.layout = Layout(
            "format",
            "package",
            Row(Column("catalog", css_class="col-12 col-md-6"), Column("new_catalog", css_class="col-12 col-md-6")),
            Div(Field("delta"), css_class="import-oneroster-only"),
            Div(Field("create_masters"), css_class="import-edfi-only"),
            Submit("check", "Check the file"),
        )

    def clean_package(self):
        upload = self.cleaned_data["package"]
        if upload.size > upload_max_bytes():
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.0f} MB; the Import page takes files up to "
                f"{upload_max_bytes() // 2**20} MB. Import larger packages with the import commands."
            )
        head = upload.read(4)
        upload.seek(0)
        if head not in ZIP_MAGIC:
            raise forms.ValidationError("This is not a ZIP file. Upload the package as one ZIP file.")
        return upload

    def clean(self):
        cleaned = super().clean()
        catalog, new = cleaned.get("catalog"), (cleaned.get("new_catalog") or "").strip()
        if catalog is not None and new:
            self.add_error("new_catalog", "Pick a catalog or name a new one, not both.")
        elif catalog is None and not new:
            self.add_error("catalog", "Pick the catalog district courses belong to, or name a new one.")
        elif new and CourseCatalog.objects.filter(name__iexact=new).exists():
            self.add_error("new_catalog", f'A catalog "{new}" exists already: pick it in the list.')
        return cleaned

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        catalog = data["catalog"].name if data.get("catalog") else data["new_catalog"].strip()
        return ImportOptions(
            format=data["format"], catalog=catalog, delta=data["delta"], create_masters=data["create_masters"]
        )


class ExportForm(forms.Form):
    year = forms.ModelChoiceField(
        label="School year", queryset=SchoolYear.objects.none(), to_field_name="name", empty_label=None
    )
    school = forms.ModelChoiceField(
        label="School",
        queryset=School.objects.none(),
        to_field_name="number",
        required=False,
        empty_label="(every school)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].queryset = SchoolYear.objects.order_by("-start", "name")
        self.fields["school"].queryset = School.objects.order_by("number")
        self.fields["school"].label_from_instance = lambda s: f"{s.number} {s.name}"
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "export-form"
        self.helper.form_action = reverse("interop:export_oneroster")
        self.helper.attrs = {"aria-label": "Export a OneRoster package"}
        self.helper.layout = Layout(
            Row(Column("year", css_class="col-12 col-md-4"), Column("school", css_class="col-12 col-md-8")),
            StyledSubmit("download", "Download OneRoster 1.2 (ZIP)", css_class="btn-outline-primary"),
        )
