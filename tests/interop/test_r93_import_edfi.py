"""R93: ``import_edfi DIR --catalog NAME [--create-masters]`` reads Ed-Fi 5.x interchange XML
(EducationOrganization, EducationOrgCalendar, MasterSchedule, StudentGradebook, Standards),
streamed and parsed safely, all or nothing; hostile XML refused with a clear message."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Calendar, GradingItem, School
from coursemasters.models import CourseMaster
from courses.models import Course
from exchange.district import district_export_json
from sections.models import Assignment, Score, Section

from .conftest import row_counts

NS = 'xmlns="http://ed-fi.org/5.2.0"'
SCHOOL_REF = "<SchoolReference><SchoolIdentity><SchoolId>255901001</SchoolId></SchoolIdentity></SchoolReference>"
SESSION_REF = (
    "<SessionReference><SessionIdentity><SchoolYear>2023</SchoolYear><SessionName>2022-2023 Fall Semester"
    f"</SessionName>{SCHOOL_REF}</SessionIdentity></SessionReference>"
)
OFFERING_REF = (
    "<CourseOfferingReference><CourseOfferingIdentity><LocalCourseCode>ENG9-L</LocalCourseCode>"
    f"{SCHOOL_REF}{SESSION_REF}</CourseOfferingIdentity></CourseOfferingReference>"
)
SECTION_REF = (
    f"<SectionReference><SectionIdentity><SectionIdentifier>ENG9-L-01</SectionIdentifier>{OFFERING_REF}"
    "</SectionIdentity></SectionReference>"
)


def period(descriptor: str, sequence: int, begin: str, end: str) -> str:
    return (
        f"<GradingPeriod><GradingPeriodDescriptor>uri://ed-fi.org/GradingPeriodDescriptor#{descriptor}"
        f"</GradingPeriodDescriptor><PeriodSequence>{sequence}</PeriodSequence><BeginDate>{begin}</BeginDate>"
        f"<EndDate>{end}</EndDate><TotalInstructionalDays>30</TotalInstructionalDays>{SCHOOL_REF}"
        "<SchoolYear>2023</SchoolYear></GradingPeriod>"
    )


def interchange(name: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Interchange{name} {NS}>\n{body}\n</Interchange{name}>\n'


def files() -> dict[str, str]:
    """A small Ed-Fi district: an LEA with one course, a school with its own course, a session with
    two grading periods (given out of order), an offering of each course, a section, a gradebook
    entry with a score, and a learning standard."""
    lea_ref = (
        "<EducationOrganizationReference><EducationOrganizationIdentity><EducationOrganizationId>255901"
        "</EducationOrganizationId></EducationOrganizationIdentity></EducationOrganizationReference>"
    )
    school_ref = lea_ref.replace("255901<", "255901001<")
    return {
        "EducationOrganization.xml": interchange(
            "EducationOrganization",
            "<LocalEducationAgency><LocalEducationAgencyId>255901</LocalEducationAgencyId>"
            "<NameOfInstitution>Grand Bend ISD</NameOfInstitution></LocalEducationAgency>\n"
            "<School><SchoolId>255901001</SchoolId><NameOfInstitution>Grand Bend High School</NameOfInstitution>"
            "</School>\n"
            "<Course><CourseCode>ENG9</CourseCode><CourseTitle>English I</CourseTitle><NumberOfParts>1</NumberOfParts>"
            "<CourseIdentificationCode><CourseIdentificationSystemDescriptor>uri://ed-fi.org/"
            "CourseIdentificationSystemDescriptor#SCED course code</CourseIdentificationSystemDescriptor>"
            f"<IdentificationCode>01001</IdentificationCode></CourseIdentificationCode>{lea_ref}</Course>\n"
            "<Course><CourseCode>ROBO</CourseCode><CourseTitle>Robotics Club Lab</CourseTitle>"
            f"<NumberOfParts>1</NumberOfParts>{school_ref}</Course>",
        ),
        "Standards.xml": interchange(
            "Standards",
            "<LearningStandard><LearningStandardId>ELA.9.W.1</LearningStandardId>"
            "<Description>Write arguments to support claims</Description></LearningStandard>",
        ),
        "EducationOrgCalendar.xml": interchange(
            "EducationOrgCalendar",
            period("Second Six Weeks", 2, "2022-10-01", "2022-11-10")
            + "\n"
            + period("First Six Weeks", 1, "2022-08-22", "2022-09-30")
            + "\n<Session><SessionName>2022-2023 Fall Semester</SessionName><SchoolYear>2023</SchoolYear>"
            "<BeginDate>2022-08-22</BeginDate><EndDate>2022-12-20</EndDate>"
            "<TermDescriptor>uri://ed-fi.org/TermDescriptor#Fall Semester</TermDescriptor>"
            f"<TotalInstructionalDays>80</TotalInstructionalDays>{SCHOOL_REF}</Session>",
        ),
        "MasterSchedule.xml": interchange(
            "MasterSchedule",
            f"<CourseOffering><LocalCourseCode>ENG9-L</LocalCourseCode><LocalCourseTitle>English I</LocalCourseTitle>"
            f"{SCHOOL_REF}{SESSION_REF}<CourseReference><CourseIdentity><CourseCode>ENG9</CourseCode>{lea_ref}"
            "</CourseIdentity></CourseReference></CourseOffering>\n"
            f"<CourseOffering><LocalCourseCode>ROBO</LocalCourseCode>{SCHOOL_REF}{SESSION_REF}"
            f"<CourseReference><CourseIdentity><CourseCode>ROBO</CourseCode>{school_ref}</CourseIdentity>"
            "</CourseReference></CourseOffering>\n"
            f"<Section><SectionIdentifier>ENG9-L-01</SectionIdentifier>{OFFERING_REF}"
            "<SequenceOfCourse>1</SequenceOfCourse></Section>",
        ),
        "StudentGradebook.xml": interchange(
            "StudentGradebook",
            "<GradebookEntry><GradebookEntryIdentifier>GBE-1</GradebookEntryIdentifier>"
            "<Namespace>uri://grandbend.edu</Namespace><Title>Essay 1</Title><DateAssigned>2022-09-01</DateAssigned>"
            "<GradebookEntryTypeDescriptor>uri://ed-fi.org/GradebookEntryTypeDescriptor#Homework"
            f"</GradebookEntryTypeDescriptor><MaxPoints>10</MaxPoints>{SECTION_REF}"
            "<GradingPeriodReference><GradingPeriodIdentity><GradingPeriodDescriptor>uri://ed-fi.org/"
            "GradingPeriodDescriptor#First Six Weeks</GradingPeriodDescriptor><PeriodSequence>1</PeriodSequence>"
            f"{SCHOOL_REF}<SchoolYear>2023</SchoolYear></GradingPeriodIdentity></GradingPeriodReference>"
            "</GradebookEntry>\n"
            "<StudentGradebookEntry><GradebookEntryReference><GradebookEntryIdentity>"
            "<GradebookEntryIdentifier>GBE-1</GradebookEntryIdentifier><Namespace>uri://grandbend.edu</Namespace>"
            "</GradebookEntryIdentity></GradebookEntryReference><StudentReference><StudentIdentity>"
            "<StudentUniqueId>604822</StudentUniqueId></StudentIdentity></StudentReference>"
            "<PointsEarned>8.5</PointsEarned></StudentGradebookEntry>",
        ),
    }


def write(tmp_path: Path, content: dict[str, str]) -> Path:
    folder = tmp_path / "edfi"
    folder.mkdir()
    for name, text in content.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def run(folder: Path, *flags: str) -> str:
    err = io.StringIO()
    call_command("import_edfi", str(folder), "--catalog", "District Catalog", *flags, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_r93_interchanges_become_schools_terms_masters_courses_sections_assignments_scores(db, tmp_path):
    run(write(tmp_path, files()))
    school = School.objects.get(number="255901001")
    assert school.name == "Grand Bend High School" and school.catalog.name == "District Catalog"
    calendar = Calendar.objects.get(school=school)
    # descriptor URIs map to terms, in PeriodSequence order
    assert calendar.terms == ["First Six Weeks", "Second Six Weeks"]
    master = CourseMaster.objects.get(number="ENG9")
    assert (master.name, master.sced_code) == ("English I", "01001")
    course = Course.objects.get(number="ENG9-L")
    assert course.master == master
    robo = Course.objects.get(number="ROBO")
    assert robo.master is None and robo.name == "Robotics Club Lab"
    assert not CourseMaster.objects.filter(number="ROBO").exists()
    section = Section.objects.get(course=course, number="ENG9-L-01")
    assignment = Assignment.objects.get(section=section)
    assert (assignment.name, assignment.term, str(assignment.points)) == ("Essay 1", "First Six Weeks", "10.00")
    assert assignment.category.name == "Homework"
    assert str(Score.objects.get(assignment=assignment, student="604822").score) == "8.50"
    assert GradingItem.objects.get(kind="standard", code="ELA.9.W.1").name == "Write arguments to support claims"


def test_r93_create_masters_makes_masters_of_school_courses(db, tmp_path):
    run(write(tmp_path, files()), "--create-masters")
    master = CourseMaster.objects.get(number="ROBO")
    assert Course.objects.get(number="ROBO").master == master


def refused(district_db, tmp_path, content: dict[str, str], expected: str) -> None:
    before = district_export_json()
    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, content))
    assert raised.value.returncode == 2
    assert str(raised.value) == expected
    assert row_counts() == district_db
    assert district_export_json() == before


BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
    f"<InterchangeStandards {NS}>&lol2;</InterchangeStandards>\n"
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [\n <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
    f"<InterchangeStandards {NS}><LearningStandard><LearningStandardId>&secret;</LearningStandardId>"
    "</LearningStandard></InterchangeStandards>\n"
)


def test_r93_xml_bomb_refused_and_nothing_changed(district_db, tmp_path):
    content = {**files(), "Standards.xml": BOMB}
    refused(district_db, tmp_path, content, (
        'Standards.xml line 3: declares an entity "lol"; XML entity declarations are refused '
        "(entity expansion and external entities are how hostile XML attacks)"
    ))  # fmt: skip


def test_r93_external_entity_refused_and_nothing_changed(district_db, tmp_path):
    content = {**files(), "Standards.xml": EXTERNAL}
    refused(district_db, tmp_path, content, (
        'Standards.xml line 3: declares an external entity ("file:///etc/passwd") "secret"; XML entity '
        "declarations are refused (entity expansion and external entities are how hostile XML attacks)"
    ))  # fmt: skip


def test_r93_malformed_xml_refused_with_line(district_db, tmp_path):
    content = files()
    content["MasterSchedule.xml"] = content["MasterSchedule.xml"].replace("</Section>", "</Sect>")
    refused(
        district_db,
        tmp_path,
        content,
        "MasterSchedule.xml line 5 column 586: not well-formed XML (mismatched tag)",
    )


def test_r93_section_of_an_unknown_offering_refused_with_file_line_element(district_db, tmp_path):
    content = files()
    content["MasterSchedule.xml"] = content["MasterSchedule.xml"].replace(
        "<Section><SectionIdentifier>ENG9-L-01</SectionIdentifier>" + OFFERING_REF,
        "<Section><SectionIdentifier>ENG9-L-01</SectionIdentifier>" + OFFERING_REF.replace("ENG9-L", "ENG9-X"),
    )
    refused(district_db, tmp_path, content,
            'MasterSchedule.xml line 5 Section/CourseOfferingReference: no course offering "ENG9-X" at school '
            '"255901001"')  # fmt: skip


def test_r93_score_for_an_unknown_gradebook_entry_refused(district_db, tmp_path):
    content = files()
    content["StudentGradebook.xml"] = content["StudentGradebook.xml"].replace(
        "<GradebookEntryIdentifier>GBE-1</GradebookEntryIdentifier><Namespace>uri://grandbend.edu</Namespace>"
        "</GradebookEntryIdentity>",
        "<GradebookEntryIdentifier>GBE-9</GradebookEntryIdentifier><Namespace>uri://grandbend.edu</Namespace>"
        "</GradebookEntryIdentity>",
    )
    refused(district_db, tmp_path, content,
            'StudentGradebook.xml line 4 StudentGradebookEntry/GradebookEntryReference: no gradebook entry '
            '"GBE-9" in this interchange')  # fmt: skip


def test_r93_bad_date_refused(district_db, tmp_path):
    content = files()
    content["EducationOrgCalendar.xml"] = content["EducationOrgCalendar.xml"].replace(
        "<BeginDate>2022-08-22</BeginDate><EndDate>2022-12-20</EndDate>",
        "<BeginDate>2022-02-30</BeginDate><EndDate>2022-12-20</EndDate>",
    )
    refused(
        district_db,
        tmp_path,
        content,
        'EducationOrgCalendar.xml line 5 Session/BeginDate: "2022-02-30" is not a date written YYYY-MM-DD',
    )


def test_r93_course_of_an_unknown_organization_refused(district_db, tmp_path):
    content = files()
    content["EducationOrganization.xml"] = content["EducationOrganization.xml"].replace(
        "255901001</EducationOrganizationId>", "999</EducationOrganizationId>"
    )
    refused(district_db, tmp_path, content,
            'EducationOrganization.xml line 6 Course/EducationOrganizationReference: education organization "999" '
            "is neither the LEA nor a school")  # fmt: skip


def test_r93_session_of_an_unknown_school_refused(district_db, tmp_path):
    content = files()
    content["EducationOrgCalendar.xml"] = content["EducationOrgCalendar.xml"].replace(
        f"<TotalInstructionalDays>80</TotalInstructionalDays>{SCHOOL_REF}",
        "<TotalInstructionalDays>80</TotalInstructionalDays>" + SCHOOL_REF.replace("255901001", "77"),
    )
    refused(
        district_db,
        tmp_path,
        content,
        'EducationOrgCalendar.xml line 5 Session/SchoolReference: no school "77" (in this interchange or the district)',
    )


def test_r93_gradebook_entry_in_a_grading_period_the_calendar_lacks_refused(district_db, tmp_path):
    content = files()
    content["StudentGradebook.xml"] = content["StudentGradebook.xml"].replace(
        "GradingPeriodDescriptor#First Six Weeks</GradingPeriodDescriptor><PeriodSequence>1",
        "GradingPeriodDescriptor#Sixth Six Weeks</GradingPeriodDescriptor><PeriodSequence>6",
    )
    refused(
        district_db,
        tmp_path,
        content,
        'StudentGradebook.xml line 3 GradebookEntry/GradingPeriodReference: grading period "Sixth Six Weeks" is '
        "not a term of the section's calendar",
    )


def test_r93_points_that_are_not_a_number_refused(district_db, tmp_path):
    content = files()
    content["StudentGradebook.xml"] = content["StudentGradebook.xml"].replace(
        "<PointsEarned>8.5</PointsEarned>", "<PointsEarned>lots</PointsEarned>"
    )
    refused(
        district_db,
        tmp_path,
        content,
        'StudentGradebook.xml line 4 StudentGradebookEntry/PointsEarned: "lots" is not a number',
    )


def test_r93_files_are_read_in_dependency_order_whatever_their_names(db, tmp_path):
    renamed = {f"{i}-{name}": text for i, (name, text) in enumerate(reversed(list(files().items())))}
    run(write(tmp_path, renamed))
    assert Score.objects.filter(student="604822").exists()


def test_r93_the_same_files_imported_twice_change_nothing_the_second_time(db, tmp_path):
    # A year made from a fall session ends in December; the second import must find it by name.
    folder = write(tmp_path, files())
    run(folder)
    before = row_counts()
    run(folder)
    after = row_counts()
    assert after.pop("catalog.HistoryRecord") == before.pop("catalog.HistoryRecord") + 1
    assert after == before
