"""cli.md: ``import_district FILE [--replace] [--as USER]`` and ``export_district [--out FILE]``:
exit 0 on success, 2 on bad input with the message on stderr and nothing changed;
export writes nothing but the JSON document on stdout."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import User
from exchange.district import district_export_json, district_import_file

from .conftest import FIXTURE, SMALL, SMALL_TEXT, row_counts

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_district_loads_the_file(db):
    out, err = run("import_district", str(FIXTURE))
    assert out == ""
    assert "imported" in err
    assert district_export_json() == SMALL_TEXT


def test_export_district_prints_nothing_but_the_document(db):
    district_import_file(FIXTURE)
    out, err = run("export_district")
    assert out == SMALL_TEXT
    assert err == ""


def test_export_district_out_writes_the_file(db, tmp_path):
    district_import_file(FIXTURE)
    target = tmp_path / "district.json"
    out, _ = run("export_district", "--out", str(target))
    assert out == ""
    assert target.read_bytes() == SMALL_TEXT.encode("utf-8")


def test_r32_import_into_a_district_without_replace_exits_2(db):
    district_import_file(FIXTURE)
    before = row_counts()
    with pytest.raises(CommandError) as raised:
        run("import_district", str(FIXTURE))
    assert raised.value.returncode == 2
    assert str(raised.value) == "the database already holds a district; use --replace"
    assert row_counts() == before


def test_import_district_replace_replaces(db, tmp_path):
    district_import_file(FIXTURE)
    other = dict(SMALL, district={"name": "Other Unified", "batch_processing_enabled": False})
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    run("import_district", str(path), "--replace")
    district = json.loads(district_export_json())["district"]
    assert district == {"name": "Other Unified", "batch_processing_enabled": False}


def test_r32_bad_file_exits_2_naming_path_and_problem(db, tmp_path):
    district_import_file(FIXTURE)
    before = row_counts()
    bad = json.loads(SMALL_TEXT)
    bad["sections"][1]["teacher"] = "ghost"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("import_district", str(path), "--replace")
    assert raised.value.returncode == 2
    assert str(raised.value) == 'sections[1].teacher: no user "ghost" in users'
    assert row_counts() == before
    assert district_export_json() == SMALL_TEXT


def test_r32_missing_file_exits_2(db, tmp_path):
    with pytest.raises(CommandError) as raised:
        run("import_district", str(tmp_path / "nowhere.json"))
    assert raised.value.returncode == 2
    assert "nowhere.json: cannot read the file" in str(raised.value)


def test_only_district_admins_import(db):
    User.objects.create_user(username="principal", role=User.SCHOOL_ADMIN)
    before = row_counts()
    with pytest.raises(CommandError) as raised:
        run("import_district", str(FIXTURE), "--as", "principal")
    assert raised.value.returncode == 2
    assert str(raised.value) == '--as: user "principal" is not a district admin; only district admins import'
    assert row_counts() == before


def test_district_admin_imports_as_themselves(db):
    User.objects.create_user(username="boss", role=User.DISTRICT_ADMIN)
    run("import_district", str(FIXTURE), "--as", "boss")
    assert User.objects.filter(username="boss", role=User.DISTRICT_ADMIN).exists()
    assert district_export_json().count('"username"') == len(SMALL["users"]) + 1


def _command_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


@pytest.mark.django_db(transaction=True)
def test_commands_through_manage_py(tmp_path):
    # the real processes: exit codes, and what goes to stdout and stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "district-grading/1", "schools": [{"number": "101"}]}', encoding="utf-8")
    manage = [sys.executable, str(ROOT / "manage.py")]
    failed = subprocess.run([*manage, "import_district", str(bad)], capture_output=True, text=True, env=_command_env())
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert 'schools[0]: missing required key "name"' in failed.stderr

    loaded = subprocess.run(
        [*manage, "import_district", str(FIXTURE)], capture_output=True, text=True, env=_command_env()
    )
    assert loaded.returncode == 0, loaded.stderr
    exported = subprocess.run([*manage, "export_district"], capture_output=True, env=_command_env())
    assert exported.returncode == 0
    assert exported.stdout == SMALL_TEXT.encode("utf-8")
