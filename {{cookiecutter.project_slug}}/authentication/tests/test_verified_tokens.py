"""A verified token is remembered, and never beyond what made it valid.

The account behind it is looked up on every request all the same: the tests
in test_accounts.py deactivate and delete accounts whose tokens were just
used, and are remembered, and see them refused at once.
"""

import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from helusers.models import OIDCBackChannelLogoutEvent

from authentication.tokens import verified_tokens
from users.models import User

pytestmark = pytest.mark.django_db

ME = "{ serviceInfo { name } me { uuid } }"


def accepted(graphql, token):
    body = graphql(ME, token=token).json()
    assert body["data"]["serviceInfo"]["name"]  # public data, whatever the token
    return body["data"]["me"] is not None and "errors" not in body


def remembered(token):
    return verified_tokens.get(token) is not None


def wait_until(moment):
    time.sleep(max(0.0, moment - time.time()) + 0.1)


def accepted_while_it_lives(graphql, make):
    """A token that lives a few seconds, accepted and remembered: (token, the
    moment it stops being valid). `make(moment)` makes one.

    A busy machine may let a short life pass before the token is used; then
    one with a longer life is made, so that the verdict never rests on speed.
    """
    for seconds in (2, 4, 8, 16, 32, 64):
        moment = int(time.time()) + seconds
        token = make(moment)
        if accepted(graphql, token):
            assert remembered(token)
            return token, moment
        assert time.time() >= moment, "refused while it was still valid"
    pytest.fail("no token was used within its life, even a minute's")


def test_a_token_is_remembered_once_verified(graphql, issuer):
    token = issuer.token()

    assert accepted(graphql, token)
    assert remembered(token)
    assert accepted(graphql, token)


def test_a_refused_token_is_not_remembered(graphql, issuer):
    token = issuer.token(aud="another-service")

    assert not accepted(graphql, token)
    assert not remembered(token)


def test_a_remembered_token_is_refused_once_it_expires(graphql, issuer):
    token, expires = accepted_while_it_lives(
        graphql, lambda moment: issuer.token(exp=moment)
    )

    wait_until(expires)

    assert not accepted(graphql, token)
    assert not remembered(token)


def test_a_remembered_token_is_refused_once_older_than_the_max_age(
    graphql, issuer, settings
):
    token, too_old_at = accepted_while_it_lives(
        graphql,
        lambda moment: issuer.token(iat=moment - settings.TOKEN_AUTH_MAX_AGE),
    )

    wait_until(too_old_at)

    assert not accepted(graphql, token)


def test_a_remembered_token_is_refused_once_the_issuer_drops_its_key(
    graphql, issuer, settings, clock
):
    old = issuer.signing_key
    token = issuer.token(key=old)
    assert accepted(graphql, token)
    new = issuer.rotate()
    issuer.retire(old)
    clock.advance(settings.TOKEN_AUTH_KEYS_REFETCH_COOLDOWN + 1)

    assert accepted(graphql, issuer.token(key=new))  # the keys are fetched anew

    assert not accepted(graphql, token)


def test_a_remembered_token_is_refused_once_its_session_ends(graphql, issuer):
    token = issuer.token(sid="session-1")
    assert accepted(graphql, token)

    # What helusers' back-channel logout records when the issuer ends a session.
    OIDCBackChannelLogoutEvent.objects.create(iss=issuer.url, sid="session-1")

    assert not accepted(graphql, token)
    assert accepted(graphql, issuer.token(sid="session-2"))


def test_the_session_is_checked_in_the_query_that_reads_the_user(graphql, issuer):
    token = issuer.token(sid="session-1")
    assert accepted(graphql, token)

    with CaptureQueriesContext(connection) as captured:
        assert accepted(graphql, token)

    logout_table = OIDCBackChannelLogoutEvent._meta.db_table
    [read] = [q["sql"] for q in captured.captured_queries if logout_table in q["sql"]]
    assert '"users_user"' in read  # one query for both


def test_an_ended_session_creates_no_account(graphql, issuer):
    OIDCBackChannelLogoutEvent.objects.create(iss=issuer.url, sid="session-1")

    assert not accepted(graphql, issuer.token(sub=str(uuid.uuid4()), sid="session-1"))
    assert not User.objects.exists()


def test_only_as_many_tokens_as_the_setting_allows_are_remembered(
    graphql, issuer, settings
):
    settings.TOKEN_AUTH_VERIFIED_CACHE_SIZE = 2
    tokens = [issuer.token() for _ in range(3)]

    for token in tokens:
        assert accepted(graphql, token)

    assert [remembered(token) for token in tokens] == [False, True, True]


def test_no_token_is_remembered_when_the_setting_is_zero(graphql, issuer, settings):
    settings.TOKEN_AUTH_VERIFIED_CACHE_SIZE = 0
    token = issuer.token()

    assert accepted(graphql, token)
    assert accepted(graphql, token)
    assert not remembered(token)
