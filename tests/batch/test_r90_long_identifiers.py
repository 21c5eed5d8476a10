"""R90: identifiers as long as districts' systems make them reach the batch queue too."""

from catalog.models import School
from courses.models import Course
from pushjobs.models import PushJob
from pushjobs.worker import push_job_run_inline

from .conftest import course_push


def test_r90_a_push_of_a_school_and_course_with_long_numbers_is_recorded_and_runs(district):
    long_school = "S" * 200
    long_course = "25590100102Trad220ALG112011" + "X" * 150
    School.objects.filter(pk=district.north.pk).update(number=long_school)
    Course.objects.filter(pk=district.courses[0].pk).update(number=long_course)

    job, outcome = push_job_run_inline(
        user=district.district_admin, options=course_push(school=long_school, course=long_course)
    )

    job.refresh_from_db()
    assert (job.school, job.course) == (long_school, long_course)
    assert job.status == PushJob.COMPLETED
    assert outcome.summary.courses_failed == 0
