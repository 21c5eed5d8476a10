"""The batch queue: every push, however it was started, is a PushJob row.

The row is the truth (STYLE.md "Background work"); Redis only carries
messages that say "look at job N". Status moves by compare-and-set updates in
``pushjobs.submit``, ``pushjobs.dispatch`` and ``pushjobs.worker``. A job's courses are split
into chunks; a chunk is marked done in the same transaction as its writes, so a course is pushed exactly once
by a job even when a worker dies mid-chunk (R46).
"""

from django.conf import settings
from django.db import models

from catalog.setup_types import PUSH_DATA_LABELS


class PushJob(models.Model):
    PUSH_ALL_COURSE_MASTERS = "push_all_course_masters"
    PUSH_COURSE_MASTER = "push_course_master"
    PUSH_ALL_COURSES = "push_all_courses"
    PUSH_COURSE_TO_SECTIONS = "push_course_to_sections"
    UNDO = "undo"  # R73: puts back what another job's change log says it changed
    PREVIEW = "preview"  # R71: a dry run of a push or an undo; it writes PreviewChange rows, nothing else
    KIND_CHOICES = [
        (PUSH_ALL_COURSE_MASTERS, "Push All Course Masters"),
        (PUSH_COURSE_MASTER, "Push to Courses"),
        (PUSH_ALL_COURSES, "Push All Courses"),
        (PUSH_COURSE_TO_SECTIONS, "Push to Sections"),
        (UNDO, "Undo"),
        (PREVIEW, "Preview"),
    ]
    MASTER_KINDS = (PUSH_ALL_COURSE_MASTERS, PUSH_COURSE_MASTER)

    QUEUED, PROCESSING, COMPLETED, FAILED, CANCELED = "queued", "processing", "completed", "failed", "canceled"
    STATUS_CHOICES = [
        (QUEUED, "Queued"),
        (PROCESSING, "Processing"),
        (COMPLETED, "Completed"),
        (FAILED, "Failed"),
        (CANCELED, "Canceled"),
    ]
    FINISHED_STATUSES = (COMPLETED, FAILED, CANCELED)

    NORMAL, HIGH = "normal", "high"
    PRIORITY_CHOICES = [(NORMAL, "Normal"), (HIGH, "High")]

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="push_jobs")
    kind = models.CharField(max_length=30, choices=KIND_CHOICES)
    # pushjobs.engine.api options, as to_json() writes them (options_from_json reads them back).
    options = models.JSONField()

    # What the job pushes, in words, for the list and its filters (copied from the options at submit).
    year = models.CharField(max_length=255)
    catalog = models.CharField(max_length=255, blank=True, default="")  # master pushes
    school = models.CharField(max_length=255, blank=True, default="")  # course pushes: the calendar's school number
    master = models.CharField(max_length=255, blank=True, default="")  # Push to Courses: the master's number
    course = models.CharField(max_length=255, blank=True, default="")  # Push to Sections: the course's number
    target = models.CharField(max_length=600)  # "High School Catalog" or "101 North High"
    mode = models.CharField(max_length=10)  # push or overwrite (overwrite: Overwrite Categories for course pushes)
    to_sections = models.BooleanField()
    data = models.JSONField(default=list)  # data names, cli.md --data
    # Schools whose courses the job can touch (R44 report rights, list visibility) and the keys
    # that make two jobs conflict (R41): they conflict when their keys intersect.
    school_ids = models.JSONField(default=list)
    conflict_keys = models.JSONField(default=list)

    scheduled_for = models.DateTimeField()
    priority = models.CharField(max_length=10, choices=PRIORITY_CHOICES, default=NORMAL)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=QUEUED)
    # A push command run without --batch: it runs in the command's own process.
    inline = models.BooleanField(default=False)
    # A queue message was sent for this queued job: the claim must carry the same token, so a
    # message for a canceled, rescheduled or re-dispatched job does nothing.
    dispatch_token = models.CharField(max_length=40, blank=True, default="")
    dispatched_at = models.DateTimeField(null=True, blank=True)

    courses_total = models.PositiveIntegerField(default=0)
    courses_done = models.PositiveIntegerField(default=0)
    courses_failed = models.PositiveIntegerField(default=0)
    chunks_prepared = models.BooleanField(default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # api.Summary.to_json()
    error = models.TextField(blank=True, default="")  # why the job itself failed
    # Who canceled it (its page says so); None for a job not canceled, or whose canceler was deleted.
    canceled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keep_until_deleted = models.BooleanField(default=False)
    # The change-log page's filter choices with each one's row count, and the row total, kept when
    # the job finished (its change rows never change after): pushjobs.change_choices. None: not kept yet.
    change_choices = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="pushjob_status_due"),
            models.Index(fields=["scheduled_for"], name="pushjob_scheduled"),
            models.Index(fields=["finished_at"], name="pushjob_finished"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "processing", "completed", "failed", "canceled"]),
                name="pushjob_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(priority__in=["normal", "high"]), name="pushjob_priority_valid"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "push_all_course_masters",
                        "push_course_master",
                        "push_all_courses",
                        "push_course_to_sections",
                        "undo",
                        "preview",
                    ]
                ),
                name="pushjob_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(courses_done__lte=models.F("courses_total"))
                & models.Q(courses_failed__lte=models.F("courses_done")),
                name="pushjob_progress_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.pk} {self.get_kind_display()} {self.target} {self.year}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES

    @property
    def is_master_push(self) -> bool:
        # An undo of a master push (or of its undo) needs the rights of a master push: it carries the catalog.
        return self.kind in self.MASTER_KINDS or (self.kind in (self.UNDO, self.PREVIEW) and bool(self.catalog))

    @property
    def is_preview(self) -> bool:
        return self.kind == self.PREVIEW

    @property
    def previewed_kind(self) -> str:
        """The kind of push a job runs, or a preview would run (its options say which tool)."""
        if self.kind != self.PREVIEW:
            return self.kind
        kind = self.options.get("kind")
        if kind == "undo":
            return self.UNDO
        if kind == "master":
            return self.PUSH_COURSE_MASTER if self.options.get("master") else self.PUSH_ALL_COURSE_MASTERS
        return self.PUSH_COURSE_TO_SECTIONS if self.options.get("course") else self.PUSH_ALL_COURSES

    @property
    def title(self) -> str:
        """What the job is, in words: "Push All Courses", "Undo of job 12", "Preview of Push to Courses"."""
        kind = self.previewed_kind
        what = dict(self.KIND_CHOICES)[kind]
        if kind == self.UNDO:
            what = f"Undo of job {self.options.get('job')}"
        return f"Preview of {what}" if self.kind == self.PREVIEW else what

    @property
    def data_display(self) -> str:
        """The list's "Pushed Data" column: "Assessments, Course Info"."""
        return ", ".join(sorted(PUSH_DATA_LABELS.get(d, d) for d in self.data))

    @property
    def can_cancel(self) -> bool:
        return self.status == self.QUEUED

    can_reschedule = can_cancel

    @property
    def can_restart(self) -> bool:
        return self.status in (self.CANCELED, self.FAILED)


