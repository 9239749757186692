"""Helsinki Profile's GDPR API, with tokens from the loopback issuer.

Its view authenticates the token itself, inside Django REST framework. Every
test runs with tokens shaped as Tunnistamo issues them and as Helsinki's
Keycloak does, each with the settings the README gives for it.
"""

import uuid

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from users.models import User

pytestmark = pytest.mark.django_db

# Tunnistamo names API scopes with the API's own prefix.
PREFIX = "{{ cookiecutter.project_slug }}"


class Tunnistamo:
    field = ["https://api.hel.fi/auth"]
    query, delete = f"{PREFIX}.gdprquery", f"{PREFIX}.gdprdelete"

    @staticmethod
    def claims(*scopes):
        return {"https://api.hel.fi/auth": list(scopes)}


class Keycloak:
    field = ["authorization.permissions.scopes"]
    query, delete = "gdprquery", "gdprdelete"

    @staticmethod
    def claims(*scopes):
        permissions = [{"rsname": "example-service", "scopes": list(scopes)}]
        return {"authorization": {"permissions": permissions}}


@pytest.fixture(params=[Tunnistamo, Keycloak], ids=["tunnistamo", "keycloak"])
def provider(request, issuer, settings):
    """The identity provider's token shape, and the service configured for it."""
    provider = request.param
    settings.OIDC_API_TOKEN_AUTH = {
        **settings.OIDC_API_TOKEN_AUTH,
        "API_AUTHORIZATION_FIELD": provider.field,
    }
    settings.GDPR_API_QUERY_SCOPE = provider.query
    settings.GDPR_API_DELETE_SCOPE = provider.delete
    return provider


@pytest.fixture
def person(graphql, issuer):
    """A user who has signed in once and changed something."""
    subject = str(uuid.uuid4())
    graphql(
        'mutation { updateMe(input: {preferredLanguage: "sv"}) { user { uuid } } }',
        token=issuer.token(sub=subject),
    )
    return User.objects.get(uuid=subject)


def gdpr(client, method, subject, token, query="", **headers):
    return getattr(client, method)(
        f"/gdpr-api/v1/user/{subject}{query}",
        headers={"Authorization": f"Bearer {token}", **headers},
    )


def scoped_token(issuer, provider, subject, *scopes):
    return issuer.token(sub=str(subject), **provider.claims(*scopes))


def test_query_returns_the_users_data(client, issuer, provider, person):
    token = scoped_token(issuer, provider, person.uuid, provider.query)

    response = gdpr(client, "get", person.uuid, token)

    assert response.status_code == 200
    data = response.json()
    assert data["key"] == "USER"
    values = {child["key"]: child.get("value") for child in data["children"]}
    assert values["UUID"] == str(person.uuid)
    assert values["PREFERRED_LANGUAGE"] == "sv"
    assert values["EMAIL"] == "maija@example.com"


def test_query_without_its_scope_is_refused(client, issuer, provider, person):
    token = scoped_token(issuer, provider, person.uuid, provider.delete)

    assert gdpr(client, "get", person.uuid, token).status_code == 403


def test_scopes_in_the_other_providers_claim_do_not_count(
    client, issuer, provider, person
):
    other = Keycloak if provider is Tunnistamo else Tunnistamo
    token = issuer.token(sub=str(person.uuid), **other.claims(provider.query))

    assert gdpr(client, "get", person.uuid, token).status_code == 403


def test_nobody_gets_someone_elses_data(client, issuer, provider, person):
    someone = User.objects.create(username="someone-else")
    token = scoped_token(issuer, provider, someone.uuid, provider.query)

    assert gdpr(client, "get", person.uuid, token).status_code == 403


@pytest.mark.parametrize(
    "bad",
    [{"aud": "someone-else"}, {"exp": 1_600_000_000, "iat": 1_599_999_000}],
    ids=["wrong-audience", "expired"],
)
def test_invalid_token_is_refused(client, issuer, provider, person, bad):
    token = issuer.token(sub=str(person.uuid), **provider.claims(provider.query), **bad)

    assert gdpr(client, "get", person.uuid, token).status_code == 401


def test_scopes_of_an_odd_shape_are_refused_not_an_error(client, issuer, person):
    token = issuer.token(sub=str(person.uuid), **{"https://api.hel.fi/auth": 42})

    assert gdpr(client, "get", person.uuid, token).status_code == 403


