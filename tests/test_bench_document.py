"""The benchmark's verdicts in docs/performance.md (bench.document), from made-up results."""

from bench import document


def _gradebook(plain_queries: list[int], impact_queries: list[int]) -> dict:
    def step(queries):
        return {
            "wall_s": 10.0,
            "peak_mb": 100.0,
            "queries": sum(queries),
            "found": {"runs": [{"queries": q} for q in queries]},
        }

    return {"steps": {"preview": step(plain_queries), "preview_grade_impact": step(impact_queries)}}


def _queries_row(gradebook: dict):
    return next(row for row in document.gradebook_targets(gradebook) if "queries added per push command" in row[0])


def test_grade_impact_adding_the_same_queries_to_every_catalog_does_not_grow():
    _title, measured, ok = _queries_row(_gradebook([155, 121, 55], [167, 133, 67]))
    assert measured == "12, 12, 12"
    assert ok is True


def test_grade_impact_adding_more_queries_to_a_bigger_catalog_grows():
    _title, _measured, ok = _queries_row(_gradebook([155, 121, 55], [255, 160, 67]))
    assert ok is False
