"""``history (--master CATALOG NUMBER | --course SCHOOL YEAR NUMBER | --section SCHOOL YEAR COURSE
NUMBER) [--format csv|xlsx] [--out FILE] [--as USER]`` (cli.md, R74): the History of one master,
course or section, newest first, as the History tab downloads it."""

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.selectors import calendar_get, catalog_get, school_get, school_year_get
from coursemasters.selectors import master_get
from courses.selectors import course_get
from history.access import history_may_read
from history.display import history_csv_lines, history_write_xlsx
from history.selectors import COURSE, MASTER, SECTION, HistoryObject, history_rows, history_target
from sections.models import Section


class Command(DistrictCommand):
    help = (
        "Print the History of one course master, course or section (R74): every change to its grading setup, "
        "info, master link, locks and Ignore Master Push, by web page, command, import, push or undo, newest first."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--master", nargs=2, metavar=("CATALOG", "NUMBER"), help="a course master")
        target.add_argument("--course", nargs=3, metavar=("SCHOOL", "YEAR", "NUMBER"), help="a course")
        target.add_argument(
            "--section", nargs=4, metavar=("SCHOOL", "YEAR", "COURSE", "NUMBER"), help="a section of a course"
        )
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="read as this user, with their rights (default: the district's system account)",
        )

    def _target(self, options) -> HistoryObject:
        if options["master"]:
            catalog_name, number = options["master"]
            master = master_get(catalog=catalog_get(name=catalog_name), number=number)
            return history_target(level=MASTER, pk=master.pk)
        school_number, year_name, course_number = (options["course"] or options["section"])[:3]
        school = school_get(number=school_number)
        calendar = calendar_get(school=school, year=school_year_get(name=year_name))
        course = course_get(calendar=calendar, number=course_number)
        if options["course"]:
            return history_target(level=COURSE, pk=course.pk)
        number = options["section"][3]
        section = Section.objects.filter(course=course, number=number).first()
        if section is None:
            raise InputError(
                f'course {course.number} of school {school.number} ({year_name}) has no section "{number}"'
            )
        return history_target(level=SECTION, pk=section.pk)

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        target = self._target(options)
        if not history_may_read(user, target):
            raise PermissionError(f'--as: user "{user.username}" may not read the history of {_words(target)}')
        self.write_csv_or_xlsx(
            options,
            csv_lines=lambda: history_csv_lines(history_rows(target=target).iterator(chunk_size=2000)),
            write_xlsx=lambda out: history_write_xlsx(history_rows(target=target).iterator(chunk_size=2000), out),
        )


def _words(target: HistoryObject) -> str:
    obj = target.obj
    if target.level == MASTER:
        return f'course master {obj.number} of catalog "{obj.catalog.name}"'
    if target.level == COURSE:
        return f"course {obj.number} of school {obj.calendar.school.number}"
    return f"section {obj} of school {obj.course.calendar.school.number}"
