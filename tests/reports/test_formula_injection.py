"""Spreadsheet formula injection (OWASP "CSV injection", cli.md's last paragraph): names that a
spreadsheet would run as a formula come out of every CSV and XLSX download as text with a
leading "'", and XLSX cells are typed as text ('s'), never as formula ('f').

Through the real downloads: the report pages, the job report page, and the ``report`` and
``job_report`` commands.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from .conftest import CATALOG, PASSWORD, YEAR, category, course, load, master

FORMULAS = ['=HYPERLINK("http://x")', "=7+7", "-2+3", "@SUM(A1)", "+1+1", "\tTAB", "\rCR"]
# What the master-awaiting-push report lists of them: new master categories not yet pushed.
CATEGORY_FORMULAS = ['=HYPERLINK("http://x")', "=7+7", "-2+3", "@SUM(A1)", "+1+1"]
MASTER_NAME = "=7+7 English"


@pytest.fixture
def formula_district(district, users):
    # given a master whose name and new (unpushed) categories look like formulas
    master(district)["name"] = MASTER_NAME
    for sequence, name in enumerate(CATEGORY_FORMULAS, start=10):
        master(district)["categories"].append(category(name, "0.00", sequence))
    # and a course that already has a local category of the first name (a push reports a conflict on it)
    course(district, "101")["categories"].append(
        {**category(CATEGORY_FORMULAS[0], "0.00", 30), "state": "local", "source": None}
    )
    load(district)
    users()
    return district


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_csv_safe(text: str, expected: list[str]) -> None:
    cells = _csv_cells(text)
    for formula in expected:
        assert "'" + formula in cells, formula
        assert formula not in cells, formula
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def _assert_xlsx_safe(data: bytes, expected: list[str]) -> None:
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    by_value = {c.value: c for c in cells if c.value is not None}
    for formula in expected:
        assert "'" + formula in by_value, formula
        assert by_value["'" + formula].data_type == "s"
        assert formula not in by_value, formula


def test_report_csv_and_xlsx_downloads_keep_formulas_as_text(client, formula_district):
    assert client.login(username="admin", password=PASSWORD)
    params = {"year": YEAR, "catalog": CATALOG}
    response = client.get(reverse("reports:download", args=["master-awaiting-push", "csv"]), params)
    assert response.status_code == 200
    _assert_csv_safe(b"".join(response.streaming_content).decode(), [*CATEGORY_FORMULAS, MASTER_NAME])
    response = client.get(reverse("reports:download", args=["master-awaiting-push", "xlsx"]), params)
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    _assert_xlsx_safe(data, [*CATEGORY_FORMULAS, MASTER_NAME])


def test_report_command_csv_and_xlsx_keep_formulas_as_text(formula_district, tmp_path, capsys):
    call_command("report", "master-awaiting-push", "--year", YEAR, "--catalog", CATALOG)
    _assert_csv_safe(capsys.readouterr().out, [*CATEGORY_FORMULAS, MASTER_NAME])
    out = tmp_path / "report.xlsx"
    call_command(
        "report", "master-awaiting-push", "--year", YEAR, "--catalog", CATALOG, "--format", "xlsx", "--out", str(out)
    )
    _assert_xlsx_safe(out.read_bytes(), [*CATEGORY_FORMULAS, MASTER_NAME])


@pytest.fixture
def formula_job(formula_district):
    """A push whose result report names the conflicting category, and whose Error is a formula."""
    from catalog.models import User
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.models import PushJob
    from pushjobs.worker import push_job_run_inline

    admin = User.objects.get(username="admin")
    job, outcome = push_job_run_inline(user=admin, options=MasterPushOptions(year=YEAR, catalog=CATALOG))
    assert CATEGORY_FORMULAS[0] in {row.item for row in outcome.rows}, "the push reports the conflict"
    PushJob.objects.filter(pk=job.pk).update(error="-1+1 an error that looks like a formula")
    return job


JOB_FORMULAS = [CATEGORY_FORMULAS[0]]


def test_job_report_downloads_keep_formulas_as_text(client, formula_job):
    assert client.login(username="admin", password=PASSWORD)
    response = client.get(reverse("pushjobs:job_report_csv", args=[formula_job.pk]))
    assert response.status_code == 200
    _assert_csv_safe(b"".join(response.streaming_content).decode(), JOB_FORMULAS)
    response = client.get(reverse("pushjobs:job_report_xlsx", args=[formula_job.pk]))
    assert response.status_code == 200
    _assert_xlsx_safe(response.content, [*JOB_FORMULAS, "-1+1 an error that looks like a formula"])


def test_job_report_command_keeps_formulas_as_text(formula_job, tmp_path, capsys):
    call_command("job_report", str(formula_job.pk), "--as", "admin")
    _assert_csv_safe(capsys.readouterr().out, JOB_FORMULAS)
    out = tmp_path / "job.xlsx"
    call_command("job_report", str(formula_job.pk), "--as", "admin", "--format", "xlsx", "--out", str(out))
    _assert_xlsx_safe(out.read_bytes(), JOB_FORMULAS)


def test_push_command_report_file_keeps_formulas_as_text(formula_district, tmp_path):
    out = tmp_path / "push.csv"
    call_command(
        "push_all_course_masters",
        "--year",
        YEAR,
        "--catalog",
        CATALOG,
        "--dry-run",
        "--report",
        str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    _assert_csv_safe(out.read_text(), JOB_FORMULAS)


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_start_is_neutralised_and_numbers_stay_numbers(value):
    from openpyxl import Workbook

    from catalog.spreadsheets import cell_text, xlsx_cell

    assert cell_text(value) == "'" + value
    assert cell_text(-5) == -5 and cell_text("North High") == "North High"
    sheet = Workbook(write_only=True).create_sheet("x")
    assert xlsx_cell(sheet, value).data_type == "s"
    assert xlsx_cell(sheet, -5).data_type == "n"