class PushJobChunk(models.Model):
    """Some of a job's courses, pushed in one transaction that also marks the chunk done."""

    PENDING, RUNNING, DONE = "pending", "running", "done"
    STATUS_CHOICES = [(PENDING, "Pending"), (RUNNING, "Running"), (DONE, "Done")]

    job = models.ForeignKey(PushJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    course_ids = models.JSONField()
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default=PENDING)
    # Who holds the chunk: a fresh token on each claim, so a worker whose claim was taken
    # back (its heartbeat went stale) cannot mark the chunk done.
    claim_token = models.CharField(max_length=40, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    summary = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="pushjobchunk_index_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done"]), name="pushjobchunk_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="pushjobchunk_status_heartbeat")]

    def __str__(self):
        return f"job {self.job_id} chunk {self.index}"


class PushResultRow(models.Model):
    """One row of a job's result report (R44; columns as pushjobs.engine.api.REPORT_COLUMNS)."""

    job = models.ForeignKey(PushJob, on_delete=models.CASCADE, related_name="result_rows")
    chunk_index = models.PositiveIntegerField()
    position = models.PositiveIntegerField()  # the row's place in its chunk's outcome
    school = models.CharField(max_length=600)
    calendar = models.CharField(max_length=255)
    course = models.CharField(max_length=255)
    course_master = models.CharField(max_length=255, blank=True, default="")
    section = models.CharField(max_length=255, blank=True, default="")
    data_type = models.CharField(max_length=50, blank=True, default="")
    item = models.CharField(max_length=500, blank=True, default="")
    outcome = models.CharField(max_length=40)
    detail = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["job", "chunk_index", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "chunk_index", "position"], name="pushresultrow_place_unique"),
        ]

    def __str__(self):
        return f"{self.course} {self.item} {self.outcome}"


