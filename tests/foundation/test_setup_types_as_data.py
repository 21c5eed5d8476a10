"""Setup types are data (issue 10): what the tools list, the lock settings offer, the pages call
a type and how a key reads all come from the specs, so a new spec is picked up without editing
the lists. An eighth type, built in memory, shows it."""

from types import SimpleNamespace

from catalog.setup_types import (
    COURSE,
    COURSE_PUSH_DATA,
    MASTER,
    MASTER_PUSH_DATA,
    SECTION,
    SETUP_LOCKS,
    SETUP_TYPES,
    SetupType,
    tool_lists,
)

RUBRICS = SetupType(
    name="rubrics",
    label="rubric",
    lock="rubrics",
    master_data="rubrics",
    course_data="rubrics",
    key_fields=("name",),
    payload_fields=("weight",),
    levels=(MASTER, COURSE, SECTION),
    title="Rubrics",
    master_data_label="Rubrics",
    course_data_label="Rubrics and Levels",
    tool_position=4,
    course_tool_position=2,
    key_format='"{name}"',
)


def test_an_eighth_spec_reaches_the_lock_list_and_both_tools_in_its_place():
    lists = tool_lists((*SETUP_TYPES, RUBRICS))

    assert lists.locks[lists.locks.index("composite_weights") + 1] == "rubrics"
    assert lists.lock_titles["rubrics"] == "Rubrics"
    master = list(lists.master_data_labels)
    assert master[master.index("composite_grades") + 1] == "rubrics"
    assert lists.master_data_labels["rubrics"] == "Rubrics"
    assert list(lists.course_data_labels)[:3] == ["categories", "grade_calc_options", "rubrics"]
    assert lists.course_data_labels["rubrics"] == "Rubrics and Levels"
    assert list(lists.course_data_labels)[-1] == "advisory"


def test_the_lists_of_today_are_the_seeds_in_the_seeds_order():
    assert SETUP_LOCKS == (
        "grading_tasks",
        "standards",
        "grade_calc_options",
        "composite_grades",
        "composite_weights",
        "categories",
        "assessments",
    )
    assert MASTER_PUSH_DATA == (
        "course_info",
        "grading_tasks_standards",
        "grade_calc_options",
        "composite_grades",
        "categories",
        "assessments",
    )
    assert COURSE_PUSH_DATA == ("categories", "grade_calc_options", "composite_grades", "advisory")


def test_a_key_reads_as_its_spec_says():
    assert RUBRICS.key_text(SimpleNamespace(name="Essay")) == '"Essay"'
    by_name = {t.name: t for t in SETUP_TYPES}
    item = SimpleNamespace(ref="task:Q1G", code="Q1G")
    assert by_name["grade_calc_options"].key_text(SimpleNamespace(item=item, term="Q1")) == "task:Q1G Q1"
    assert by_name["grading_tasks"].key_text(SimpleNamespace(item=item)) == "Q1G"
    assert by_name["categories"].key_text(SimpleNamespace(name="Homework")) == '"Homework"'


def test_every_spec_has_its_words_and_a_model_at_each_of_its_levels():
    for t in SETUP_TYPES:
        assert t.title and t.master_data_label and t.key_format, t.name
        assert (t.course_data is None) == (t.course_data_label is None), t.name
        for level in t.levels:
            assert (
                t.model(level)._meta.app_label
                == {MASTER: "coursemasters", COURSE: "courses", SECTION: "sections"}[level]
            )
