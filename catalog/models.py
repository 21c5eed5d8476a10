"""The district's own definitions: years, schools, calendars, catalogs and their
locks, grading tasks and standards, tests, grading scales, and its people."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac


class District(models.Model):
    """The one district this installation serves (a single row)."""

    name = models.CharField(max_length=255)
    batch_processing_enabled = models.BooleanField(default=True)

    def __str__(self):
        return self.name

    @classmethod
    def current(cls) -> "District":
        district = cls.objects.order_by("pk").first()
        if district is None:
            district = cls.objects.create(name="District")
        return district


class SchoolYear(models.Model):
    name = models.CharField(max_length=255, unique=True)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["start", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="year_ends_after_start"),
        ]

    def __str__(self):
        return self.name


# A band's minimum percent (R80): a decimal from 0 to 1000 (extra credit takes a percent past 100).
BAND_MIN_LIMIT = Decimal("1000")


def grading_scale_bands_clean(bands) -> list[dict]:
    """R80: a scale's bands as stored, ``[{"grade": "A", "min": "90.00"}, ...]`` in the order given.
    Raises ValidationError naming the problem: a grade given twice, a minimum that is not a
    decimal from 0 to 1000."""
    if not isinstance(bands, list):
        raise ValidationError("bands must be a list of {grade, min}")
    out, seen = [], set()
    for i, band in enumerate(bands):
        if not isinstance(band, dict) or set(band) != {"grade", "min"}:
            raise ValidationError(f"band {i + 1} must be {{grade, min}}")
        grade = band["grade"]
        if not isinstance(grade, str) or not grade.strip() or len(grade) > 20:
            raise ValidationError(f"band {i + 1}: the grade must be text of 1 to 20 characters")
        grade = grade.strip()
        if grade in seen:
            raise ValidationError(f'band {i + 1}: grade "{grade}" is given twice')
        seen.add(grade)
        try:
            minimum = Decimal(str(band["min"]))
        except (InvalidOperation, ValueError):
            raise ValidationError(f'band {i + 1} ("{grade}"): the minimum must be a decimal') from None
        if not minimum.is_finite() or not (0 <= minimum <= BAND_MIN_LIMIT):
            raise ValidationError(f'band {i + 1} ("{grade}"): the minimum must be from 0 to 1000')
        out.append({"grade": grade, "min": str(minimum.quantize(Decimal("0.01")))})
    return out


class GradingScale(models.Model):
    name = models.CharField(max_length=255, unique=True)
    # R80: [{"grade": "A", "min": "90.00"}, ...]. A percent gets the band with the highest minimum
    # at or below it; no bands: a percent and no letter. One value, because a scale is defined,
    # imported and exported as a whole; sections.grades reads it with jsonb in SQL.
    bands = models.JSONField(default=list, blank=True, validators=[grading_scale_bands_clean])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.bands = grading_scale_bands_clean(self.bands)


class GradingItem(models.Model):
    """A district grading task (``task:S1``) or standard (``standard:ELA.W.1``).

    Tasks and standards are kept in one table so that everything that names
    "a task or a standard" (grade calc options, composites, assignments, posted
    grades) holds one foreign key.
    """

    TASK = "task"
    STANDARD = "standard"
    KIND_CHOICES = [(TASK, "Grading task"), (STANDARD, "Standard")]

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    code = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    post_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="grading_item_kind_code_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=["task", "standard"]), name="grading_item_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(kind="standard") | models.Q(post_only=False), name="only_standards_post_only"
            ),
        ]

    def __str__(self):
        return self.ref

    @property
    def ref(self) -> str:
        """The exchange-format reference, e.g. ``task:S1``."""
        return f"{self.kind}:{self.code}"


class AssessmentTest(models.Model):
    """A district test that an assessment aligns (exchange format: ``tests``)."""

    code = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["code"]
        verbose_name = "test"

    def __str__(self):
        return self.code


class CourseCatalog(models.Model):
    """A catalog of course masters, with the district's lock settings (R1)."""

    name = models.CharField(max_length=255, unique=True)
    # Names from catalog.setup_types.COURSE_ATTRIBUTES and SETUP_LOCKS.
    locked_attributes = models.JSONField(default=list, blank=True)
    locked_types = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def is_type_locked(self, lock_name: str) -> bool:
        return lock_name in self.locked_types

    def is_attribute_locked(self, attribute: str) -> bool:
        return attribute in self.locked_attributes


class School(models.Model):
    number = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=255)
    catalog = models.ForeignKey(CourseCatalog, null=True, blank=True, on_delete=models.PROTECT, related_name="schools")

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.name}"


