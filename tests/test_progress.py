"""Issue 18: the long commands show progress on a terminal (stderr a TTY, verbosity above 0) and
none on a pipe or with ``-v 0``; standard output is the same byte for byte either way (cli.md).

Each command runs as a real process through manage.py; the terminal is a pseudo-terminal from
the ``pty`` module on its stderr, while stdout stays a pipe so that it can be compared."""

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "district-small.json"
MANAGE = [sys.executable, str(ROOT / "manage.py")]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

pytestmark = pytest.mark.django_db(transaction=True)


def _env() -> dict:
    db = settings.DATABASES["default"]
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["TERM"] = "xterm-256color"
    return env


def on_terminal(*args: str) -> tuple[int, bytes, str]:
    """Run manage.py with stderr on a pseudo-terminal: (exit status, stdout bytes, terminal text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    process = subprocess.Popen(
        [*MANAGE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=_env(), cwd=ROOT
    )
    os.close(slave)
    # Read stdout and the terminal at once: either, full, would block the process.
    stdout_parts: list[bytes] = []
    reader = threading.Thread(target=lambda: stdout_parts.append(process.stdout.read()))
    reader.start()
    terminal = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal (the process ended)
            break
        if not chunk:
            break
        terminal.extend(chunk)
    os.close(master)
    reader.join(timeout=120)
    stdout = stdout_parts[0]
    process.stdout.close()
    status = process.wait(timeout=120)
    return status, stdout, ANSI.sub("", terminal.decode("utf-8", "replace"))


def on_pipe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MANAGE, *args], capture_output=True, env=_env(), cwd=ROOT, timeout=120)


def test_import_shows_each_level_loading_on_a_terminal():
    # when
    status, stdout, terminal = on_terminal("import_district", str(FIXTURE))
    # then: what it does and how far, then the usual message
    assert status == 0, terminal
    assert stdout == b""
    assert "loading courses" in terminal
    assert re.search(r"loading sections\s.*4/4", terminal), terminal
    assert "left" in terminal  # the time-left column
    assert f"imported {FIXTURE}" in terminal


def test_import_on_a_pipe_prints_only_its_message():
    loaded = on_pipe("import_district", str(FIXTURE))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == b""
    assert loaded.stderr.decode() == f"imported {FIXTURE}: 4 schools, 7 courses, 4 sections\n"


def test_export_stdout_is_the_same_on_a_terminal_and_on_a_pipe():
    # given
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    # when
    piped = on_pipe("export_district")
    status, stdout, terminal = on_terminal("export_district")
    # then
    assert piped.returncode == 0 and status == 0
    assert piped.stderr == b""
    assert stdout == piped.stdout == FIXTURE.read_bytes()
    assert re.search(r"writing sections\s.*4/4", terminal), terminal
    assert re.search(r"writing courses\s.*7/7", terminal), terminal


def test_verbosity_0_on_a_terminal_draws_nothing():
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    status, stdout, terminal = on_terminal("export_district", "-v", "0")
    assert status == 0
    assert stdout == FIXTURE.read_bytes()
    assert terminal == ""


def test_generate_to_stdout_is_the_same_document_either_way():
    piped = on_pipe("generate_district", "--schools", "2", "--masters", "3", "--seed", "4", "--out", "-")
    status, stdout, terminal = on_terminal(
        "generate_district", "--schools", "2", "--masters", "3", "--seed", "4", "--out", "-"
    )
    assert piped.returncode == 0 and status == 0
    assert stdout == piped.stdout
    assert b"generating schools" not in piped.stderr
    assert re.search(r"generating schools\s.*2/2", terminal), terminal


def test_push_shows_courses_pushed_and_keeps_its_summary_line():
    # given
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    push = ("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog")
    # when: a dry run on a pipe, then the push itself on a terminal
    dry = on_pipe(*push, "--dry-run")
    status, stdout, terminal = on_terminal(*push)
    # then: the push's summary is what the dry run said it would be (the fixture has a desynced
    # course, so both exit 1); the terminal showed the courses pushed
    assert dry.returncode == status == 1, terminal
    assert b"Push All Course Masters" not in dry.stderr
    assert stdout == dry.stdout
    assert stdout.decode().startswith("courses: ")
    counts = re.findall(r"Push All Course Masters: courses\s.*?(\d+)/(\d+)", terminal)
    assert counts and counts[-1][0] == counts[-1][1] != "0", terminal  # the last frame: all done


def test_undo_on_a_pipe_is_only_its_summary_and_on_a_terminal_shows_progress():
    # given: a push to undo
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    # (overwrite: the fixture's desynced courses get their master's items back, so there is something to undo)
    push = ("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog", "--mode", "overwrite")
    pushed = on_pipe(*push)
    assert pushed.returncode == 0, pushed.stderr
    assert not pushed.stdout.startswith(b"courses: 0 changed"), pushed.stdout
    job_id = re.search(rb"Job (\d+) completed", pushed.stderr).group(1).decode()
    # when
    status, stdout, terminal = on_terminal("undo_push", job_id)
    # then
    assert status in (0, 1), terminal
    assert stdout.decode().startswith("courses: ")
    counts = re.findall(r"Undo[^:]*: courses\s.*?(\d+)/(\d+)", terminal)
    assert counts and counts[-1][0] == counts[-1][1] != "0", terminal


def test_report_rows_on_a_terminal_and_the_same_csv_on_a_pipe():
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    report = ("report", "course-audit", "--year", "22-23", "--catalog", "High School Catalog")
    piped = on_pipe(*report)
    status, stdout, terminal = on_terminal(*report)
    assert piped.returncode == 0 and status == 0, piped.stderr
    assert piped.stderr == b""
    assert stdout == piped.stdout
    assert stdout.startswith(b"catalog,course_master,school,")
    assert "course-audit report: rows" in terminal


def test_roll_forward_shows_what_it_is_doing_on_a_terminal_only():
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    status, stdout, terminal = on_terminal(
        "roll_forward", "--school", "102", "--from-year", "22-23", "--to-year", "23-24"
    )
    assert status == 0, terminal
    assert "rolling school 102 forward from 22-23 to 23-24" in terminal
    assert stdout.strip()  # its result line, as on a pipe
    piped = on_pipe("roll_forward", "--school", "201", "--from-year", "22-23", "--to-year", "23-24")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == b""


def test_watch_follows_a_job_until_it_ends_and_exits_with_its_outcome():
    # given: a job waiting in the queue for tomorrow
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    submitted = on_pipe("push_all_courses", "--school", "102", "--year", "22-23", "--batch", "--at", "2099-01-01T22:00")
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.decode().split()[-1]
    # when: someone follows it, and it is canceled while they do
    watch = subprocess.Popen(
        [*MANAGE, "batch_queue", "--watch", job_id, "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        cwd=ROOT,
    )
    first = watch.stdout.readline().decode()  # the job as it stands: the watch has started
    assert first.split("\t")[0] == job_id and "\tqueued\t" in first, first
    assert on_pipe("batch_queue", "cancel", job_id).returncode == 0
    rest, errors = watch.communicate(timeout=60)
    # then: one more line, for the change, and the job's outcome as the exit status
    lines = rest.decode().splitlines()
    assert len(lines) == 1 and "\tcanceled\t" in lines[0], lines
    assert watch.returncode == 1
    assert f"job {job_id} canceled" in errors.decode()


def test_watch_of_a_completed_job_prints_it_once_and_exits_0():
    assert on_pipe("import_district", str(FIXTURE)).returncode == 0
    pushed = on_pipe("push_all_courses", "--school", "102", "--year", "22-23")
    job_id = re.search(rb"Job (\d+) completed", pushed.stderr).group(1).decode()
    watched = on_pipe("batch_queue", "--watch", job_id)
    assert watched.returncode == 0, watched.stderr
    assert watched.stderr == b""
    lines = watched.stdout.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(job_id + "\t") and "\tcompleted\t" in lines[0]
    # on a terminal the same lines, and the courses as a bar
    status, stdout, terminal = on_terminal("batch_queue", "--watch", job_id)
    assert status == 0 and stdout == watched.stdout
    assert f"job {job_id} Push All Courses: courses" in terminal
