"""Sign-in throttling (issue 11): after settings.AXES_FAILURE_LIMIT wrong passwords for a username,
or from one address, the right password is refused with a message that says why, until an
administrator unlocks it with axes' commands. Through the real sign-in page."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from catalog.login_throttle import client_address
from tests.conftest import PASSWORD

LOCKED = "Sign-in is locked after"
OTHER_ADDRESS = "192.0.2.9"  # TEST-NET-1: only a header value here, nothing is sent to it


def _sign_in(client, username, password, address="127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def _fail(client, username, times, address="127.0.0.1"):
    for _ in range(times):
        response = _sign_in(client, username, "wrong-password", address)
        assert response.status_code in (200, 429)


def test_right_password_is_refused_after_too_many_wrong_ones_and_the_page_says_why(client, district):
    # given the limit of wrong passwords for one user
    _fail(client, "principal", settings.AXES_FAILURE_LIMIT)
    # when the right password comes
    response = _sign_in(client, "principal", PASSWORD)
    # then the sign-in page says the account is locked, and nobody is signed in
    assert response.status_code == 429
    body = response.content.decode()
    assert 'id="login-locked-out"' in body and LOCKED in body
    assert "ask a district administrator to unlock it" in body
    assert 'id="login-form"' in body  # still the sign-in page, not a bare error
    assert not _signed_in(client)


def test_one_wrong_password_less_than_the_limit_still_signs_in(client, district):
    _fail(client, "principal", settings.AXES_FAILURE_LIMIT - 1)
    response = _sign_in(client, "principal", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_a_locked_user_is_locked_from_every_address(client, district):
    _fail(client, "principal", settings.AXES_FAILURE_LIMIT)
    response = _sign_in(client, "principal", PASSWORD, address=OTHER_ADDRESS)
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_an_address_that_guessed_too_often_is_locked_for_every_user(client, district):
    # one wrong password for each of several users, all from one address
    for username in ("jdoe", "msmith", "principal", "nobody-1", "nobody-2")[: settings.AXES_FAILURE_LIMIT]:
        _fail(client, username, 1, address=OTHER_ADDRESS)
    response = _sign_in(client, "admin1", PASSWORD, address=OTHER_ADDRESS)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # another address is not locked for that user
    assert _sign_in(client, "admin1", PASSWORD).status_code == 302


def test_axes_reset_username_unlocks_the_user(client, district):
    _fail(client, "principal", settings.AXES_FAILURE_LIMIT)
    assert _sign_in(client, "principal", PASSWORD).status_code == 429
    call_command("axes_reset_username", "principal", stdout=io.StringIO())
    response = _sign_in(client, "principal", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_axes_reset_ip_unlocks_the_address(client, district):
    for username in ("jdoe", "msmith", "principal", "nobody-1", "nobody-2")[: settings.AXES_FAILURE_LIMIT]:
        _fail(client, username, 1, address=OTHER_ADDRESS)
    assert _sign_in(client, "admin1", PASSWORD, address=OTHER_ADDRESS).status_code == 429
    call_command("axes_reset_ip", OTHER_ADDRESS, stdout=io.StringIO())
    assert _sign_in(client, "admin1", PASSWORD, address=OTHER_ADDRESS).status_code == 302


def test_axes_reset_unlocks_everything(client, district):
    _fail(client, "principal", settings.AXES_FAILURE_LIMIT)
    call_command("axes_reset", stdout=io.StringIO())
    assert _sign_in(client, "principal", PASSWORD).status_code == 302


def test_the_test_clients_login_still_works(client, district):
    # Client.login() authenticates without a request: nothing to throttle, and no error either
    assert client.login(username="principal", password=PASSWORD)
    assert _signed_in(client)
    assert not client.login(username="principal", password="wrong-password")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "127.0.0.1"),  # no proxy: a client cannot choose its address with a header
        (1, "203.0.113.5", "203.0.113.5"),  # one proxy: the address it saw
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # what the client wrote first is not trusted
        (2, "198.51.100.1, 203.0.113.5, 192.0.2.1", "203.0.113.5"),
    ],
)
def test_the_counted_address_is_the_one_the_nearest_trusted_proxy_saw(rf, settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = rf.post("/login/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == expected
