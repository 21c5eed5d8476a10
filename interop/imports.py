"""The Import page's jobs (R91 and R93 on the web): a district admin uploads a OneRoster package
or a ZIP of Ed-Fi interchange files; a task checks it by a dry run (the import itself, in a
transaction that is rolled back, so the summary is exactly what applying it would do today); the
admin applies it, and a second task imports it for real, all or nothing, as one History record.

The ImportJob row is the truth and moves by compare-and-set (checking -> checked or refused;
checked -> queued -> running -> completed or failed); the tasks are only told its id. The upload
is kept in the database (ImportPackage) until the job ends, because the web process that receives
it and the worker that imports it share the database and not a disk. Its name is shown to people
and never used as a path: the worker writes the bytes into a fresh temporary folder under a name
of its own.
"""

from __future__ import annotations

import io
import json
import logging
import re
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from catalog.errors import InputError
from catalog.models import User

from .edfi import edfi_import
from .models import ImportJob, ImportPackage
from .oneroster.importer import oneroster_import

logger = logging.getLogger(__name__)

# An Ed-Fi ZIP is expanded to disk: at most this many XML files and this many bytes in all (a ZIP
# bomb stops here, counted as it is written, whatever its headers claim).
EDFI_MAX_FILES = 200
EDFI_MAX_EXPANDED_BYTES = 2 * 1024 * 1024 * 1024
PROGRESS_INTERVAL_SECONDS = 0.5


def upload_max_bytes() -> int:
    """The largest upload the Import page takes (settings.IMPORT_UPLOAD_MAX_MB, default 200 MB)."""
    return settings.IMPORT_UPLOAD_MAX_MB * 1024 * 1024


@dataclass(frozen=True)
class ImportOptions:
    format: str  # ImportJob.ONEROSTER or ImportJob.EDFI
    catalog: str
    delta: bool = False
    create_masters: bool = False


def import_job_submit(*, user: User, options: ImportOptions, file_name: str, content: bytes) -> ImportJob:
    """Store the upload and queue its check (a dry run); the job's page follows it."""
    from .tasks import import_job_check

    with transaction.atomic():
        job = ImportJob.objects.create(
            format=options.format,
            catalog=options.catalog,
            delta=options.delta and options.format == ImportJob.ONEROSTER,
            create_masters=options.create_masters and options.format == ImportJob.EDFI,
            file_name=Path(file_name).name[-255:] or "upload",
            file_size=len(content),
            requested_by=user,
        )
        ImportPackage.objects.create(job=job, content=content)
        import_job_check.delay_on_commit(job.pk)
    return job


def import_job_apply(*, user: User, job: ImportJob) -> bool:
    """Queue the import of a checked upload; False when it is not (or no longer) waiting to be applied."""
    from .tasks import import_job_run

    with transaction.atomic():
        moved = ImportJob.objects.filter(pk=job.pk, status=ImportJob.CHECKED).update(
            status=ImportJob.QUEUED, applied_by=user
        )
        if moved:
            import_job_run.delay_on_commit(job.pk)
    return bool(moved)


# ---------------------------------------------------------------------------
# The two steps, run by the tasks
# ---------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised inside the check's transaction to roll back what the import wrote."""

    def __init__(self, summary):
        self.summary = summary


def import_job_check_run(*, job_id: int) -> None:
    """The dry run: the import as it would run now, rolled back; the job becomes checked (with the
    summary) or refused (with the file, line and column of the first problem)."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.CHECKING, checked_at__isnull=True).first()
    if job is None:
        return
    progress = _JobProgress(job.pk)
    try:
        with _package_path(job) as (path, warnings):
            try:
                with transaction.atomic():
                    summary = _import(job, path, progress=progress, user=job.requested_by)
                    raise _DryRun(summary)
            except _DryRun as dry:
                summary = dry.summary
    except InputError as error:
        _end(job, status=ImportJob.REFUSED, field="checked_at", error=str(error))
        return
    except Exception:
        logger.exception("checking import %s failed", job.pk)
        _end(job, status=ImportJob.FAILED, field="checked_at", error=_UNEXPECTED)
        return
    finally:
        progress.close()
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.CHECKING).update(
        status=ImportJob.CHECKED,
        dry_run=_summary_json(summary, warnings),
        checked_at=timezone.now(),
        progress={},
    )


def import_job_apply_run(*, job_id: int) -> None:
    """The import itself, all or nothing; the job ends completed with what it did, or failed with
    why (the district may have changed since the check) and nothing changed."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.QUEUED).update(
        status=ImportJob.RUNNING, started_at=timezone.now()
    ):
        return
    job = ImportJob.objects.select_related("applied_by").get(pk=job_id)
    progress = _JobProgress(job.pk)
    try:
        with _package_path(job) as (path, warnings), transaction.atomic():
            summary = _import(job, path, progress=progress, user=job.applied_by or job.requested_by)
            # The job row is written next, in this transaction: no progress after that, or the
            # second connection would wait for this one.
            progress.close()
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.COMPLETED,
                result=_summary_json(summary, warnings),
                finished_at=timezone.now(),
                progress={},
            )
            ImportPackage.objects.filter(job_id=job.pk).delete()
    except InputError as error:
        _end(job, status=ImportJob.FAILED, field="finished_at", error=str(error))
    except Exception:
        logger.exception("import %s failed", job.pk)
        _end(job, status=ImportJob.FAILED, field="finished_at", error=_UNEXPECTED)
    finally:
        progress.close()


