"""The embedded default cannot rot: the run command's set-up works on SQLite,
demo data loads, and a demo user can sign in (issue 2)."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "PRODUCTION")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    return env


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_demo_setup_on_sqlite_serves_the_login_page_and_signs_in(demo_env):
    # given the run command's set-up steps, on SQLite
    assert _manage(demo_env, "migrate", "--no-input", "-v0").returncode == 0
    setup = _manage(demo_env, "demo_setup", "--schools", "1")
    assert setup.returncode == 0, setup.stderr
    logins = dict(re.findall(r"^\s+(district admin|school admin|teacher)\s+(\S+)$", setup.stdout, re.M))
    assert set(logins) == {"district admin", "school admin", "teacher"}, setup.stdout
    password = re.search(r"password for each: (\S+)\)", setup.stdout).group(1)
    # running it twice works and keeps the district
    again = _manage(demo_env, "demo_setup", "--schools", "1")
    assert again.returncode == 0, again.stderr
    assert "Loading the demo district" not in again.stderr

    # when the web server runs
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=demo_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        deadline = time.monotonic() + 60
        while True:
            try:
                page = opener.open(f"{base}/login/", timeout=5).read().decode()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        # then the login page answers, and the district admin signs in
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": logins["district admin"], "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
        home = opener.open(request, timeout=30)
        assert urllib.parse.urlparse(home.geturl()).path != "/login/"
        assert logins["district admin"] in home.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
