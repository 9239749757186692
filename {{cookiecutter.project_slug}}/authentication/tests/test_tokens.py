"""Every kind of token, through the real /graphql view and all its middleware.

helusers verifies each token against the loopback issuer; nothing is mocked.
"""

import base64
import hashlib
import hmac
import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# Two protected root fields (one an alias), one public root field, and
# nested fields under the protected ones.
DOCUMENT = """
query {
  serviceInfo { name }
  me { uuid firstName preferredLanguage }
  again: me { email }
}
"""
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def encode_part(document):
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def unsigned(issuer):
    header = {"alg": "none", "typ": "JWT", "kid": issuer.kid}
    return f"{encode_part(header)}.{encode_part(issuer.claims())}."


def hs256_with_public_key(issuer):
    """The old key-confusion attack: the public key used as an HMAC secret.

    Made by hand, because PyJWT refuses to sign such a token.
    """
    public_pem = issuer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}
    signed = f"{encode_part(header)}.{encode_part(issuer.claims())}"
    signature = hmac.new(public_pem, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


# Each case: the token (made from the issuer) and the code on protected fields.
INVALID_TOKENS = {
    "expired": (
        lambda i: i.token(exp=1_600_000_000, iat=1_599_999_000),
        "AUTHENTICATION_EXPIRED_ERROR",
    ),
    "bad-signature": (lambda i: i.token(key=OTHER_KEY), "AUTHENTICATION_ERROR"),
    "unknown-key": (
        lambda i: i.token(key=OTHER_KEY, headers={"kid": "unknown"}),
        "AUTHENTICATION_ERROR",
    ),
    "wrong-audience": (
        lambda i: i.token(aud="another-service"),
        "AUTHENTICATION_ERROR",
    ),
    "wrong-issuer": (
        lambda i: i.token(iss="https://evil.example"),
        "AUTHENTICATION_ERROR",
    ),
    "alg-none": (unsigned, "AUTHENTICATION_ERROR"),
    "hs256-with-public-key": (hs256_with_public_key, "AUTHENTICATION_ERROR"),
    "no-subject": (lambda i: i.token(sub=None), "AUTHENTICATION_ERROR"),
    "audience-not-a-string": (lambda i: i.token(aud=42), "AUTHENTICATION_ERROR"),
    "expiry-not-a-number": (lambda i: i.token(exp="tomorrow"), "AUTHENTICATION_ERROR"),
    "no-expiry": (lambda i: i.token(exp=None), "AUTHENTICATION_ERROR"),
    "not-a-jwt": (lambda i: "not-a-jwt", "AUTHENTICATION_ERROR"),
}


def assert_public_served_and_protected_refused(response, code):
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {
        "serviceInfo": {"name": body["data"]["serviceInfo"]["name"]},
        "me": None,
        "again": None,
    }
    assert body["data"]["serviceInfo"]["name"]
    errors = body["errors"]
    # One error per protected root field, none for nested fields.
    assert sorted(tuple(error["path"]) for error in errors) == [("again",), ("me",)]
    assert {error["extensions"]["code"] for error in errors} == {code}
    for error in errors:
        assert set(error) <= {"message", "locations", "path", "extensions"}
        assert len(error["message"]) < 80
    return errors


@pytest.mark.parametrize(
    ("make_token", "code"), INVALID_TOKENS.values(), ids=INVALID_TOKENS.keys()
)
def test_invalid_token_refuses_protected_fields_and_serves_public_ones(
    graphql, issuer, make_token, code
):
    response = graphql(DOCUMENT, token=make_token(issuer))

    errors = assert_public_served_and_protected_refused(response, code)
    text = json.dumps(errors)
    for internal in ("Traceback", issuer.url, "jwt", "JWT", "helusers"):
        assert internal not in text


def test_valid_token_serves_protected_fields(graphql, issuer):
    subject = str(uuid.uuid4())

    response = graphql(DOCUMENT, token=issuer.token(sub=subject))

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    assert body["data"]["me"] == {
        "uuid": subject,
        "firstName": "Maija",
        "preferredLanguage": "fi",
    }
    assert body["data"]["again"] == {"email": "maija@example.com"}


def test_no_token_is_anonymous_and_protected_fields_need_a_user(graphql, issuer):
    response = graphql(DOCUMENT)

    assert_public_served_and_protected_refused(response, "PERMISSION_DENIED_ERROR")


def test_other_authorization_scheme_is_anonymous(graphql, issuer):
    response = graphql(DOCUMENT, Authorization="Basic dXNlcjpwYXNz")

    assert_public_served_and_protected_refused(response, "PERMISSION_DENIED_ERROR")


def test_introspection_is_public_even_with_a_bad_token(graphql, issuer, settings):
    settings.ENABLE_GRAPHQL_INTROSPECTION = True

    response = graphql(
        "{ __schema { queryType { name } } __typename }", token=issuer.token(aud="x")
    )

    assert response.json() == {
        "data": {"__schema": {"queryType": {"name": "Query"}}, "__typename": "Query"}
    }


def test_protected_mutation_with_a_bad_token_is_refused(graphql, issuer):
    response = graphql(
        'mutation { updateMe(input: {preferredLanguage: "sv"}) { user { uuid } } }',
        token=issuer.token(key=OTHER_KEY),
    )

    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"updateMe": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["AUTHENTICATION_ERROR"]


@pytest.mark.urls("authentication.tests.urls")
def test_middleware_sets_user_and_authorization(client, issuer):
    subject = str(uuid.uuid4())

    response = client.get(
        "/whoami", headers={"Authorization": f"Bearer {issuer.token(sub=subject)}"}
    )

    assert response.json() == {
        "authenticated": True,
        "uuid": subject,
        "sub": subject,
        "auth_error": None,
    }


@pytest.mark.urls("authentication.tests.urls")
def test_middleware_keeps_a_failure_and_lets_the_request_go_on(client, issuer):
    response = client.get(
        "/whoami", headers={"Authorization": f"Bearer {issuer.token(aud='x')}"}
    )

    assert response.status_code == 200
    assert response.json()["authenticated"] is False
    assert response.json()["auth_error"] == "TokenRefused"


@pytest.mark.urls("authentication.tests.urls")
def test_a_valid_token_wins_over_the_session(client, issuer, django_user_model):
    client.force_login(django_user_model.objects.create(username="admin-person"))
    subject = str(uuid.uuid4())

    response = client.get(
        "/whoami", headers={"Authorization": f"Bearer {issuer.token(sub=subject)}"}
    )

    assert response.json() == {
        "authenticated": True,
        "uuid": subject,
        "sub": subject,
        "auth_error": None,
    }


@pytest.mark.urls("authentication.tests.urls")
def test_a_refused_token_leaves_nobody_not_the_session_user(
    client, issuer, django_user_model
):
    client.force_login(django_user_model.objects.create(username="admin-person"))

    response = client.get("/whoami", headers={"Authorization": "Bearer not-a-jwt"})

    assert response.json() == {
        "authenticated": False,
        "uuid": None,
        "sub": None,
        "auth_error": "TokenRefused",
    }


def test_token_claims_create_and_then_update_the_user(
    graphql, issuer, django_user_model
):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))

    graphql("{ me { uuid } }", token=issuer.token(sub=subject, given_name="Matti"))

    user = django_user_model.objects.get(uuid=subject)
    assert user.first_name == "Matti"
    assert not user.has_usable_password()


