"""Memory of import_district, export_district and generate_district does not grow with the
district's records (issue 15: peak <= 300 MB at the large district, 205,260 sections).

Measured with tracemalloc, the allocations Python itself traces: not timed, and the same on a
loaded machine. Each test takes the peak while handling N and then 4N sections. Holding the
records (the whole document in memory) makes the second peak grow by about 3N records' worth;
reading, writing and generating a record at a time keeps the growth to the few keys per record
that the checks across records need (a section's course and number), a small fraction of that.
Each test first shows, with the whole-document way, that its measure sees records being held.
"""

import copy
import io
import json
import tracemalloc

import pytest

from exchange import exporter, importer, stream
from exchange.district import district_export_write, district_import
from exchange.exporter import document_write
from exchange.generator import district_generate, district_generate_stream
from exchange.importer import district_import_file, document_read
from exchange.stream import document_stream

from .conftest import SMALL

# The share of the N extra records' own size that the larger run may add to the peak. Holding
# them adds about all of it (1.0); keys for the checks across records add a few hundredths.
BOUND = 0.2


def _peak(action) -> int:
    """The peak of traced memory while ``action`` runs, above what was traced before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def _held(make) -> int:
    """How much memory the value ``make()`` returns holds while it is alive."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        value = make()
        held = tracemalloc.get_traced_memory()[0] - before
        del value
        return held
    finally:
        tracemalloc.stop()


def _district(sections: int) -> dict:
    """The small example district with ``sections`` sections of its first course, each like its first."""
    document = copy.deepcopy(SMALL)
    template = document["sections"][0]
    document["sections"] = [{**copy.deepcopy(template), "number": f"{n:05d}"} for n in range(1, sections + 1)]
    return document


def _write(tmp_path, sections: int):
    path = tmp_path / f"district-{sections}.json"
    path.write_text(json.dumps(_district(sections), indent=2, sort_keys=True), encoding="utf-8")
    return path


def _section_bytes() -> int:
    text = json.dumps(SMALL["sections"][0])
    return _held(lambda: json.loads(text))


def _assert_bounded(small: int, large: int, extra_records: int, label: str) -> None:
    allowed = BOUND * extra_records * _section_bytes()
    assert large - small < allowed, (
        f"{label}: the peak grew by {(large - small) / 1e6:.1f} MB for {extra_records} more sections "
        f"(bound {allowed / 1e6:.1f} MB; peaks {small / 1e6:.1f} and {large / 1e6:.1f} MB)"
    )


def test_whole_document_measure_sees_the_records_held(tmp_path):
    # The measure itself: reading the file whole (json.loads) grows with every section.
    n = 300
    small, large = _write(tmp_path, n), _write(tmp_path, 4 * n)
    grew = _peak(lambda: document_read(large)) - _peak(lambda: document_read(small))
    assert grew > 3 * n * _section_bytes() * 0.8


def test_reading_a_district_file_holds_one_record_not_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK", 1 << 16)
    n = 300
    small, large = _write(tmp_path, n), _write(tmp_path, 4 * n)

    def read(path):
        with document_stream(path) as document:
            assert sum(1 for _ in document.records("sections")) == document.count("sections")

    _assert_bounded(_peak(lambda: read(small)), _peak(lambda: read(large)), 3 * n, "reading the file")


@pytest.mark.django_db
def test_import_district_memory_does_not_grow_with_sections(tmp_path, monkeypatch):
    # Chunks of 50 records (2,000 in production) and blocks of 64 KB of text (1 MB), so that
    # what is bounded by them is bounded at these sizes too.
    monkeypatch.setattr(importer, "CHUNK_SIZE", 50)
    monkeypatch.setattr(stream, "BLOCK", 1 << 16)
    n = 200
    small, large = _write(tmp_path, n), _write(tmp_path, 4 * n)
    first = _peak(lambda: district_import_file(small))
    second = _peak(lambda: district_import_file(large, replace=True))
    _assert_bounded(first, second, 3 * n, "import_district")


@pytest.mark.django_db
def test_export_district_memory_does_not_grow_with_sections(monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK_SIZE", 50)
    n = 200
    district_import(_district(n))
    first = _peak(lambda: district_export_write(_Discard()))
    district_import(_district(4 * n), replace=True)
    second = _peak(lambda: district_export_write(_Discard()))
    _assert_bounded(first, second, 3 * n, "export_district")


def test_generate_district_memory_does_not_grow_with_the_district():
    # The generator holds one school's courses and sections at a time: 4 and 16 schools.
    sizes = dict(masters=20, sections_per_course=6, students_per_section=3, assignments_per_section=2, seed=2)
    whole_small = _peak(lambda: district_generate(schools=4, **sizes))
    whole_large = _peak(lambda: district_generate(schools=16, **sizes))

    counts = {}

    def generate(schools: int) -> None:
        with district_generate_stream(schools=schools, checked=False, **sizes) as document:
            document_write(_Discard(), document.parts())
            counts[schools] = document.count("sections")

    small, large = _peak(lambda: generate(4)), _peak(lambda: generate(16))
    extra = counts[16] - counts[4]
    assert extra > 500
    # The whole document grows with every section (the measure sees it), the streamed one does not.
    assert whole_large - whole_small > 0.5 * extra * _section_bytes()
    _assert_bounded(small, large, extra, "generate_district")


def test_generated_stream_is_the_generated_document():
    sizes = dict(schools=4, masters=10, students_per_section=2, assignments_per_section=1, seed=4)
    text = io.StringIO()
    with district_generate_stream(**sizes) as document:
        document_write(text, document.parts())
    assert text.getvalue() == json.dumps(district_generate(**sizes), indent=2, sort_keys=True) + "\n"


class _Discard:
    def write(self, text: str) -> None:
        pass
