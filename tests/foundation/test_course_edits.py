"""Course edits that are not about locks: bad input names the problem and changes nothing (R32)."""

import pytest

from catalog.errors import InputError
from courses.models import Course, CourseGradeCalcOption
from courses.services import course_attributes_update, course_item_create


def test_r32_grade_calc_option_term_must_be_a_term_of_the_courses_calendar(district):
    with pytest.raises(InputError, match='term "S1" is not a term of calendar 22-23 North High'):
        course_item_create(
            user=district["school_admin"],
            course=district["course"],
            setup_type="grade_calc_options",
            values={"item": "task:Q1G", "term": "S1"},
        )
    item = course_item_create(
        user=district["school_admin"],
        course=district["course"],
        setup_type="grade_calc_options",
        values={"item": district["q1"], "term": "Q1", "calculation": "no_calculation"},
    )
    assert CourseGradeCalcOption.objects.get(pk=item.pk).state == "local"


def test_r32_course_number_must_stay_unique_in_its_calendar(district):
    other = Course.objects.create(calendar=district["calendar"], number="ART1", name="Art 1")
    with pytest.raises(InputError, match='already has a course numbered "ENG9"'):
        course_attributes_update(user=district["school_admin"], course=other, values={"number": "ENG9"})
    assert Course.objects.get(pk=other.pk).number == "ART1"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"credits": "-1"}, "credits: '-1' is not a number of zero or more"),
        ({"active": "yes"}, "active: 'yes' is not true or false"),
        ({"grade_levels": "09"}, "grade levels: a list"),
        ({"colour": "red"}, 'unknown attribute "colour"'),
    ],
)
def test_r32_bad_attribute_values_are_refused(district, values, message):
    with pytest.raises(InputError, match=message):
        course_attributes_update(user=district["school_admin"], course=district["course"], values=values)
