"""R81 shown: the ``grades`` command's CSV (cli.md) and the Grades table on the teacher's section page."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from catalog.models import User
from sections.models import Section
from tests.engine.conftest import load

from .test_r81_grades import HW, doc, one, opt


def _district():
    document = doc(HW, [opt(), opt(item="task:Q2G", term="Q2", scale="plain")], one([("10", "9")]))
    document["sections"][0]["assignments"].append(
        {
            "name": "Essay",
            "category": "Homework",
            "items": ["task:Q2G"],
            "term": "Q2",
            "points": "20",
            "scores": [{"student": "s2", "score": "15", "comment": ""}],
        }
    )
    document["sections"][0]["teacher"] = "jdoe"
    document["sections"].append({"course": {"school": "101", "year": "22-23", "number": "ENG9"}, "number": "2"})
    document["users"] = [{"username": "jdoe", "role": "teacher", "schools": ["101"]}]
    load(document)


def grades_csv(**options) -> str:
    out = io.StringIO()
    call_command("grades", stdout=out, **options)
    return out.getvalue()


def test_r81_grades_command_prints_csv(db):
    _district()
    text = grades_csv(school="101", year="22-23", course="ENG9")
    assert text.splitlines() == [
        "school,calendar,course,section,student,item,term,percent,letter",
        "101 North High,22-23,ENG9,1,s1,task:Q1G,Q1,90.00,A",
        "101 North High,22-23,ENG9,1,s2,task:Q2G,Q2,75.00,",
    ]


def test_r81_grades_command_one_section_one_student(db):
    _district()
    assert grades_csv(school="101", year="22-23", course="ENG9", section="1", student="s2").splitlines()[1:] == [
        "101 North High,22-23,ENG9,1,s2,task:Q2G,Q2,75.00,"
    ]
    assert grades_csv(school="101", year="22-23", course="ENG9", section="2").splitlines()[1:] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"school": "999", "year": "22-23", "course": "ENG9"}, 'no school numbered "999"'),
        ({"school": "101", "year": "99-00", "course": "ENG9"}, 'no school year "99-00"'),
        ({"school": "101", "year": "22-23", "course": "NOPE"}, 'no course "NOPE"'),
        ({"school": "101", "year": "22-23", "course": "ENG9", "section": "9"}, 'no section "9"'),
    ],
)
def test_r81_r32_grades_command_bad_input_exits_2(db, options, message):
    _district()
    with pytest.raises(CommandError) as raised:
        grades_csv(**options)
    assert raised.value.returncode == 2
    assert message in str(raised.value)


def test_r81_section_page_shows_each_students_grade(db, client):
    _district()
    client.force_login(User.objects.get(username="jdoe"))
    section = Section.objects.get(number="1")
    page = client.get(reverse("sections:section_detail", args=[section.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    table = html[html.index('id="grades-table"') :]
    table = table[: table.index("</table>")]
    assert (
        '<th scope="row">s1</th><td data-label="Task or standard">Q1G Q1G</td><td data-label="Term">Q1</td>'
        '<td data-label="Percent">90.00</td><td data-label="Letter">A</td>'
    ) in table
    assert (
        '<th scope="row">s2</th><td data-label="Task or standard">Q2G Q2G</td><td data-label="Term">Q2</td>'
        '<td data-label="Percent">75.00</td><td data-label="Letter">—</td>'
    ) in table