class ChangeRow(models.Model):
    """One thing a job changed (R70): the single record that result reports, previews, undo,
    history and teachers' notifications read. Written with COPY in the transaction of the chunk
    whose writes it describes (pushjobs.engine.changes).

    The text columns are what the change log CSV prints (cli.md), so it needs no join; the
    ``*_pk`` columns and ``raw`` (database values: ids, states, sources) are what undo works from.
    """

    LEVELS = ("course", "section")
    CHANGES = ("created", "updated", "removed", "renamed", "relinked", "adopted", "kept_residual", "grayed_out")

    # No index of its own: the indexes below lead with the job (one less index to write per row).
    job = models.ForeignKey(PushJob, on_delete=models.CASCADE, related_name="change_rows", db_index=False)
    level = models.CharField(max_length=10)
    school = models.CharField(max_length=600)  # "101 North High"
    calendar = models.CharField(max_length=255)  # the school year, "22-23"
    course = models.CharField(max_length=255)  # the course's number when the row was written
    section = models.CharField(max_length=255, blank=True, default="")
    teacher = models.CharField(max_length=255, blank=True, default="")  # the section's teacher's username
    data_type = models.CharField(max_length=50)  # a setup type, "course_info" or "advisory"
    item = models.CharField(max_length=500, blank=True, default="")  # the key in words; an attribute's name
    change = models.CharField(max_length=20)
    before = models.JSONField(null=True, blank=True)  # None for a created item
    after = models.JSONField(null=True, blank=True)  # None for a removed item
    course_pk = models.BigIntegerField()
    section_pk = models.BigIntegerField(null=True, blank=True)
    teacher_pk = models.BigIntegerField(null=True, blank=True)
    item_pk = models.BigIntegerField(null=True, blank=True)  # the item's row (None: created, id not needed)
    raw = models.JSONField(default=dict)  # {"kind": ..., "before": ..., "after": ...} in database values

    class Meta:
        ordering = ["job", "pk"]
        indexes = [
            models.Index(fields=["job", "course_pk"], name="changerow_job_course"),
            models.Index(fields=["course_pk", "id"], name="changerow_course_later"),
            # The job page's change log a page at a time, in log order, whole or one change only.
            models.Index(fields=["job", "id"], name="changerow_job_log"),
            models.Index(fields=["job", "change", "id"], name="changerow_job_change_log"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=["course", "section"]), name="changerow_level_valid"),
            models.CheckConstraint(
                condition=models.Q(
                    change__in=[
                        "created",
                        "updated",
                        "removed",
                        "renamed",
                        "relinked",
                        "adopted",
                        "kept_residual",
                        "grayed_out",
                    ]
                ),
                name="changerow_change_valid",
            ),
        ]

    def __str__(self):
        return f"{self.course} {self.section} {self.item} {self.change}"


