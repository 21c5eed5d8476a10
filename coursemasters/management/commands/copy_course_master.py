"""``copy_course_master --catalog NAME --number N [--to-catalog NAME] --new-number N2 --new-name NAME [--data LIST]``
(cli.md, rules.md R60)."""

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.models import CourseCatalog
from coursemasters.copy import COPY_DATA, course_master_copy
from coursemasters.selectors import master_get


def _catalog(name: str, flag: str) -> CourseCatalog:
    catalog = CourseCatalog.objects.filter(name=name).first()
    if catalog is None:
        raise InputError(f'{flag}: no course catalog "{name}"')
    return catalog


class Command(DistrictCommand):
    help = "Copy a course master into the same or another catalog under a new number and name (R60)."
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("--catalog", required=True, metavar="NAME", help="the catalog of the master to copy")
        parser.add_argument("--number", required=True, metavar="N", help="the number of the master to copy")
        parser.add_argument("--to-catalog", metavar="NAME", help="the catalog to copy into (default: the same)")
        parser.add_argument("--new-number", required=True, metavar="N2", help="the copy's number, unique there")
        parser.add_argument("--new-name", required=True, metavar="NAME", help="the copy's name (30 characters)")
        parser.add_argument(
            "--data",
            metavar="LIST",
            help=f"comma-separated grading setup types to copy (default: all): {','.join(COPY_DATA)}",
        )

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        catalog = _catalog(options["catalog"], "--catalog")
        master = master_get(catalog=catalog, number=options["number"])
        to_catalog = _catalog(options["to_catalog"], "--to-catalog") if options.get("to_catalog") else None
        data = set(COPY_DATA)
        if options.get("data") is not None:
            data = {d.strip() for d in options["data"].split(",") if d.strip()}
        copy = course_master_copy(
            user=user,
            master=master,
            to_catalog=to_catalog,
            new_number=options["new_number"],
            new_name=options["new_name"],
            data=data,
        )
        self.stdout.write(f'copied course master {master.number} to {copy.number} "{copy.name}" in {copy.catalog.name}')
