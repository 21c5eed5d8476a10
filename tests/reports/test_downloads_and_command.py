"""All reports: CSV (a header row first) and XLSX downloads, streamed, and the ``report``
command (cli.md), all saying what the selector says."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from catalog.setup_display import every_grading_item_name
from reports.display import column_heading, people_value
from reports.filters import COLUMNS

from .conftest import CATALOG, PASSWORD, YEAR, assignment_doc, course, load, master, rows_of, section

SITUATIONS = {
    "master-awaiting-push": {"catalog": CATALOG},
    "course-audit": {},
    "residual": {},
    "course-awaiting-push": {"school": "101"},
}


@pytest.fixture
def busy_district(district):
    """A little of everything: a changed master, a desynced course, residual data, a section behind."""
    master(district)["categories"][0]["weight"] = "30.00"
    course(district, "102")["standards"][0].update(state="unlinked", score_group="A-F")
    course(district, "101")["categories"].append(
        {"name": "Labs", "weight": "0.00", "sequence": 3, "drop_lowest": 0, "excluded": False, "state": "residual"}
    )
    s = section(district, "1")
    s["categories"].append(
        {"name": "Labs", "weight": "0.00", "sequence": 3, "drop_lowest": 0, "excluded": False, "state": "residual"}
    )
    s["assignments"] = [assignment_doc("Lab 1", "Labs", scores=2)]
    section(district, "2")["categories"][1]["weight"] = "60.00"
    load(district)
    return district


def _parse_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("kind", list(SITUATIONS))
def test_all_reports_command_csv_matches_the_selector(busy_district, kind, capsys):
    expected = rows_of(kind, **SITUATIONS[kind])
    assert expected, "the situation gives rows"
    options = {f"--{k}": v for k, v in SITUATIONS[kind].items()}
    args = [kind, "--year", YEAR]
    for k, v in options.items():
        args += [k, v]

    call_command("report", *args)
    out = capsys.readouterr().out

    assert out.splitlines()[0] == ",".join(COLUMNS[kind])  # the header row first
    assert _parse_csv(out) == expected


def _in_words(rows: list[dict]) -> list[dict]:
    """The CSV's rows as the XLSX writes them for people: headings and codes in words."""
    names = every_grading_item_name()
    return [{column_heading(k): people_value(k, v, names) for k, v in row.items()} for row in rows]


@pytest.mark.parametrize("kind", list(SITUATIONS))
def test_all_reports_command_xlsx_to_a_file(busy_district, kind, tmp_path):
    out = tmp_path / "report.xlsx"
    args = [kind, "--year", YEAR, "--format", "xlsx", "--out", str(out)]
    for k, v in SITUATIONS[kind].items():
        args += [f"--{k}", v]

    call_command("report", *args)

    workbook = load_workbook(out, read_only=True)
    assert workbook.sheetnames == ["Summary", "Rows"]
    rows = [[("" if v is None else str(v)) for v in row] for row in workbook["Rows"].iter_rows(values_only=True)]
    assert tuple(rows[0]) == tuple(column_heading(c) for c in COLUMNS[kind])
    assert [dict(zip(rows[0], r, strict=True)) for r in rows[1:]] == _in_words(rows_of(kind, **SITUATIONS[kind]))
    # Tasks and standards by code and name, never by their reference (the CSV keeps "task:Q1G").
    assert not any("task:" in cell or "standard:" in cell for r in rows[1:] for cell in r)


