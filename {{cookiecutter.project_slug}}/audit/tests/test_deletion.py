"""deleteMe, and the service function behind it, keep the audit trail."""

import uuid

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.admin.models import ADDITION
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType

from audit.deletion import delete_user
from users.models import User

pytestmark = pytest.mark.django_db

DELETE_ME = "mutation { deleteMe(input: {}) { ok } }"


def entries_about(model, pk):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
    )


@pytest.fixture
def member(graphql, issuer):
    """A signed-in user who has done something worth an audit entry."""
    subject = str(uuid.uuid4())
    token = issuer.token(sub=subject)
    graphql(
        'mutation { updateMe(input: {preferredLanguage: "sv"}) { user { uuid } } }',
        token=token,
    )
    return User.objects.get(uuid=subject), token


def test_delete_me_deletes_the_account_and_keeps_one_delete_entry(graphql, member):
    user, token = member
    pk, username = user.pk, user.username
    earlier = list(entries_about(User, pk).values_list("pk", flat=True))

    response = graphql(DELETE_ME, token=token, X_Request_ID="goodbye")

    assert response.json() == {"data": {"deleteMe": {"ok": True}}}
    assert not User.objects.filter(pk=pk).exists()
    [deleted] = entries_about(User, pk).filter(action=LogEntry.Action.DELETE)
    assert deleted.additional_data["deleted_user"] == {
        "uuid": str(user.uuid),
        "username": username,
        "email": "maija@example.com",
    }
    assert deleted.additional_data["actor_uuid"] == str(user.uuid)
    assert deleted.actor_email == "maija@example.com"
    assert deleted.actor is None  # the row it pointed to is gone
    assert deleted.cid == "goodbye"
    assert deleted.changes_dict["username"] == [username, "None"]
    assert "password" not in deleted.changes_dict
    # Every earlier entry about the user stays, and still names who acted.
    kept = LogEntry.objects.filter(pk__in=earlier)
    assert kept.count() == len(earlier) >= 2
    updates = kept.filter(action=LogEntry.Action.UPDATE)
    assert {entry.additional_data["actor_uuid"] for entry in updates} == {
        str(user.uuid)
    }


def test_delete_me_writes_no_stray_access_entries(graphql, member):
    _, token = member
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()

    graphql(DELETE_ME, token=token)

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


def test_a_user_without_e_mail_still_leaves_a_name(graphql, issuer):
    subject = str(uuid.uuid4())
    token = issuer.token(sub=subject, email=None)
    graphql(
        'mutation { updateMe(input: {preferredLanguage: "en"}) { user { uuid } } }',
        token=token,
    )
    user = User.objects.get(uuid=subject)

    graphql(DELETE_ME, token=token)

    update = entries_about(User, user.pk).get(action=LogEntry.Action.UPDATE)
    assert update.actor is None
    assert update.actor_email is None
    assert update.additional_data["actor_uuid"] == subject
    deleted = entries_about(User, user.pk).get(action=LogEntry.Action.DELETE)
    assert deleted.additional_data["deleted_user"]["uuid"] == subject


@pytest.fixture
def admin_log_entries_are_audited():
    """django.contrib.admin's LogEntry cascades with its user: audit it for a while."""
    auditlog.register(AdminLogEntry)
    yield
    auditlog.unregister(AdminLogEntry)


def test_objects_that_cascade_with_the_user_are_logged_as_usual(
    graphql, member, admin_log_entries_are_audited
):
    user, token = member
    note = AdminLogEntry.objects.log_actions(
        user.pk, [user], ADDITION, change_message="made", single_object=True
    )

    response = graphql(DELETE_ME, token=token)

    assert response.json() == {"data": {"deleteMe": {"ok": True}}}
    assert not AdminLogEntry.objects.filter(pk=note.pk).exists()
    [cascaded] = entries_about(AdminLogEntry, note.pk).filter(
        action=LogEntry.Action.DELETE
    )
    assert cascaded.actor is None
    assert cascaded.additional_data["actor_uuid"] == str(user.uuid)
    assert (
        entries_about(User, user.pk).filter(action=LogEntry.Action.DELETE).count() == 1
    )


def test_delete_me_needs_a_user(graphql, issuer):
    response = graphql(DELETE_ME)

    assert (
        response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED_ERROR"
    )


def test_service_function_outside_a_request():
    user = User.objects.create(username="removed-by-a-command", email="")
    pk = user.pk

    delete_user(user)

    assert not User.objects.filter(pk=pk).exists()
    [deleted] = entries_about(User, pk).filter(action=LogEntry.Action.DELETE)
    assert deleted.actor is None
    assert deleted.additional_data["deleted_user"] == {
        "uuid": str(user.uuid),
        "username": user.username,
        "email": "",
    }
    assert "actor_uuid" not in deleted.additional_data  # nobody was signed in


def test_admin_deletes_through_the_same_service(client, django_user_model):
    staff = django_user_model.objects.create(
        username="staff", email="staff@example.com", is_staff=True, is_superuser=True
    )
    target = django_user_model.objects.create(username="to-be-removed")
    client.force_login(staff)

    response = client.post(
        f"/admin/users/user/{target.pk}/delete/", {"post": "yes"}, follow=False
    )

    assert response.status_code == 302
    [deleted] = entries_about(User, target.pk).filter(action=LogEntry.Action.DELETE)
    assert deleted.actor == staff
    assert deleted.additional_data["deleted_user"]["username"] == "to-be-removed"
