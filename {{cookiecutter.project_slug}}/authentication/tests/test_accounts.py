"""Accounts stay as the City left them: deactivated is cut off, deleted stays deleted.

Every request goes through the real view and middleware, with tokens from
the loopback issuer, and each outcome is checked in the database too.
"""

import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.backends import AllowAllUsersModelBackend
from django.test import Client
from django.utils import timezone

from users.models import DeletedUser, User

pytestmark = pytest.mark.django_db

BOTH = "{ serviceInfo { name } me { email } }"
UPDATE = 'mutation { updateMe(input: {preferredLanguage: "sv"}) { clientMutationId } }'
DELETE = "mutation { deleteMe(input: {}) { ok } }"


def code(response):
    [error] = response.json()["errors"]
    return error["extensions"]["code"]


@pytest.fixture
def person(graphql, issuer):
    """A signed-in person's uuid and the token they signed in with."""
    subject = str(uuid.uuid4())
    token = issuer.token(sub=subject, iat=int(time.time()) - 60)
    assert graphql("{ me { uuid } }", token=token).json()["data"]["me"]
    return subject, token


def test_deactivated_account_is_refused_at_once_and_public_fields_still_served(
    graphql, person
):
    subject, token = person
    User.objects.filter(uuid=subject).update(is_active=False)

    read = graphql(BOTH, token=token)
    update = graphql(UPDATE, token=token)

    assert read.json()["data"] == {
        "serviceInfo": {"name": django_settings.SERVICE_NAME},
        "me": None,
    }
    assert code(read) == code(update) == "ACCOUNT_DEACTIVATED_ERROR"
    assert User.objects.get(uuid=subject).preferred_language == "fi"

    User.objects.filter(uuid=subject).update(is_active=True)  # and back, at once
    assert graphql(BOTH, token=token).json()["data"]["me"] is not None


def test_deactivated_account_is_refused_when_the_session_signs_it_in(settings):
    # Django's default backend never signs in an inactive user; one that does
    # (as a backend of another kind may) still gets no API access.
    settings.AUTHENTICATION_BACKENDS = [
        f"{AllowAllUsersModelBackend.__module__}.AllowAllUsersModelBackend"
    ]
    user = User.objects.create(username="gone-quiet", is_active=False)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/graphql", {"query": "{ serviceInfo { name } }"})

    response = browser.post(
        "/graphql",
        {"query": BOTH},
        content_type="application/json",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )

    assert response.json()["data"]["me"] is None
    assert code(response) == "ACCOUNT_DEACTIVATED_ERROR"


@pytest.mark.parametrize("document", [BOTH, "{ serviceInfo { name } }"])
def test_token_from_before_deletion_never_creates_the_account_again(
    graphql, person, document
):
    subject, token = person
    assert graphql(DELETE, token=token).json()["data"]["deleteMe"]["ok"]

    response = graphql(document, token=token)

    assert response.json()["data"]["serviceInfo"] == {
        "name": django_settings.SERVICE_NAME
    }
    if document == BOTH:
        assert code(response) == "AUTHENTICATION_ERROR"
    assert not User.objects.filter(uuid=subject).exists()


def test_token_issued_after_deletion_creates_a_new_account(graphql, issuer, person):
    subject, old_token = person
    graphql(DELETE, token=old_token)
    # Tokens carry whole seconds: let the deletion be a few seconds old.
    DeletedUser.objects.filter(uuid=subject).update(
        deleted_at=timezone.now() - timedelta(seconds=10)
    )

    refused = graphql(BOTH, token=old_token)
    signed_in_again = graphql(BOTH, token=issuer.token(sub=subject))

    assert code(refused) == "AUTHENTICATION_ERROR"
    assert signed_in_again.json()["data"]["me"] == {"email": "maija@example.com"}
    assert User.objects.get(uuid=subject).preferred_language == "fi"  # a new account


def test_what_is_remembered_is_the_uuid_and_only_while_a_token_can_be_valid(
    graphql, issuer, person, settings
):
    subject, token = person
    long_ago = timezone.now() - timedelta(seconds=settings.TOKEN_AUTH_MAX_AGE + 1)
    DeletedUser.objects.create(uuid=uuid.uuid4(), deleted_at=long_ago)

    graphql(DELETE, token=token)

    [remembered] = DeletedUser.objects.values()
    assert set(remembered) == {"uuid", "deleted_at"}
    assert str(remembered["uuid"]) == subject


def test_an_account_deleted_in_bulk_is_remembered_too():
    user = User.objects.create(username="batch-deleted")

    User.objects.filter(pk=user.pk).delete()

    assert DeletedUser.objects.filter(uuid=user.uuid).exists()


@pytest.mark.parametrize(
    "claims",
    [{"iat": None}, {"iat": "yesterday"}],
    ids=["no iat", "iat not a number"],
)
def test_a_token_without_a_usable_issue_time_is_refused(graphql, issuer, claims):
    response = graphql(BOTH, token=issuer.token(**claims))

    assert response.json()["data"]["serviceInfo"]
    assert code(response) == "AUTHENTICATION_ERROR"
    assert not User.objects.exists()


def test_a_token_older_than_the_max_age_is_refused(graphql, issuer, settings):
    now = int(time.time())
    old = issuer.token(iat=now - settings.TOKEN_AUTH_MAX_AGE - 5, exp=now + 300)

    assert code(graphql(BOTH, token=old)) == "AUTHENTICATION_ERROR"
    assert not User.objects.exists()