def test_query_delete_and_query_again(client, issuer, provider, person):
    pk, subject = person.pk, person.uuid
    query = scoped_token(issuer, provider, subject, provider.query)
    delete = scoped_token(issuer, provider, subject, provider.delete)

    assert gdpr(client, "get", subject, query).status_code == 200
    dry_run = gdpr(client, "delete", subject, delete, query="?dry_run=true")
    assert dry_run.status_code == 204
    assert User.objects.filter(pk=pk).exists()
    assert not LogEntry.objects.filter(action=LogEntry.Action.DELETE).exists()

    deleted = gdpr(client, "delete", subject, delete, **{"X-Request-ID": "gdpr-del"})
    assert deleted.status_code == 204
    assert not User.objects.filter(uuid=subject).exists()

    # The Profile back end asks again: the person is gone, and stays gone.
    assert gdpr(client, "get", subject, query).status_code == 204
    assert gdpr(client, "delete", subject, delete).status_code == 204
    assert not User.objects.filter(uuid=subject).exists()

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(pk)
    )
    [entry] = entries.filter(action=LogEntry.Action.DELETE)
    assert entry.cid == "gdpr-del"
    assert entry.additional_data["deleted_user"]["uuid"] == str(subject)
    assert entry.additional_data["actor_uuid"] == str(subject)  # the person themself
    assert entry.actor_email == "maija@example.com"
    assert entries.filter(action=LogEntry.Action.UPDATE).exists()  # earlier ones stay


def test_a_user_never_seen_is_not_created(client, issuer, provider):
    subject = uuid.uuid4()

    query = gdpr(
        client, "get", subject, scoped_token(issuer, provider, subject, provider.query)
    )
    delete = gdpr(
        client,
        "delete",
        subject,
        scoped_token(issuer, provider, subject, provider.delete),
    )

    assert (query.status_code, delete.status_code) == (204, 204)
    assert not User.objects.filter(uuid=subject).exists()


def test_the_api_never_changes_a_user_from_the_token(client, issuer, provider, person):
    token = issuer.token(
        sub=str(person.uuid), given_name="Someone", **provider.claims(provider.query)
    )

    assert gdpr(client, "get", person.uuid, token).status_code == 200
    person.refresh_from_db()
    assert person.first_name == "Maija"


def test_issuer_down_is_answered_503_until_its_keys_are_known(
    client, issuer, provider, person, settings
):
    token = scoped_token(issuer, provider, person.uuid, provider.query)
    # A replica that has not fetched the keys yet (a changed setting forgets them).
    settings.OIDC_API_TOKEN_AUTH = {**settings.OIDC_API_TOKEN_AUTH}
    issuer.set_mode("down")

    assert gdpr(client, "get", person.uuid, token).status_code == 503

    issuer.set_mode("up")
    settings.TOKEN_AUTH_ISSUER_RETRY_INTERVAL = 0
    assert gdpr(client, "get", person.uuid, token).status_code == 200
    issuer.set_mode("down")  # the keys are known now: they stay in use
    assert gdpr(client, "get", person.uuid, token).status_code == 200
    assert User.objects.filter(pk=person.pk).exists()


def test_a_query_is_access_logged_in_the_persons_name(client, issuer, provider, person):
    token = scoped_token(issuer, provider, person.uuid, provider.query)

    response = gdpr(client, "get", person.uuid, token, X_Request_ID="gdpr-read-1")

    assert response.status_code == 200
    [entry] = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, cid="gdpr-read-1")
    assert (entry.object_pk, entry.actor, entry.cid) == (
        str(person.pk),
        person,
        "gdpr-read-1",
    )


def test_a_deactivated_account_can_still_be_queried_and_erased(
    client, issuer, provider, person
):
    User.objects.filter(pk=person.pk).update(is_active=False)
    query = scoped_token(issuer, provider, person.uuid, provider.query)
    delete = scoped_token(issuer, provider, person.uuid, provider.delete)

    assert gdpr(client, "get", person.uuid, query).status_code == 200
    assert gdpr(client, "delete", person.uuid, delete).status_code == 204
    assert not User.objects.filter(pk=person.pk).exists()


def test_a_token_from_before_a_deletion_does_not_bring_the_account_back(
    client, graphql, issuer, provider, person
):
    signed_in = issuer.token(sub=str(person.uuid))
    query = scoped_token(issuer, provider, person.uuid, provider.query)
    graphql("mutation { deleteMe(input: {}) { ok } }", token=signed_in)

    assert gdpr(client, "get", person.uuid, query).status_code == 204
    assert graphql("{ serviceInfo { name } }", token=signed_in).status_code == 200
    assert gdpr(client, "get", person.uuid, query).status_code == 204
    assert not User.objects.filter(uuid=person.uuid).exists()


@pytest.mark.parametrize(
    ("accept_language", "missing", "refused"),
    [
        (
            None,
            "Autentikaatiotunnuksia ei annettu.",
            "Tunnistautumistunniste ei kelpaa.",
        ),
        (
            "en",
            "Authentication credentials were not provided.",
            "The authentication token is not valid.",
        ),
    ],
)
def test_refusals_are_in_the_language_graphql_would_use(
    client, issuer, person, accept_language, missing, refused
):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    url = f"/gdpr-api/v1/user/{person.uuid}"

    without_token = client.get(url, headers=headers)
    bad_token = gdpr(client, "get", person.uuid, "not-a-token", **headers)

    assert without_token.status_code == bad_token.status_code == 401
    assert without_token.json() == {"detail": missing}
    assert bad_token.json() == {"detail": refused}
    assert without_token["Content-Language"] == bad_token["Content-Language"]
