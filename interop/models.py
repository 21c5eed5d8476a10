"""Which record of the district a OneRoster sourcedId names (R91).

A delta package names only what changed, by sourcedId: a class row points at a course the
package does not carry. So every sourcedId an import has seen is remembered here with the
natural key of what it became (rules.md section 2), never a database id, so that a record
renamed or re-imported is found again by its key, and a key that no longer resolves is an
error with the file and line that named it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SourcedRecord(models.Model):
    # The OneRoster file kind: org, academicSession, course, class, user, category, lineItem, result.
    kind = models.CharField(max_length=30)
    sourced_id = models.CharField(max_length=255)
    # The natural key of the district record, e.g. {"school": "101"} or
    # {"section": ["101", "22-23", "ENG9", "1"]}.
    key = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "sourced_id"], name="sourced_record_unique")]

    def __str__(self):
        return f"{self.kind} {self.sourced_id}"


class ImportJob(models.Model):
    """An Import page upload (R91, R93): checked first (a dry run that changes nothing), then, if the
    district admin applies it, imported by a queued task. The row is the truth for both steps;
    the task messages only say "look at job N"."""

    ONEROSTER, EDFI = "oneroster", "edfi"
    FORMAT_CHOICES = [(ONEROSTER, "OneRoster 1.1 or 1.2"), (EDFI, "Ed-Fi 5.x")]

    CHECKING, CHECKED, REFUSED, QUEUED, RUNNING, COMPLETED, FAILED = (
        "checking",
        "checked",
        "refused",
        "queued",
        "running",
        "completed",
        "failed",
    )
    STATUS_CHOICES = [
        (CHECKING, "Checking"),
        (CHECKED, "Checked: ready to apply"),
        (REFUSED, "Refused"),
        (QUEUED, "Queued"),
        (RUNNING, "Importing"),
        (COMPLETED, "Completed"),
        (FAILED, "Failed"),
    ]
    MOVING = (CHECKING, QUEUED, RUNNING)

    format = models.CharField(max_length=10, choices=FORMAT_CHOICES)
    catalog = models.CharField(max_length=255)
    delta = models.BooleanField(default=False)
    create_masters = models.BooleanField(default=False)
    # The name the browser sent, shown to people only; the content is stored in ImportPackage.
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=CHECKING)
    # {"what": ..., "done": n, "total": n or null}, written while a step runs.
    progress = models.JSONField(default=dict)
    # The dry run's and the import's ImportSummary: {"counts": {...}, "warnings": [...]}.
    dry_run = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    # Why it was refused (file, line and column) or failed.
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["checking", "checked", "refused", "queued", "running", "completed", "failed"]
                ),
                name="import_job_status_valid",
            ),
        ]

    def __str__(self):
        return f"Import {self.pk}: {self.file_name}"

    @property
    def is_moving(self) -> bool:
        return self.status in self.MOVING

    @property
    def is_finished(self) -> bool:
        return self.status in (self.REFUSED, self.COMPLETED, self.FAILED)


class ImportPackage(models.Model):
    """An upload's bytes, kept in the database until its job ends: the web process that receives
    it and the worker that imports it share the database, not a disk (docker-compose.yml)."""

    job = models.OneToOneField(ImportJob, on_delete=models.CASCADE, primary_key=True, related_name="package")
    content = models.BinaryField()
