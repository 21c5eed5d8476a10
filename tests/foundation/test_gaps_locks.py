"""Lock edges: contradictory lock changes, concurrent lock changes, unchanged values re-submitted
to a locked item, the parent of a pushed composite, and key changes (R1, R3, R4)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.errors import InputError, LockedError
from catalog.models import AssessmentTest, CourseCatalog
from catalog.services import catalog_locks_set
from catalog.setup_types import SETUP_TYPES_BY_NAME
from coursemasters.services import master_item_create, master_item_update
from courses.models import CourseCategory
from courses.services import course_item_create, course_item_update

from .conftest import unlock


def catalog_locks(catalog):
    return CourseCatalog.objects.values("locked_attributes", "locked_types").get(pk=catalog.pk)


def item_row(setup_type: str, item) -> dict:
    """What a user can see of an item: its state, source and every key and payload value."""
    stype = SETUP_TYPES_BY_NAME[setup_type]
    fresh = type(item).objects.get(pk=item.pk)
    names = stype.key_fields + stype.payload_fields
    row = {name: getattr(fresh, fresh._meta.get_field(name).attname) for name in names}
    return {**row, "state": getattr(fresh, "state", None), "source": getattr(fresh, "source_id", None)}


# ---------------------------------------------------------------------------
# R1: changing the locks
# ---------------------------------------------------------------------------


def test_r1_locking_and_unlocking_one_name_at_once_is_refused(district):
    before = catalog_locks(district["catalog"])
    with pytest.raises(InputError, match="cannot both lock and unlock categories, credits"):
        catalog_locks_set(
            user=district["district_admin"],
            catalog=district["catalog"],
            lock=["credits", "categories", "description"],
            unlock=["categories", "credits"],
        )
    assert catalog_locks(district["catalog"]) == before


@pytest.mark.django_db(transaction=True)
def test_r1_two_lock_changes_at_once_both_take_effect(district):
    # The catalog's row lock makes the second change read the locks after the first one commits;
    # without it, the second writes back what it read before, undoing the first.
    admin, catalog = district["district_admin"], district["catalog"]
    first_done, release_first = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():  # held open: the first change has not committed yet
                catalog_locks_set(user=admin, catalog=catalog, unlock=["categories"])
                first_done.set()
                release_first.wait(10)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            first_done.set()
            connection.close()

    def second():
        try:
            catalog_locks_set(user=admin, catalog=catalog, unlock=["grading_tasks"])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_done.wait(10)
    threads[1].start()
    waiting = 0
    for _ in range(200):  # until the second change waits for the first's lock
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            waiting = cursor.fetchone()[0]
        if waiting:
            break
        time.sleep(0.05)
    release_first.set()
    for t in threads:
        t.join(10)
    assert waiting == 1
    assert errors == []
    locked = catalog_locks(catalog)["locked_types"]
    assert "categories" not in locked and "grading_tasks" not in locked
    assert "assessments" in locked


def test_r5_a_lock_change_that_changes_nothing_writes_nothing(district):
    with CaptureQueriesContext(connection) as queries:
        catalog_locks_set(
            user=district["district_admin"], catalog=district["catalog"], lock=["categories", "credits"], unlock=[]
        )
    assert [q["sql"] for q in queries if q["sql"].startswith("UPDATE")] == []
    assert catalog_locks(district["catalog"])["locked_types"] == district["catalog"].locked_types


# ---------------------------------------------------------------------------
# R3, R4: what counts as an edit of a locked item
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup_type", "values"),
    [
        ("categories", {"name": " Homework ", "weight": "20", "sequence": "1", "drop_lowest": 0, "excluded": False}),
        ("grading_tasks", {"task": "S1", "credit": "0.5", "score_group": "A-F"}),
        ("assessments", {"test": "MAP", "standard": "", "copies_forward": True}),
        ("grade_calc_options", {"item": "task:S1", "term": "Q1", "grading_scale": "A-F", "weight_categories": True}),
        # the master stored "50"; the cleaned value is "50.00": the same weight
        ("composite_grades", {"children": [{"item": "task:Q1G", "weight": "50"}, {"item": "task:Q2G", "weight": 50}]}),
        (
            "composite_grades",
            {
                "parent": "task:S1",
                "children": [{"item": "task:Q1G", "weight": "50.00"}, {"item": "task:Q2G", "weight": "50.0"}],
            },
        ),
    ],
)
def test_r3_resubmitting_a_locked_items_unchanged_values_is_not_an_edit(district, setup_type, values):
    item = district[f"c_{setup_type}"]
    before = item_row(setup_type, item)
    course_item_update(user=district["school_admin"], item=item, values=values)
    assert item_row(setup_type, item) == before
    assert before["state"] == "linked"


def test_r3_a_real_change_among_unchanged_values_is_still_refused(district):
    with pytest.raises(LockedError, match='category "Homework" of course ENG9 comes from course master ENG9'):
        course_item_update(
            user=district["school_admin"], item=district["c_categories"], values={"name": "Homework", "weight": "20.01"}
        )
    item = CourseCategory.objects.get(pk=district["c_categories"].pk)
    assert (item.weight, item.state) == (Decimal("20.00"), "linked")


def test_r4_with_composite_weights_unlocked_the_parent_of_a_pushed_composite_stays_locked(district):
    unlock(district, "composite_weights")
    item = district["c_composite_grades"]
    before = item_row("composite_grades", item)
    for values in (
        {"parent": "standard:ELA.W.1"},
        {
            "parent": "standard:ELA.W.1",
            "children": [{"item": "task:Q1G", "weight": "70"}, {"item": "task:Q2G", "weight": "30"}],
        },
    ):
        with pytest.raises(LockedError, match="composite grades are locked"):
            course_item_update(user=district["school_admin"], item=item, values=values)
    assert item_row("composite_grades", item) == before


# ---------------------------------------------------------------------------
# Key changes, at masters and courses
# ---------------------------------------------------------------------------


def _create(district, level, setup_type, values):
    if level == "master":
        return master_item_create(
            user=district["district_admin"], master=district["master"], setup_type=setup_type, values=values
        )
    return course_item_create(
        user=district["school_admin"], course=district["course"], setup_type=setup_type, values=values
    )


def _update(district, level, item, values):
    user = district["district_admin"] if level == "master" else district["school_admin"]
    updater = master_item_update if level == "master" else course_item_update
    return updater(user=user, item=item, values=values)


OWNER = {"master": "course master ENG9", "course": "course ENG9"}


@pytest.mark.parametrize("level", ["master", "course"])
@pytest.mark.parametrize(
    ("setup_type", "own", "taken", "message"),
    [
        ("categories", {"name": "Labs"}, {"name": " homework "}, 'category "homework"'),
        ("grading_tasks", {"task": "Q1G"}, {"task": "S1"}, "grading task S1"),
        ("assessments", {"test": "MAP2"}, {"test": "MAP"}, "assessment MAP"),
        ("grade_calc_options", {"item": "task:S1", "term": "Q2"}, {"term": "Q1"}, "grade calc option task:S1 Q1"),
        ("composite_grades", {"parent": "task:Q1G"}, {"parent": "task:S1"}, "composite grade task:S1"),
    ],
)
def test_r3_changing_an_items_key_to_a_taken_one_is_refused_with_a_message(
    district, level, setup_type, own, taken, message
):
    AssessmentTest.objects.create(code="MAP2", name="MAP Reading")
    item = _create(district, level, setup_type, own)
    before = item_row(setup_type, item)
    with pytest.raises(InputError, match=f"{OWNER[level]} already has {message}"):
        _update(district, level, item, taken)
    assert item_row(setup_type, item) == before


@pytest.mark.parametrize("level", ["master", "course"])
def test_r3_renaming_a_category_to_a_case_variant_of_its_own_name_is_accepted(district, level):
    item = _create(district, level, "categories", {"name": "Labs", "weight": "10"})
    item = _update(district, level, item, {"name": " LABS "})
    assert type(item).objects.get(pk=item.pk).name == "LABS"
    if level == "course":
        # and a pushed category of an unlocked type, renamed in case only, is the course's own spelling
        unlock(district, "categories")
        pushed = _update(district, level, district["c_categories"], {"name": "HOMEWORK"})
        assert (pushed.name, pushed.state) == ("HOMEWORK", "unlinked")
