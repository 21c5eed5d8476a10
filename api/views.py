"""The API tokens page (R94): a user makes tokens for the systems that call the API on their
behalf, sees each once when it is made, and revokes them. Reached from the user menu."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.errors import InputError

from .tokens import NAME_MAX, api_token_create, api_token_revoke, api_tokens_of


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=NAME_MAX,
        help_text="What will use it, e.g. “Nightly SIS sync”. A token acts with your rights.",
    )


def _page(request, form: TokenForm, *, new_token: str = "", status: int = 200):
    context = {
        "form": form,
        "tokens": api_tokens_of(user=request.user),
        "new_token": new_token,
        "docs_url": reverse("api-v1:openapi-view"),
        "openapi_url": reverse("api-v1:openapi-json"),
    }
    return render(request, "api/tokens.html", context, status=status)


# The new token waits here between the POST that made it and the page that shows it, once.
NEW_TOKEN_KEY = "api_new_token"


def api_tokens_view(request):
    if request.method != "POST":
        return _page(request, TokenForm(), new_token=request.session.pop(NEW_TOKEN_KEY, ""))
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        row, token = api_token_create(user=request.user, name=form.cleaned_data["name"])
    except InputError as error:
        form.add_error("name", str(error))
        return _page(request, form, status=400)
    # Shown on the next page only (a reload makes no second token): the database keeps its hash.
    request.session[NEW_TOKEN_KEY] = token
    return redirect("api:api_tokens")


@require_POST
def api_token_revoke_view(request, pk: int):
    try:
        row = api_token_revoke(user=request.user, token_id=pk)
    except InputError as error:
        messages.error(request, f"Not revoked: {error}.")
    else:
        messages.success(request, f"Token “{row.name}” revoked: it no longer works.")
    return redirect("api:api_tokens")
