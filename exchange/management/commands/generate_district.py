"""``generate_district --schools N [...] [--out FILE] [--as USER]`` (cli.md): a realistic synthetic district."""

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.permissions import can_manage_district
from catalog.progress import command_progress
from exchange.exporter import document_write
from exchange.generator import district_generate_stream


class Command(DistrictCommand):
    help = (
        "Write a realistic synthetic district in the exchange format (deterministic for a seed); "
        "without --out, load it into the (empty) database."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, required=True, help="number of schools")
        parser.add_argument("--masters", type=int, help="course masters in the high-school catalog (default 150)")
        parser.add_argument("--sections-per-course", type=int, help="average sections per course (default 3)")
        parser.add_argument("--students-per-section", type=int, help="students per section (default 10)")
        parser.add_argument("--assignments-per-section", type=int, help="assignments per section (default 3)")
        parser.add_argument(
            "--unpushed", action="store_true", help="courses linked to masters but never pushed (no master setup yet)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", metavar="FILE", help="write the JSON here ('-' for stdout) instead of loading it")

    def handle_command(self, *args, **options):
        if not options["out"]:
            # Check who acts before spending minutes generating.
            user = self.acting_user(options)
            if not can_manage_district(user):
                raise PermissionError(
                    f'--as: user "{user.username}" is not a district admin; only district admins load a district'
                )
            from exchange.district import district_exists

            if district_exists():
                raise InputError(
                    "the database already holds a district: write the generated one to a file with --out "
                    "and load it with import_district --replace"
                )
        sizes = {
            "masters": options["masters"],
            "sections_per_course": options["sections_per_course"],
            "students_per_section": options["students_per_section"],
            "assignments_per_section": options["assignments_per_section"],
        }
        with command_progress(self, options) as progress:
            out = options["out"]
            # Spooled a school at a time (memory holds one school's courses and sections), then
            # written, or loaded, a record at a time; checked against the schema only to load.
            with district_generate_stream(
                schools=options["schools"],
                unpushed=options["unpushed"],
                seed=options["seed"],
                progress=progress,
                checked=not out,
                **{name: value for name, value in sizes.items() if value is not None},
            ) as document:
                counts = ", ".join(
                    f"{document.count(name)} {name.replace('_', ' ')}"
                    for name in ("schools", "courses", "sections", "users")
                )
                if out:
                    progress.step(f"writing {out if out != '-' else 'stdout'}")
                    self._write(document, out)
                else:
                    from exchange.district import district_import

                    district_import(document, progress=progress)
        if out:
            self.stderr.write(f"generated {counts} (seed {options['seed']}) into {out if out != '-' else 'stdout'}")
            return
        self.stderr.write(f"generated and loaded {counts} (seed {options['seed']})")

    def _write(self, document, out: str) -> None:
        # The text export_district writes: keys sorted, 2-space indent, a final newline.
        if out == "-":
            document_write(_Unterminated(self.stdout), document.parts())
            return
        try:
            with open(out, "w", encoding="utf-8", newline="\n") as f:
                document_write(f, document.parts())
        except OSError as error:
            raise InputError(f"--out: cannot write {out} ({error.strerror})") from error


class _Unterminated:
    """Django's OutputWrapper ends every write with a newline; the JSON is written in pieces."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
