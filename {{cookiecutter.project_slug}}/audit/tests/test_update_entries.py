"""Each UPDATE entry holds exactly what its own write replaced.

Whoever else writes the row meanwhile (another request of the same person,
the admin, a queryset update), and however the requests interleave: ordered
by id, a row's entries chain from its first value to the value in the
database. In the usual case the write is the only query (audit/updates.py).
"""

import json
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.updates import RowDeleted
from users.models import User

UPDATE_ME = """
mutation ($language: String!) {
  updateMe(input: {preferredLanguage: $language}) { user { preferredLanguage } }
}
"""
DELETE_ME = "mutation { deleteMe(input: {}) { ok } }"


def updates_of(user):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        action=LogEntry.Action.UPDATE,
    ).order_by("pk")


def language_chain(user):
    """The (old, new) preferred_language of each UPDATE entry that changed it."""
    return [
        tuple(entry.changes_dict["preferred_language"])
        for entry in updates_of(user)
        if "preferred_language" in entry.changes_dict
    ]


def assert_chains(user, first):
    """Each entry starts where the one before it ended, and the last ends
    where the database is."""
    chain = language_chain(user)
    current = User.objects.get(pk=user.pk).preferred_language
    values = [first]
    for old, new in chain:
        assert old == values[-1], f"{chain} breaks at {old}"
        values.append(new)
    assert values[-1] == current, f"{chain} ends at {values[-1]}, not {current}"


def queries_on_users(queries):
    return [query["sql"] for query in queries if '"users_user"' in query["sql"]]


@pytest.fixture
def user(db):
    return User.objects.create(username=str(uuid.uuid4()), first_name="Maija")


@pytest.mark.django_db
def test_update_me_writes_once_and_records_the_change(graphql, issuer):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))  # the account exists

    with CaptureQueriesContext(connection) as captured:
        response = graphql(
            UPDATE_ME, {"language": "sv"}, token=issuer.token(sub=subject)
        )

    assert "errors" not in response.json()
    reads, update = queries_on_users(captured.captured_queries)
    assert reads.startswith("SELECT")  # the sign-in's
    assert update.startswith("UPDATE")
    assert '"users_user"."preferred_language" = ' in update  # its condition
    me = User.objects.get(uuid=subject)
    [entry] = updates_of(me)
    assert entry.changes_dict == {"preferred_language": ["fi", "sv"]}
    assert entry.actor == me


def test_saves_of_named_fields_need_no_read(user):
    loaded = User.objects.get(pk=user.pk)

    with CaptureQueriesContext(connection) as captured:
        loaded.preferred_language = "sv"
        loaded.save(update_fields=["preferred_language"])
        loaded.preferred_language = "en"
        loaded.save(update_fields=["preferred_language"])

    assert all(
        q.startswith("UPDATE") for q in queries_on_users(captured.captured_queries)
    )
    assert language_chain(user) == [("fi", "sv"), ("sv", "en")]


@pytest.mark.parametrize("update_fields", [["preferred_language"], None])
def test_a_write_by_someone_else_since_the_load_is_what_the_entry_replaces(
    user, update_fields
):
    loaded = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(preferred_language="en", first_name="Mia")

    loaded.preferred_language = "sv"
    loaded.save(update_fields=update_fields)

    [entry] = updates_of(user)
    assert entry.changes_dict["preferred_language"] == ["en", "sv"]
    if update_fields is None:  # a full save writes the old name back
        assert entry.changes_dict["first_name"] == ["Mia", "Maija"]


def test_values_that_may_have_changed_in_place_are_read_under_a_lock(user):
    loaded = User.objects.get(pk=user.pk)
    loaded._loaded_values["preferred_language"] = ["not", "comparable"]
    User.objects.filter(pk=user.pk).update(preferred_language="en")

    with CaptureQueriesContext(connection) as captured:
        loaded.preferred_language = "sv"
        loaded.save(update_fields=["preferred_language"])

    read, update = queries_on_users(captured.captured_queries)
    assert read.startswith("SELECT")
    if connection.features.has_select_for_update:
        assert read.endswith("FOR UPDATE")
    assert update.startswith("UPDATE")
    assert language_chain(user) == [("en", "sv")]


def test_a_write_that_changes_nothing_writes_no_entry(user):
    loaded = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(preferred_language="sv")

    loaded.preferred_language = "sv"
    loaded.save(update_fields=["preferred_language"])
    loaded.save()

    assert not updates_of(user).exists()


def test_updating_a_deleted_row_says_so(user):
    loaded = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).delete()

    loaded.preferred_language = "sv"
    with pytest.raises(RowDeleted), transaction.atomic():
        loaded.save(update_fields=["preferred_language"])

    assert not updates_of(user).exists()


def test_no_entry_while_the_audit_log_is_disabled(user):
    loaded = User.objects.get(pk=user.pk)

    with disable_auditlog():
        loaded.preferred_language = "sv"
        loaded.save(update_fields=["preferred_language"])

    assert not updates_of(user).exists()


