"""The engine works on SQLite too (the demo database), not only on PostgreSQL's fast path.

A push on SQLite once failed in its bulk delete (``unrecognized token ":"``) and fell back to
redoing every chunk course by course, logging a traceback. Here the same generated district is
pushed on SQLite, through the command, and on PostgreSQL, through the engine: both must report
the same outcome, without an error, and a second push on SQLite must change nothing (R18).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.exchange import district_import
from catalog.generator import district_generate
from pushjobs.engine import MasterPushOptions, push_run

ROOT = Path(__file__).resolve().parent.parent.parent
SIZE = {"schools": 4, "masters": 12, "sections_per_course": 2, "students_per_section": 3, "assignments_per_section": 2}
PUSH = ["--year", "24-25", "--catalog", "High School Catalog", "--mode", "overwrite", "--to-sections"]


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def sqlite_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "PRODUCTION")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'push.sqlite3'}"
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    env["LOG_LEVEL"] = "WARNING"
    return env


def _generate_flags() -> list[str]:
    flags = []
    for name, value in SIZE.items():
        flags += [f"--{name.replace('_', '-')}", str(value)]
    return flags


@pytest.mark.django_db
def test_r12_overwrite_push_to_sections_on_sqlite_matches_postgresql(sqlite_env, tmp_path):
    # given the same generated district (ignored, desynced, residual and teacher items...) on both databases
    assert _manage(sqlite_env, "migrate", "--no-input", "-v0").returncode == 0
    loaded = _manage(sqlite_env, "generate_district", *_generate_flags())
    assert loaded.returncode == 0, loaded.stderr
    district_import(district_generate(**SIZE))
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
    expected = push_run(options)
    assert expected.summary.courses_changed and expected.summary.items_removed, "the district gives the push work"

    # when the overwrite push to sections runs on SQLite
    report = tmp_path / "report.csv"
    first = _manage(sqlite_env, "push_all_course_masters", *PUSH, "--report", str(report))

    # then it succeeds with the outcome PostgreSQL gives, every course in one piece
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr and "course by course" not in first.stderr, first.stderr
    assert first.stdout.strip().splitlines()[-1] == expected.summary.line()
    assert expected.summary.courses_failed == 0
    assert len(report.read_text().splitlines()) == 1 + len(expected.rows)

    # and what it wrote is whole: the same push again changes nothing (R18)
    second = _manage(sqlite_env, "push_all_course_masters", *PUSH)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1].startswith("courses: 0 changed,"), second.stdout
