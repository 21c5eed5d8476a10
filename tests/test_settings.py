"""Production mode refuses to start without what a deployment needs (issue 2)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEEDED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")


def _check(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in (*NEEDED, "PRODUCTION")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "CRITICAL"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_names_every_missing_setting():
    result = _check({"PRODUCTION": "1", "SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    for name in ("ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert name in result.stderr
    assert "SECRET_KEY," not in result.stderr.split("needs these environment variables:")[1]


def test_production_mode_starts_with_them():
    result = _check(
        {
            "PRODUCTION": "1",
            "SECRET_KEY": "a-long-random-production-secret-key-" + "z" * 40,
            "ALLOWED_HOSTS": "grading.example.org",
            "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
            "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        }
    )
    assert result.returncode == 0, result.stderr


def test_development_mode_needs_nothing():
    result = _check({})
    assert result.returncode == 0, result.stderr
