"""Failed actions are recorded in the error log, and the record outlives a rollback."""

import json
import uuid

import jwt
import pytest
from auditlog.registry import auditlog
from django.contrib import admin
from django.db import transaction

from conftest import run_system_checks
from errorlog import recording
from errorlog.models import ErrorLogEntry
from errorlog.recording import record_failure
from users.models import User

pytestmark = pytest.mark.django_db

UPDATE_ME = """
mutation Language($language: String) {
  updateMe(input: {preferredLanguage: $language}) { user { uuid } }
}
"""


def only_entry():
    [entry] = ErrorLogEntry.objects.all()
    return entry.message


def test_validation_error_is_recorded(graphql, issuer):
    subject = str(uuid.uuid4())

    graphql(
        UPDATE_ME,
        {"language": "xx"},
        token=issuer.token(sub=subject),
        X_Request_ID="v-1",
    )

    message = only_entry()
    assert message["action"] == "updateMe"
    assert message["code"] == "VALIDATION_ERROR"
    assert message["operation"] == "mutation"
    assert message["operation_name"] == "Language"
    assert message["path"] == ["updateMe"]
    assert message["cid"] == "v-1"
    assert message["actor_uuid"] == subject
    assert message["message"].startswith("preferredLanguage: ")


def test_permission_denied_is_recorded(graphql, issuer):
    graphql(UPDATE_ME, {"language": "sv"})

    message = only_entry()
    assert message["code"] == "PERMISSION_DENIED_ERROR"
    assert "actor_uuid" not in message


def test_authentication_error_is_recorded_with_its_cause(graphql, issuer):
    graphql(UPDATE_ME, {"language": "sv"}, token=issuer.token(aud="someone-else"))

    message = only_entry()
    assert message["code"] == "AUTHENTICATION_ERROR"
    assert "Invalid audience" in message["auth_error"]


@pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls")
def test_unexpected_exception_is_recorded_but_not_shown(graphql, issuer):
    response = graphql(
        'mutation { writeThenCrash(language: "sv") }',
        token=issuer.token(),
        path="/graphql-broken",
    )

    assert "disk on fire" not in response.content.decode()
    message = only_entry()
    assert message["code"] == "INTERNAL_SERVER_ERROR"
    assert message["error"] == "builtins.RuntimeError: disk on fire"


def test_successful_mutations_and_failed_queries_are_not_recorded(graphql, issuer):
    graphql(UPDATE_ME, {"language": "sv"}, token=issuer.token())
    graphql("{ me { uuid } }")  # a failed read is not an action

    assert not ErrorLogEntry.objects.exists()


@pytest.mark.urls("{{ cookiecutter.package_name }}.tests.urls")
@pytest.mark.django_db(transaction=True)
def test_record_survives_the_rollback_of_the_failed_mutation(graphql, issuer):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))

    graphql(
        'mutation { writeThenRefuse(language: "sv") }',
        token=issuer.token(sub=subject),
        path="/graphql-broken",
    )

    assert User.objects.get(uuid=subject).preferred_language == "fi"  # rolled back
    message = only_entry()
    assert message["action"] == "writeThenRefuse"
    assert message["code"] == "VALIDATION_ERROR"


def test_helper_records_a_failure_from_other_code(django_user_model):
    user = django_user_model.objects.create(username="batch-runner")
    try:
        with transaction.atomic():
            raise ValueError("the import file is empty")
    except ValueError as error:
        entry = record_failure(
            "import_bookings", "IMPORT_FAILED", error=error, user=user, rows=0
        )

    assert entry.message == {
        "action": "import_bookings",
        "code": "IMPORT_FAILED",
        "cid": None,
        "rows": 0,
        "error": "builtins.ValueError: the import file is empty",
        "actor_uuid": str(user.uuid),
    }


def test_helper_refuses_to_write_inside_the_failed_work(db):
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        record_failure("inside", "SOME_ERROR")


def test_error_log_is_not_in_the_audit_log():
    assert not auditlog.contains(ErrorLogEntry)


