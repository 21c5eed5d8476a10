"""A small district for the foundation tests: one catalog with every lock on,
one master with one item of each setup type, one course pushed from it (every
item linked), one section with the pushed category and a teacher's own."""

from decimal import Decimal

import pytest

from catalog.models import AssessmentTest, Calendar, CourseCatalog, GradingItem, GradingScale, School, SchoolYear, User
from catalog.setup_types import COURSE, COURSE_ATTRIBUTES, SETUP_LOCKS, SETUP_TYPES
from coursemasters.models import (
    CourseMaster,
    MasterAssessment,
    MasterCategory,
    MasterComposite,
    MasterGradeCalcOption,
    MasterStandard,
    MasterTask,
)
from courses.models import Course
from sections.models import Section, SectionCategory


@pytest.fixture
def district(db):
    d = {}
    d["catalog"] = CourseCatalog.objects.create(
        name="High School Catalog",
        locked_attributes=["number", "name", "state_code", "credits"],
        locked_types=list(SETUP_LOCKS),
    )
    d["other_catalog"] = CourseCatalog.objects.create(name="Middle School Catalog")
    d["school"] = School.objects.create(number="101", name="North High", catalog=d["catalog"])
    d["other_school"] = School.objects.create(number="201", name="East Middle", catalog=d["other_catalog"])
    d["year"] = SchoolYear.objects.create(name="22-23", start="2022-07-01", end="2023-06-30")
    d["calendar"] = Calendar.objects.create(
        school=d["school"], year=d["year"], name="22-23 North High", terms=["Q1", "Q2", "Q3", "Q4"]
    )
    d["s1"] = GradingItem.objects.create(kind="task", code="S1", name="Semester 1 Grade")
    d["q1"] = GradingItem.objects.create(kind="task", code="Q1G", name="Quarter 1 Grade")
    d["q2"] = GradingItem.objects.create(kind="task", code="Q2G", name="Quarter 2 Grade")
    d["std"] = GradingItem.objects.create(kind="standard", code="ELA.W.1", name="Writes arguments")
    d["map"] = AssessmentTest.objects.create(code="MAP", name="MAP Growth")
    d["af"] = GradingScale.objects.create(name="A-F")
    d["district_admin"] = User.objects.create(username="dadmin", role=User.DISTRICT_ADMIN)
    d["school_admin"] = User.objects.create(username="sadmin", role=User.SCHOOL_ADMIN)
    d["school_admin"].schools.add(d["school"])
    d["other_admin"] = User.objects.create(username="eadmin", role=User.SCHOOL_ADMIN)
    d["other_admin"].schools.add(d["other_school"])
    d["teacher"] = User.objects.create(username="jdoe", role=User.TEACHER)
    d["other_teacher"] = User.objects.create(username="asmith", role=User.TEACHER)

    master = CourseMaster.objects.create(
        catalog=d["catalog"], number="ENG9", name="English 9", state_code="01001", credits=Decimal("1.00")
    )
    d["master"] = master
    d["other_master"] = CourseMaster.objects.create(catalog=d["other_catalog"], number="ENG7", name="English 7")
    d["m_task"] = MasterTask.objects.create(master=master, item=d["s1"], credit=Decimal("0.50"), score_group="A-F")
    d["m_standard"] = MasterStandard.objects.create(master=master, item=d["std"], score_group="1-4")
    d["m_category"] = MasterCategory.objects.create(master=master, name="Homework", weight=Decimal("20"), sequence=1)
    d["m_assessment"] = MasterAssessment.objects.create(master=master, test=d["map"], copies_forward=True)
    d["m_gco"] = MasterGradeCalcOption.objects.create(
        master=master, item=d["s1"], term="Q1", grading_scale=d["af"], weight_categories=True
    )
    d["m_composite"] = MasterComposite.objects.create(
        master=master,
        parent=d["s1"],
        children=[{"item": "task:Q1G", "weight": "50"}, {"item": "task:Q2G", "weight": "50"}],
    )
    course = Course.objects.create(
        calendar=d["calendar"],
        master=master,
        **{a: getattr(master, a) for a in COURSE_ATTRIBUTES},
    )
    d["course"] = course
    # The course as a push leaves it: every master item copied, linked to its source.
    for setup_type in SETUP_TYPES:
        for m_item in setup_type.model("master").objects.filter(master=master):
            values = {f.attname: getattr(m_item, f.attname) for f in m_item._meta.concrete_fields}
            values.pop("id")
            values.pop("master_id")
            c_item = setup_type.model(COURSE)(course=course, state="linked", source=m_item, **values)
            c_item.save()
            d[f"c_{setup_type.name}"] = c_item
    d["section"] = Section.objects.create(course=course, number="1", teacher=d["teacher"])
    d["s_linked"] = SectionCategory.objects.create(
        section=d["section"],
        name="Homework",
        weight=Decimal("20"),
        sequence=1,
        state="linked",
        source=d["c_categories"],
    )
    d["s_teacher"] = SectionCategory.objects.create(
        section=d["section"], name="Homework (1)", weight=Decimal("15"), sequence=2, state="teacher"
    )
    return d


def unlock(d, *names):
    d["catalog"].locked_types = [t for t in d["catalog"].locked_types if t not in names]
    d["catalog"].save()
