"""The actor of each audit log entry is the user authenticated when it is saved."""

import threading
import uuid

import pytest
import requests
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save

from users.models import User

pytestmark = pytest.mark.django_db

UPDATE_ME = """
mutation ($language: String!) {
  updateMe(input: {preferredLanguage: $language}) { user { preferredLanguage } }
}
"""


def entries_about(user, action=None):
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(user.pk)
    ).order_by("pk")
    return entries if action is None else entries.filter(action=action)


def test_update_me_is_recorded_with_the_token_user_as_actor(graphql, issuer):
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))
    user = User.objects.get(uuid=subject)

    graphql(UPDATE_ME, {"language": "sv"}, token=issuer.token(sub=subject))

    [update] = entries_about(user, LogEntry.Action.UPDATE)
    assert update.actor == user
    assert update.actor_email == "maija@example.com"
    assert update.changes_dict["preferred_language"] == ["fi", "sv"]


def test_first_login_entry_does_not_freeze_the_actor(graphql, issuer):
    """helusers creates the user while the request is still anonymous."""
    subject = str(uuid.uuid4())

    response = graphql(
        UPDATE_ME,
        {"language": "en"},
        token=issuer.token(sub=subject),
        X_Request_ID="first-1",
    )

    assert "errors" not in response.json()
    user = User.objects.get(uuid=subject)
    create, update, access = entries_about(user)
    assert create.action == LogEntry.Action.CREATE
    assert create.actor is None  # nobody was signed in yet when the row was made
    assert update.action == LogEntry.Action.UPDATE
    assert access.action == LogEntry.Action.ACCESS  # the payload's user
    assert update.actor == access.actor == user
    assert create.cid == update.cid == access.cid == "first-1"


@pytest.mark.urls("audit.tests.urls")
def test_user_authenticated_inside_a_view_is_the_actor_from_then_on(client):
    response = client.get("/sign-in/in-view-person")

    user = User.objects.get(uuid=response.json()["uuid"])
    create, update = entries_about(user)
    assert create.actor is None
    assert update.actor == user


def test_no_password_or_last_login_in_any_entry(graphql, issuer, client):
    user = User.objects.create(username="keeps-a-secret")
    user.set_password("correct horse battery staple")
    user.save()
    hashes = [user.password]
    user.set_unusable_password()
    user.save()
    hashes.append(user.password)
    client.force_login(user)  # sets last_login
    graphql(UPDATE_ME, {"language": "sv"}, token=issuer.token())

    entries = list(LogEntry.objects.all())
    assert len(entries) >= 2
    for entry in entries:
        assert not {"password", "last_login"} & set(entry.changes_dict)
        text = f"{entry.changes} {entry.serialized_data} {entry.additional_data}"
        assert not [value for value in hashes if value in text]


def test_correlation_id_comes_from_x_request_id_and_is_echoed(graphql, issuer):
    subject = str(uuid.uuid4())

    response = graphql(
        UPDATE_ME,
        {"language": "sv"},
        token=issuer.token(sub=subject),
        X_Request_ID="req-42",
    )

    assert response["X-Request-ID"] == "req-42"
    entry = entries_about(User.objects.get(uuid=subject)).last()
    assert entry.cid == "req-42"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 65, "new\nline"])
def test_correlation_id_is_made_when_absent_or_unusable(graphql, issuer, given):
    subject = str(uuid.uuid4())
    headers = {} if given is None else {"X_Request_ID": given}

    response = graphql(
        UPDATE_ME, {"language": "sv"}, token=issuer.token(sub=subject), **headers
    )

    made = response["X-Request-ID"]
    assert made != given
    assert str(uuid.UUID(made)) == made
    assert entries_about(User.objects.get(uuid=subject)).last().cid == made


def test_entry_saved_outside_a_request_has_no_actor():
    user = User.objects.create(username="made-by-a-command")

    [create] = entries_about(user)
    assert create.actor is None
    assert create.cid is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_users_never_swap_or_lose_actors(live_server, issuer):
    """8 users each make 25 changes, all users at once, on a threaded server."""
    users, changes = 8, 25
    subjects = [str(uuid.uuid4()) for _ in range(users)]
    failures = []

    def act_as(subject):
        token = issuer.token(sub=subject)
        with requests.Session() as session:
            for number in range(changes):
                response = session.post(
                    f"{live_server.url}/graphql",
                    json={
                        "query": UPDATE_ME,
                        "variables": {"language": "sv" if number % 2 == 0 else "fi"},
                    },
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                if response.status_code != 200 or "errors" in response.json():
                    failures.append((subject, response.status_code, response.text))

    threads = [threading.Thread(target=act_as, args=(s,)) for s in subjects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    for subject in subjects:
        user = User.objects.get(uuid=subject)
        updates = entries_about(user, LogEntry.Action.UPDATE)
        assert updates.count() == changes
        assert {entry.actor_id for entry in updates} == {user.pk}
    assert not LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE, actor=None
    ).exists()


def test_requests_never_connect_or_disconnect_receivers(graphql, issuer, monkeypatch):
    """Upstream connects a receiver per request, clearing Django's signal caches."""
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))
    calls = []
    for method in ("connect", "disconnect"):
        monkeypatch.setattr(pre_save, method, lambda *a, m=method, **k: calls.append(m))

    graphql(UPDATE_ME, {"language": "sv"}, token=issuer.token(sub=subject))

    assert calls == []
    [update] = entries_about(User.objects.get(uuid=subject), LogEntry.Action.UPDATE)
    assert update.actor.uuid == uuid.UUID(subject)