class Calendar(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="calendars")
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="calendars")
    name = models.CharField(max_length=255)
    terms = models.JSONField(default=list, help_text="Ordered term names, e.g. Q1..Q4")

    class Meta:
        ordering = ["year__start", "school__number"]
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="calendar_school_year_unique")]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person: district admin, school admin (for their schools) or teacher."""

    DISTRICT_ADMIN = "district_admin"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    ROLE_CHOICES = [(DISTRICT_ADMIN, "District admin"), (SCHOOL_ADMIN, "School admin"), (TEACHER, "Teacher")]

    # Up to 255 characters, as the systems districts sign in with make them (R90).
    username = models.CharField(
        "username",
        max_length=255,
        unique=True,
        help_text="Required. 255 characters or fewer. Letters, digits and @/./+/-/_ only.",
        validators=[UnicodeUsernameValidator()],
        error_messages={"unique": "A user with that username already exists."},
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=TEACHER)
    schools = models.ManyToManyField(School, blank=True, related_name="staff")

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["district_admin", "school_admin", "teacher"]), name="user_role_valid"
            ),
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case"),
        ]

    @property
    def is_district_admin(self) -> bool:
        return self.role == self.DISTRICT_ADMIN or self.is_superuser

    @property
    def is_school_admin(self) -> bool:
        return self.role == self.SCHOOL_ADMIN

    @property
    def is_teacher(self) -> bool:
        return self.role == self.TEACHER

    # A session proves who signed in *and* with which rights: the hash Django keeps in the session
    # covers the role and a school admin's schools besides the password, so changing any of them
    # (in the admin, a command, an import, a plain UPDATE) ends the user's sessions at their next
    # request, however the change was made. Teachers' and district admins' schools grant nothing,
    # so only a school admin's sign-in reads them (one query).
    def _session_rights(self) -> str:
        schools = ""
        if self.pk is not None and self.role == self.SCHOOL_ADMIN:
            schools = ",".join(str(pk) for pk in sorted(self.schools.values_list("pk", flat=True)))
        return f"{self.role}|{int(self.is_superuser)}|{schools}"

    def _session_hash(self, secret=None) -> str:
        return salted_hmac(
            "catalog.User.session_auth_hash",
            f"{self.password}|{self._session_rights()}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)


class HistoryRecord(models.Model):
    """One change made outside a push (R74): by a web form, a command or an import.

    Pushes and undos are not recorded here: their change log (pushjobs.ChangeRow) is the single
    record of what they did (R70), and the History pages read both. The object is held by id and
    by its names as they were (a renamed or deleted course keeps its history readable); there is
    no foreign key, so history outlives what it describes. Written by catalog.history, in the
    transaction of the change.
    """

    WEB, COMMAND, IMPORT, OTHER = "web", "command", "import", "other"
    HOW_CHOICES = [(WEB, "Web page"), (COMMAND, "Command"), (IMPORT, "Import"), (OTHER, "Other")]
    DISTRICT, CATALOG, MASTER, COURSE, SECTION = "district", "catalog", "master", "course", "section"
    LEVEL_CHOICES = [
        (DISTRICT, "District"),
        (CATALOG, "Catalog"),
        (MASTER, "Course master"),
        (COURSE, "Course"),
        (SECTION, "Section"),
    ]

    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=255, blank=True, default="")  # who, as they were named then
    how = models.CharField(max_length=10, choices=HOW_CHOICES)
    level = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    object_pk = models.BigIntegerField(null=True, blank=True)  # the catalog, master, course or section
    # Where the object was, in words (as ChangeRow holds them), and ids for the preview's staleness check.
    catalog = models.CharField(max_length=255, blank=True, default="")
    school = models.CharField(max_length=600, blank=True, default="")  # "101 North High"
    calendar = models.CharField(max_length=255, blank=True, default="")  # the school year, "22-23"
    master = models.CharField(max_length=255, blank=True, default="")  # the master's number
    course = models.CharField(max_length=255, blank=True, default="")  # the course's number
    section = models.CharField(max_length=255, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")  # the master's or course's name
    catalog_pk = models.BigIntegerField(null=True, blank=True)
    school_pk = models.BigIntegerField(null=True, blank=True)
    data_type = models.CharField(max_length=50)  # a setup type, course_info, locks, master_link, ...
    item = models.CharField(max_length=500, blank=True, default="")  # the key in words; an attribute's name
    change = models.CharField(max_length=20)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.JSONField(null=True, blank=True)  # an import: file name, digest, counts per kind

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["level", "object_pk", "-at", "-id"], name="history_object_time"),
            models.Index(fields=["at"], name="history_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(how__in=["web", "command", "import", "other"]), name="history_how_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=["district", "catalog", "master", "course", "section"]),
                name="history_level_valid",
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.level} {self.object_pk} {self.item} {self.change}"
