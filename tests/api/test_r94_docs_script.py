"""R94's "done when", literally: the seed workflow script printed in docs/api.md, run with bash,
curl and jq against a live server of this project and a real Celery worker, does the whole
workflow (lock, edit a master, preview, run, wait, report and change log, undo)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from api.tokens import api_token_create
from coursemasters.models import MasterCategory
from courses.models import CourseCategory
from pushjobs.models import PushJob
from tests.batch.conftest import district_build
from tests.batch.test_worker import cluster, redis_url

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
    pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="the script needs curl and jq"),
]
__all__ = ["cluster", "redis_url"]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _seed_script() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", DOCS.read_text(), re.S)
    [script] = [b for b in blocks if b.startswith("#!/usr/bin/env bash")]
    return script


def test_r94_the_seed_script_in_docs_api_md_runs_against_a_live_server(cluster, live_server, tmp_path):
    d = district_build(courses_per_school=2)
    cluster.worker("w1")
    cluster.beat()
    _row, token = api_token_create(user=d.district_admin, name="docs script")
    script = tmp_path / "seed.sh"
    script.write_text(_seed_script())
    env = {**os.environ, "GP": f"{live_server.url}/api/v1", "TOKEN": token}

    done = subprocess.run(
        ["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr + cluster.logs()
    assert MasterCategory.objects.get(master=d.master, name="Homework").weight == Decimal("50.00")
    push = PushJob.objects.get(kind=PushJob.PUSH_COURSE_MASTER)
    undo = PushJob.objects.get(kind=PushJob.UNDO)
    assert push.status == undo.status == PushJob.COMPLETED and undo.options["job"] == push.pk
    assert (tmp_path / f"push-{push.pk}-changes.csv").read_text().count("\n") == 1 + 4 * 2 * 2
    assert not CourseCategory.objects.filter(course__in=d.courses).exists()  # the undo put it back
    assert '"status": "completed"' in done.stdout
