"""The push tools' page tests stand on the web pages' fixtures: the small hand-made district
(tests/fixtures/district-small.json) with one login per role; Chromium is tests/conftest.py's."""

from __future__ import annotations

import pytest

from tests.web.conftest import (  # noqa: F401  (fixtures, found by name)
    PASSWORD,
    _fast_password_hashing,
    district,
)


@pytest.fixture
def login(client):
    """Sign a user in on the test client; returns the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
