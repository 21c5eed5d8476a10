"""The four push tools (R10-R19, R40, R71, R72): Push All Course Masters, Push to Courses, Push
All Courses and Push to Sections, each as one POST whose ``action`` says what the tool's buttons
say: ``preview`` (a preview job, R71), ``run_now`` (queued at once, high priority) or ``batch``
(Submit to Batch at ``scheduled_for`` and ``priority``). Every one returns the job it started; an
``Idempotency-Key`` header makes a retried POST return that same job.

A push that may delete course or teacher items (Overwrite mode, Overwrite Categories) is run from
its preview, as on the pages (R72): preview it, read what it deletes, then POST
/jobs/{id}/run with ``confirm: true``.
"""

from datetime import datetime
from typing import Literal

from ninja import Router, Schema

from catalog.errors import InputError
from catalog.setup_types import COURSE_PUSH_DATA, MASTER_PUSH_DATA
from catalog.web_access import require_district_admin
from coursemasters.page_selectors import master_get
from pushjobs.engine.api import PUSH, CoursePushOptions, MasterPushOptions
from pushjobs.permissions import may_use_push_tools
from pushjobs.previews import push_job_preview_submit, push_options_overwrite
from pushjobs.submit import push_job_submit

from .courses import course_for_request
from .errors import ERROR_RESPONSES, ApiError, not_found
from .idempotency import job_start_once
from .job_out import JobOut, job_started_response

router = Router(tags=["Push tools"])

MasterData = Literal[tuple(MASTER_PUSH_DATA)]  # type: ignore[valid-type]
CourseData = Literal[tuple(COURSE_PUSH_DATA)]  # type: ignore[valid-type]
PREVIEW, RUN_NOW, BATCH = "preview", "run_now", "batch"


class RunIn(Schema):
    action: Literal["preview", "run_now", "batch"]
    scheduled_for: datetime | None = None
    priority: Literal["normal", "high"] = "normal"


class MasterPushIn(RunIn):
    year: str
    catalog: str
    calendars: list[str] = []  # school numbers; none: every calendar of the year using the catalog
    mode: Literal["push", "overwrite"] = PUSH
    to_sections: bool = False
    data: list[MasterData] = list(MASTER_PUSH_DATA)


class ToCoursesIn(RunIn):
    year: str
    calendars: list[str] = []
    mode: Literal["push", "overwrite"] = PUSH
    to_sections: bool = False
    data: list[MasterData] = list(MASTER_PUSH_DATA)


class CoursePushIn(RunIn):
    school: str
    year: str
    data: list[CourseData] = list(COURSE_PUSH_DATA)
    overwrite_categories: bool = False


class ToSectionsIn(RunIn):
    data: list[CourseData] = list(COURSE_PUSH_DATA)
    overwrite_categories: bool = False


# Which request field a service's R32 message is about, by the words it names the problem with.
MESSAGE_FIELDS = (
    ("scheduled time", "scheduled_for"),
    ("priority", "priority"),
    ("school year", "year"),
    ("course catalog", "catalog"),
    ("catalog", "catalog"),
    ("calendar", "calendars"),
    ("school", "school"),
    ("mode", "mode"),
    ("data", "data"),
)


def field_of(message: str, sent: set[str]) -> str | None:
    lowered = message.lower()
    return next((field for words, field in MESSAGE_FIELDS if words in lowered and field in sent), None)


def run_or_refuse(call, sent: set[str]):
    """A service call whose InputError becomes a 400 naming the request field it is about."""
    try:
        return call()
    except InputError as error:
        message = str(error)
        raise ApiError(400, message, field=field_of(message, sent)) from None


def submit_push(request, payload: RunIn, options) -> tuple[int, dict]:
    """The tools' three buttons on one set of options, once per Idempotency-Key."""
    sent = set(payload.model_fields_set) | {"scheduled_for", "priority"}
    if payload.action != PREVIEW and push_options_overwrite(options):
        raise ApiError(
            409,
            "this push overwrites course and section setup and can delete items: preview it first "
            '(action "preview"), then run the preview with confirm true (POST /jobs/{id}/run)',
            field="action",
        )
    if payload.action == BATCH and payload.scheduled_for is None:
        raise ApiError(422, "Submit to Batch needs the time the job should run", field="scheduled_for")

    def start():
        if payload.action == PREVIEW:
            return push_job_preview_submit(user=request.user, options=options)
        if payload.action == RUN_NOW:
            return push_job_submit(user=request.user, options=options, run_now=True)
        return push_job_submit(
            user=request.user, options=options, scheduled_for=payload.scheduled_for, priority=payload.priority
        )

    job, started = run_or_refuse(lambda: job_start_once(request=request, user=request.user, start=start), sent)
    return job_started_response(job, started)


STARTED = {201: JobOut, 200: JobOut, 409: dict, **ERROR_RESPONSES}


@router.post("/pushes/course-masters", response=STARTED, summary="Push All Course Masters")
def push_all_course_masters(request, payload: MasterPushIn):
    require_district_admin(request.user, "Push All Course Masters")
    options = MasterPushOptions(
        year=payload.year,
        catalog=payload.catalog,
        calendars=tuple(payload.calendars),
        mode=payload.mode,
        to_sections=payload.to_sections,
        data=frozenset(payload.data),
    )
    return submit_push(request, payload, options)


@router.post("/pushes/course-masters/{master_id}/courses", response=STARTED, summary="Push to Courses (one master)")
def push_to_courses(request, master_id: int, payload: ToCoursesIn):
    require_district_admin(request.user, "Push to Courses")
    master = master_get(pk=master_id)
    if master is None:
        raise not_found(f"course master {master_id}")
    options = MasterPushOptions(
        year=payload.year,
        catalog=master.catalog.name,
        calendars=tuple(payload.calendars),
        master=master.number,
        mode=payload.mode,
        to_sections=payload.to_sections,
        data=frozenset(payload.data),
    )
    return submit_push(request, payload, options)


@router.post("/pushes/courses", response=STARTED, summary="Push All Courses (one calendar)")
def push_all_courses(request, payload: CoursePushIn):
    if not may_use_push_tools(request.user):
        raise ApiError(403, "Only district and school administrators can use Push All Courses.")
    options = CoursePushOptions(
        school=payload.school,
        year=payload.year,
        data=frozenset(payload.data),
        overwrite_categories=payload.overwrite_categories,
    )
    return submit_push(request, payload, options)


@router.post("/pushes/courses/{course_id}/sections", response=STARTED, summary="Push to Sections (one course)")
def push_to_sections(request, course_id: int, payload: ToSectionsIn):
    course = course_for_request(request, course_id)
    options = CoursePushOptions(
        school=course.calendar.school.number,
        year=course.calendar.year.name,
        course=course.number,
        data=frozenset(payload.data),
        overwrite_categories=payload.overwrite_categories,
    )
    return submit_push(request, payload, options)
