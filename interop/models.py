"""Which record of the district a OneRoster sourcedId names (R91).

A delta package names only what changed, by sourcedId: a class row points at a course the
package does not carry. So every sourcedId an import has seen is remembered here with the
natural key of what it became (rules.md section 2), never a database id, so that a record
renamed or re-imported is found again by its key, and a key that no longer resolves is an
error with the file and line that named it."""

from django.db import models


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
