"""R94 token authentication: a user makes a token on their API tokens page (reached from the user
menu), sees it once, the database holds only its SHA-256; the token opens the API with its
owner's rights; revoked, it gets a 401 that names the Authorization header."""

from __future__ import annotations

import hashlib
import re

from api.models import ApiToken

from .conftest import BASE, errors_of


def test_r94_token_made_on_the_page_is_shown_once_stored_hashed_and_revoked(client, d):
    # given a signed-in district admin on the page the user menu links to
    client.force_login(d.district_admin)
    home = client.get("/")
    assert 'href="/account/api-tokens/"' in home.content.decode()
    # when they make a token
    made = client.post("/account/api-tokens/", {"name": "Nightly SIS sync"}, follow=True)
    assert made.status_code == 200 and made.redirect_chain == [("/account/api-tokens/", 302)]
    token = re.search(r'id="new-token-value"[^>]*value="([^"]+)"', made.content.decode()).group(1)
    row = ApiToken.objects.get(user=d.district_admin)
    # then only its hash is stored, and the page never shows it again
    assert row.name == "Nightly SIS sync" and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.values().get())
    assert token not in client.get("/account/api-tokens/").content.decode()
    assert token not in str(dict(client.session))
    # and it opens the API (and records when it was used)
    headers = {"Authorization": f"Bearer {token}"}
    client.logout()
    assert client.get(f"{BASE}/catalogs", headers=headers).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    # when it is revoked
    client.force_login(d.district_admin)
    client.post(f"/account/api-tokens/{row.pk}/revoke/")
    client.logout()
    # then it no longer works
    refused = client.get(f"{BASE}/catalogs", headers=headers)
    assert refused.status_code == 401
    assert errors_of(refused)[0]["field"] == "Authorization"


def test_r94_no_token_is_401_not_the_sign_in_page(client, d):
    response = client.get(f"{BASE}/jobs")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert client.get(f"{BASE}/jobs", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_r94_a_user_revokes_only_their_own_tokens(client, d, as_school_admin):
    theirs = ApiToken.objects.get(user=d.school_admin)
    client.force_login(d.district_admin)
    client.post(f"/account/api-tokens/{theirs.pk}/revoke/")
    assert as_school_admin.get("/courses").status_code == 200


def test_r94_rate_limit_per_token_answers_429_with_retry_after(settings, as_district_admin, as_school_admin):
    settings.API_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert as_district_admin.get("/catalogs").status_code == 200
    refused = as_district_admin.get("/catalogs")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "too many requests" in errors_of(refused)[0]["message"]
    # another token has its own count
    assert as_school_admin.get("/courses").status_code == 200


def test_r94_the_session_works_for_the_docs_but_its_posts_need_the_csrf_token(d):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(d.district_admin)
    assert browser.get(f"{BASE}/catalogs").status_code == 200
    refused = browser.post(f"{BASE}/notifications/read-all")
    assert refused.status_code in (401, 403)
    browser.get("/account/api-tokens/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    assert browser.post(f"{BASE}/notifications/read-all", headers={"X-CSRFToken": token}).status_code == 200
