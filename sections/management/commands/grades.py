"""``grades --school NUMBER --year Y --course NUMBER [--section NUMBER] [--student ID]`` (cli.md, R81):
in-progress grades as CSV."""

import sys

from catalog.commands import DistrictCommand
from catalog.spreadsheets import csv_writer
from sections.grades import GRADE_COLUMNS, course_section_ids, section_grades


class Command(DistrictCommand):
    help = "Print students' in-progress grades (R81) of a course's sections as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="NUMBER")
        parser.add_argument("--year", required=True, metavar="Y")
        parser.add_argument("--course", required=True, metavar="NUMBER")
        parser.add_argument("--section", metavar="NUMBER", help="one section of the course (default: all)")
        parser.add_argument("--student", metavar="ID", help="one student (default: all)")

    def handle_command(self, *args, **options):
        section_ids = course_section_ids(
            school=options["school"], year=options["year"], course=options["course"], section=options.get("section")
        )
        writer = csv_writer(self.stdout if self.stdout is not None else sys.stdout)
        writer.writerow(GRADE_COLUMNS)
        for g in section_grades(section_ids=section_ids, student=options.get("student")):
            writer.writerow([g.school, g.calendar, g.course, g.section, g.student, g.item, g.term, g.percent, g.letter])
