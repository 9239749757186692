"""An UPDATE entry diffs against the values the user was loaded with.

No second read of the row when the save names its fields; auditlog's own
read whenever the loaded values cannot be relied on. Either way one entry
per save, with what the save replaced.
"""

import uuid

import pytest
from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.updates import as_loaded
from users.models import User

pytestmark = pytest.mark.django_db

UPDATE_ME = """
mutation ($language: String!) {
  updateMe(input: {preferredLanguage: $language}) { user { preferredLanguage } }
}
"""


def updates_of(user):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        action=LogEntry.Action.UPDATE,
    ).order_by("pk")


def reads_of_users(queries):
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT") and '"users_user"' in query["sql"]
    ]


@pytest.fixture
def user():
    return User.objects.create(username=str(uuid.uuid4()), first_name="Maija")


def test_update_me_reads_the_user_once_and_records_the_change(graphql, issuer):
    subject = str(uuid.uuid4())
    token = issuer.token(sub=subject)
    graphql("{ me { uuid } }", token=token)  # the account exists

    with CaptureQueriesContext(connection) as captured:
        response = graphql(UPDATE_ME, {"language": "sv"}, token=token)

    assert "errors" not in response.json()
    assert len(reads_of_users(captured.captured_queries)) == 1  # the sign-in's
    me = User.objects.get(uuid=subject)
    [entry] = updates_of(me)
    assert entry.changes_dict == {"preferred_language": ["fi", "sv"]}
    assert entry.actor == me


def test_each_save_of_named_fields_diffs_against_the_last_one(user):
    loaded = User.objects.get(pk=user.pk)

    with CaptureQueriesContext(connection) as captured:
        loaded.preferred_language = "sv"
        loaded.save(update_fields=["preferred_language"])
        loaded.preferred_language = "en"
        loaded.save(update_fields=["preferred_language"])

    assert reads_of_users(captured.captured_queries) == []
    assert [entry.changes_dict for entry in updates_of(user)] == [
        {"preferred_language": ["fi", "sv"]},
        {"preferred_language": ["sv", "en"]},
    ]


def test_a_full_save_reads_the_row_and_records_what_it_overwrites(user):
    loaded = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(first_name="Changed elsewhere")

    loaded.last_name = "Virtanen"
    loaded.save()

    [entry] = updates_of(user)
    assert entry.changes_dict["first_name"] == ["Changed elsewhere", "Maija"]
    assert entry.changes_dict["last_name"] == ["", "Virtanen"]


def test_after_a_refresh_the_row_is_read_again(user):
    loaded = User.objects.get(pk=user.pk)
    loaded.refresh_from_db()
    User.objects.filter(pk=user.pk).update(preferred_language="en")

    loaded.preferred_language = "sv"
    loaded.save(update_fields=["preferred_language"])

    [entry] = updates_of(user)
    assert entry.changes_dict == {"preferred_language": ["en", "sv"]}


def test_a_value_that_could_change_in_place_is_not_relied_on(user):
    loaded = User.objects.get(pk=user.pk)
    assert as_loaded(loaded, ["first_name"]) is not None

    loaded._loaded_values["first_name"] = ["a", "list"]

    assert as_loaded(loaded, ["first_name"]) is None
    assert as_loaded(loaded, None) is None  # a full save


def test_no_entry_while_the_audit_log_is_disabled(user):
    loaded = User.objects.get(pk=user.pk)

    with disable_auditlog():
        loaded.preferred_language = "sv"
        loaded.save(update_fields=["preferred_language"])

    assert not updates_of(user).exists()
