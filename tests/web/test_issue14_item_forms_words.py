"""Issue 14, "Words, not codes", on the item add and edit forms of masters, courses and sections: the
task and standard dropdowns read "Q1G Quarter 1 Grade" (not "task:Q1G — Quarter 1 Grade"), the grade
calc option's calculation is offered by its label, and a composite's children are shown and typed by
code ("Q1G 50"), the reference ("task:Q1G 50") still taken."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

from django.urls import reverse

from coursemasters.models import MasterComposite


def _options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [(v, unescape(t).strip()) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[1])]


def test_words_course_item_form_names_tasks_by_code_and_name(client, district):
    client.force_login(district.district_admin)
    html = client.get(reverse("courses:course_item_add", args=[district.own_course.pk, "grade_calc_options"])).content
    labels = [label for _, label in _options(html.decode(), "item") if label and not label.startswith("-")]
    assert "Q1G Quarter 1 Grade" in labels
    assert not [label for label in labels if ":" in label or "—" in label]


def test_words_grade_calc_option_form_offers_calculations_by_label(client, district):
    client.force_login(district.district_admin)
    html = client.get(reverse("courses:course_item_add", args=[district.own_course.pk, "grade_calc_options"])).content
    assert _options(html.decode(), "calculation") == [
        ("no_calculation", "No calculation"),
        ("in_progress", "In progress"),
        ("proficiency_estimate", "Proficiency estimate"),
    ]


def test_words_composite_form_shows_children_by_code_and_takes_codes_and_references(client, district):
    client.force_login(district.district_admin)
    composite = MasterComposite.objects.filter(master=district.master).first()
    url = reverse("coursemasters:master_item_edit", args=[district.master.pk, "composite_grades", composite.pk])
    page = unescape(client.get(url).content.decode())
    assert "task:" not in page and "standard:" not in page
    refs = [c["item"] for c in composite.children]
    codes = [ref.partition(":")[2] for ref in refs]
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)[1]
    assert textarea.split() == [
        part for code, c in zip(codes, composite.children, strict=True) for part in (code, c["weight"])
    ]

    typed = "\n".join(f"{code} 25" for code in codes[:1]) + "".join(f"\n{ref} 30" for ref in refs[1:])
    assert client.post(url, {"children": typed}).status_code == 302
    composite.refresh_from_db()
    assert [c["item"] for c in composite.children] == refs
    assert Decimal(composite.children[0]["weight"]) == 25


def test_words_composite_form_refuses_an_unknown_code_in_words(client, district):
    client.force_login(district.district_admin)
    composite = MasterComposite.objects.filter(master=district.master).first()
    url = reverse("coursemasters:master_item_edit", args=[district.master.pk, "composite_grades", composite.pk])
    response = client.post(url, {"children": "NOPE 50"})
    assert response.status_code == 400
    assert "no task or standard has the code “NOPE”" in unescape(response.content.decode())