_UNEXPECTED = "An unexpected error stopped it (the server's log has the details). Nothing was changed."


def _end(job: ImportJob, *, status: str, field: str, error: str) -> None:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=status, error=error, progress={}, **{field: timezone.now()})
        ImportPackage.objects.filter(job_id=job.pk).delete()


def _summary_json(summary, warnings: list[str]) -> dict:
    return {"counts": dict(sorted(summary.counts.items())), "warnings": [*warnings, *summary.warnings]}


def _import(job: ImportJob, path: Path, *, progress, user: User):
    if job.format == ImportJob.ONEROSTER:
        return oneroster_import(path, catalog=job.catalog, delta=job.delta, user=user, progress=progress)
    return edfi_import(path, catalog=job.catalog, create_masters=job.create_masters, user=user, progress=progress)


# ---------------------------------------------------------------------------
# The upload on disk, for the importers
# ---------------------------------------------------------------------------


def safe_file_name(name: str, *, suffix: str) -> str:
    """A name for the upload on disk made of its own letters only: no folders, no dot files."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name.replace("\\", "/")).stem).strip("-.")[:80]
    return f"{stem or 'package'}{suffix}"


@contextmanager
def _package_path(job: ImportJob) -> Iterator[tuple[Path, list[str]]]:
    """The upload as the importer reads it (a ZIP for OneRoster, a folder of XML files for Ed-Fi)
    in a temporary folder removed afterwards, and warnings about what was left out of it."""
    package = ImportPackage.objects.filter(job_id=job.pk).first()
    if package is None:
        raise InputError("The uploaded file is no longer stored; upload it again.")
    content = bytes(package.content)
    del package
    with tempfile.TemporaryDirectory(prefix="import-") as folder:
        folder = Path(folder)
        if job.format == ImportJob.ONEROSTER:
            path = folder / safe_file_name(job.file_name, suffix=".zip")
            path.write_bytes(content)
            yield path, []
        else:
            path = folder / safe_file_name(job.file_name, suffix="")
            path.mkdir()
            warnings = edfi_zip_extract(content, path, name=job.file_name)
            yield path, warnings


def edfi_zip_extract(content: bytes, target: Path, *, name: str) -> list[str]:
    """Write the ZIP's ``.xml`` files into ``target`` (flat, under names of their own letters);
    refuse what is not a ZIP, holds no XML, or expands past the limits. Warnings name what was left out."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise InputError(f"{name}: not a ZIP file") from None
    warnings: list[str] = []
    written: set[str] = set()
    total = 0
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
        xml = [i for i in members if i.filename.lower().endswith(".xml")]
        for other in members:
            if other not in xml:
                warnings.append(f"{other.filename}: not an XML file, ignored")
        if not xml:
            raise InputError(f"{name}: holds no .xml files (Ed-Fi interchange files)")
        if len(xml) > EDFI_MAX_FILES:
            raise InputError(f"{name}: holds {len(xml)} XML files; an import takes at most {EDFI_MAX_FILES}")
        for info in xml:
            base = safe_file_name(info.filename.rsplit("/", 1)[-1], suffix=".xml")
            n = 1
            while base.lower() in written:
                n += 1
                base = safe_file_name(f"{n}-{info.filename.rsplit('/', 1)[-1]}", suffix=".xml")
            written.add(base.lower())
            with archive.open(info) as source, open(target / base, "wb") as out:
                while block := source.read(1 << 20):
                    total += len(block)
                    if total > EDFI_MAX_EXPANDED_BYTES:
                        raise InputError(
                            f"{name}: expands to more than {EDFI_MAX_EXPANDED_BYTES // 2**20} MB; "
                            "an import takes at most that"
                        )
                    out.write(block)
    return warnings


# ---------------------------------------------------------------------------
# Progress the page can read while the import's transaction is still open
# ---------------------------------------------------------------------------


class _JobProgress:
    """A ``ProgressCallback`` that writes the job's progress through a second connection in
    autocommit, at most every half second: the import's own transaction is not committed until
    the end, and the page must see how far it is meanwhile."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = None
        self.closed = False
        self.last = 0.0

    def __call__(self, what: str, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if self.closed or (now - self.last < PROGRESS_INTERVAL_SECONDS and done not in (0, total)):
            return
        self.last = now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        state = json.dumps({"what": what, "done": done, "total": total})
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET progress = %s::jsonb WHERE id = %s", [state, self.job_id]
            )

    def close(self) -> None:
        self.closed = True
        if self.connection is not None:
            self.connection.close()
            self.connection = None
