"""The identity provider rotates its signing key: no outage and no restart.

The loopback issuer signs with its newest key and publishes the older ones
beside it, as Keycloak and Tunnistamo do while they rotate. helusers verifies
every token, through the real /graphql view.
"""

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import within_the_issuer_timeout

pytestmark = pytest.mark.django_db

DOCUMENT = "{ serviceInfo { name } me { uuid } }"
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def me(graphql, token):
    """The `me` answer for `token`, and the error codes that came with it."""
    body = graphql(DOCUMENT, token=token).json()
    assert body["data"]["serviceInfo"]["name"]  # public data, whatever the token
    return body["data"]["me"], [e["extensions"]["code"] for e in body.get("errors", [])]


def accepted(graphql, token):
    found, codes = me(graphql, token)
    return found is not None and not codes


@pytest.fixture
def cooldown(settings):
    """TOKEN_AUTH_KEYS_REFETCH_COOLDOWN's default, passed on the test's clock."""
    settings.TOKEN_AUTH_KEYS_REFETCH_COOLDOWN = 10.0
    return settings.TOKEN_AUTH_KEYS_REFETCH_COOLDOWN


def keys_fetched_long_ago(graphql, issuer, clock, cooldown):
    """The service holds the issuer's keys, fetched more than a cooldown ago."""
    assert accepted(graphql, issuer.token())
    clock.advance(cooldown + 1)
    return issuer.key_set_requests


def test_new_key_is_accepted_at_once_without_a_restart(
    graphql, issuer, clock, cooldown
):
    old = issuer.signing_key
    fetched = keys_fetched_long_ago(graphql, issuer, clock, cooldown)

    new = issuer.rotate()

    assert accepted(graphql, issuer.token(key=new))
    assert accepted(graphql, issuer.token(key=old))  # old tokens still verify
    assert issuer.key_set_requests == fetched + 1


def test_keys_are_fetched_again_at_most_once_per_cooldown(
    graphql, issuer, clock, cooldown
):
    assert accepted(graphql, issuer.token())  # the keys were fetched just now
    fetched = issuer.key_set_requests
    new = issuer.rotate()

    # Within the cooldown of the last fetch, the new key is not looked for.
    assert me(graphql, issuer.token(key=new)) == (None, ["AUTHENTICATION_ERROR"])
    assert issuer.key_set_requests == fetched

    clock.advance(cooldown - 1)
    assert me(graphql, issuer.token(key=new)) == (None, ["AUTHENTICATION_ERROR"])
    assert issuer.key_set_requests == fetched

    clock.advance(1)
    assert accepted(graphql, issuer.token(key=new))
    assert issuer.key_set_requests == fetched + 1


def test_burst_of_unknown_key_ids_costs_one_fetch(
    post_at_once, graphql, issuer, clock, cooldown
):
    fetched = keys_fetched_long_ago(graphql, issuer, clock, cooldown)
    tokens = [
        issuer.token(key=STRANGER, headers={"kid": str(uuid.uuid4())})
        for _ in range(40)
    ]

    results = post_at_once(DOCUMENT, tokens)

    assert issuer.key_set_requests - fetched <= 1
    for response, _ in results:
        body = response.json()
        assert body["data"]["me"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == [
            "AUTHENTICATION_ERROR"
        ]


def test_unknown_key_ids_never_hold_up_known_ones_longer_than_the_timeout(
    post_at_once, graphql, issuer, clock, cooldown, settings
):
    """While a refetch hangs, tokens with known keys go on with the keys held."""
    keys_fetched_long_ago(graphql, issuer, clock, cooldown)
    asked = issuer.requests
    issuer.set_mode("hang")
    unknown = [
        issuer.token(key=STRANGER, headers={"kid": str(uuid.uuid4())})
        for _ in range(20)
    ]
    known = [issuer.token() for _ in range(10)]

    results = post_at_once(DOCUMENT, unknown + known)

    assert issuer.requests - asked <= 1
    for _, seconds in results:
        assert within_the_issuer_timeout(seconds, settings)
    served = [response.json()["data"]["me"] for response, _ in results]
    assert all(found is None for found in served[: len(unknown)])
    assert all(found is not None for found in served[len(unknown) :])


def test_known_keys_verify_while_the_issuer_is_down(
    graphql, issuer, settings, clock, cooldown
):
    settings.OIDC_API_TOKEN_AUTH = {
        **settings.OIDC_API_TOKEN_AUTH,
        "OIDC_CONFIG_EXPIRATION_TIME": 60,
    }
    old = issuer.signing_key
    new = issuer.rotate()
    assert accepted(graphql, issuer.token(key=new))  # both keys are known now

    issuer.set_mode("down")
    newer = issuer.rotate()
    clock.advance(61)  # the keys are due for a refresh, which fails

    assert accepted(graphql, issuer.token(key=old))
    assert accepted(graphql, issuer.token(key=new))
    assert me(graphql, issuer.token(key=newer)) == (None, ["AUTHENTICATION_ERROR"])

    issuer.set_mode("up")
    clock.advance(cooldown)
    assert accepted(graphql, issuer.token(key=newer))
