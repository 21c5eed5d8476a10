"""``export_district [--out FILE]`` (cli.md): the whole state in the exchange format.

Standard output gets nothing but the JSON document."""

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.progress import command_progress
from coursemasters.models import CourseMaster
from courses.models import Course
from exchange.district import district_export_write
from sections.models import Section


class _Unterminated:
    """Django's OutputWrapper ends every write with a newline; the JSON is written in pieces."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")


class Command(DistrictCommand):
    help = "Write the whole district in the exchange format (district-format.md), to stdout or --out FILE."

    def add_arguments(self, parser):
        parser.add_argument("--out", metavar="FILE", help="write to this file instead of standard output")

    def handle_command(self, *args, **options):
        path = options.get("out")
        with command_progress(self, options) as progress:
            if progress.enabled:
                # The big lists stream from the database: their counts give the time left.
                progress.expect(
                    {
                        "writing course_masters": CourseMaster.objects.count(),
                        "writing courses": Course.objects.count(),
                        "writing sections": Section.objects.count(),
                    }
                )
            if not path:
                district_export_write(_Unterminated(self.stdout), progress=progress)
                return
            self._write_file(path, progress)
        self.stderr.write(f"exported the district to {path}")

    def _write_file(self, path: str, progress) -> None:
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as stream:
                district_export_write(stream, progress=progress)
        except OSError as error:
            raise InputError(f"--out: cannot write {path} ({error.strerror})") from error
