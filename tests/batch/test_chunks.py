"""Chunks may run at once on several workers (issue 15), so what must be decided together is in
one chunk: a push that copies locked course numbers (R16), or an undo that puts them back, never
splits a calendar's courses; a dry run cuts its chunks the same way."""

from catalog.models import CourseCatalog
from pushjobs.engine import push_chunks

from .conftest import master_push


def test_r16_a_push_of_locked_numbers_keeps_each_calendars_courses_in_one_chunk(district):
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(locked_attributes=["number"])
    north = sorted(c.pk for c in district.courses if c.calendar.school == district.north)
    south = sorted(c.pk for c in district.courses if c.calendar.school == district.south)
    assert len(north) == len(south) == 2

    chunks = push_chunks(master_push(), north + south, 1)

    assert chunks == [north, south]


def test_chunks_of_a_push_without_numbers_are_cut_by_size(district):
    ids = sorted(c.pk for c in district.courses)

    assert push_chunks(master_push(), ids, 1) == [[i] for i in ids]
    assert push_chunks(master_push(data=frozenset({"categories"})), ids, 3) == [ids[:3], ids[3:]]
