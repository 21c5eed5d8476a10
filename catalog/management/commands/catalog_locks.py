"""``catalog_locks --catalog NAME [--lock LIST] [--unlock LIST] [--as USER]`` (cli.md): show or change locks."""

from catalog.commands import DistrictCommand
from catalog.selectors import catalog_get, catalog_locks
from catalog.services import catalog_locks_set


def _names(values: list[str] | None) -> list[str]:
    # --lock a,b --lock c: one list; spaces around commas forgiven.
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


class Command(DistrictCommand):
    help = (
        "Show a catalog's locks, or lock and unlock course attributes and grading setup types "
        "(names as in the exchange format, comma-separated). Changes take effect at once; values move "
        "only when pushed."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("--catalog", required=True, metavar="NAME", help="the course catalog")
        parser.add_argument("--lock", action="append", metavar="LIST", help="attributes and types to lock")
        parser.add_argument("--unlock", action="append", metavar="LIST", help="attributes and types to unlock")

    def handle_command(self, *args, **options):
        catalog = catalog_get(name=options["catalog"])
        lock, unlock = _names(options["lock"]), _names(options["unlock"])
        if lock or unlock:
            user = self.acting_user(options)
            catalog = catalog_locks_set(user=user, catalog=catalog, lock=lock, unlock=unlock)
            done = "; ".join(
                f"{word} {', '.join(names)}" for word, names in (("locked", lock), ("unlocked", unlock)) if names
            )
            self.stderr.write(f'catalog "{catalog.name}": {done}')
        locks = catalog_locks(catalog=catalog)
        self.stdout.write(f"attributes: {', '.join(locks['attributes']) or '(none)'}")
        self.stdout.write(f"types: {', '.join(locks['types']) or '(none)'}")
