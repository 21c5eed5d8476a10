"""History tests stand on the web pages' fixtures: the small hand-made district
(tests/fixtures/district-small.json) with one login per role; Chromium is tests/conftest.py's."""

from __future__ import annotations

from tests.web.conftest import (  # noqa: F401  (fixtures, found by name)
    PASSWORD,
    _fast_password_hashing,
    district,
)
