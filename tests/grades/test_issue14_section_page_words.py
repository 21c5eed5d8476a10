"""Issue 14, "Words, not codes", on the teacher's section page: the Grades table, the assignments'
lines and the posted grades name each task by code and name ("Q1G Quarter 1 Grade"), never by its
internal reference ("task:Q1G")."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from catalog.models import User
from sections.models import Section
from tests.engine.conftest import load

from .test_r81_grades import HW, doc, one, opt


def _section_page_text(client) -> tuple[str, str]:
    document = doc(HW, [opt(), opt(item="task:Q2G", term="Q2", scale="plain")], one([("10", "9")]))
    document["grading_tasks"] = [
        {"code": "S1", "name": "Semester 1"},
        {"code": "Q1G", "name": "Quarter 1 Grade"},
        {"code": "Q2G", "name": "Quarter 2 Grade"},
        {"code": "Q3G", "name": "Quarter 3 Grade"},
    ]
    document["sections"][0]["teacher"] = "jdoe"
    document["sections"][0]["posted_grades"] = [
        {"item": "task:Q1G", "term": "Q1", "student": "s1", "grade": "A", "comment": ""}
    ]
    document["users"] = [{"username": "jdoe", "role": "teacher", "schools": ["101"]}]
    load(document)
    client.force_login(User.objects.get(username="jdoe"))
    page = client.get(reverse("sections:section_detail", args=[Section.objects.get(number="1").pk]))
    assert page.status_code == 200
    html = page.content.decode()
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    return html, text


def test_words_section_grades_table_names_the_task_by_code_and_name(db, client):
    html, _ = _section_page_text(client)
    table = html[html.index('id="grades-table"') :]
    table = table[: table.index("</table>")]
    assert '<td data-label="Task or standard">Q1G Quarter 1 Grade</td>' in table
    assert "task:" not in table


def test_words_section_assignments_and_posted_grades_name_tasks_by_code_and_name(db, client):
    _, text = _section_page_text(client)
    assert "Category Homework · Q1G Quarter 1 Grade · term Q1" in text
    posted = text[text.index("Posted grades") :]
    assert "Q1G Quarter 1 Grade Q1 s1 A" in posted
    assert "task:Q1G" not in text
    assert "task:Q2G" not in text
