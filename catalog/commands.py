"""What every management command shares (cli.md): ``--as USERNAME`` for the
acting user, and exit status 2 with a message naming the problem for bad input."""

import io
import sys

from django.core.management.base import BaseCommand, CommandError

from .accounts import system_user
from .errors import InputError
from .history import COMMAND, history_how
from .models import User
from .permissions import can_manage_district


class DistrictCommand(BaseCommand):
    """Base for the project's commands.

    Subclasses that change data set ``changes_data = True`` to get ``--as``,
    implement ``handle_command(*args, **options)``, and let services raise
    ``catalog.errors.InputError`` (or a subclass) for bad input (R32).
    """

    changes_data = False

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.changes_data:
            parser.add_argument(
                "--as",
                dest="as_user",
                metavar="USERNAME",
                help="the acting user (default: the district's system account)",
            )
        return parser

    def acting_user(self, options) -> User:
        username = options.get("as_user")
        if not username:
            return system_user()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise InputError(f'--as: no user "{username}"')
        if not user.is_active:
            raise InputError(f'--as: user "{username}" is not active')
        return user

    def handle(self, *args, **options):
        try:
            # What the command changes is recorded as made by a command (R74); imports say "import".
            with history_how(COMMAND):
                return self.handle_command(*args, **options)
        except (InputError, PermissionError) as error:
            raise CommandError(str(error), returncode=2) from error

    def acting_district_admin(self, options, what: str = "import") -> User:
        """The acting user, refused (PermissionError) unless a district admin: for the commands
        that load a whole district's data. Call inside the command's transaction."""
        user = self.acting_user(options)
        if not can_manage_district(user):
            raise PermissionError(f'--as: user "{user.username}" is not a district admin; only district admins {what}')
        return user

    def write_csv_or_xlsx(self, options, *, csv_lines, write_xlsx) -> None:
        """``--format csv|xlsx`` to ``--out FILE`` or stdout (XLSX as bytes): ``csv_lines()`` gives
        the CSV text line by line, ``write_xlsx(binary_file)`` writes the workbook."""
        out_path = options.get("out")
        if options.get("format") == "xlsx":
            buffer = io.BytesIO()
            write_xlsx(buffer)
            if out_path:
                with open(out_path, "wb") as out:
                    out.write(buffer.getvalue())
            else:
                self.stdout.flush()
                sys.stdout.buffer.write(buffer.getvalue())
                sys.stdout.flush()
            return
        if out_path:
            with open(out_path, "w", newline="", encoding="utf-8") as out:
                out.writelines(csv_lines())
        else:
            for line in csv_lines():
                self.stdout.write(line, ending="")

    def handle_command(self, *args, **options):
        raise NotImplementedError
