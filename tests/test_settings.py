"""Production mode refuses to start without what a deployment needs (issue 2), and with what would
make it unsafe (issue 11): a weak secret key, email going to the console. With realistic
production settings ``manage.py check --deploy`` finds nothing at all, warnings included."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEEDED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")
# Everything the settings read that a test machine's environment might already set.
CLEARED = (
    *NEEDED,
    "PRODUCTION",
    "DEBUG",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "EMAIL_DISABLED",
    "PROXY_COUNT",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # tests/conftest.py sets it for Playwright; no deployment does
)
STRONG_KEY = "a-long-random-production-secret-key-Qx7!pL2#vR9$" + "z" * 12
# A deployment as the README describes it: nothing here is connected to by `check`.
PRODUCTION = {
    "PRODUCTION": "1",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "grading.example.org",
    "DATABASE_URL": "postgres://grading:secret@db.example.org:5432/grading",
    "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    "EMAIL_HOST": "smtp.example.org",
}
SHOW_SECURITY = (
    "from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
    "getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG, "
    "s.MAILERS['default']['BACKEND'])"
)


def _run(args: list[str], env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _check(env_extra: dict, *, fail_level: str = "CRITICAL") -> subprocess.CompletedProcess:
    return _run(["check", "--deploy", "--fail-level", fail_level], env_extra)


def test_production_mode_names_every_missing_setting():
    result = _check({"PRODUCTION": "1", "SECRET_KEY": STRONG_KEY})
    assert result.returncode != 0
    for name in ("ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert name in result.stderr
    assert "SECRET_KEY," not in result.stderr.split("needs these environment variables:")[1]


def test_production_mode_passes_check_deploy_without_a_single_warning():
    result = _check(PRODUCTION, fail_level="WARNING")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_turns_on_https_only_and_secure_cookies():
    result = _run(["shell", "--no-imports", "-c", SHOW_SECURITY], PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "31536000",
        "True",
        "True",
        "None",  # no proxy named: X-Forwarded-Proto is not trusted
        "True",
        "True",
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


def test_behind_a_proxy_its_https_header_is_trusted():
    result = _run(["shell", "--no-imports", "-c", SHOW_SECURITY], {**PRODUCTION, "PROXY_COUNT": "1"})
    assert result.returncode == 0, result.stderr
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in result.stdout


@pytest.mark.parametrize(
    "key",
    [
        "development-only-secret-key-not-for-production",  # the development default
        "short-key",
        "a" * 80,  # long, but one character
        "django-insecure-" + "k3y!" * 20,  # startproject's marker of a key not for production
    ],
)
def test_production_mode_refuses_a_weak_secret_key(key):
    result = _check({**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr
    assert key not in result.stderr  # the key itself is never printed


def test_production_mode_refuses_email_to_the_console():
    without_smtp = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_HOST"}
    result = _check(without_smtp)
    assert result.returncode != 0
    assert "would send email to the console" in result.stderr
    assert "EMAIL_DISABLED=1" in result.stderr
    result = _check({**without_smtp, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"})
    assert result.returncode != 0


def test_production_mode_without_email_when_switched_off_on_purpose():
    without_smtp = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_HOST"}
    result = _run(["shell", "--no-imports", "-c", SHOW_SECURITY], {**without_smtp, "EMAIL_DISABLED": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "django.core.mail.backends.dummy.EmailBackend"


def test_development_mode_needs_nothing_but_a_database():
    result = _check({"DATABASE_URL": PRODUCTION["DATABASE_URL"]})
    assert result.returncode == 0, result.stderr
