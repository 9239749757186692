"""Sentry gets unexpected errors, never refused tokens, no health traces, and
nothing of gunicorn's warm-up.

Events go to a transport that keeps them in memory, through the real view
and middleware.
"""

import threading

import pytest
import requests
import sentry_sdk
from django.core.wsgi import get_wsgi_application
from sentry_sdk.transport import Transport

from {{ cookiecutter.package_name }}.sentry import init_sentry, paused
from {{ cookiecutter.package_name }}.tests.hostile import hostile_requests
from {{ cookiecutter.package_name }}.warmup import (
    SERVICE_INFO,
    WARM_UP_REQUESTS,
    request_environ,
    status_of,
    warm_up,
)

pytestmark = pytest.mark.django_db


class KeptTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def items(self, kind):
        return [
            item
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == kind
        ]


@pytest.fixture
def sentry():
    transport = KeptTransport()
    init_sentry(
        dsn="https://public@sentry.example/1",
        environment="test",
        release="1.2.3",
        traces_sample_rate=1.0,
        transport=transport,
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: nothing is sent from here on


def flush():
    sentry_sdk.flush(timeout=5)


@pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls")
def test_unexpected_exception_is_reported(graphql, sentry):
    graphql("{ broken }", path="/graphql-broken")
    flush()

    [event] = sentry.items("event")
    payload = event.payload.json
    assert payload["exception"]["values"][-1]["type"] == "RuntimeError"
    assert payload["release"] == "1.2.3"
    assert payload["environment"] == "test"


@pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls")
def test_many_failing_fields_are_one_event(graphql, sentry):
    aliases = " ".join(f"b{number}: broken" for number in range(100))

    graphql("{ " + aliases + " }", path="/graphql-broken")
    flush()

    [event] = sentry.items("event")
    assert "100 in this request" in event.payload.json["logentry"]["formatted"]


@pytest.mark.parametrize(
    "token",
    ["not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
    ids=["garbage", "none"],
)
def test_refused_token_is_not_reported(graphql, issuer, sentry, token):
    response = graphql("{ me { uuid } }", token=token)
    flush()

    assert response.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"
    assert sentry.items("event") == []


def test_hostile_requests_are_not_reported(client, issuer, sentry):
    for case in hostile_requests():
        client.generic("POST", "/graphql", case.body, content_type="application/json")
    client.post("/graphql", {}, content_type="application/json", HTTP_HOST="evil")
    flush()

    assert sentry.items("event") == []


def test_expired_token_is_not_reported(graphql, issuer, sentry):
    graphql("{ me { uuid } }", token=issuer.token(exp=1_600_000_000, iat=1_599_999_000))
    flush()

    assert sentry.items("event") == []


@pytest.mark.django_db(transaction=True)
def test_health_probes_are_not_traced(live_server, sentry):
    """Through a real WSGI server: Sentry traces there, not in Django's test client."""
    requests.get(f"{live_server.url}/healthz", timeout=10)
    requests.get(f"{live_server.url}/readiness", timeout=10)
    flush()
    assert sentry.items("transaction") == []

    requests.post(
        f"{live_server.url}/graphql",
        json={"query": "{ serviceInfo { name } }"},
        timeout=10,
    )
    flush()
    assert len(sentry.items("transaction")) == 1


def test_the_warm_up_starts_no_thread_and_sends_nothing(sentry, settings):
    """As gunicorn.conf.py runs it in the master, just before the fork."""
    settings.ALLOWED_HOSTS = ["api.example.fi"]
    application = get_wsgi_application()  # the WSGI handler Sentry traces
    threads_before = set(threading.enumerate())

    with paused():
        statuses = warm_up(application)
    flush()

    assert statuses == ["200 OK"] * len(WARM_UP_REQUESTS)
    assert set(threading.enumerate()) == threads_before
    assert sentry.envelopes == []

    environ = request_environ("POST", "/graphql", SERVICE_INFO, {})
    assert status_of(application, environ) == "200 OK"
    flush()
    assert len(sentry.items("transaction")) == 1  # on again after the block


def test_settings_turn_sentry_on_only_with_a_dsn(run_django):
    probe = (
        "import sentry_sdk; options = sentry_sdk.get_client().options\n"
        "print(options['dsn'], options['environment'], options['release'])"
    )

    off = run_django(probe, SENTRY_DSN="")
    on = run_django(
        probe,
        SENTRY_DSN="https://public@sentry.example/1",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="abc123",
    )

    assert off.stdout.split()[0] == "None"
    assert on.stdout.split() == ["https://public@sentry.example/1", "staging", "abc123"]
