"""Locking a type says first which courses it would desync, and why (issue 14 bug 11, R9)."""

from django.urls import reverse

from catalog.models import CourseCatalog


def _form(catalog: CourseCatalog, *, types, confirm: bool = False) -> dict:
    data = {"attributes": catalog.locked_attributes, "types": types}
    if confirm:
        data["confirm"] = "1"
    return data


def test_locking_categories_names_the_courses_it_would_desync_and_saves_only_when_confirmed(client, district):
    catalog = district.catalog
    CourseCatalog.objects.filter(pk=catalog.pk).update(
        locked_types=[t for t in catalog.locked_types if t != "categories"]
    )
    catalog.refresh_from_db()
    client.force_login(district.district_admin)
    url = reverse("catalog:catalog_locks", args=[catalog.pk])

    # when the district admin ticks Categories and saves
    page = client.post(url, _form(catalog, types=[*catalog.locked_types, "categories"]))

    # then nothing is saved yet, and the page names the course and why it would be desynced
    assert page.status_code == 200
    text = page.content.decode()
    assert "Locking this would desync 2 courses" in text
    assert page.context["lock_warnings"] == [
        "101 North High, 22-23: course ENG9 English 9 "
        "(2 categories changed at the course; a pushed category deleted at the course)",
        "101 North High, 22-23: course MATH1 Algebra 1 (1 category changed at the course)",
    ]
    catalog.refresh_from_db()
    assert "categories" not in catalog.locked_types

    # when they confirm, it is saved
    saved = client.post(url, _form(catalog, types=[*catalog.locked_types, "categories"], confirm=True))
    assert saved.status_code == 302
    catalog.refresh_from_db()
    assert "categories" in catalog.locked_types


def test_locking_a_type_no_course_changed_saves_at_once(client, district):
    catalog = district.catalog
    CourseCatalog.objects.filter(pk=catalog.pk).update(
        locked_types=[t for t in catalog.locked_types if t != "standards"]
    )
    catalog.refresh_from_db()
    client.force_login(district.district_admin)

    saved = client.post(
        reverse("catalog:catalog_locks", args=[catalog.pk]), _form(catalog, types=[*catalog.locked_types, "standards"])
    )

    assert saved.status_code == 302
    catalog.refresh_from_db()
    assert "standards" in catalog.locked_types
