"""Web page fixtures: the small hand-made district (exchange format), its users signing in
with tests.conftest.PASSWORD (Chromium, for browser tests, is tests/conftest.py's)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "district-small.json"


@dataclass
class District:
    """Handles on the records the web tests talk about (natural keys from district-small.json)."""

    district_admin: object
    school_admin: object  # principal of 101 and 102
    teacher: object  # jdoe: ENG9-1 at 101
    other_teacher: object  # msmith: ENG9-2 at 101, SCI7-1 at 201
    own_course: object  # 101 22-23 ENG9, linked to master ENG9
    other_school_course: object  # 201 22-23 SCI7
    own_section: object  # ENG9-1, jdoe's
    other_section: object  # ENG9-2, msmith's
    catalog: object
    master: object


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district(db) -> District:
    from catalog.models import CourseCatalog, User
    from coursemasters.models import CourseMaster
    from courses.models import Course
    from exchange.district import district_import
    from sections.models import Section

    district_import(json.loads(FIXTURE.read_text()))
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    def course(school: str, number: str, year: str = "22-23") -> Course:
        return Course.objects.get(calendar__school__number=school, calendar__year__name=year, number=number)

    eng9 = course("101", "ENG9")
    return District(
        district_admin=User.objects.get(username="admin1"),
        school_admin=User.objects.get(username="principal"),
        teacher=User.objects.get(username="jdoe"),
        other_teacher=User.objects.get(username="msmith"),
        own_course=eng9,
        other_school_course=course("201", "SCI7"),
        own_section=Section.objects.get(course=eng9, number="1"),
        other_section=Section.objects.get(course=eng9, number="2"),
        catalog=CourseCatalog.objects.get(name="High School Catalog"),
        master=CourseMaster.objects.get(catalog__name="High School Catalog", number="ENG9"),
    )
