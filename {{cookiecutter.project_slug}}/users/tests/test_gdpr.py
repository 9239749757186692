"""Helsinki Profile's GDPR API, with tokens from the loopback issuer.

Its view authenticates the token itself, inside Django REST framework.
"""

import uuid

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from users.models import User

pytestmark = pytest.mark.django_db

SCOPES_CLAIM = "https://api.hel.fi/auth"


@pytest.fixture
def person(graphql, issuer):
    """A user who has signed in once and changed something."""
    subject = str(uuid.uuid4())
    graphql(
        'mutation { updateMe(input: {preferredLanguage: "sv"}) { user { uuid } } }',
        token=issuer.token(sub=subject),
    )
    return User.objects.get(uuid=subject)


def gdpr(client, method, user, token, query=""):
    url = f"/gdpr-api/v1/user/{user.uuid}{query}"
    return getattr(client, method)(url, headers={"Authorization": f"Bearer {token}"})


def scoped_token(issuer, user, *scopes):
    return issuer.token(sub=str(user.uuid), **{SCOPES_CLAIM: list(scopes)})


def test_query_returns_the_users_data(client, issuer, person):
    token = scoped_token(issuer, person, settings.GDPR_API_QUERY_SCOPE)

    response = gdpr(client, "get", person, token)

    assert response.status_code == 200
    data = response.json()
    assert data["key"] == "USER"
    values = {child["key"]: child.get("value") for child in data["children"]}
    assert values["UUID"] == str(person.uuid)
    assert values["PREFERRED_LANGUAGE"] == "sv"
    assert values["EMAIL"] == "maija@example.com"


def test_query_without_its_scope_is_refused(client, issuer, person):
    token = scoped_token(issuer, person, settings.GDPR_API_DELETE_SCOPE)

    assert gdpr(client, "get", person, token).status_code == 403


def test_nobody_gets_someone_elses_data(client, issuer, person):
    someone = User.objects.create(username="someone-else")
    token = scoped_token(issuer, someone, settings.GDPR_API_QUERY_SCOPE)

    assert gdpr(client, "get", person, token).status_code == 403


def test_invalid_token_is_refused(client, issuer, person):
    token = issuer.token(sub=str(person.uuid), aud="someone-else")

    assert gdpr(client, "get", person, token).status_code in (401, 403)


def test_delete_keeps_the_audit_trail_and_records_the_actor(client, issuer, person):
    pk, subject = person.pk, str(person.uuid)
    token = scoped_token(issuer, person, settings.GDPR_API_DELETE_SCOPE)

    response = client.delete(
        f"/gdpr-api/v1/user/{subject}",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "gdpr-delete"},
    )

    assert response.status_code == 204
    assert not User.objects.filter(pk=pk).exists()
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(pk)
    )
    [deleted] = entries.filter(action=LogEntry.Action.DELETE)
    assert deleted.cid == "gdpr-delete"
    assert deleted.additional_data["deleted_user"]["uuid"] == subject
    assert deleted.additional_data["actor_uuid"] == subject  # the person themself
    assert deleted.actor_email == "maija@example.com"
    assert entries.filter(action=LogEntry.Action.UPDATE).exists()  # earlier ones stay


def test_dry_run_deletes_nothing(client, issuer, person):
    token = scoped_token(issuer, person, settings.GDPR_API_DELETE_SCOPE)

    response = gdpr(client, "delete", person, token, query="?dry_run=true")

    assert response.status_code == 204
    assert User.objects.filter(pk=person.pk).exists()
    assert not LogEntry.objects.filter(action=LogEntry.Action.DELETE).exists()
