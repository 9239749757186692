"""Failed password sign-ins at the admin's form: after a few, per client
address or per user name, the form is closed for a while, and a refused
attempt checks no password and writes nothing."""

import datetime

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext

from users.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"
WRITES = ("INSERT", "UPDATE", "DELETE")


class CountingHasher(PBKDF2PasswordHasher):
    """Django's default hasher, counting the passwords it hashes: checking a
    password (or pretending to, for an unknown user) hashes one."""

    hashed = 0

    def encode(self, password, salt, iterations=None):
        type(self).hashed += 1
        return super().encode(password, salt, iterations)


@pytest.fixture
def password_login(settings):
    """Password sign-in on (where the admin signs on through the identity
    provider, it may be off), and a staff member who can use it."""
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend"
        if backend == "authentication.sign_on.PermissionsWithoutPasswords"
        else backend
        for backend in settings.AUTHENTICATION_BACKENDS
    ]
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    staff = User(username="maija", is_staff=True, is_superuser=True)
    staff.set_password(PASSWORD)
    staff.save()
    CountingHasher.hashed = 0
    return staff


def sign_in(client, username, password, address="192.0.2.1", language="en"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers={"Accept-Language": language},
    )


def fail(client, times, username="maija", address="192.0.2.1"):
    """Sign in with a wrong password `times` times: the statuses."""
    return [
        sign_in(client, username, "wrong", address).status_code for _ in range(times)
    ]


def lock_out(client):
    """Fail as often as the limit allows: the last failure locks maija out."""
    limit = settings.AXES_FAILURE_LIMIT
    assert fail(client, limit) == [200] * (limit - 1) + [429]


def test_the_lockout_check_runs_before_any_password_check():
    assert settings.AUTHENTICATION_BACKENDS[0] == (
        "authentication.password_attempts.PasswordAttempts"
    )


def test_failures_below_the_limit_let_the_right_password_in(client, password_login):
    assert set(fail(client, settings.AXES_FAILURE_LIMIT - 1)) == {200}

    assert sign_in(client, "maija", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()  # a success forgives the failures


def test_a_locked_out_attempt_checks_no_password_and_writes_nothing(
    client, password_login
):
    lock_out(client)
    hashed = CountingHasher.hashed

    with CaptureQueriesContext(connection) as queries:
        refused = sign_in(client, "maija", PASSWORD)

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many failed sign-ins" in page
    assert "Try again in 15 min." in page
    assert "Content-Security-Policy" in refused.headers
    assert CountingHasher.hashed == hashed
    assert [q["sql"] for q in queries if q["sql"].startswith(WRITES)] == []
    assert "_auth_user_id" not in client.session


def test_the_failures_themselves_are_not_in_the_audit_trail(client, password_login):
    entries = LogEntry.objects.count()

    lock_out(client)
    assert fail(client, 3) == [429] * 3

    assert LogEntry.objects.count() == entries
    # One row per address and user name, however many attempts it made.
    assert AccessAttempt.objects.count() == 1


def test_one_user_name_is_locked_from_every_address(client, password_login):
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(client, 1, address=f"198.51.100.{n}")
    assert fail(client, 1, address="198.51.100.99") == [429]
    other = User(username="matti", is_staff=True)
    other.set_password(PASSWORD)
    other.save()

    assert sign_in(client, "maija", PASSWORD, "203.0.113.9").status_code == 429
    assert sign_in(client, "matti", PASSWORD, "203.0.113.9").status_code == 302


def test_one_address_is_locked_for_every_user_name(client, password_login):
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(client, 1, username=f"guess-{n}")
    assert fail(client, 1, username="guess-again") == [429]

    assert sign_in(client, "maija", PASSWORD).status_code == 429
    assert sign_in(client, "maija", PASSWORD, "203.0.113.9").status_code == 302


def test_the_form_opens_again_after_the_cool_off(client, password_login):
    lock_out(client)
    assert sign_in(client, "maija", PASSWORD).status_code == 429

    # The cool-off passes: the failures are that much older.
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC)
        - settings.AXES_COOLOFF_TIME
        - datetime.timedelta(seconds=1)
    )

    assert sign_in(client, "maija", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fi", "Liian monta epäonnistunutta kirjautumista"),
        ("sv", "För många misslyckade inloggningar"),
    ],
)
def test_the_lockout_page_is_in_the_request_language(
    client, password_login, language, words
):
    lock_out(client)

    refused = sign_in(client, "maija", PASSWORD, language=language)

    assert refused.status_code == 429
    assert words in refused.content.decode()