def test_admin_is_read_only(rf):
    model_admin = admin.site._registry[ErrorLogEntry]
    request = rf.get("/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_message_is_plain_json(graphql, issuer):
    graphql(UPDATE_ME, {"language": "xx"}, token=issuer.token())

    assert json.loads(json.dumps(only_entry()))["code"] == "VALIDATION_ERROR"


def test_atomic_requests_fail_the_check(settings):
    from django.core.management.base import SystemCheckError

    settings.DATABASES["default"]["ATOMIC_REQUESTS"] = True
    try:
        with pytest.raises(SystemCheckError, match="errorlog.E001"):
            run_system_checks()
    finally:
        settings.DATABASES["default"]["ATOMIC_REQUESTS"] = False


def entry_sizes():
    return [
        len(json.dumps(message, separators=(",", ":")))
        for message in ErrorLogEntry.objects.values_list("message", flat=True)
    ]


def test_many_aliases_of_one_field_make_one_bounded_entry(graphql, issuer, settings):
    settings.GRAPHQL_MAX_TOKENS = 100_000  # as many aliases as the service allows
    settings.GRAPHQL_MAX_MUTATION_FIELDS = 1_000
    name = "Op" + "x" * 10_000
    field = ": deleteMe(input: {}) { ok }"
    fields = " ".join(f"a{n}" + field for n in range(200))

    response = graphql("mutation " + name + " { " + fields + " }")

    assert len(response.json()["errors"]) == 200  # the client hears of each
    [message] = ErrorLogEntry.objects.values_list("message", flat=True)
    assert (message["action"], message["alias"]) == ("deleteMe", "a0")
    assert message["code"] == "PERMISSION_DENIED_ERROR"  # anonymous: still recorded
    assert message["failures"] == 200
    assert message["operation_name"].endswith("...[cut]")
    assert max(entry_sizes()) <= 4096


def test_entry_names_the_field_and_the_alias_apart(graphql, issuer):
    graphql("mutation { updateMe: deleteMe(input: {}) { ok } }")

    message = only_entry()
    assert (message["action"], message["alias"]) == ("deleteMe", "updateMe")


def test_fields_in_fragments_are_named_too(graphql, issuer):
    graphql(
        "mutation { ...F } fragment F on Mutation { gone: deleteMe(input: {}) { ok } }"
    )

    assert (only_entry()["action"], only_entry()["alias"]) == ("deleteMe", "gone")


def test_entries_per_request_are_capped_and_the_rest_counted(
    graphql, issuer, monkeypatch
):
    monkeypatch.setattr(recording, "MAX_ENTRIES_PER_REQUEST", 1)

    graphql(
        'mutation { a: updateMe(input: {preferredLanguage: "sv"}) { clientMutationId }'
        " b: deleteMe(input: {}) { ok } c: deleteMe(input: {}) { ok } }"
    )

    message = only_entry()
    assert (message["action"], message["failures"]) == ("updateMe", 1)
    assert message["failures_not_recorded"] == 2


def test_token_derived_text_is_cut(graphql, issuer):
    claims = issuer.claims(iss="https://" + "i" * 5500)
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": issuer.kid})

    graphql(UPDATE_ME, {"language": "sv"}, token=unsigned)

    message = only_entry()
    assert message["code"] == "AUTHENTICATION_ERROR"
    assert "...[cut]" in message["auth_error"]
    assert max(entry_sizes()) <= 4096


@pytest.mark.parametrize("character", ["\x00", "\ud800"], ids=["nul", "surrogate"])
def test_text_postgresql_refuses_is_recorded_replaced(graphql, issuer, character):
    claims = issuer.claims(iss=f"https://evil{character}.example")
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": issuer.kid})

    response = graphql(UPDATE_ME, {"language": "sv"}, token=unsigned)

    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "AUTHENTICATION_ERROR"
    message = only_entry()
    assert "evil\ufffd.example" in message["auth_error"]


def test_a_long_invalid_value_is_cut_in_the_answer_and_the_record(graphql, issuer):
    response = graphql(
        UPDATE_ME,
        {"language": "x" * 200_000},
        token=issuer.token(sub=str(uuid.uuid4())),
    )

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "VALIDATION_ERROR"
    assert len(error["message"]) <= 1000
    assert only_entry()["message"].endswith("...[cut]")
    assert max(entry_sizes()) <= 4096


def test_entry_records_the_trusted_client_address(graphql, issuer):
    graphql(
        UPDATE_ME,
        {"language": "sv"},
        meta={"REMOTE_ADDR": "10.128.2.1"},
        X_Forwarded_For="1.2.3.4, 198.51.100.7",
    )

    assert only_entry()["remote_addr"] == "198.51.100.7"
