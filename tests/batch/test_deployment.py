"""The production shape is described twice, for Docker (docker-compose.yml) and without
(scripts/production-local): the same five processes, started the way cli.md says."""

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_postgres_redis_web_worker_and_beat():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert "collectstatic" in services["web"]["command"] and "migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")


def test_compose_app_services_run_in_production_mode_against_the_compose_services():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["PRODUCTION"] == "1"
        assert all(env.get(key) for key in REQUIRED_IN_PRODUCTION), name
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}
        assert services[name]["image"] == services["web"]["image"]  # one image for the three


def test_production_local_starts_the_same_processes_and_is_valid_bash():
    script = ROOT / "scripts" / "production-local"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    for needle in (
        "export PRODUCTION=1",
        "gunicorn config.wsgi:application",
        "celery -A config worker",
        "celery -A config beat",
        "collectstatic",
        "services_start",
        *(f"export {key}=" for key in REQUIRED_IN_PRODUCTION),
    ):
        assert needle in text, needle
