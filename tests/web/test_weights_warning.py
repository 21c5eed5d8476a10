"""The pages warn when a master's, a course's or a section's category weights do not total 100
(issue 14: the demo reached 130)."""

from decimal import Decimal

from django.urls import reverse

from coursemasters.models import MasterCategory
from courses.models import CourseCategory
from sections.models import SectionCategory

WARNING = "total {total}, not 100"


def _page(client, url: str) -> str:
    return client.get(url).content.decode()


def test_weights_that_do_not_total_100_are_named_on_every_level(client, district):
    client.force_login(district.district_admin)
    MasterCategory.objects.filter(master=district.master).update(weight=Decimal("65"))
    CourseCategory.objects.filter(course=district.own_course).update(weight=Decimal("20"))
    SectionCategory.objects.filter(section=district.own_section).update(weight=Decimal("30"))
    masters = MasterCategory.objects.filter(master=district.master).count()
    courses = CourseCategory.objects.filter(course=district.own_course).count()
    sections = SectionCategory.objects.filter(section=district.own_section).count()

    master_page = _page(client, reverse("coursemasters:master_detail", args=[district.master.pk]))
    course_page = _page(client, reverse("courses:course_detail", args=[district.own_course.pk]))
    section_page = _page(client, reverse("sections:section_detail", args=[district.own_section.pk]))

    assert WARNING.format(total=65 * masters) in master_page
    assert WARNING.format(total=20 * courses) in course_page
    assert WARNING.format(total=30 * sections) in section_page


def test_weights_that_total_100_need_no_warning(client, district):
    client.force_login(district.district_admin)
    categories = list(SectionCategory.objects.filter(section=district.own_section).order_by("pk"))
    SectionCategory.objects.filter(pk__in=[c.pk for c in categories]).update(weight=Decimal("0"))
    SectionCategory.objects.filter(pk=categories[0].pk).update(weight=Decimal("100"))

    section_page = _page(client, reverse("sections:section_detail", args=[district.own_section.pk]))

    assert "not 100" not in section_page
