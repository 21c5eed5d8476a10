"""R94: the OpenAPI 3.1 document at /api/v1/openapi.json is generated from the code, is a valid
OpenAPI document, and lists every route the API serves; the browsable docs load under the site's
Content-Security-Policy from our own origin."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import URLResolver, get_resolver
from openapi_spec_validator import validate


def _api_routes() -> set[str]:
    """Every route under api/v1/, as an OpenAPI path (``/api/v1/jobs/{job_id}``)."""
    found = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "api/v1/":
            for pattern in entry.url_patterns:
                route = "/api/v1/" + str(pattern.pattern)
                found.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    return found


def test_r94_openapi_document_is_valid_3_1_and_lists_every_route(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    # The root (a name to reverse) and the document and docs themselves are not operations.
    routes = _api_routes() - {"/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"}
    assert len(routes) > 25
    assert routes == set(document["paths"])
    # Every operation says what its refusals look like: the one error body.
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert "403" in operation["responses"], (method, path)
            assert operation["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_r94_docs_page_loads_its_assets_from_our_origin_under_the_csp(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html and "/static/ninja/" in html
    assert "https://" not in html  # nothing from a CDN: the CSP allows our own origin only
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # served by the site's own static files (collectstatic finds them in the library's app)
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui-init.js")


def _documented_calls() -> set[tuple[str, str]]:
    """Every call docs/api.md's examples and seed script make: (method, OpenAPI path)."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    calls = set()
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            for url in re.findall(r'\$GP(/[^"?\s]*)', line):
                sent = re.search(r"-X (POST|PATCH|DELETE)", line)
                method = sent.group(1).lower() if sent else "get"
                calls.add((method, "/api/v1" + re.sub(r"\$\w+", "1", url)))
    return calls


def test_r94_every_call_in_docs_api_md_is_an_operation_of_the_document(client, db):
    document = client.get("/api/v1/openapi.json").json()
    # each path as a pattern: a {parameter} is one segment, or the part of one before a dot
    operations = [
        (method, re.compile(re.sub(r"\\\{\w+\\\}", r"[^/.]+", re.escape(path)) + "$"))
        for path, methods in document["paths"].items()
        for method in methods
    ]
    calls = _documented_calls()
    assert len(calls) >= 15
    unknown = [call for call in calls if not any(m == call[0] and p.match(call[1]) for m, p in operations)]
    assert unknown == []
