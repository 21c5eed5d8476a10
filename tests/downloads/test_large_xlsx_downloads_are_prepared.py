"""A large XLSX download is prepared in the background, not put together in the web request: above
settings.XLSX_IN_REQUEST_ROWS rows the page offers to prepare it (a POST), a bookmarked direct link
leads to that offer, a task writes the file with the direct download's own writer, and its page
and My downloads give it to the person who asked, and to nobody else. Small scopes download
directly, as before.

No broker here: the task runs in this process when the request's transaction commits."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from catalog.models import School, User
from config.celery import app as celery_app
from courses.models import Course
from downloads.models import PreparedDownload
from downloads.services import BROKEN, LOST, prepared_download_build
from downloads.tasks import prepared_downloads_clean_up
from pushjobs.models import PushJob, PushResultRow
from tests.grades.gradebook import gradebook_section

from .conftest import push_all_courses, school_admin


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _cells(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's cells (openpyxl stamps a workbook with the time it was saved: cells, not bytes)."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def _text(response) -> str:
    """The page's words, without its tags."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# Each download: the page that links it, the context entry of its "prepare" form, its direct URL.
DOWNLOADS = {
    "job report": ("pushjobs:job_detail", "report_xlsx_prepare", "pushjobs:job_report_xlsx"),
    "job changes": ("pushjobs:job_detail", "changes_xlsx_prepare", "pushjobs:job_changes_xlsx"),
    "job grades": ("pushjobs:job_detail", "grade_impact_xlsx_prepare", "pushjobs:job_grade_impact_xlsx"),
    "course audit": ("reports:course_audit", "xlsx_prepare", "reports:download"),
    "course history": ("history:history", "xlsx_prepare", "history:history_xlsx"),
}


def _urls(name: str, job: PushJob) -> tuple[str, str]:
    page, _, direct = DOWNLOADS[name]
    if page.startswith("reports:"):
        query = "?year=22-23&catalog=High+School+Catalog&sort=school"
        return reverse(page) + query, reverse(direct, args=["course-audit", "xlsx"]) + query
    if page.startswith("history:"):
        course = Course.objects.get(calendar__school__number="101", calendar__year__name="22-23", number="ENG9")
        return reverse(page, args=["course", course.pk]), reverse(direct, args=["course", course.pk])
    return reverse(page, args=[job.pk]), reverse(direct, args=[job.pk])


def _prepare(client, capture, fields: dict) -> PreparedDownload:
    with capture(execute=True):
        response = client.post(reverse("downloads:prepare"), fields)
    download = PreparedDownload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("downloads:detail", args=[download.pk])
    download.refresh_from_db()
    return download


