"""The API's own rows: the tokens people make to call it, and the idempotency keys of the POSTs
that start jobs (a retried request gets the job of the first, R94)."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A token a user made on their API tokens page. Only its SHA-256 is kept: the token itself is
    shown once, when it is made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, to tell tokens apart on the page; not enough to use it.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a user sent on a POST that starts a job, and the job it started."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # The endpoint and body the key was first used with: the same key on another request is refused.
    fingerprint = models.CharField(max_length=64)
    job = models.ForeignKey("pushjobs.PushJob", null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]
