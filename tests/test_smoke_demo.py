"""The run command cannot rot: ``scripts/run`` itself, with its embedded PostgreSQL (in a
temporary data directory instead of ``.data/``), serves the demo; each demo role walks every
page reachable from the navigation, every report with its filters, and every CSV and XLSX
download; nothing answers a server error, and a report's download holds rows when its page
shows them. Stopping the run command stops its database."""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from tests.crawl import Crawl, table_rows

# The three roles share one demo: with parallel test processes they run in the same one
# (scripts/test distributes by --dist loadgroup), so the demo is set up once.
pytestmark = pytest.mark.xdist_group("demo")

ROOT = Path(__file__).resolve().parent.parent
REPORT_KINDS = ("master-awaiting-push", "course-awaiting-push", "residual", "course-audit")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo():
    # Not below pytest's own folder, which only root may enter: as root, the database
    # runs as a user of its own, which must reach its data directory.
    data = Path(tempfile.mkdtemp(prefix="grading-demo-"))
    data.chmod(0o755)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "PRODUCTION")}
    env.update(GRADING_DATA_DIR=str(data), MEDIA_ROOT=str(data / "media"), PORT=str(port))
    run = subprocess.Popen(
        ["bash", "scripts/run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    # Wait for the line the run command prints once the demo is set up.
    for line in run.stdout:
        output.append(line)
        if line.startswith("Open http://"):
            break
    else:
        pytest.fail("scripts/run ended before serving:\n" + "".join(output))
    text = "".join(output)
    logins = dict(re.findall(r"^\s+(district admin|school admin|teacher)\s+(\S+)$", text, re.M))
    password = re.search(r"password for each: (\S+)\)", text).group(1)
    base = f"127.0.0.1:{port}"
    _wait_until_serving(f"http://{base}/login/")
    yield {"base": base, "logins": logins, "password": password, "process": run, "data": data}
    if run.poll() is None:
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=120)
    shutil.rmtree(data, ignore_errors=True)


def _wait_until_serving(url: str) -> None:
    # The server thread starts after the line; the first request waits on its socket.
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    pytest.fail(f"{url} never answered")


def _session(base: str, username: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://{base}/login/", timeout=120).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(
        f"http://{base}/login/", data=form.encode(), headers={"Referer": f"http://{base}/login/"}
    )
    home = opener.open(request, timeout=120)
    assert urllib.parse.urlparse(home.geturl()).path != "/login/", f"{username} could not sign in"

    def fetch(path: str) -> tuple[int, str, bytes]:
        try:
            response = opener.open(f"http://{base}{path}", timeout=120)
            return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    return fetch


def _data_rows(path: str, body: bytes) -> int:
    if ".xlsx" in path:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        sheet = book["Rows"] if "Rows" in book.sheetnames else book.worksheets[0]
        return max(0, sum(1 for _ in sheet.iter_rows()) - 1)
    return max(0, len(body.decode("utf-8-sig").strip().splitlines()) - 1)


@pytest.mark.parametrize("role", ["district admin", "school admin", "teacher"])
def test_r32_every_page_and_download_of_the_demo_works_for_each_role(demo, role):
    fetch = _session(demo["base"], demo["logins"][role], demo["password"])

    pages = Crawl(fetch=fetch, base=demo["base"]).run("/")

    errors = [f"{p.status} {p.url} (linked from {p.found_on})" for p in pages.values() if p.status >= 500]
    assert not errors, "\n".join(errors)
    assert len(pages) > 5, sorted(pages)
    for page in pages.values():
        path = urllib.parse.urlsplit(page.url).path
        if not path.startswith("/reports/") or not path.endswith((".csv", ".xlsx")):
            continue
        assert page.status == 200, page.url
        found_on = pages[page.found_on]
        shown = table_rows(found_on.body) > 1 and b'id="report-empty"' not in found_on.body
        if shown:
            assert _data_rows(path, page.body) > 0, f"{page.url} is empty while {page.found_on} shows rows"
    if role == "district admin":
        for kind in REPORT_KINDS:
            reached = {urllib.parse.urlsplit(u).path for u, p in pages.items() if p.status == 200}
            assert f"/reports/{kind}/download.csv" in reached, f"no CSV of {kind} reached"
            assert f"/reports/{kind}/download.xlsx" in reached, f"no XLSX of {kind} reached"


def test_stopping_the_run_command_stops_its_database(demo):
    run = demo["process"]
    pid_file = demo["data"] / "postgres" / "postmaster.pid"
    assert pid_file.exists()

    run.send_signal(signal.SIGTERM)
    run.wait(timeout=120)

    assert not pid_file.exists()
