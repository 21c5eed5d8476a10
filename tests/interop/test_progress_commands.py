"""Issue 18: import_oneroster, import_edfi and export_oneroster show progress on a terminal and
none on a pipe or with ``-v 0``, where their messages stay exactly as cli.md documents them.

Each command runs as a real process (tests/test_progress.py's helpers): stderr on a
pseudo-terminal, or both streams on pipes."""

from __future__ import annotations

import re

import pytest

from tests.test_progress import FIXTURE, on_pipe, on_terminal

from . import test_r93_import_edfi as edfi
from .conftest import district_12, write_package

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_oneroster_shows_each_file_on_a_terminal_and_only_its_message_on_a_pipe(tmp_path):
    package = write_package(tmp_path / "pkg.zip", district_12())
    status, stdout, terminal = on_terminal("import_oneroster", str(package), "--catalog", "District Catalog")
    assert status == 0, terminal
    assert stdout == b""
    assert re.search(r"importing classes\.csv\s.*2/2", terminal), terminal
    assert re.search(r"importing results\.csv\s.*1/1", terminal), terminal
    assert f"imported {package}: " in terminal
    # the same package again, on a pipe: the message alone
    piped = on_pipe("import_oneroster", str(package), "--catalog", "District Catalog")
    assert piped.returncode == 0, piped.stderr
    lines = piped.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"imported {package}: "), lines


def test_import_edfi_shows_each_file_on_a_terminal_and_nothing_more_with_v0(tmp_path):
    folder = edfi.write(tmp_path, edfi.files())
    args = ("import_edfi", str(folder), "--catalog", "District Catalog")
    status, stdout, terminal = on_terminal(*args)
    assert status == 0, terminal
    assert re.search(r"importing \w+\.xml", terminal), terminal
    assert f"imported {folder}: " in terminal
    status, stdout, terminal = on_terminal(*args, "-v", "0")
    assert status == 0
    assert "importing" not in terminal and terminal.startswith(f"imported {folder}: "), terminal


def test_export_oneroster_shows_the_schools_on_a_terminal_and_not_on_a_pipe(tmp_path):
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    out = tmp_path / "out.zip"
    status, stdout, terminal = on_terminal("export_oneroster", "--year", "22-23", "--out", str(out))
    assert status == 0, terminal
    assert re.search(r"writing schools\s.*4/4", terminal), terminal
    first = out.read_bytes()
    piped = on_pipe("export_oneroster", "--year", "22-23", "--out", str(out))
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == b""
    assert piped.stderr.decode().startswith(f"wrote {out}: ") and b"writing schools" not in piped.stderr
    assert out.read_bytes() == first  # the same package either way