class PreviewChange(models.Model):
    """One change a preview job (R71) found its push would make: a ChangeRow's words, kept apart
    from the change log because nothing happened (undo and history read ChangeRow as the truth)."""

    # A first push's preview writes millions of rows: each would cost PostgreSQL a check of its
    # job (over a quarter of its work on them) and a second index on job; the (job, change) index serves
    # every read by job, and the rows are written only in the chunk transaction that also updates
    # their job's row (docs/decisions.md, "A preview's rows: no database check of their job").
    job = models.ForeignKey(
        PushJob, on_delete=models.CASCADE, related_name="preview_changes", db_constraint=False, db_index=False
    )
    level = models.CharField(max_length=10)
    school = models.CharField(max_length=600)
    calendar = models.CharField(max_length=255)
    course = models.CharField(max_length=255)
    section = models.CharField(max_length=255, blank=True, default="")
    teacher = models.CharField(max_length=255, blank=True, default="")
    data_type = models.CharField(max_length=50)
    item = models.CharField(max_length=500, blank=True, default="")
    change = models.CharField(max_length=20)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    course_pk = models.BigIntegerField()
    section_pk = models.BigIntegerField(null=True, blank=True)
    item_pk = models.BigIntegerField(null=True, blank=True)  # None: an item the push would create
    raw = models.JSONField(default=dict)  # database values, as ChangeRow.raw (the grade impact reads them)

    class Meta:
        ordering = ["job", "pk"]
        indexes = [
            models.Index(fields=["job", "id"], name="previewchange_job_log"),
            models.Index(fields=["job", "change", "id"], name="previewchange_job_change_log"),
        ]

    def __str__(self):
        return f"{self.course} {self.section} {self.item} {self.change}"


class Notification(models.Model):
    """A message in the application for one user (R45: a job of theirs finished)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    job = models.ForeignKey(PushJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    message = models.TextField()
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read"], name="notification_user_read")]

    def __str__(self):
        return self.message[:60]


class JobGradeImpact(models.Model):
    """R83: an applied push's grade impact, worked out once after the job's end by a follow-up task
    (``pushjobs.grade_impact.job_grade_impact_store``) and kept with the job: its summary here, its
    rows in JobGradeChange. A job finished before there was this table has none (its page works the
    impact out while it opens, up to a bound)."""

    WORKING, DONE, FAILED = "working", "done", "failed"
    STATE_CHOICES = [(WORKING, "Being worked out"), (DONE, "Done"), (FAILED, "Failed")]

    job = models.OneToOneField(PushJob, on_delete=models.CASCADE, primary_key=True, related_name="grade_impact")
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=WORKING)
    summary = models.JSONField(default=dict, blank=True)  # sections.grades.GradeImpactSummary, as asdict gives it
    error = models.TextField(blank=True, default="")  # why it could not be worked out (the log has the trace)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["working", "done", "failed"]), name="jobgradeimpact_state_valid"
            ),
        ]

    def __str__(self):
        return f"job {self.job_id} grade impact {self.state}"


class JobGradeChange(models.Model):
    """One student's grade an applied push moved (R83), as ``sections.grades.GradeChange`` gave it
    when the job's impact was worked out: names as they were then, in the order the impact lists
    them (``position``). Written set-based (INSERT ... SELECT), read a page or a batch at a time."""

    job = models.ForeignKey(PushJob, on_delete=models.CASCADE, related_name="grade_changes")
    position = models.PositiveIntegerField()
    school = models.CharField(max_length=600)
    calendar = models.CharField(max_length=255)
    course = models.CharField(max_length=255)
    section = models.CharField(max_length=255)
    teacher = models.CharField(max_length=255, blank=True, default="")
    student = models.CharField(max_length=255)
    item = models.CharField(max_length=300)  # "task:Q1G", as the grade impact CSV prints it
    term = models.CharField(max_length=255, blank=True, default="")
    before_percent = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)  # None: no grade
    after_percent = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    before_letter = models.CharField(max_length=255, blank=True, default="")
    after_letter = models.CharField(max_length=255, blank=True, default="")
    posted_differs = models.BooleanField()
    section_id = models.BigIntegerField()  # the section's row then (not a key: the section may go)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="jobgradechange_place_unique"),
        ]

    def __str__(self):
        return f"{self.course} {self.section} {self.student} {self.item} {self.term}"
