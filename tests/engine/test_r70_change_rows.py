"""R70: the change rows a push gives name where each change was made."""

from sections.models import Section

from .conftest import by_key, master, master_item_remove, master_push, pushed, reload


def test_r70_each_section_change_names_its_section_and_teacher(district):
    # given a district in sync, whose master then changes one category and removes the other
    doc = pushed(district)
    by_key(master(doc)["categories"])["Homework"]["weight"] = "25.00"
    master_item_remove(doc, "categories", "Tests")
    reload(doc)

    # when the push reaches the sections
    outcome = master_push(to_sections=True)

    # then each change is named at its course, and at its section with the section's teacher
    section = Section.objects.get(number="1")
    named = {(c.level, c.section, c.section_pk, c.teacher, c.teacher_pk, c.item, c.change) for c in outcome.changes}
    assert named == {
        ("course", "", None, "", None, "Homework", "updated"),
        ("course", "", None, "", None, "Tests", "removed"),
        ("section", "1", section.pk, "jdoe", section.teacher_id, "Homework", "updated"),
        ("section", "1", section.pk, "jdoe", section.teacher_id, "Tests", "removed"),
    }
