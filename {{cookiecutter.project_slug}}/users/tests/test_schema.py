"""`me` and `updateMe` through the real /graphql view, with real tokens."""

import uuid

import pytest

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
