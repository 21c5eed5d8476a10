"""Celery tasks of the Import page: thin, a job id only; the work is in ``interop.imports``.

Without a broker (development, the demo, the tests) they run in the process that queues them,
as the push jobs do; the job row says where a job stands either way."""

from celery import shared_task

from . import imports


@shared_task(name="interop.import_job_check", ignore_result=True)
def import_job_check(job_id: int) -> None:
    imports.import_job_check_run(job_id=job_id)


@shared_task(name="interop.import_job_run", ignore_result=True)
def import_job_run(job_id: int) -> None:
    imports.import_job_apply_run(job_id=job_id)