class HeldRequest:
    """A signed-in document sent to the live server as a slow client sends it:
    its headers and the start of its body now, the rest on `finish()`.

    The server authenticates the request, loading its user, before the view
    waits for the body; `started()` returns once that load has happened.
    """

    def __init__(self, live_server, token, document, variables):
        body = json.dumps({"query": document, "variables": variables})
        self.body = body.encode()
        self.loaded = threading.Event()
        post_init.connect(self.saw_user, sender=User)
        address = urlsplit(live_server.url)
        self.socket = socket.create_connection((address.hostname, address.port))
        self.socket.sendall(
            (
                "POST /graphql HTTP/1.1\r\n"
                f"Host: {address.hostname}\r\n"
                "Content-Type: application/json\r\n"
                f"Authorization: Bearer {token}\r\n"
                f"Content-Length: {len(self.body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + self.body[:10]
        )

    def saw_user(self, sender, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            self.loaded.set()

    def started(self):
        assert self.loaded.wait(timeout=60), "the server never loaded the user"
        post_init.disconnect(self.saw_user, sender=User)

    def finish(self):
        self.socket.sendall(self.body[10:])
        self.socket.settimeout(60)
        answer = b""
        while chunk := self.socket.recv(65536):
            answer += chunk
        self.socket.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), answer
        return json.loads(body)


def post(live_server, token, query, variables=None):
    """Send a document to the live server with a token; its answer."""
    response = requests.post(
        f"{live_server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def update_me(live_server, token, language):
    body = post(live_server, token, UPDATE_ME, {"language": language})
    assert "errors" not in body, body
    return body


@pytest.fixture
def signed_up(live_server, issuer, transactional_db):
    """A user who has signed in once, and a function that makes their tokens."""
    subject = str(uuid.uuid4())

    def token():
        return issuer.token(sub=subject)

    post(live_server, token(), "{ me { uuid } }")
    return User.objects.get(uuid=subject), token


def test_a_request_loaded_before_another_ones_write_records_what_it_replaced(
    live_server, signed_up
):
    """B loads the user (fi), A writes sv, then B writes fi: fi -> sv -> fi."""
    user, token = signed_up
    held = HeldRequest(live_server, token(), UPDATE_ME, {"language": "fi"})
    held.started()

    update_me(live_server, token(), "sv")
    answer = held.finish()

    assert answer["data"]["updateMe"]["user"]["preferredLanguage"] == "fi"
    assert language_chain(user) == [("fi", "sv"), ("sv", "fi")]
    assert_chains(user, "fi")


@pytest.mark.parametrize(
    "document",
    [(UPDATE_ME, {"language": "sv"}), (DELETE_ME, {})],
    ids=["updateMe", "deleteMe"],
)
def test_an_account_deleted_meanwhile_is_a_coded_error(
    live_server, signed_up, document
):
    """B loads the user, A deletes the account, then B's mutation runs."""
    user, token = signed_up
    held = HeldRequest(live_server, token(), *document)
    held.started()

    post(live_server, token(), DELETE_ME)
    answer = held.finish()

    [error] = answer["errors"]
    assert error["extensions"]["code"] == "ACCOUNT_DELETED_ERROR"
    deletions = LogEntry.objects.filter(
        object_pk=str(user.pk), action=LogEntry.Action.DELETE
    )
    assert deletions.count() == 1


def test_queryset_and_admin_writes_meanwhile(live_server, signed_up, client):
    """A queryset update (no entry of its own) and an admin save, while B
    holds the user it loaded: each entry holds what its write replaced."""
    user, token = signed_up
    admin = User.objects.create_superuser("admin", "admin@example.com", "unused")
    client.force_login(admin)
    held = HeldRequest(live_server, token(), UPDATE_ME, {"language": "en"})
    held.started()

    User.objects.filter(pk=user.pk).update(preferred_language="sv")
    admin_saves(client, user, first_name="Maija-Liisa")
    held.finish()

    first_name_change, language_change = (e.changes_dict for e in updates_of(user))
    assert first_name_change["first_name"] == ["Maija", "Maija-Liisa"]
    assert "preferred_language" not in first_name_change  # sv, as it was
    assert language_change == {"preferred_language": ["sv", "en"]}
    assert User.objects.get(pk=user.pk).preferred_language == "en"


def admin_saves(client, user, **changes):
    """Submit the user's admin change form as it is shown, with `changes`."""
    url = reverse("admin:users_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if not form.fields[name].disabled and form[name].value() is not None
    }
    response = client.post(url, {**data, **changes})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_many_requests_of_one_user_at_once_keep_the_chain(live_server, signed_up):
    """8 clients of one person, 12 updates each, cycling through the languages:
    two tabs, a retry, all at once, on a threaded server."""
    user, token = signed_up
    languages = ["fi", "sv", "en"]

    def client(number):
        for step in range(12):
            update_me(live_server, token(), languages[(number + step) % 3])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(client, range(8)))

    assert len(language_chain(user)) > 0
    assert_chains(user, "fi")
