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


def _one_worker(jobs: list[tuple[float, int]], worker_cpu: float, pg_cpu: float) -> list[dict]:
    return [
        {
            "workers": 1,
            "seconds": sum(s for s, _ in jobs),
            "jobs": [{"catalog": str(i), "seconds": s, "chunks": c} for i, (s, c) in enumerate(jobs)],
            "worker_cpu": worker_cpu,
            "pg_cpu": pg_cpu,
        }
    ]


def test_scale_out_estimate_divides_a_job_by_its_workers_up_to_its_chunks():
    runs = _one_worker([(100.0, 40), (20.0, 4)], worker_cpu=90.0, pg_cpu=10.0)
    # PostgreSQL's 10% share on 16 cores never binds here: 100/8 + 20/4, then 100/32 + 20/4.
    assert document.estimate(runs, pg_cores=16, workers=8) == 100 / 8 + 20 / 4
    assert document.estimate(runs, pg_cores=16, workers=32) == 100 / 32 + 20 / 4


def test_scale_out_estimate_cannot_beat_postgresql_s_share_on_its_cores():
    runs = _one_worker([(100.0, 40)], worker_cpu=50.0, pg_cpu=50.0)
    # Half of the work is PostgreSQL's: on 2 cores it takes at least 50 / 2 s, however many workers.
    assert document.estimate(runs, pg_cores=2, workers=32) == 25.0


def test_scale_out_estimate_of_a_bigger_district_grows_its_time_and_chunks():
    runs = _one_worker([(100.0, 40)], worker_cpu=90.0, pg_cpu=10.0)
    # Five times the district: 500 s of one-worker time in 200 chunks, 32 at once.
    assert document.estimate(runs, pg_cores=16, workers=32, scale=5.0) == 500 / 32


def _change_log_row(first: float, median: float):
    page = {"first": first, "median": median, "statuses": [200]}
    size = {"steps": {"pages": {"wall_s": 1.0, "found": {"job:first page": page, "history:course": page}}}}
    return next(row for row in document._page_targets(size, "large") if row[0].startswith("A job's change-log page"))


def test_a_change_log_page_whose_first_request_is_slow_is_not_met_though_its_median_is():
    # The first opening of a big job's page once took minutes (its grade impact, kept afterwards).
    _title, measured, ok = _change_log_row(first=272.0, median=0.4)
    assert "(first 272" in measured
    assert ok is False
    _title, _measured, ok = _change_log_row(first=0.6, median=0.4)
    assert ok is True