def test_command_writes_csv_to_out_file(busy_district, tmp_path):
    out = tmp_path / "residual.csv"
    call_command("report", "residual", "--year", YEAR, "--out", str(out))
    rows = _parse_csv(out.read_text(encoding="utf-8"))
    assert [(r["level"], r["item"], r["assignments"], r["scores"]) for r in rows] == [
        ("course", "Labs", "0", "0"),
        ("section", "Labs", "1", "2"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bogus", "--year", YEAR], 'unknown report "bogus"'),
        (["residual"], "--year is required"),
        (["residual", "--year", "99-00"], 'no school year "99-00"'),
        (["master-awaiting-push", "--year", YEAR], "--catalog is required"),
        (["course-audit", "--year", YEAR, "--catalog", "Nope"], 'no course catalog "Nope"'),
        (["course-audit", "--year", YEAR, "--school", "999"], 'no school "999"'),
        (["residual", "--year", YEAR, "--format", "pdf"], 'unknown format "pdf"'),
        (["course-awaiting-push", "--year", YEAR], "--school is required"),
        (["residual", "--year", YEAR, "--as", "jdoe"], "jdoe is a teacher"),
        (["residual", "--year", YEAR, "--as", "principal", "--school", "102"], "not one of your schools"),
    ],
)
def test_r32_report_command_bad_input_exits_2(busy_district, args, message, capsys):
    with pytest.raises(CommandError, match=message) as raised:
        call_command("report", *args)
    assert raised.value.returncode == 2
    assert capsys.readouterr().out == ""


def test_report_command_as_a_school_admin_covers_their_schools(busy_district, capsys):
    call_command("report", "course-audit", "--year", YEAR, "--as", "principal")
    rows = _parse_csv(capsys.readouterr().out)
    assert {r["school"] for r in rows} == {"101 North High"}


@pytest.fixture
def admin_client(client, busy_district, users):
    users()
    client.login(username="admin", password=PASSWORD)
    return client


@pytest.mark.parametrize("kind", list(SITUATIONS))
def test_all_reports_csv_download_streams(admin_client, kind):
    response = admin_client.get(reverse("reports:download", args=[kind, "csv"]), {"year": YEAR, **SITUATIONS[kind]})

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert _parse_csv(text) == rows_of(kind, **SITUATIONS[kind])


@pytest.mark.parametrize("kind", list(SITUATIONS))
def test_all_reports_xlsx_download(admin_client, kind):
    response = admin_client.get(reverse("reports:download", args=[kind, "xlsx"]), {"year": YEAR, **SITUATIONS[kind]})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [[("" if v is None else str(v)) for v in row] for row in workbook["Rows"].iter_rows(values_only=True)]
    assert [dict(zip(rows[0], r, strict=True)) for r in rows[1:]] == _in_words(rows_of(kind, **SITUATIONS[kind]))
    # Tasks and standards by code and name, never by their reference (the CSV keeps "task:Q1G").
    assert not any("task:" in cell or "standard:" in cell for r in rows[1:] for cell in r)


def test_xlsx_summary_sheet_holds_the_counts(admin_client):
    response = admin_client.get(
        reverse("reports:download", args=["master-awaiting-push", "xlsx"]), {"year": YEAR, "catalog": CATALOG}
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    summary = [tuple(r) for r in workbook["Summary"].iter_rows(values_only=True)]
    assert ("report", "Course Master Awaiting Push") in summary
    assert ("Awaiting push", 1) in summary  # 101 awaits; 102 is desynced
    assert ("Desynced", 1) in summary
    header = summary.index(
        ("Course master", "Name", "Courses", "In sync", "Awaiting push", "Course controlled", "Desynced", "Ignored")
    )
    assert summary[header + 1][:3] == ("ENG9", "English 9", 2)


def test_download_bad_filter_is_400_naming_it(admin_client):
    response = admin_client.get(reverse("reports:download", args=["course-audit", "csv"]), {"year": "99-00"})
    assert response.status_code == 400


def test_xlsx_rows_sheet_is_laid_out_for_a_person(admin_client):
    # issue 14: bold header that stays in view, an autofilter, widths that fit, numbers as numbers
    response = admin_client.get(reverse("reports:download", args=["residual", "xlsx"]), {"year": YEAR})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Rows"]

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width >= 12
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("Assignments") + 1).data_type == "n"
    assert sheet.column_dimensions[sheet.cell(1, header.index("Action") + 1).column_letter].width == 60
