"""The Import page (issue 16): a district admin uploads a OneRoster package or Ed-Fi files, sees
the dry run's summary (nothing changed), applies it as a queued job and reads its result; a bad
file is refused with its file, line and column and nothing changed. District admins only.

Without a broker (tests) Celery runs the check and the import in the process that queues them,
as the push jobs do, once the request's transaction commits: each request below runs its queued
step before it returns."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import Client
from django.urls import reverse

from catalog.models import School, User
from courses.models import Course
from interop.imports import _JobProgress, edfi_zip_extract
from interop.models import ImportJob, ImportPackage
from sections.models import Score, Section

from . import test_r93_import_edfi as edfi
from .conftest import district_12, row_counts, write_package

JOB_TABLES = ("interop.ImportJob", "interop.ImportPackage")


def district_counts() -> dict[str, int]:
    """Every table but the import jobs' own: what an upload and its check must leave as it was."""
    return {k: v for k, v in row_counts().items() if k not in JOB_TABLES}


def zip_bytes(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


def oneroster_zip(tmp_path: Path, files: dict | None = None, **kwargs) -> bytes:
    return write_package(tmp_path / "upload.zip", files or district_12(), **kwargs).read_bytes()


def upload(client, content: bytes, *, name="district.zip", fmt="oneroster", catalog="", new_catalog="District Catalog",
           **extra):  # fmt: skip
    data = {"format": fmt, "catalog": catalog, "new_catalog": new_catalog, **extra}
    data["package"] = io.BytesIO(content)
    data["package"].name = name
    return client.post(reverse("interop:import"), data)


def apply(client, job):
    return client.post(reverse("interop:import_job_apply", args=[job.pk]))


@pytest.fixture
def client(django_capture_on_commit_callbacks):
    """The test client, running what a POST queued on commit before it returns (the test's own
    transaction never commits)."""

    class CommittingClient(Client):
        def post(self, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return super().post(*args, **kwargs)

    return CommittingClient()


@pytest.fixture
def admin(district_db, client):
    user = User.objects.get(username="admin1")
    client.force_login(user)
    return user


def test_r91_upload_shows_what_it_would_do_and_changes_nothing_until_applied(admin, client, tmp_path):
    before = district_counts()
    # when the district admin uploads a OneRoster 1.2 package
    response = upload(client, oneroster_zip(tmp_path))
    # then they are on the import's page, which says what applying it would create, and nothing changed
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("interop:import_job", args=[job.pk])
    assert job.status == ImportJob.CHECKED, job.error
    page = client.get(response.url).content.decode()
    assert "What applying it would do" in page
    assert job.dry_run["counts"]["schools created"] == 1
    assert job.dry_run["counts"]["sections created"] == 2
    assert "Schools created" in page and "Apply this import" in page
    assert district_counts() == before
    assert not School.objects.filter(number="0101").exists()

    # when they apply it: a queued job imports it (in this process, without a broker)
    response = client.post(reverse("interop:import_job_apply", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    # then the result report says what it did, the district holds it, and the upload is gone
    assert job.status == ImportJob.COMPLETED, job.error
    assert job.applied_by == admin
    assert job.result["counts"] == job.dry_run["counts"]
    page = client.get(reverse("interop:import_job", args=[job.pk])).content.decode()
    assert "What the import did" in page and "Apply this import" not in page
    section = Section.objects.get(course__calendar__school__number="0101", course__number="ENG9", number="1")
    assert section.teacher.username == "jdoe"
    assert Score.objects.get(assignment__section=section).student == "s0001"
    assert not ImportPackage.objects.exists()
    # and a second apply of the same upload is refused
    client.post(reverse("interop:import_job_apply", args=[job.pk]))
    assert (
        Section.objects.filter(number="1", course__number="ENG9", course__calendar__school__number="0101").count() == 1
    )


def test_r91_bad_package_refused_with_file_line_column_and_nothing_changed(admin, client, tmp_path):
    files = district_12()
    files["academicSessions"][1]["startDate"] = "2022-13-01"
    before = district_counts()
    upload(client, oneroster_zip(tmp_path, files))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.REFUSED
    assert job.error == 'academicSessions.csv line 3 column "startDate": "2022-13-01" is not a date written YYYY-MM-DD'
    page = client.get(reverse("interop:import_job", args=[job.pk])).content.decode()
    assert "The file cannot be imported" in page and "nothing was changed" in page
    assert "academicSessions.csv line 3 column &quot;startDate&quot;" in page
    assert "Apply this import" not in page
    assert district_counts() == before
    assert not ImportPackage.objects.exists()  # a refused upload is not kept
    # and it cannot be applied
    client.post(reverse("interop:import_job_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.REFUSED and district_counts() == before


def test_r91_delta_upload_of_a_bulk_package_refused_at_its_manifest_line(admin, client, tmp_path):
    before = district_counts()
    upload(client, oneroster_zip(tmp_path), delta="on")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.REFUSED and job.delta
    assert job.error == (
        'manifest.csv line 4 column "value": academicSessions.csv is bulk, and the import was asked for delta'
    )
    assert district_counts() == before


def test_r91_warnings_of_an_imperfect_package_are_on_the_summary(admin, client, tmp_path):
    content = oneroster_zip(tmp_path, manifest_rows=[])  # no manifest.csv at all
    upload(client, content)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.CHECKED
    assert "manifest.csv: missing; the version is read from the files" in job.dry_run["warnings"]
    page = client.get(reverse("interop:import_job", args=[job.pk])).content.decode()
    assert "manifest.csv: missing" in page


def test_r93_edfi_zip_checked_applied_into_an_existing_catalog(admin, client):
    content = zip_bytes({f"edfi/{name}": text for name, text in edfi.files().items()} | {"edfi/readme.txt": "hi"})
    upload(client, content, name="../../etc/grand bend.zip", fmt="edfi", catalog="High School Catalog",
           new_catalog="", create_masters="on")  # fmt: skip
    job = ImportJob.objects.get()
    assert job.status == ImportJob.CHECKED, job.error
    assert job.file_name == "grand bend.zip" and job.create_masters
    assert "edfi/readme.txt: not an XML file, ignored" in job.dry_run["warnings"]
    assert not School.objects.filter(number="255901001").exists()
    client.post(reverse("interop:import_job_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.COMPLETED, job.error
    robo = Course.objects.get(number="ROBO")
    assert robo.master.catalog.name == "High School Catalog"


def test_r93_hostile_xml_in_a_zip_refused_and_nothing_changed(admin, client):
    content = zip_bytes({"org.xml": edfi.interchange("EducationOrganization", "")} | {
        "bomb.xml": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        "<InterchangeEducationOrganization>&lol2;</InterchangeEducationOrganization>"
    })  # fmt: skip
    before = district_counts()
    upload(client, content, fmt="edfi")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.REFUSED
    assert job.error.startswith("bomb.xml line 1: ")
    assert district_counts() == before


def test_edfi_zip_extraction_stops_a_zip_bomb_as_it_expands(tmp_path, monkeypatch):
    monkeypatch.setattr("interop.imports.EDFI_MAX_EXPANDED_BYTES", 1_000_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.xml", "<a>" + " " * 5_000_000 + "</a>")  # compresses to a few KB
    assert len(out.getvalue()) < 50_000
    with pytest.raises(Exception, match="expands to more than 0 MB"):
        edfi_zip_extract(out.getvalue(), tmp_path, name="bomb.zip")


def test_upload_that_is_not_a_zip_refused_by_the_form(admin, client):
    response = upload(client, b"sourcedId,status\n1,\n", name="orgs.csv")
    assert response.status_code == 400
    assert "This is not a ZIP file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_over_the_limit_refused_before_it_is_stored(admin, client, settings):
    settings.IMPORT_UPLOAD_MAX_MB = 1
    response = upload(client, b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than the Import page takes (1 MB)" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_catalog_picked_or_named_not_both(admin, client, tmp_path):
    response = upload(client, oneroster_zip(tmp_path), catalog="High School Catalog", new_catalog="Another")
    assert response.status_code == 400 and "not both" in response.content.decode()
    response = upload(client, oneroster_zip(tmp_path), new_catalog="high school catalog")
    assert response.status_code == 400 and "exists already" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_status_endpoint_says_where_the_job_is(admin, client, tmp_path):
    upload(client, oneroster_zip(tmp_path))
    job = ImportJob.objects.get()
    state = client.get(reverse("interop:import_job_status", args=[job.pk])).json()
    assert state["status"] == "checked" and state["moving"] is False
    assert state["status_label"] == "Checked: ready to apply"


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_import_transaction_is_still_open():
    # given a running job (committed, as a worker sees it)
    user = User.objects.create(username="admin9", role=User.DISTRICT_ADMIN)
    job = ImportJob.objects.create(
        format=ImportJob.ONEROSTER, catalog="C", file_name="x.zip", file_size=1, requested_by=user, status="running"
    )
    progress = _JobProgress(job.pk)
    reader = connections.create_connection(DEFAULT_DB_ALIAS)  # the page's connection
    try:
        with transaction.atomic():
            # when the import, inside its transaction, says how far it is
            progress("importing users.csv", 5, 10)
            # then the page reads it at once, before the import commits
            with reader.cursor() as cursor:
                cursor.execute("SELECT progress FROM interop_importjob WHERE id = %s", [job.pk])
                seen = cursor.fetchone()[0]
            transaction.set_rollback(True)
    finally:
        progress.close()
        reader.close()
    seen = json.loads(seen) if isinstance(seen, str) else seen
    assert seen == {"what": "importing users.csv", "done": 5, "total": 10}


VIEWS = [
    ("import page", "get", lambda job: reverse("interop:import")),
    ("upload", "post", lambda job: reverse("interop:import")),
    ("import job page", "get", lambda job: reverse("interop:import_job", args=[job.pk])),
    ("import status", "get", lambda job: reverse("interop:import_job_status", args=[job.pk])),
    ("apply", "post", lambda job: reverse("interop:import_job_apply", args=[job.pk])),
    ("export", "get", lambda job: reverse("interop:export_oneroster") + "?year=22-23"),
]


@pytest.mark.parametrize("username", ["principal", "jdoe"])
@pytest.mark.parametrize(("name", "method", "url"), VIEWS, ids=[v[0] for v in VIEWS])
def test_import_and_export_refused_to_everyone_but_district_admins(district_db, client, username, name, method, url):
    admin = User.objects.get(username="admin1")
    job = ImportJob.objects.create(
        format=ImportJob.ONEROSTER, catalog="C", file_name="x.zip", file_size=1, requested_by=admin, status="checked"
    )
    client.force_login(User.objects.get(username=username))
    response = getattr(client, method)(url(job))
    assert response.status_code == 403, name
    assert "Only district administrators" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "checked"


def test_import_is_in_the_district_admins_navigation_only(district_db, client):
    client.force_login(User.objects.get(username="admin1"))
    assert f'href="{reverse("interop:import")}"' in client.get("/").content.decode()
    client.force_login(User.objects.get(username="principal"))
    assert f'href="{reverse("interop:import")}"' not in client.get("/").content.decode()


def test_r92_export_button_downloads_the_years_oneroster_package(admin, client):
    response = client.get(reverse("interop:export_oneroster"), {"year": "22-23", "school": "101"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="oneroster-22-23-101.zip"'
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "manifest.csv" in archive.namelist() and "classes.csv" in archive.namelist()
    orgs = list(csv.DictReader(io.StringIO(archive.read("orgs.csv").decode())))
    assert [o["identifier"] for o in orgs if o["type"] == "school"] == ["101"]
    # the page offers it
    page = client.get(reverse("interop:import")).content.decode()
    assert "Download OneRoster 1.2 (ZIP)" in page


def test_r92_export_of_a_school_without_a_calendar_that_year_says_so(admin, client):
    response = client.get(reverse("interop:export_oneroster"), {"year": "23-24", "school": "201"})
    assert response.status_code == 400
    assert "no calendar of school" in response.content.decode()
