"""`me` and `updateMe` through the real /graphql view, with real tokens."""

import uuid

import pytest
from graphql_relay import to_global_id

from users.models import User

pytestmark = pytest.mark.django_db

UPDATE_ME = """
mutation ($input: UpdateMeInput!) {
  updateMe(input: $input) { user { preferredLanguage } }
}
"""


@pytest.fixture
def subject(graphql, issuer):
    """A user who has signed in once."""
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))
    return subject


def test_me_returns_the_signed_in_user(graphql, issuer, subject):
    response = graphql(
        "{ me { id uuid firstName lastName email preferredLanguage } }",
        token=issuer.token(sub=subject),
    )

    me = response.json()["data"]["me"]
    assert me["id"]  # a relay global id
    assert me == {
        "id": me["id"],
        "uuid": subject,
        "firstName": "Maija",
        "lastName": "Meikäläinen",
        "email": "maija@example.com",
        "preferredLanguage": "fi",
    }


@pytest.mark.parametrize("language", ["sv", "en", "fi"])
def test_update_me_changes_the_preferred_language(graphql, issuer, subject, language):
    response = graphql(
        UPDATE_ME,
        {"input": {"preferredLanguage": language}},
        token=issuer.token(sub=subject),
    )

    assert response.json() == {
        "data": {"updateMe": {"user": {"preferredLanguage": language}}}
    }
    assert User.objects.get(uuid=subject).preferred_language == language


@pytest.mark.parametrize("language", ["de", "", "FI", "suomi"])
def test_invalid_language_is_a_validation_error_and_saves_nothing(
    graphql, issuer, subject, language
):
    response = graphql(
        UPDATE_ME,
        {"input": {"preferredLanguage": language}},
        token=issuer.token(sub=subject),
    )

    body = response.json()
    assert body["data"] == {"updateMe": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert error["message"].startswith("preferredLanguage: ")
    assert User.objects.get(uuid=subject).preferred_language == "fi"


def test_null_language_is_a_validation_error(graphql, issuer, subject):
    response = graphql(
        UPDATE_ME,
        {"input": {"preferredLanguage": None}},
        token=issuer.token(sub=subject),
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


def test_names_cannot_be_changed_by_the_user(graphql, issuer, subject):
    response = graphql(
        UPDATE_ME, {"input": {"firstName": "Someone"}}, token=issuer.token(sub=subject)
    )

    assert response.status_code == 400
    assert "firstName" in response.json()["errors"][0]["message"]
    assert User.objects.get(uuid=subject).first_name == "Maija"


def test_update_me_needs_a_user(graphql, issuer):
    response = graphql(UPDATE_ME, {"input": {"preferredLanguage": "sv"}})

    body = response.json()
    assert body["data"] == {"updateMe": None}
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED_ERROR"


@pytest.mark.parametrize(
    "node_id",
    [
        "garbage",  # not base64
        to_global_id("NoSuchType", 1),
        to_global_id("ServiceInfo", 1),  # a type that is not a Node
        to_global_id("UserNode", "not-a-number"),
        to_global_id("UserNode", "9" * 40),  # past the key's range
    ],
)
def test_node_id_that_is_not_one_is_a_validation_error(graphql, issuer, node_id):
    response = graphql(
        "query ($id: ID!) { node(id: $id) { id } }",
        variables={"id": node_id},
        token=issuer.token(),
        meta={"HTTP_ACCEPT_LANGUAGE": "en"},
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"node": None}
    [error] = response.json()["errors"]
    assert error["message"] == "The id is not valid."
    assert error["extensions"]["code"] == "VALIDATION_ERROR"


def test_node_reads_the_signed_in_user(graphql, issuer, subject):
    me = graphql("{ me { id } }", token=issuer.token(sub=subject)).json()

    response = graphql(
        "query ($id: ID!) { node(id: $id) { ... on UserNode { uuid } } }",
        variables={"id": me["data"]["me"]["id"]},
        token=issuer.token(sub=subject),
    )

    assert response.json() == {"data": {"node": {"uuid": subject}}}
