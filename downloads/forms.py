from __future__ import annotations

from django import forms

from .models import PreparedDownload

SCOPE_FIELDS = ("job", "kind", "pk", "query")


class PrepareForm(forms.Form):
    """What a page's "prepare" form posts (catalog.large_downloads.xlsx_prepare_fields)."""

    what = forms.ChoiceField(choices=PreparedDownload.WHAT_CHOICES)
    job = forms.CharField(required=False, max_length=20)
    kind = forms.CharField(required=False, max_length=40)
    pk = forms.CharField(required=False, max_length=20)
    query = forms.CharField(required=False, max_length=2000)

    def scope(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in SCOPE_FIELDS if self.cleaned_data[name]}
