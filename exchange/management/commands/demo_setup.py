"""Prepare the demo: a small generated district, one login per role.

Used by ``scripts/run``. Safe to run again: an existing district is kept and
only the demo passwords are (re)set.
"""

from django.db import transaction
from django.utils import timezone

from catalog.commands import DistrictCommand
from catalog.models import School, User
from sections.models import Section

DEMO_PASSWORD = "demo-password"


class Command(DistrictCommand):
    help = "Load a small demo district when the database is empty and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=3)
        parser.add_argument("--seed", type=int, default=2026)

    def handle_command(self, *args, **options):
        if not School.objects.exists():
            from exchange.district import district_import
            from exchange.generator import district_generate

            self.stderr.write("Loading the demo district...")
            today = timezone.localdate()
            # The demo's school year is the current one, so pages open on data.
            first_year = today.year if today.month >= 7 else today.year - 1
            district_import(district_generate(schools=options["schools"], seed=options["seed"], first_year=first_year))
        with transaction.atomic():
            logins = self._demo_logins()
        self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
        for role, user in logins:
            self.stdout.write(f"  {role:<15} {user.username}")

    def _demo_logins(self) -> list[tuple[str, User]]:
        logins = []
        district_admin = User.objects.filter(role=User.DISTRICT_ADMIN).exclude(username="system").first()
        school_admin = User.objects.filter(role=User.SCHOOL_ADMIN, schools__isnull=False).first()
        # The teacher of a section that has pushed categories shows the locks best.
        section = (
            Section.objects.filter(teacher__isnull=False, sectioncategory__state="linked")
            .select_related("teacher")
            .order_by("pk")
            .first()
        ) or Section.objects.filter(teacher__isnull=False).select_related("teacher").order_by("pk").first()
        for role, user in (
            ("district admin", district_admin),
            ("school admin", school_admin),
            ("teacher", section.teacher if section else None),
        ):
            if user is None:
                continue
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            # The exchange format carries no addresses; the demo's users get one so that
            # finished-job emails (R45) show on the console.
            user.email = user.email or f"{user.username}@demo.example.org"
            user.save(update_fields=["password", "is_active", "email"])
            logins.append((role, user))
        return logins
