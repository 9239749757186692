"""What failures cost and what they say.

However many fields of one request fail, the log gets one report of them; a
document runs a bounded number of mutations, and none after its deleteMe;
while the database cannot be reached, queries and mutations alike answer
503, which clients and proxies retry. (An account deleted by another request
meanwhile: audit/tests/test_update_entries.py.)
"""

import logging
import socket
import uuid

import pytest
from django.db import connection

from users.models import User

pytestmark = pytest.mark.django_db

UPDATE_ME = (
    "updateMe(input: {preferredLanguage: LANGUAGE}) { user { preferredLanguage } }"
)


def update_me(language):
    return UPDATE_ME.replace("LANGUAGE", f'"{language}"')


def codes(response):
    return [error["extensions"]["code"] for error in response.json()["errors"]]


def reports(caplog, level=logging.WARNING):
    return [record for record in caplog.records if record.levelno >= level]


@pytest.fixture
def signed_in(graphql, issuer):
    """A user who has signed in once, and their token."""
    subject = str(uuid.uuid4())
    token = issuer.token(sub=subject)
    graphql("{ me { uuid } }", token=token)
    return User.objects.get(uuid=subject), token


@pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls")
def test_many_failing_fields_are_logged_once(graphql, caplog):
    aliases = " ".join(f"b{number}: broken" for number in range(100))

    response = graphql(
        "{ " + aliases + " serviceInfo { name } }", path="/graphql-broken"
    )

    assert response.status_code == 200
    assert codes(response) == ["INTERNAL_SERVER_ERROR"] * 100
    assert response.json()["data"]["serviceInfo"]["name"]
    [record] = reports(caplog)
    assert record.levelno == logging.ERROR
    assert "100 in this request" in record.getMessage()
    assert record.exc_info[0] is RuntimeError  # one traceback, the first one's


def test_a_mutation_may_have_a_bounded_number_of_root_fields(
    graphql, signed_in, settings
):
    user, token = signed_in
    limit = settings.GRAPHQL_MAX_MUTATION_FIELDS
    fields = " ".join(f"u{n}: " + update_me("sv") for n in range(limit + 1))

    refused = graphql("mutation { " + fields + " }", token=token)

    assert refused.status_code == 400
    assert codes(refused) == ["GRAPHQL_VALIDATION_FAILED"]
    assert f"more than {limit} root fields" in refused.json()["errors"][0]["message"]
    assert User.objects.get(pk=user.pk).preferred_language == "fi"  # nothing ran
    fields = " ".join(f"u{n}: " + update_me("sv") for n in range(limit))
    assert "errors" not in graphql("mutation { " + fields + " }", token=token).json()


def test_fragments_count_towards_the_mutation_limit(graphql, signed_in, settings):
    _, token = signed_in
    settings.GRAPHQL_MAX_MUTATION_FIELDS = 3
    document = (
        "mutation { ...Two ... on Mutation { c: " + update_me("sv") + " } }"
        " fragment Two on Mutation { a: " + update_me("en") + " ...One }"
        " fragment One on Mutation { b: " + update_me("fi") + " }"
    )
    assert "errors" not in graphql(document, token=token).json()  # 3 fields

    document = document.replace("...One }", "...One ...One2 }") + (
        " fragment One2 on Mutation { d: " + update_me("fi") + " }"
    )
    assert codes(graphql(document, token=token)) == ["GRAPHQL_VALIDATION_FAILED"]


def test_after_delete_me_the_rest_of_the_document_is_signed_out(
    graphql, signed_in, caplog
):
    user, token = signed_in
    updates = " ".join(f"u{n}: " + update_me("sv") for n in range(5))

    response = graphql(
        "mutation { deleteMe(input: {}) { ok } " + updates + " }", token=token
    )

    assert codes(response) == ["PERMISSION_DENIED_ERROR"] * 5
    assert reports(caplog) == []  # the client's mistakes, not the service's
    # A failed document is rolled back: the account is still there.
    assert User.objects.filter(pk=user.pk).exists()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(tmp_path):
    """The database cannot be reached until the fixture ends: a PostgreSQL
    server's port is closed, an SQLite file's directory is gone."""
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    if connection.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=closed_port())
    else:
        settings_dict["NAME"] = str(tmp_path / "gone" / "db.sqlite3")
    connection.close()
    yield
    connection.close()
    settings_dict.clear()
    settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "document",
    [
        "{ me { uuid } serviceInfo { name } }",
        "mutation { " + update_me("sv") + " }",
        "mutation { deleteMe(input: {}) { ok } }",
    ],
    ids=["query", "updateMe", "deleteMe"],
)
def test_an_unreachable_database_is_a_503_to_retry(
    graphql, issuer, document, caplog, request
):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))
    request.getfixturevalue("database_down")  # from now on

    response = graphql(document, token=issuer.token(sub=subject))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert set(codes(response)) == {"SERVICE_UNAVAILABLE_ERROR"}
    [record] = reports(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "database is unavailable" in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_public_fields_need_no_database(graphql, database_down):
    response = graphql("{ serviceInfo { name } }")

    assert response.status_code == 200
    assert response.json()["data"]["serviceInfo"]["name"]
