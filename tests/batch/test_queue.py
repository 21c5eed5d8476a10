"""The batch queue's services, in this process (R40-R46). The worker tests run the same
services in real Celery workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.errors import InputError
from catalog.models import CourseCatalog, District
from pushjobs import worker
from pushjobs.dispatch import push_job_claim, push_job_dispatch_due, push_job_reap_stale
from pushjobs.models import PushJob, PushJobChunk, PushResultRow
from pushjobs.submit import (
    batch_processing_set,
    push_job_cancel,
    push_job_cleanup_expired,
    push_job_keep_set,
    push_job_reschedule,
    push_job_restart,
    push_job_submit,
)
from pushjobs.worker import push_job_run_inline, push_job_work_chunk

from .conftest import course_push, job_waiting_for_worker, master_push, middle_push, pushed_categories


def run_due(capture, *, now=None) -> list[int]:
    """What beat and a worker do, here: dispatch the due jobs; their tasks run in this process."""
    with capture(execute=True):
        return push_job_dispatch_due(now=now)


def claim(job: PushJob) -> None:
    """Dispatch without running, then take the job as a worker would."""
    push_job_dispatch_due()
    job.refresh_from_db()
    assert push_job_claim(job_id=job.pk, token=job.dispatch_token)


def stale(now=None):
    return (now or timezone.now()) + timedelta(seconds=settings.BATCH_HEARTBEAT_STALE_SECONDS + 1)


# --- R40: submitting ---------------------------------------------------------


def test_r40_submit_to_batch_records_who_when_what(district):
    at = timezone.now() + timedelta(hours=3)
    options = master_push(to_sections=True, data=frozenset({"categories"}))
    job = push_job_submit(user=district.district_admin, options=options, scheduled_for=at)
    assert job.status == PushJob.QUEUED
    assert job.requested_by == district.district_admin
    assert job.scheduled_for == at and job.priority == PushJob.NORMAL
    assert (job.kind, job.target, job.year, job.mode, job.to_sections) == (
        PushJob.PUSH_ALL_COURSE_MASTERS,
        "High School Catalog",
        "22-23",
        "push",
        True,
    )
    assert job.data_display == "Categories"
    assert sorted(job.school_ids) == sorted([district.north.pk, district.south.pk])
    # Not due: a tick sends nothing.
    assert push_job_dispatch_due() == []


def test_r40_run_now_is_due_at_once_at_high_priority(district):
    job = push_job_submit(user=district.district_admin, options=master_push(), run_now=True)
    assert job.priority == PushJob.HIGH
    assert job.scheduled_for <= timezone.now()
    assert push_job_dispatch_due() == [job.pk]


def test_r40_a_dispatched_job_pushes_every_course_of_its_scope(district, django_capture_on_commit_callbacks):
    job = push_job_submit(user=district.district_admin, options=master_push(), run_now=True)
    run_due(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert job.courses_total == job.courses_done == len(district.courses)
    assert job.summary["courses_changed"] == len(district.courses)
    for categories in pushed_categories([c.pk for c in district.courses]).values():
        assert set(categories) == {"homework", "tests"}


def test_r32_scheduled_time_in_the_past_is_refused_and_nothing_recorded(district):
    with pytest.raises(InputError, match="in the past"):
        push_job_submit(
            user=district.district_admin, options=master_push(), scheduled_for=timezone.now() - timedelta(hours=1)
        )
    assert not PushJob.objects.exists()


def test_r32_unknown_catalog_is_refused_and_nothing_recorded(district):
    with pytest.raises(InputError, match="Nowhere Catalog"):
        push_job_submit(user=district.district_admin, options=master_push(catalog="Nowhere Catalog"))
    assert not PushJob.objects.exists()


def test_r40_school_admins_push_only_courses_of_their_schools_teachers_nothing(district):
    with pytest.raises(PermissionError):
        push_job_submit(user=district.school_admin, options=master_push())
    with pytest.raises(PermissionError):
        push_job_submit(user=district.school_admin, options=course_push("102"))
    with pytest.raises(PermissionError):
        push_job_submit(user=district.teacher, options=course_push("101"))
    job = push_job_submit(user=district.school_admin, options=course_push("101"))
    assert (job.kind, job.target, job.to_sections) == (PushJob.PUSH_ALL_COURSES, "101 North High", True)
    assert PushJob.objects.count() == 1


# --- R41: statuses, cancel, reschedule, restart, conflicts ---------------------


def test_r41_canceled_job_never_runs(district, django_capture_on_commit_callbacks):
    job = push_job_submit(user=district.district_admin, options=master_push())
    push_job_cancel(user=district.district_admin, job_id=job.pk)
    assert run_due(django_capture_on_commit_callbacks) == []
    job.refresh_from_db()
    assert job.status == PushJob.CANCELED
    assert pushed_categories([c.pk for c in district.courses]) == {c.pk: {} for c in district.courses}


def test_r41_only_a_queued_job_can_be_canceled_or_rescheduled(district, django_capture_on_commit_callbacks):
    job = push_job_submit(user=district.district_admin, options=master_push())
    run_due(django_capture_on_commit_callbacks)
    with pytest.raises(InputError, match="completed"):
        push_job_cancel(user=district.district_admin, job_id=job.pk)
    with pytest.raises(InputError, match="completed"):
        push_job_reschedule(
            user=district.district_admin, job_id=job.pk, scheduled_for=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(InputError, match="only a canceled or failed job"):
        push_job_restart(user=district.district_admin, job_id=job.pk)
    with pytest.raises(InputError, match="no job"):
        push_job_cancel(user=district.district_admin, job_id=job.pk + 1000)


def test_r41_cancel_is_the_submitters_or_a_district_admins(district):
    job = push_job_submit(user=district.school_admin, options=course_push("101"))
    with pytest.raises(PermissionError):
        push_job_cancel(user=district.middle_admin, job_id=job.pk)
    push_job_cancel(user=district.other_district_admin, job_id=job.pk)
    assert PushJob.objects.get(pk=job.pk).status == PushJob.CANCELED


def test_r41_reschedule_moves_a_queued_job_and_refuses_the_past(district):
    job = push_job_submit(user=district.district_admin, options=master_push())
    later = timezone.now() + timedelta(days=2)
    job = push_job_reschedule(user=district.district_admin, job_id=job.pk, scheduled_for=later)
    assert job.scheduled_for == later
    assert push_job_dispatch_due() == []
    with pytest.raises(InputError, match="in the past"):
        push_job_reschedule(
            user=district.district_admin, job_id=job.pk, scheduled_for=timezone.now() - timedelta(days=1)
        )
    assert PushJob.objects.get(pk=job.pk).scheduled_for == later


def test_r41_failed_job_restarts_and_completes(district, django_capture_on_commit_callbacks):
    job = push_job_submit(user=district.district_admin, options=master_push())
    # The catalog is renamed between submit and run: the job itself breaks.
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(name="Renamed Catalog")
    run_due(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == PushJob.FAILED
    assert "High School Catalog" in job.error
    with pytest.raises(InputError, match="High School Catalog"):
        push_job_restart(user=district.district_admin, job_id=job.pk)
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(name="High School Catalog")
    job = push_job_restart(user=district.district_admin, job_id=job.pk)
    assert (job.status, job.error) == (PushJob.QUEUED, "")
    run_due(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert job.courses_done == len(district.courses)


def test_r41_conflicting_jobs_wait_in_due_order_and_high_priority_does_not_overtake(district):
    now = timezone.now()
    first = push_job_submit(user=district.district_admin, options=master_push())
    second = push_job_submit(user=district.district_admin, options=master_push(mode="overwrite"), run_now=True)
    other = push_job_submit(user=district.district_admin, options=middle_push(), run_now=True)
    PushJob.objects.filter(pk=first.pk).update(scheduled_for=now - timedelta(minutes=2))
    PushJob.objects.filter(pk=second.pk).update(scheduled_for=now - timedelta(minutes=1))
    PushJob.objects.filter(pk=other.pk).update(scheduled_for=now - timedelta(seconds=30))
    # The high-priority job that conflicts with nothing goes first; the one that conflicts
    # with an earlier job waits for it, high priority or not.
    assert push_job_dispatch_due() == [other.pk, first.pk]
    first.refresh_from_db()
    assert push_job_claim(job_id=first.pk, token=first.dispatch_token)
    assert push_job_dispatch_due() == []  # first processing: second still waits
    while push_job_work_chunk(job_id=first.pk):
        pass
    assert PushJob.objects.get(pk=first.pk).status == PushJob.COMPLETED
    assert push_job_dispatch_due() == [second.pk]


def test_r41_what_conflicts(district):
    def keys(options):
        return set(push_job_submit(user=district.district_admin, options=options).conflict_keys)

    catalog = keys(master_push())
    catalog_to_sections = keys(master_push(to_sections=True))
    one_master = keys(master_push(master="ENG9"))
    north_sections = keys(course_push("101"))
    middle_sections = keys(course_push("201"))
    middle_catalog = keys(middle_push(to_sections=True))
    assert catalog & one_master and catalog & catalog_to_sections
    assert catalog_to_sections & north_sections  # a calendar the masters reach to sections
    assert not catalog & north_sections  # masters pushed to courses only
    assert not catalog_to_sections & middle_sections and not catalog_to_sections & middle_catalog
    assert middle_catalog & middle_sections


@pytest.mark.django_db(transaction=True)
def test_r41_two_workers_claiming_one_job_one_wins(committed_district):
    job = job_waiting_for_worker(user=committed_district.district_admin, options=master_push(), token="t1")
    results = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        try:
            results.append(push_job_claim(job_id=job.pk, token="t1"))
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert PushJob.objects.get(pk=job.pk).status == PushJob.PROCESSING


@pytest.mark.django_db(transaction=True)
def test_r41_cancel_racing_a_claim_one_wins(committed_district):
    for _ in range(5):
        job = job_waiting_for_worker(user=committed_district.district_admin, options=master_push())
        outcome = {}
        barrier = threading.Barrier(2)

        def claimer(job_id=job.pk, outcome=outcome, barrier=barrier):
            barrier.wait()
            outcome["claimed"] = push_job_claim(job_id=job_id, token="t")
            from django.db import connection

            connection.close()

        def canceler(job_id=job.pk, outcome=outcome, barrier=barrier):
            barrier.wait()
            try:
                push_job_cancel(user=committed_district.district_admin, job_id=job_id)
                outcome["canceled"] = True
            except InputError:
                outcome["canceled"] = False
            from django.db import connection

            connection.close()

        threads = [threading.Thread(target=claimer), threading.Thread(target=canceler)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcome["claimed"] != outcome["canceled"]
        status = PushJob.objects.get(pk=job.pk).status
        assert status == (PushJob.PROCESSING if outcome["claimed"] else PushJob.CANCELED)
        PushJob.objects.filter(pk=job.pk).update(status=PushJob.CANCELED)


def test_r41_double_submit_is_two_jobs_that_run_one_after_the_other(district, django_capture_on_commit_callbacks):
    first = push_job_submit(user=district.district_admin, options=master_push())
    second = push_job_submit(user=district.district_admin, options=master_push())
    # The tick sends the first only; when it finishes, it asks for a tick that sends the second.
    assert run_due(django_capture_on_commit_callbacks) == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == PushJob.COMPLETED
    assert second.started_at >= first.finished_at
    # R18: the second push found nothing to change.
    assert first.summary["courses_changed"] == len(district.courses)
    assert second.summary["courses_changed"] == 0


# --- R42: the switch ------------------------------------------------------------


def test_r42_switch_off_holds_queued_jobs_and_on_releases_them(district, django_capture_on_commit_callbacks):
    dispatched = push_job_submit(user=district.district_admin, options=middle_push(), run_now=True)
    push_job_dispatch_due()
    dispatched.refresh_from_db()
    batch_processing_set(user=district.district_admin, enabled=False)
    job = push_job_submit(user=district.district_admin, options=master_push(), run_now=True)
    assert push_job_dispatch_due() == []
    # A message sent before the switch went off does not start its job either.
    assert not push_job_claim(job_id=dispatched.pk, token=dispatched.dispatch_token)
    assert PushJob.objects.get(pk=job.pk).status == PushJob.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        batch_processing_set(user=district.district_admin, enabled=True)
    assert set(PushJob.objects.values_list("status", flat=True)) == {PushJob.COMPLETED}


def test_r42_only_district_admins_switch_batch_processing(district):
    with pytest.raises(PermissionError):
        batch_processing_set(user=district.school_admin, enabled=False)
    assert District.current().batch_processing_enabled


def test_r42_a_push_run_directly_ignores_the_switch(district):
    batch_processing_set(user=district.district_admin, enabled=False)
    job, outcome = push_job_run_inline(user=district.district_admin, options=master_push())
    assert job.status == PushJob.COMPLETED and job.inline
    assert outcome.summary.courses_changed == len(district.courses)


# --- inline runs ------------------------------------------------------------------


def test_r40_a_push_run_directly_is_in_the_queue_list_with_its_report(district):
    district.courses[0].ignore_master_push = True
    district.courses[0].save()
    job, outcome = push_job_run_inline(user=district.district_admin, options=master_push())
    assert job.status == PushJob.COMPLETED
    assert [r.outcome for r in outcome.rows] == ["skipped_ignore_master_push"]
    assert PushResultRow.objects.filter(job=job).count() == 1
    assert job.summary["courses_skipped"] == 1
    from pushjobs.selectors import push_jobs_for_queue_list

    assert push_jobs_for_queue_list(user=district.district_admin) == [job]


def test_dry_run_writes_nothing_and_records_no_job(district):
    job, outcome = push_job_run_inline(user=district.district_admin, options=master_push(), dry_run=True)
    assert job is None
    assert outcome.summary.courses_changed == len(district.courses)
    assert not PushJob.objects.exists()
    assert pushed_categories([c.pk for c in district.courses]) == {c.pk: {} for c in district.courses}


@pytest.mark.django_db(transaction=True)
def test_r42_a_push_run_directly_waits_for_a_conflicting_job_that_is_processing(committed_district):
    d = committed_district
    queued = job_waiting_for_worker(user=d.district_admin, options=master_push())
    assert push_job_claim(job_id=queued.pk, token=queued.dispatch_token)
    result = {}

    def command():
        try:
            result["job"], _ = push_job_run_inline(user=d.district_admin, options=master_push(), poll_seconds=0.1)
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=command)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()  # waiting
    waiting = PushJob.objects.get(inline=True)
    assert (waiting.status, waiting.chunks_prepared) == (PushJob.PROCESSING, False)
    while push_job_work_chunk(job_id=queued.pk):
        pass
    thread.join(timeout=30)
    assert not thread.is_alive()
    queued.refresh_from_db()
    inline = result["job"]
    assert inline.status == PushJob.COMPLETED
    assert inline.started_at < queued.finished_at  # it was there all along...
    first_inline_chunk = PushJobChunk.objects.filter(job=inline).order_by("finished_at").first()
    assert first_inline_chunk.finished_at > queued.finished_at  # ...and pushed only after
    assert inline.summary["courses_changed"] == 0  # R18: the queued job had pushed it all


# --- R46: crashes, stale chunks, lost messages ------------------------------------


def test_r46_chunk_of_a_dead_worker_is_handed_back_and_pushed_once(district, django_capture_on_commit_callbacks):
    job = push_job_submit(user=district.district_admin, options=master_push())
    claim(job)
    assert push_job_work_chunk(job_id=job.pk)  # prepares and pushes the first chunk
    job.refresh_from_db()
    # A worker takes the next chunk and dies: its transaction never commits.
    dead = worker._chunk_claim(job, "dead-worker")
    assert dead is not None
    with django_capture_on_commit_callbacks(execute=True):
        sent = push_job_reap_stale(now=stale())
    assert sent == [job.pk]
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert job.courses_done == job.courses_total == len(district.courses)
    assert job.summary["courses_changed"] == len(district.courses)
    assert PushJobChunk.objects.get(pk=dead.pk).attempts == 2


def test_r46_a_worker_whose_chunk_was_handed_back_writes_nothing(district):
    job = push_job_submit(user=district.district_admin, options=master_push())
    claim(job)
    job.refresh_from_db()
    assert worker._push_job_prepare(job)
    slow = worker._chunk_claim(job, "slow-worker")
    push_job_reap_stale(now=stale())  # the slow worker's heartbeat looked dead
    fast = worker._chunk_claim(job, "fast-worker")
    assert fast.pk == slow.pk
    with pytest.raises(worker._ChunkTakenBack):
        worker._chunk_push(job, slow, "slow-worker")
    assert pushed_categories(slow.course_ids) == {course_id: {} for course_id in slow.course_ids}
    assert PushJob.objects.get(pk=job.pk).courses_done == 0
    worker._chunk_push(job, fast, "fast-worker")
    assert all(set(c) == {"homework", "tests"} for c in pushed_categories(fast.course_ids).values())
    assert PushJob.objects.get(pk=job.pk).courses_done == len(fast.course_ids)


def test_r46_a_job_nobody_works_on_gets_a_new_message_once_per_stale_period(district):
    job = push_job_submit(user=district.district_admin, options=master_push())
    claim(job)
    now = stale()
    assert push_job_reap_stale(now=now) == [job.pk]
    assert push_job_reap_stale(now=now) == []  # another tick at the same moment sends nothing more
    assert push_job_reap_stale(now=stale(now)) == [job.pk]


def test_r46_lost_start_message_is_sent_again_after_the_stale_period(district):
    job = push_job_submit(user=district.district_admin, options=master_push())
    assert push_job_dispatch_due() == [job.pk]
    first_token = PushJob.objects.get(pk=job.pk).dispatch_token
    assert push_job_dispatch_due() == []  # on its way
    assert push_job_dispatch_due(now=stale()) == [job.pk]
    assert not push_job_claim(job_id=job.pk, token=first_token)  # the old message, if it turns up
    assert push_job_claim(job_id=job.pk, token=PushJob.objects.get(pk=job.pk).dispatch_token)


# --- retention --------------------------------------------------------------------


def test_finished_jobs_are_deleted_after_the_retention_period_unless_kept(district):
    old = timezone.now() - timedelta(days=settings.BATCH_RETENTION_DAYS + 1)
    expired = push_job_submit(user=district.district_admin, options=master_push())
    kept = push_job_submit(user=district.district_admin, options=master_push())
    waiting = push_job_submit(user=district.district_admin, options=master_push())
    recent = push_job_submit(user=district.district_admin, options=master_push())
    PushJob.objects.filter(pk__in=[expired.pk, kept.pk]).update(status=PushJob.COMPLETED, finished_at=old)
    PushJob.objects.filter(pk=recent.pk).update(status=PushJob.COMPLETED, finished_at=timezone.now())
    push_job_keep_set(user=district.district_admin, job_id=kept.pk, keep=True)
    assert push_job_cleanup_expired() == 1
    assert set(PushJob.objects.values_list("pk", flat=True)) == {kept.pk, waiting.pk, recent.pk}
