"""Who may do what with pushes and push jobs: the one place that decides (rules.md section 1, R41, R44).

Views, selectors, services and commands all ask here. Every answer is about the user as they
are *now*: a school admin who submitted a job and has since become a teacher may no longer
cancel, reschedule, restart, keep or delete it, and the job itself fails when it starts
(``job_start_refusal``) rather than pushing with rights its submitter lost.

A job action is allowed exactly when the actor may, today, submit the push the job holds:
district admins every push; school admins the course pushes (Push All Courses, Push to
Sections) of their own schools; teachers and inactive users nothing. Whether they submitted it
does not matter either way. Reading a job and its report (R44) is wider: its submitter,
district admins, and school admins of the schools it touched.

Refusals come as sentences (``..._refusal`` returns None when allowed) so a page, a command and
a failed job can say why in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.models import School, User
from pushjobs.engine.api import CoursePushOptions, MasterPushOptions

from .models import PushJob


@dataclass(frozen=True)
class PushRights:
    """One user's push rights, read once (one query for a school admin's schools), so a list of
    fifty jobs is decided without a query per job."""

    username: str
    user_id: int | None
    active: bool
    district: bool
    school_admin: bool
    school_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> PushRights:
        active = bool(user.is_authenticated and user.is_active)
        district = active and user.is_district_admin
        school_admin = active and not district and user.is_school_admin
        schools = frozenset(user.schools.values_list("pk", flat=True)) if school_admin else frozenset()
        return cls(
            username=user.get_username() if user.is_authenticated else "anonymous",
            user_id=user.pk if user.is_authenticated else None,
            active=active,
            district=district,
            school_admin=school_admin,
            school_ids=schools,
        )

    # -- pushing -----------------------------------------------------------

    def master_push_refusal(self) -> str | None:
        if not self.active:
            return f"{self.username} is not an active user"
        if not self.district:
            return f"{self.username} may not push course masters: only district admins may"
        return None

    def school_push_refusal(self, school_ids: Iterable[int], school_name: str = "") -> str | None:
        if not self.active:
            return f"{self.username} is not an active user"
        if self.district:
            return None
        school_ids = set(school_ids)
        if self.school_admin and school_ids and school_ids <= self.school_ids:
            return None
        what = f"school {school_name}" if school_name else "these schools"
        if not self.school_admin:
            return f"{self.username} may not push the courses of {what}: only district and school admins may"
        return f"{self.username} may not push the courses of {what}: it is not one of their schools"

    def may_use_push_tools(self) -> bool:
        """The push tool pages and the Batch Queue List are for district and school admins."""
        return self.district or self.school_admin

    # -- jobs --------------------------------------------------------------

    def job_action_refusal(self, job: PushJob) -> str | None:
        """Cancel, reschedule, restart, keep, delete: allowed when the user may push this job now."""
        if job.is_master_push:
            return self.master_push_refusal()
        return self.school_push_refusal(job.school_ids, job.target)

    def may_manage_job(self, job: PushJob) -> bool:
        return self.job_action_refusal(job) is None

    def may_see_job(self, job: PushJob) -> bool:
        """A job in the Batch Queue List and its page: the submitter's own, every job for district
        admins, and jobs touching a school a school admin manages."""
        if not self.active:
            return False
        if self.district or job.requested_by_id == self.user_id:
            return True
        return bool(self.school_ids & set(job.school_ids))

    def may_read_report(self, job: PushJob) -> bool:
        """R44: the submitter, district admins, and school admins of the schools the job touched."""
        return self.may_see_job(job)


def push_refusal(user: User, options: MasterPushOptions | CoursePushOptions) -> str | None:
    """Why ``user`` may not submit this push now (None: they may). A course push names its school
    by number; an unknown school is the caller's R32 error, not a refusal."""
    rights = PushRights.of(user)
    if isinstance(options, MasterPushOptions):
        return rights.master_push_refusal()
    school = School.objects.filter(number=options.school).first()
    if school is None:
        return None
    return rights.school_push_refusal([school.pk], str(school))


def job_action_refusal(user: User, job: PushJob) -> str | None:
    return PushRights.of(user).job_action_refusal(job)


def job_start_refusal(job: PushJob) -> str | None:
    """Why a job may not run as it starts: its submitter may no longer push it (in words, for the
    job's error). None: it may run."""
    refusal = PushRights.of(job.requested_by).job_action_refusal(job)
    if refusal is None:
        return None
    return (
        f"the job did not run: its submitter may no longer push it ({refusal}); someone who may push it can restart it"
    )


def manageable_job_ids(user: User, jobs: Iterable[PushJob]) -> set[int]:
    """Of these jobs, those the user may act on now (the buttons a page shows)."""
    rights = PushRights.of(user)
    return {job.pk for job in jobs if rights.may_manage_job(job)}


def may_read_job_report(user: User, job: PushJob) -> bool:
    return PushRights.of(user).may_read_report(job)


def may_see_job(user: User, job: PushJob) -> bool:
    return PushRights.of(user).may_see_job(job)


def may_use_push_tools(user: User) -> bool:
    return PushRights.of(user).may_use_push_tools()
