"""Job actions go by the actor's rights as they are now, not by having submitted the job
(issue 11: a school admin cancels their job, becomes a teacher, and restarts it).

The role matrix of tests/web/test_access.py, extended to the batch queue's job actions: every
action (cancel, reschedule, restart, keep, delete) by the submitter after each kind of lost
right, through the page, the command and the service; the job itself failing when it starts
for a submitter who lost the right; and the sessions of a user whose rights change ending.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from catalog.models import School, User
from pushjobs import submit as job_services
from pushjobs.dispatch import push_job_claim, push_job_dispatch_due
from pushjobs.engine.api import CoursePushOptions, MasterPushOptions
from pushjobs.models import Notification, PushJob
from pushjobs.submit import push_job_submit
from pushjobs.worker import push_job_work_chunk

LATER = timedelta(days=1)


def _course_job(user, *, status=PushJob.QUEUED) -> PushJob:
    job = push_job_submit(
        user=user, options=CoursePushOptions(school="101", year="22-23"), scheduled_for=timezone.now() + LATER
    )
    PushJob.objects.filter(pk=job.pk).update(status=status)
    job.refresh_from_db()
    return job


def _master_job(user, *, status=PushJob.QUEUED) -> PushJob:
    job = push_job_submit(
        user=user,
        options=MasterPushOptions(year="22-23", catalog="High School Catalog"),
        scheduled_for=timezone.now() + LATER,
    )
    PushJob.objects.filter(pk=job.pk).update(status=status)
    job.refresh_from_db()
    return job


# Each way a submitter loses the right to push their job, applied to a fresh fixture.
def _school_admin_made_teacher(d):
    d.school_admin.role = User.TEACHER
    d.school_admin.save(update_fields=["role"])
    return d.school_admin, _course_job


def _school_admin_loses_the_school(d):
    d.school_admin.schools.remove(School.objects.get(number="101"))
    return d.school_admin, _course_job


def _school_admin_deactivated(d):
    d.school_admin.is_active = False
    d.school_admin.save(update_fields=["is_active"])
    return d.school_admin, _course_job


def _district_admin_made_school_admin(d):
    d.district_admin.role = User.SCHOOL_ADMIN
    d.district_admin.save(update_fields=["role"])
    d.district_admin.schools.add(School.objects.get(number="101"))
    return d.district_admin, _master_job


LOST_RIGHTS = {
    "school_admin_made_teacher": (_school_admin_made_teacher, "school_admin"),
    "school_admin_loses_the_school": (_school_admin_loses_the_school, "school_admin"),
    "district_admin_made_school_admin": (_district_admin_made_school_admin, "district_admin"),
}

# action -> (status the job must have for the action to make sense, web POST or None, service call)
ACTIONS = {
    "cancel": (PushJob.QUEUED, ("pushjobs:job_cancel", {})),
    "reschedule": (PushJob.QUEUED, ("pushjobs:job_reschedule", {"run_date": "2030-01-02", "run_time": "10:00"})),
    "restart": (PushJob.CANCELED, ("pushjobs:job_restart", {})),
}


def _submit_as(d, lost):
    """Submit the job while the user still has the right, then take the right away."""
    change, role = LOST_RIGHTS[lost]
    submitter = getattr(d, role)
    make_job = _course_job if role == "school_admin" else _master_job
    queued = make_job(submitter)
    canceled = make_job(submitter, status=PushJob.CANCELED)
    user, _ = change(d)
    user.refresh_from_db()
    return user, queued, canceled


def _snapshot(job: PushJob) -> tuple:
    job.refresh_from_db()
    return (job.status, job.scheduled_for, job.requested_by_id, job.keep_until_deleted)


@pytest.mark.parametrize("lost", LOST_RIGHTS)
@pytest.mark.parametrize("action", ACTIONS)
def test_job_action_on_the_page_is_refused_after_the_submitter_lost_the_right(client, district, lost, action):
    # given a job the user submitted while they could push it, and the right since taken away
    user, queued, canceled = _submit_as(district, lost)
    status, (url_name, data) = ACTIONS[action]
    job = queued if status == PushJob.QUEUED else canceled
    before = _snapshot(job)
    # when they sign in again (their old session ended) and post the action
    client.force_login(user)
    response = client.post(reverse(url_name, args=[job.pk]), data)
    # then the explained 403, and the job is as it was
    assert response.status_code == 403, response.status_code
    assert f"may not change job {job.pk}" in response.content.decode()
    assert _snapshot(job) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_job_action_on_the_page_is_still_allowed_while_the_right_stands(client, district, action):
    # the control of the test above: the same submitter, the same action, no change of rights
    queued, canceled = _course_job(district.school_admin), _course_job(district.school_admin, status=PushJob.CANCELED)
    status, (url_name, data) = ACTIONS[action]
    job = queued if status == PushJob.QUEUED else canceled
    before = _snapshot(job)
    client.force_login(district.school_admin)
    response = client.post(reverse(url_name, args=[job.pk]), data)
    assert response.status_code == 302
    assert _snapshot(job) != before


def test_deactivated_submitter_is_refused_every_job_action(district):
    # an inactive user (who cannot sign in) is refused by the services as well
    queued, canceled = _course_job(district.school_admin), _course_job(district.school_admin, status=PushJob.CANCELED)
    _school_admin_deactivated(district)
    user = User.objects.get(pk=district.school_admin.pk)
    with pytest.raises(PermissionError, match="not an active user"):
        job_services.push_job_cancel(user=user, job_id=queued.pk)
    with pytest.raises(PermissionError, match="not an active user"):
        job_services.push_job_restart(user=user, job_id=canceled.pk)


@pytest.mark.parametrize("lost", LOST_RIGHTS)
def test_keep_and_delete_are_refused_after_the_submitter_lost_the_right(district, lost):
    user, queued, canceled = _submit_as(district, lost)
    with pytest.raises(PermissionError, match=f"may not change job {canceled.pk}"):
        job_services.push_job_keep_set(user=user, job_id=canceled.pk, keep=True)
    with pytest.raises(PermissionError, match=f"may not change job {canceled.pk}"):
        job_services.push_job_delete(user=user, job_id=canceled.pk)
    assert PushJob.objects.filter(pk=canceled.pk, keep_until_deleted=False).exists()


def _command_failing(*args) -> tuple[int, str]:
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    return raised.value.returncode, str(raised.value)


@pytest.mark.parametrize("lost", LOST_RIGHTS)
def test_batch_queue_command_refuses_restart_after_the_submitter_lost_the_right(district, lost):
    user, queued, canceled = _submit_as(district, lost)
    code, text = _command_failing("batch_queue", "restart", str(canceled.pk), "--as", user.username)
    assert code == 2
    assert f"may not change job {canceled.pk}" in text
    code, text = _command_failing("batch_queue", "cancel", str(queued.pk), "--as", user.username)
    assert code == 2
    canceled.refresh_from_db()
    queued.refresh_from_db()
    assert (canceled.status, queued.status) == (PushJob.CANCELED, PushJob.QUEUED)


def test_job_list_shows_no_action_buttons_to_a_submitter_who_lost_the_right(client, district):
    job = _course_job(district.school_admin)
    page = reverse("pushjobs:job_detail", args=[job.pk])
    client.force_login(district.school_admin)
    assert f'action="{reverse("pushjobs:job_cancel", args=[job.pk])}"' in client.get(page).content.decode()
    _school_admin_loses_the_school(district)
    district.school_admin.schools.add(School.objects.get(number="102"))
    client.force_login(district.school_admin)
    # they still see their own job (R44: the submitter), but no button that would be refused
    response = client.get(page)
    assert response.status_code == 200
    assert f'action="{reverse("pushjobs:job_cancel", args=[job.pk])}"' not in response.content.decode()


def _run_due(job: PushJob) -> PushJob:
    """What a worker does with a due job: the tick dispatches it, the worker claims it and works it."""
    PushJob.objects.filter(pk=job.pk).update(scheduled_for=timezone.now() - timedelta(seconds=1))
    assert job.pk in push_job_dispatch_due()
    token = PushJob.objects.get(pk=job.pk).dispatch_token
    assert push_job_claim(job_id=job.pk, token=token)
    while push_job_work_chunk(job_id=job.pk):
        pass
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("lost", LOST_RIGHTS)
def test_job_of_a_submitter_who_lost_the_right_fails_when_it_starts_and_says_why(district, lost):
    user, queued, _canceled = _submit_as(district, lost)
    job = _run_due(queued)
    assert job.status == PushJob.FAILED
    assert "its submitter may no longer push it" in job.error
    assert job.courses_done == 0
    assert "its submitter may no longer push it" in Notification.objects.get(job=job).message


def test_a_district_admin_restarting_it_takes_it_over_and_it_runs(district):
    _user, queued, _canceled = _submit_as(district, "school_admin_made_teacher")
    failed = _run_due(queued)
    assert failed.status == PushJob.FAILED
    job_services.push_job_restart(user=district.district_admin, job_id=failed.pk)
    job = _run_due(failed)
    assert job.status == PushJob.COMPLETED, job.error
    assert job.requested_by == district.district_admin


# ---------------------------------------------------------------------------
# Sessions end when rights change
# ---------------------------------------------------------------------------


def _signed_in(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda u: User.objects.filter(pk=u.pk).update(role=User.TEACHER), id="role_changed_by_update"),
        pytest.param(lambda u: (setattr(u, "role", User.TEACHER), u.save()), id="role_changed_by_save"),
        pytest.param(lambda u: u.schools.remove(School.objects.get(number="101")), id="school_removed"),
        pytest.param(lambda u: u.schools.add(School.objects.get(number="201")), id="school_added"),
    ],
)
def test_session_of_a_user_whose_rights_change_ends(client, district, change):
    # given a school admin signed in
    client.force_login(district.school_admin)
    assert _signed_in(client)
    # when their role or schools change, however it is done
    change(district.school_admin)
    # then their next request is signed out
    response = client.get(reverse("pushjobs:batch_queue"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_session_survives_a_change_that_grants_nothing(client, district):
    client.force_login(district.school_admin)
    User.objects.filter(pk=district.school_admin.pk).update(email="new@example.org", first_name="Pat")
    assert _signed_in(client)
