"""Shipping the audit trail to the central audit log, against a stand-in store.

The entries are made through the real /graphql view with tokens from the
loopback issuer; the commands are the real management commands, and the
client is django-resilient-logger's Elasticsearch client, unmocked.
"""

import threading
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
{% if cookiecutter.use_error_log %}
from errorlog.models import ErrorLogEntry
{%- endif %}
from users.models import User

pytestmark = pytest.mark.django_db

UPDATE_ME = (
    "mutation ($language: String) { updateMe(input: {preferredLanguage: $language})"
    " { user { preferredLanguage } } }"
)
SLUG = "{{ cookiecutter.project_slug }}"


def sign_in_and_update(graphql, issuer, count=3, language="sv"):
    """`count` people sign in and change their language: their uuids."""
    subjects = [str(uuid.uuid4()) for _ in range(count)]
    for number, subject in enumerate(subjects):
        response = graphql(
            UPDATE_ME,
            {"language": language},
            token=issuer.token(sub=subject),
            X_Request_ID=f"ship-{number}",
        )
        assert "errors" not in response.json()
    return subjects


def submit():
    """Run submit_unsent_entries: (what it printed, its error or None)."""
    output = StringIO()
    try:
        call_command("submit_unsent_entries", stdout=output)
    except CommandError as error:
        return output.getvalue(), error
    return output.getvalue(), None


def unsent():
    return LogEntry.objects.filter(additional_data__is_sent=False).count()


def pks(entries):
    return set(entries.values_list("pk", flat=True))


def by_source(store):
    """The stored documents, by the primary key of the row each came from."""
    found = {}
    for document in store.documents:
        key = document["audit_event"]["extra"]["source_pk"]
        assert key not in found, f"{key} is in the index twice"
        found[key] = document
    return found


def test_new_entries_are_written_unsent_with_their_request_id(graphql, issuer):
    [subject] = sign_in_and_update(graphql, issuer, count=1)
    graphql("{ me { uuid } }", token=issuer.token(sub=subject), X_Request_ID="read")

    entries = LogEntry.objects.order_by("pk")
    assert [entry.action for entry in entries] == [
        LogEntry.Action.CREATE,  # the first sign-in
        LogEntry.Action.UPDATE,
        LogEntry.Action.ACCESS,  # the user in updateMe's payload
        LogEntry.Action.ACCESS,  # me
    ]
    request_ids = ["ship-0", "ship-0", "ship-0", "read"]
    for entry, request_id in zip(entries, request_ids, strict=True):
        assert entry.additional_data["is_sent"] is False
        assert entry.additional_data["request_id"] == request_id
        assert entry.cid == request_id


def test_every_entry_is_shipped_once_and_marked_sent(graphql, issuer, store):
    sign_in_and_update(graphql, issuer)
    entries = LogEntry.objects.count()

    output, error = submit()

    assert error is None
    assert output.strip() == f"Shipped {entries} entries."
    assert set(by_source(store)) == pks(LogEntry.objects.all())
    assert unsent() == 0
    assert set(store.attempts.values()) == {1}
    assert submit() == ("Shipped 0 entries.\n", None)  # nothing is sent again
    assert set(store.attempts.values()) == {1}


def test_shipped_document_names_operation_actor_target_and_request(
    graphql, issuer, store
):
    [subject] = sign_in_and_update(graphql, issuer, count=1)
    user = User.objects.get(uuid=subject)
    entry = LogEntry.objects.get(action=LogEntry.Action.UPDATE)

    submit()

    document = by_source(store)[entry.pk]
    event = document["audit_event"]
    assert event["operation"] == "UPDATE"
    assert event["actor"] == {"uuid": subject, "version": 4, "email": None}
    assert event["target"] == {"model": "User", "value": str(user.pk)}
    assert event["extra"]["request_id"] == "ship-0"
    assert event["extra"]["changes"]["preferred_language"] == ["fi", "sv"]
    assert "is_sent" not in event["extra"]
    assert (event["origin"], event["environment"]) == (SLUG, "test")
    assert document["@timestamp"] == event["date_time"]
    assert event["date_time"].startswith(f"{entry.timestamp:%Y-%m-%dT%H:%M:%S}")
    assert "maija@example.com" not in str(event["actor"])


def test_a_deleted_account_is_still_named_by_its_uuid(graphql, issuer, store):
    [subject] = sign_in_and_update(graphql, issuer, count=1)
    graphql("mutation { deleteMe(input: {}) { ok } }", token=issuer.token(sub=subject))
    assert not User.objects.filter(uuid=subject).exists()

    submit()

    actors = {
        doc["audit_event"]["operation"]: doc["audit_event"]["actor"]["uuid"]
        for doc in store.documents
    }
    # Signing in creates the user before anyone is signed in: no actor there.
    assert actors == {
        "CREATE": None,
        "UPDATE": subject,
        "ACCESS": subject,
        "DELETE": subject,
    }


@pytest.mark.parametrize("fault", ["down", "unavailable", "hang"])
def test_an_outage_marks_nothing_and_recovery_ships_all_once(
    graphql, issuer, store, fault
):
    sign_in_and_update(graphql, issuer)
    entries = LogEntry.objects.count()
    store.set_mode(fault)

    output, error = submit()

    assert "could not be shipped" in str(error)
    assert unsent() == entries
    assert store.documents == []
    if fault != "down":  # the store stops being asked after the first failure
        assert len(store.attempts) == 1

    store.set_mode("up")
    output, error = submit()

    assert error is None
    assert len(by_source(store)) == entries
    assert unsent() == 0


