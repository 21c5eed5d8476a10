"""The API's tests stand on the batch queue's small district (tests/batch/conftest.py: a catalog
with categories locked, a master with two categories, courses in North and South High linked to
it, a middle school on another catalog) and call the API as a district integration would: with a
token made by the token service, through Django's test client."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from api.tokens import api_token_create
from catalog.models import User
from sections.models import Section
from tests.batch.conftest import district_build

BASE = "/api/v1"


@dataclass
class ApiClient:
    """The test client with one user's bearer token on every call."""

    client: Client
    token: str

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, **params):
        # a page's next link is absolute: http://testserver/api/v1/...
        url = path.split("://", 1)[1].partition("/")[2] if "://" in path else path
        url = "/" + url if "://" in path else (path if path.startswith(BASE) else BASE + path)
        return self.client.get(url, params or None, headers=self._headers(None))

    def post(self, path: str, body: dict | None = None, *, headers: dict | None = None):
        return self.client.post(
            BASE + path, json.dumps(body or {}), content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body: dict):
        return self.client.patch(
            BASE + path, json.dumps(body), content_type="application/json", headers=self._headers(None)
        )

    def delete(self, path: str):
        return self.client.delete(BASE + path, headers=self._headers(None))


def api_as(user: User) -> ApiClient:
    _row, token = api_token_create(user=user, name=f"tests for {user.username}")
    return ApiClient(client=Client(), token=token)


def district_with_two_teachers():
    d = district_build()
    d.other_teacher = User.objects.create(username="rroe", role=User.TEACHER)
    d.other_section = Section.objects.create(course=d.courses[0], number="2", teacher=d.other_teacher)
    d.own_section = Section.objects.get(course=d.courses[0], number="1")
    d.north_course, d.south_course = d.courses[0], next(c for c in d.courses if c.calendar.school == d.south)
    return d


@pytest.fixture
def d(db):
    return district_with_two_teachers()


@pytest.fixture
def as_district_admin(d):
    return api_as(d.district_admin)


@pytest.fixture
def as_school_admin(d):
    return api_as(d.school_admin)


@pytest.fixture
def as_teacher(d):
    return api_as(d.teacher)


def errors_of(response) -> list[dict]:
    return response.json()["errors"]
