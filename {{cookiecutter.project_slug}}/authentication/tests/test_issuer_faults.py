"""An issuer that is down, failing or hanging costs a request at most the timeout.

Public fields are still served, protected ones get AUTHENTICATION_ERROR, and
tokens verify again once the issuer is back, without a restart. The bounds
below are generous: they catch a hang, they do not measure speed.
"""

import time

import pytest

from conftest import within_the_issuer_timeout

pytestmark = pytest.mark.django_db

DOCUMENT = "{ serviceInfo { name } me { uuid } }"
FAULTS = ["down", "error", "hang"]


def timed(graphql, token):
    started = time.monotonic()
    response = graphql(DOCUMENT, token=token)
    return response, time.monotonic() - started


def assert_refused_but_public_served(response):
    body = response.json()
    assert response.status_code == 200
    assert body["data"]["serviceInfo"]["name"]
    assert body["data"]["me"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["AUTHENTICATION_ERROR"]


@pytest.mark.parametrize("fault", FAULTS)
def test_faulty_issuer_costs_at_most_the_timeout(graphql, issuer, settings, fault):
    issuer.set_mode(fault)

    response, seconds = timed(graphql, issuer.token())

    assert_refused_but_public_served(response)
    assert within_the_issuer_timeout(seconds, settings)


@pytest.mark.parametrize("fault", FAULTS)
def test_tokens_verify_again_when_the_issuer_recovers(
    graphql, issuer, settings, clock, fault
):
    issuer.set_mode(fault)
    assert_refused_but_public_served(graphql(DOCUMENT, token=issuer.token()))

    issuer.set_mode("up")
    clock.advance(settings.TOKEN_AUTH_ISSUER_RETRY_INTERVAL)
    response = graphql(DOCUMENT, token=issuer.token())

    assert "errors" not in response.json()
    assert response.json()["data"]["me"]["uuid"]


def test_failure_is_remembered_briefly_instead_of_asked_again(
    graphql, issuer, settings, clock
):
    issuer.set_mode("error")
    graphql(DOCUMENT, token=issuer.token())
    asked = issuer.requests

    graphql(DOCUMENT, token=issuer.token())

    assert issuer.requests == asked


def test_keys_are_fetched_once_and_then_reused(graphql, issuer):
    graphql(DOCUMENT, token=issuer.token())
    asked = issuer.requests

    for _ in range(3):
        assert "errors" not in graphql(DOCUMENT, token=issuer.token()).json()

    assert issuer.requests == asked


def test_concurrent_requests_to_a_hanging_issuer_do_not_queue(
    post_at_once, issuer, settings
):
    """Requests arriving together all end within the timeout, not one by one."""
    issuer.set_mode("hang")

    results = post_at_once(DOCUMENT, [issuer.token() for _ in range(8)])

    for response, seconds in results:
        assert_refused_but_public_served(response)
        assert within_the_issuer_timeout(seconds, settings)