def test_a_lost_reply_is_sent_again_and_not_doubled(graphql, issuer, store):
    sign_in_and_update(graphql, issuer)
    entries = LogEntry.objects.count()
    store.set_mode("lose-reply")

    submit()
    store.set_mode("up")
    output, error = submit()

    assert error is None
    assert len(by_source(store)) == entries  # each once
    assert unsent() == 0
    assert len(store.attempts) == entries
    assert min(store.attempts.values()) >= 2  # stored, unanswered, asked again


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_ship_each_entry_once(graphql, issuer, store):
    sign_in_and_update(graphql, issuer, count=10)
    entries = LogEntry.objects.count()
    store.delay = 0.02  # so that the runs overlap
    start = threading.Barrier(2)
    outputs = []

    def run():
        start.wait()
        outputs.append(submit())
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [error for _, error in outputs] == [None, None]
    assert len(by_source(store)) == entries
    assert set(store.attempts.values()) == {1}  # nothing was sent twice
    assert unsent() == 0
    printed = sorted(output.strip() for output, _ in outputs)
    assert printed == [  # the second run left at once
        "Another run is shipping the entries now.",
        f"Shipped {entries} entries.",
    ]


def test_an_entry_the_store_refuses_does_not_hold_up_the_others(
    graphql, issuer, store, caplog
):
    user = User.objects.create(username="someone")
    too_large = LogEntry.objects.log_create(
        user,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={"notes": ["", "x" * 5_000]},
    )
    sign_in_and_update(graphql, issuer)
    store.largest_document = 4_000

    output, error = submit()

    assert "1 of the entries could not be shipped" in str(error)
    assert f"Source PK: {too_large.pk}" in caplog.text
    assert unsent() == 1
    too_large.refresh_from_db()
    assert too_large.additional_data["is_sent"] is False
    assert set(by_source(store)) == pks(LogEntry.objects.exclude(pk=too_large.pk))


def test_clearing_deletes_old_shipped_entries_only(graphql, issuer, store):
    sign_in_and_update(graphql, issuer, count=2)
    submit()
    old_shipped = pks(LogEntry.objects.all())
    sign_in_and_update(graphql, issuer, count=1)
    old_unsent = pks(LogEntry.objects.exclude(pk__in=old_shipped))
    legacy = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        action=LogEntry.Action.ACCESS,
        object_pk="1",
        object_repr="an entry from before shipping",
    )
    LogEntry.objects.filter(pk=legacy.pk).update(additional_data=None)
    LogEntry.objects.update(timestamp=timezone.now() - timedelta(days=40))
    sign_in_and_update(graphql, issuer, count=1)
    recent = LogEntry.objects.exclude(pk__in=old_shipped | old_unsent | {legacy.pk})
    recent.update(additional_data={"is_sent": True})  # shipped, but recent
    recent_shipped = pks(recent)

    output = StringIO()
    call_command("clear_sent_entries", "--days-to-keep", "30", stdout=output)

    assert output.getvalue().startswith(f"Deleted {len(old_shipped)} shipped entries")
    assert pks(LogEntry.objects.all()) == old_unsent | {legacy.pk} | recent_shipped


{%- if cookiecutter.use_error_log %}


def test_error_log_entries_are_shipped_and_flagged(graphql, issuer, store):
    [subject] = sign_in_and_update(graphql, issuer, count=1)
    graphql(
        UPDATE_ME,
        {"language": "xx"},
        token=issuer.token(sub=subject),
        X_Request_ID="failed-1",
    )
    failure = ErrorLogEntry.objects.get()

    output, error = submit()

    assert error is None
    failure.refresh_from_db()
    assert failure.is_sent
    [document] = [
        doc for doc in store.documents if doc["audit_event"]["operation"] == "ERROR"
    ]
    event = document["audit_event"]
    assert event["actor"]["uuid"] == subject
    assert event["message"] == "updateMe failed: VALIDATION_ERROR"
    assert event["target"] == {"model": "ErrorLogEntry", "value": str(failure.pk)}
    assert event["extra"]["request_id"] == "failed-1"
    assert event["extra"]["source_pk"] == failure.pk


def test_clearing_keeps_unsent_error_log_entries(graphql, issuer, store):
    ErrorLogEntry.objects.create(message={"action": "a", "code": "X"})
    ErrorLogEntry.objects.create(message={"action": "b", "code": "X"}, is_sent=True)
    ErrorLogEntry.objects.update(created_at=timezone.now() - timedelta(days=40))

    call_command("clear_sent_entries", "--days-to-keep", "30", stdout=StringIO())

    assert list(ErrorLogEntry.objects.values_list("message__action", flat=True)) == [
        "a"
    ]
{%- endif %}


@pytest.mark.parametrize("command", ["submit_unsent_entries", "clear_sent_entries"])
def test_commands_refuse_while_shipping_is_off(graphql, issuer, command):
    sign_in_and_update(graphql, issuer, count=1)
    entries = LogEntry.objects.count()

    with pytest.raises(CommandError, match="AUDIT_LOG_ES_URL is not set"):
        call_command(command)

    assert unsent() == entries
