"""``link_course --school NUMBER --year Y --course NUMBER (--master NUMBER | --unlink) [--as USER]`` (cli.md)."""

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.selectors import calendar_get, school_get, school_year_get
from coursemasters.selectors import master_get
from courses.selectors import course_get
from courses.services import course_link_set


class Command(DistrictCommand):
    help = (
        "Link a course to a course master of its school's catalog (its items stay as they are until the "
        "next push), or unlink it (items pushed from the master become the course's own)."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="NUMBER")
        parser.add_argument("--year", required=True, metavar="Y")
        parser.add_argument("--course", required=True, metavar="NUMBER")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--master", metavar="NUMBER", help="the master's number in the school's catalog")
        target.add_argument("--unlink", action="store_true", help="unlink the course from its master")

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        school = school_get(number=options["school"])
        year = school_year_get(name=options["year"])
        calendar = calendar_get(school=school, year=year)
        course = course_get(calendar=calendar, number=options["course"])
        where = f"course {course.number} of {school.number} {school.name} ({year.name})"
        old = course.master
        if options["unlink"]:
            master = None
        else:
            if school.catalog is None:
                raise InputError(f"school {school.number} {school.name} uses no course catalog, so it has no masters")
            master = master_get(catalog=school.catalog, number=options["master"])
        # The service checks the acting user's rights, even when nothing would change.
        course_link_set(user=user, course=course, master=master)
        if (old.pk if old else None) == (master.pk if master else None):
            state = f"linked to course master {old.number}" if old else "not linked to a course master"
            self.stdout.write(f"{where} is already {state}; nothing changed")
        elif master is None:
            self.stdout.write(f"{where} unlinked from course master {old.number}; its pushed items are now local")
        else:
            self.stdout.write(
                f'{where} linked to course master {master.number} "{master.name}" of catalog '
                f'"{school.catalog.name}"; its setup awaits the next push'
            )
