"""R13, R19: the engine tells categories apart exactly as the database's unique index does (their
names trimmed, ignoring case), letter for letter: where the two disagree, a push plans a new
category beside one the index calls the same, and the course fails on the index."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection

from catalog.setup_types import category_name_key
from pushjobs.engine import FAILED_ERROR, RENAMED_LOCAL_ITEM

from .conftest import category, course, exported, load, master, master_push, rows, states

pytestmark = pytest.mark.django_db

# Every letter that has a lower case, and words where Python's lower() of the whole word is not
# PostgreSQL's: a dotted capital I, and a final sigma.
LETTERS = [
    chr(i) for i in range(0x20, 0x30000) if unicodedata.category(chr(i)).startswith("L") and chr(i).lower() != chr(i)
]
WORDS = ["İnternship", "Ödev İşleri", "ΟΔΟΣ", "Straße", "ǅemal", "  Homework  "]


def test_r13_the_category_key_is_the_indexes_for_every_letter():
    names = [f"{letter}x" for letter in LETTERS] + WORDS
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, lower(trim(name)) FROM unnest(%s::text[]) AS name", [names])
        index = dict(cursor.fetchall())
    assert len(index) == len(names) > 1000
    assert {name: category_name_key(name) for name in names} == index


def test_r13_a_local_category_named_as_the_masters_but_for_a_dotted_capital_i_is_renamed(district):
    master(district)["categories"].append(category("Internship", "0.00", 3))
    course(district)["categories"] = [category("İNTERNSHIP", "3.00", state="local")]
    load(district)

    outcome = master_push(mode="push")

    assert rows(outcome, FAILED_ERROR) == []
    assert states(course(exported())["categories"])["İNTERNSHIP (1)"] == "local"
    assert states(course(exported())["categories"])["Internship"] == "linked"
    assert [r.detail for r in rows(outcome, RENAMED_LOCAL_ITEM)] == [
        'renamed to "İNTERNSHIP (1)": the master pushes a category with this name'
    ]