@pytest.mark.parametrize("name", DOWNLOADS)
def test_a_small_scope_keeps_downloading_in_the_request(client, admin, job, name):
    client.force_login(admin)
    page_url, direct_url = _urls(name, job)
    page = client.get(page_url)
    assert page.context[DOWNLOADS[name][1]] is None
    assert f'href="{direct_url}"'.replace("&", "&amp;") in page.content.decode()
    response = client.get(direct_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert _cells(_body(response))
    assert not PreparedDownload.objects.exists()


@pytest.mark.parametrize("name", DOWNLOADS)
def test_a_large_scope_is_prepared_in_the_background_and_gives_the_direct_downloads_cells(
    client, admin, job, settings, django_capture_on_commit_callbacks, name
):
    client.force_login(admin)
    page_url, direct_url = _urls(name, job)
    direct = _cells(_body(client.get(direct_url)))

    # when the scope is above the setting
    settings.XLSX_IN_REQUEST_ROWS = 0
    page = client.get(page_url)

    # then the page asks for it to be prepared (a POST), instead of linking the file
    fields = page.context[DOWNLOADS[name][1]]
    assert fields is not None
    html = page.content.decode()
    assert f'action="{reverse("downloads:prepare")}"' in html and "prepared for you" in html
    assert f'href="{direct_url}"'.replace("&", "&amp;") not in html
    # and a bookmarked direct link leads to the offer to prepare it, which builds nothing
    bookmarked = client.get(direct_url)
    assert bookmarked.status_code == 302 and bookmarked["Location"].startswith(reverse("downloads:prepare"))
    offer = client.get(bookmarked["Location"])
    assert offer.status_code == 200 and "Prepare the download" in _text(offer)
    assert not PreparedDownload.objects.exists()

    # when it is asked for
    download = _prepare(client, django_capture_on_commit_callbacks, fields)

    # then it is ready, with the cells the direct download gave
    assert download.state == PreparedDownload.READY, download.error
    assert download.size == default_storage.size(download.file) > 0
    shown = _text(client.get(reverse("downloads:detail", args=[download.pk])))
    assert "Your download is ready" in shown and download.description in shown
    assert f"Deleted on {timezone.localtime(download.deleted_at):%m/%d/%Y}" in shown
    response = client.get(reverse("downloads:file", args=[download.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{download.filename}"'
    assert _cells(_body(response)) == direct


def test_the_offer_and_the_preparing_page_say_what_for_which_job_and_when(
    client, admin, job, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    client.force_login(admin)
    offer = _text(
        client.get(reverse("pushjobs:job_changes_xlsx", args=[job.pk]), {"data_type": "categories"}, follow=True)
    )
    assert f"What push job {job.pk} changed (data type Category) (XLSX)" in offer
    # a request whose message has not run yet: being prepared
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("downloads:prepare"), {"what": "job_report", "job": job.pk})
    download = PreparedDownload.objects.get()
    response = client.get(reverse("downloads:detail", args=[download.pk]))
    page = _text(response)
    assert "Your download is being prepared" in page
    assert f"The report of push job {job.pk} (Push All Courses, 22-23) (XLSX)" in page
    assert f"Asked for {timezone.localtime(download.requested_at):%m/%d/%Y %I:%M %p}" in page
    assert '<meta http-equiv="refresh" content="15">' in response.content.decode() and "Refresh" in page
    # a second click while it is prepared is the same download
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("downloads:prepare"), {"what": "job_report", "job": job.pk})
    assert PreparedDownload.objects.count() == 1
    listed = _text(client.get(reverse("downloads:list")))
    assert "Being prepared" in listed and download.description in listed


def test_my_downloads_lists_mine_newest_first_in_words(
    client, admin, job, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("downloads:prepare"), {"what": "job_report", "job": job.pk})
        client.post(reverse("downloads:prepare"), {"what": "grade_impact", "job": job.pk})
    # someone else's is not mine
    other = User.objects.create(username="admin2", role=User.DISTRICT_ADMIN)
    client.force_login(other)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("downloads:prepare"), {"what": "job_changes", "job": job.pk})
    client.force_login(admin)
    text = _text(client.get(reverse("downloads:list")))
    grades, report = text.index(f"The grades push job {job.pk} moved"), text.index(f"The report of push job {job.pk}")
    assert grades < report
    assert f"What push job {job.pk} changed" not in text
    assert text.count("Ready") == 2 and f"push-job-{job.pk}-grade-impact.xlsx" in text


def test_another_person_neither_sees_nor_downloads_my_file(
    client, admin, job, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    client.force_login(admin)
    download = _prepare(client, django_capture_on_commit_callbacks, {"what": "job_report", "job": job.pk})
    assert download.state == PreparedDownload.READY
    for someone in (
        User.objects.create(username="admin2", role=User.DISTRICT_ADMIN),
        User.objects.get(username="jdoe"),
    ):
        client.force_login(someone)
        assert client.get(reverse("downloads:detail", args=[download.pk])).status_code == 404
        assert client.get(reverse("downloads:file", args=[download.pk])).status_code == 404


def test_a_school_admin_outside_the_schools_may_not_have_it_prepared(
    client, job, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    client.force_login(school_admin("midadmin", "201"))
    for what in ("job_report", "job_changes", "grade_impact"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("downloads:prepare"), {"what": what, "job": job.pk})
        assert response.status_code == 403
        assert "district administrators and administrators of the" in _text(response)
        assert client.get(reverse("downloads:prepare"), {"what": what, "job": job.pk}).status_code == 403
    course = Course.objects.get(calendar__school__number="101", calendar__year__name="22-23", number="ENG9")
    history = {"what": "history", "kind": "course", "pk": course.pk}
    assert client.post(reverse("downloads:prepare"), history).status_code == 403
    assert not PreparedDownload.objects.exists()
    assert not default_storage.exists("private")


def test_the_right_is_checked_again_when_the_file_is_downloaded(
    client, job, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    principal = school_admin("principal", "101")
    client.force_login(principal)
    download = _prepare(client, django_capture_on_commit_callbacks, {"what": "job_changes", "job": job.pk})
    assert download.state == PreparedDownload.READY
    assert client.get(reverse("downloads:file", args=[download.pk])).status_code == 200
    # when they are no longer an administrator of school 101
    principal.schools.remove(School.objects.get(number="101"))
    client.force_login(principal)  # a change of rights ends their sessions: signed in again
    response = client.get(reverse("downloads:file", args=[download.pk]))
    assert response.status_code == 403 and not response.streaming


def test_a_failed_preparation_says_why_in_words(client, admin, job, settings, django_capture_on_commit_callbacks):
    settings.XLSX_IN_REQUEST_ROWS = 0
    client.force_login(admin)
    # given a download asked for, whose job is deleted before a worker gets to it
    with django_capture_on_commit_callbacks(execute=False) as sent:
        client.post(reverse("downloads:prepare"), {"what": "job_changes", "job": job.pk})
    PushJob.objects.filter(pk=job.pk).delete()
    for callback in sent:
        callback()
    download = PreparedDownload.objects.get()
    assert download.state == PreparedDownload.FAILED
    page = _text(client.get(reverse("downloads:detail", args=[download.pk])))
    assert "Your download could not be prepared" in page and "That push job no longer exists." in page
    listed = _text(client.get(reverse("downloads:list")))
    assert "Could not be prepared: That push job no longer exists." in listed
    assert client.get(reverse("downloads:file", args=[download.pk])).status_code == 404


def test_a_preparation_that_breaks_says_so_in_words_without_a_trace(
    client, admin, job, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    client.force_login(admin)
    # given storage that cannot be written (its folder is a file)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked
    download = _prepare(client, django_capture_on_commit_callbacks, {"what": "job_report", "job": job.pk})
    assert download.state == PreparedDownload.FAILED and download.error == BROKEN
    page = _text(client.get(reverse("downloads:detail", args=[download.pk])))
    assert BROKEN in page and "Traceback" not in page and "Error" not in page


def test_retention_deletes_old_files_and_rows_keeps_recent_ones_and_gives_up_lost_ones(
    client, admin, job, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    settings.PREPARED_DOWNLOAD_RETENTION_DAYS = 7
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("downloads:prepare"), {"what": "job_report", "job": job.pk})
        client.post(reverse("downloads:prepare"), {"what": "grade_impact", "job": job.pk})
    old, recent = PreparedDownload.objects.order_by("pk")
    assert old.state == recent.state == PreparedDownload.READY
    PreparedDownload.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=7, minutes=1))
    PreparedDownload.objects.filter(pk=recent.pk).update(finished_at=timezone.now() - timedelta(days=6))
    # and one whose message was lost: still being prepared a day after it was asked for
    lost = PreparedDownload.objects.create(
        user=admin, what="job_report", scope={"job": str(job.pk)}, description="x", filename="x.xlsx"
    )
    PreparedDownload.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - timedelta(hours=25))

    # when the beat's clean-up runs
    schedule = celery_app.conf.beat_schedule["prepared downloads clean-up"]
    assert schedule["task"] == "downloads.prepared_downloads_remove_expired"
    prepared_downloads_clean_up()

    # then the old file and row are gone, the recent ones kept
    assert not default_storage.exists(old.file)
    assert list(PreparedDownload.objects.order_by("pk").values_list("pk", flat=True)) == [recent.pk, lost.pk]
    assert default_storage.exists(recent.file)
    # and the lost one could not be prepared, in words
    lost.refresh_from_db()
    assert lost.state == PreparedDownload.FAILED and lost.error == LOST


def test_retention_deletes_the_files_of_a_person_who_was_deleted(
    client, admin, job, settings, django_capture_on_commit_callbacks
):
    # given a file prepared for a district admin, and one for another, who is then deleted
    settings.XLSX_IN_REQUEST_ROWS = 0
    other = User.objects.create_user("admin-leaving", password="x", role=User.DISTRICT_ADMIN)
    for person in (admin, other):
        client.force_login(person)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("downloads:prepare"), {"what": "job_report", "job": job.pk})
    mine, theirs = PreparedDownload.objects.order_by("pk")
    assert mine.state == theirs.state == PreparedDownload.READY
    other.delete()
    assert default_storage.exists(theirs.file)  # the row went with the person, the file stayed

    # when the beat's clean-up runs, nothing being old yet
    prepared_downloads_clean_up()

    # then the file no row names is gone, and mine is kept
    assert not default_storage.exists(theirs.file)
    assert default_storage.exists(mine.file)
    assert list(PreparedDownload.objects.values_list("pk", flat=True)) == [mine.pk]


def _result_rows(job: PushJob, n: int) -> None:
    PushResultRow.objects.bulk_create(
        PushResultRow(
            job=job,
            chunk_index=99,
            position=i,
            school="101 North High",
            calendar="22-23",
            course=f"C{i:04d}",
            outcome="conflict",
            detail="x",
        )
        for i in range(n)
    )


def test_preparing_reads_in_a_number_of_queries_that_does_not_grow_with_the_rows(
    db, settings, django_capture_on_commit_callbacks
):
    settings.XLSX_IN_REQUEST_ROWS = 0
    gradebook_section()
    few, many = (
        push_all_courses(django_capture_on_commit_callbacks),
        push_all_courses(django_capture_on_commit_callbacks),
    )
    _result_rows(few, 5)
    _result_rows(many, 1500)
    admin = User.objects.get(username="admin1")
    counted = []
    for job in (few, many):
        download = PreparedDownload.objects.create(
            user=admin, what="job_report", scope={"job": str(job.pk)}, description="x", filename="x.xlsx"
        )
        with CaptureQueriesContext(connection) as queries:
            prepared_download_build(download_id=download.pk)
        download.refresh_from_db()
        assert download.state == PreparedDownload.READY, download.error
        counted.append(len(queries.captured_queries))
    assert counted[0] == counted[1]
    rows = _cells(default_storage.open(download.file).read())["Rows"]
    assert len(rows) > 1500