def test_a_returning_user_with_unchanged_claims_is_only_read(client, issuer):
    token = issuer.token(sub=str(uuid.uuid4()), given_name="Matti")
    headers = {"Authorization": f"Bearer {token}"}
    document = {"query": "{ serviceInfo { name } }"}
    client.post("/graphql", document, content_type="application/json", headers=headers)

    with CaptureQueriesContext(connection) as captured:
        client.post(
            "/graphql", document, content_type="application/json", headers=headers
        )

    assert [query["sql"].split()[0] for query in captured] == ["SELECT"]


def claim_for(field):
    """A claim value of the right type for `field`, unlike any value it has."""
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return True
    if kind == "DateTimeField":
        return "2001-02-03T04:05:06+00:00"
    if kind == "UUIDField":
        return str(uuid.uuid4())
    if kind in ("AutoField", "BigAutoField"):
        return 1
    return "xx"  # preferred_language included: not one of its choices


def test_only_names_and_email_come_from_the_token(graphql, issuer, django_user_model):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))
    fields = django_user_model._meta.concrete_fields
    user = django_user_model.objects.get(uuid=subject)
    before = {field.attname: getattr(user, field.attname) for field in fields}
    # A claim named like every field of the user, and false ones for the rest.
    claims = {field.name: claim_for(field) for field in fields}
    claims.update(is_active=False, given_name="Matti", family_name="Virtanen")
    claims.update(email="matti@example.com", sub=subject)

    response = graphql("{ me { uuid } }", token=issuer.token(**claims))

    assert response.json() == {"data": {"me": {"uuid": subject}}}
    user.refresh_from_db()
    after = {field.attname: getattr(user, field.attname) for field in fields}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"first_name", "last_name", "email"}
    assert (user.first_name, user.last_name, user.email) == (
        "Matti",
        "Virtanen",
        "matti@example.com",
    )


@pytest.mark.parametrize(
    "odd",
    [{"given_name": 42}, {"family_name": "x" * 151}, {"email": ["a@example.com"]}],
    ids=["not-a-string", "too-long", "a-list"],
)
def test_an_odd_identity_claim_is_ignored_not_fatal(
    graphql, issuer, django_user_model, odd
):
    subject = str(uuid.uuid4())

    response = graphql("{ me { uuid } }", token=issuer.token(sub=subject, **odd))

    assert response.json() == {"data": {"me": {"uuid": subject}}}
    user = django_user_model.objects.get(uuid=subject)
    [(claim, _)] = odd.items()
    field = {"given_name": "first_name", "family_name": "last_name"}.get(claim, claim)
    assert getattr(user, field) == ""


def test_ad_groups_claim_sets_the_users_ad_groups(graphql, issuer, django_user_model):
    subject = str(uuid.uuid4())

    graphql("{ me { uuid } }", token=issuer.token(sub=subject, ad_groups=["Staff"]))

    user = django_user_model.objects.get(uuid=subject)
    assert [group.name for group in user.ad_groups.all()] == ["staff"]
