"""R71 with R74: a preview says the data changed since it was computed when a History record
(a web form, a command, an import) is newer than it in its scope, not only when a push wrote."""

from __future__ import annotations

from courses.models import CourseCategory
from courses.services import course_item_update


def _preview(district, django_capture_on_commit_callbacks):
    from pushjobs.engine.api import CoursePushOptions
    from pushjobs.models import PushJob
    from pushjobs.previews import push_job_preview_submit

    with django_capture_on_commit_callbacks(execute=True):
        preview = push_job_preview_submit(
            user=district.school_admin, options=CoursePushOptions(school="101", year="22-23")
        )
    preview.refresh_from_db()
    assert preview.status == PushJob.COMPLETED
    return preview


def test_r74_a_web_edit_in_its_scope_makes_a_preview_stale(district, django_capture_on_commit_callbacks):
    from pushjobs.previews import preview_is_stale

    preview = _preview(district, django_capture_on_commit_callbacks)
    assert not preview_is_stale(job=preview)
    item = CourseCategory.objects.get(course=district.own_course, name="Participation")
    course_item_update(user=district.school_admin, item=item, values={"weight": "9"})
    assert preview_is_stale(job=preview)


def test_r74_an_edit_elsewhere_leaves_a_preview_fresh(district, django_capture_on_commit_callbacks):
    from pushjobs.previews import preview_is_stale

    preview = _preview(district, django_capture_on_commit_callbacks)
    other = CourseCategory.objects.filter(course=district.other_school_course, state="local").first()
    if other is None:
        from courses.services import course_item_create

        course_item_create(
            user=district.district_admin,
            course=district.other_school_course,
            setup_type="categories",
            values={"name": "Elsewhere", "weight": "1", "sequence": "1"},
        )
    else:
        course_item_update(user=district.district_admin, item=other, values={"weight": "9"})
    assert not preview_is_stale(job=preview)
