"""An XLSX download too large for the web request, prepared in the background for the person who
asked for it (downloads.services) and kept for settings.PREPARED_DOWNLOAD_RETENTION_DAYS."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.large_downloads import GRADE_IMPACT, HISTORY, JOB_CHANGES, JOB_REPORT, REPORT


class PreparedDownload(models.Model):
    PREPARING, READY, FAILED = "preparing", "ready", "failed"
    STATE_CHOICES = [(PREPARING, "Being prepared"), (READY, "Ready"), (FAILED, "Could not be prepared")]
    WHAT_CHOICES = [
        (REPORT, "Report"),
        (JOB_REPORT, "Push job report"),
        (JOB_CHANGES, "Push job changes"),
        (GRADE_IMPACT, "Push job grades"),
        (HISTORY, "History"),
    ]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prepared_downloads")
    what = models.CharField(max_length=20, choices=WHAT_CHOICES)
    scope = models.JSONField(default=dict)  # catalog.large_downloads' fields: job, kind, pk, query
    description = models.CharField(max_length=600)  # what it is, for which job, report or filters, in words
    filename = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=PREPARING)
    file = models.CharField(max_length=500, blank=True, default="")  # its name in the default storage
    size = models.BigIntegerField(null=True, blank=True)  # bytes
    error = models.TextField(blank=True, default="")  # why it could not be prepared, in words
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["user", "-requested_at"], name="prepareddownload_user_newest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["preparing", "ready", "failed"]), name="prepareddownload_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.description} {self.state}"

    @property
    def deleted_at(self) -> datetime:
        """When the retention clean-up deletes it (downloads.services.prepared_downloads_remove_expired)."""
        return (self.finished_at or self.requested_at) + timedelta(days=settings.PREPARED_DOWNLOAD_RETENTION_DAYS)
