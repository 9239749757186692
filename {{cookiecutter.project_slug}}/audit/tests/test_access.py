"""Reads are recorded as ACCESS entries, one per object, written in bulk,
whichever field returns the objects."""

import uuid

import pytest
from auditlog.models import LogEntry
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from conftest import run_system_checks
from users.models import User

pytestmark = pytest.mark.django_db

READ_URLS = pytest.mark.urls("audit.tests.urls")
NODE = '{ node(id: "ID") { ... on UserNode { uuid } } }'


def access_entries():
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS)


@pytest.fixture
def signed_in(graphql, issuer):
    """A user who has signed in once, and a function that reads as them."""
    subject = str(uuid.uuid4())
    graphql("{ me { uuid } }", token=issuer.token(sub=subject))
    user = User.objects.get(uuid=subject)

    def read(query, **kwargs):
        return graphql(query, token=issuer.token(sub=subject), **kwargs)

    return user, read


def test_each_read_of_me_records_one_access_entry(signed_in):
    user, read = signed_in
    before = access_entries().count()

    read("{ me { uuid email } }", X_Request_ID="read-1")

    [entry] = access_entries()[: access_entries().count() - before]
    assert entry.object_pk == str(user.pk)
    assert entry.actor == user
    assert entry.cid == "read-1"


def test_anonymous_read_records_nothing(graphql, issuer):
    response = graphql("{ me { uuid } }")

    assert (
        response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED_ERROR"
    )
    assert not access_entries().exists()


def test_node_read_is_recorded(signed_in):
    user, read = signed_in
    before = access_entries().count()
    user_id = to_global_id("UserNode", user.pk)

    response = read(NODE.replace("ID", user_id))

    assert response.json()["data"]["node"]["uuid"] == str(user.uuid)
    assert access_entries().count() == before + 1


def test_node_read_of_someone_else_returns_and_records_nothing(signed_in):
    _, read = signed_in
    other = User.objects.create(username="someone-else")
    before = access_entries().count()

    response = read(NODE.replace("ID", to_global_id("UserNode", other.pk)))

    assert response.json()["data"]["node"] is None  # UserNode shows only yourself
    assert access_entries().count() == before


def make_users(count):
    User.objects.bulk_create(
        User(username=f"reader-{uuid.uuid4().hex}", uuid=uuid.uuid4())
        for _ in range(count)
    )


@READ_URLS
@pytest.mark.parametrize(
    "query",
    [
        "{ users(first: PAGE) { edges { node { uuid } } } }",
        "{ userList { uuid } }",
    ],
    ids=["connection", "list"],
)
def test_list_reads_write_all_entries_in_constant_queries(signed_in, query):
    user, read = signed_in
    counts = {}
    for page in (5, 50):
        make_users(page)
        limited = query.replace("PAGE", str(page))
        before = access_entries().count()
        with CaptureQueriesContext(connection) as captured:
            response = read(limited, path="/graphql-reading")
        assert "errors" not in response.json(), response.json()
        returned = access_entries().count() - before
        body = response.json()["data"]
        shown = body.get("userList") or body["users"]["edges"]
        assert returned == len(shown)
        inserts = [q for q in captured.captured_queries if "INSERT" in q["sql"]]
        # One INSERT for the page. (SQLite takes at most 999 parameters per
        # statement, so Django splits pages of more than ~70 entries there.)
        assert len(inserts) == 1, "the entries of one read go in one INSERT"
        counts[page] = len(captured.captured_queries)
    assert counts[5] == counts[50]
    assert set(access_entries().values_list("actor", flat=True).distinct()) == {user.pk}


@pytest.fixture
def audit_log_refuses_access_entries(transactional_db):
    """A database trigger that makes every ACCESS insert fail, as a broken log would."""
    action = LogEntry.Action.ACCESS
    if connection.vendor == "postgresql":
        create = [
            "CREATE FUNCTION refuse_access_entry() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.action = {action} THEN RAISE EXCEPTION 'audit log unavailable'; "
            "END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_access_entry BEFORE INSERT ON auditlog_logentry "
            "FOR EACH ROW EXECUTE FUNCTION refuse_access_entry()",
        ]
        drop = [
            "DROP TRIGGER refuse_access_entry ON auditlog_logentry",
            "DROP FUNCTION refuse_access_entry()",
        ]
    else:
        create = [
            "CREATE TRIGGER refuse_access_entry BEFORE INSERT ON auditlog_logentry "
            f"WHEN NEW.action = {action} "
            "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"
        ]
        drop = ["DROP TRIGGER refuse_access_entry"]
    with connection.cursor() as cursor:
        for statement in create:
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)


def test_no_data_without_its_record(graphql, issuer, audit_log_refuses_access_entries):
    subject = str(uuid.uuid4())

    response = graphql(
        "{ me { uuid email } serviceInfo { name } }", token=issuer.token(sub=subject)
    )

    body = response.json()
    assert body["data"]["me"] is None
    assert body["data"]["serviceInfo"]["name"]
    [error] = body["errors"]
    assert error["path"] == ["me"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "maija@example.com" not in response.content.decode()


def test_an_object_read_many_times_in_one_request_is_recorded_once(signed_in):
    user, read = signed_in
    before = access_entries().count()
    aliases = " ".join(f"m{n}: me" + " { uuid }" for n in range(200))
    node = NODE.replace("ID", to_global_id("UserNode", user.pk))[1:-1]

    response = read("{ " + aliases + " " + node + " }")

    assert len(response.json()["data"]) == 201
    assert access_entries().count() - before == 1


def test_a_mutation_payload_is_a_read(signed_in):
    user, read = signed_in
    before = access_entries().count()

    response = read(
        "mutation { updateMe(input: {}) { user { uuid email firstName } } }"
    )

    assert response.json()["data"]["updateMe"]["user"]["email"] == user.email
    [entry] = access_entries().order_by("pk")[before:]
    assert entry.object_pk == str(user.pk)
    assert entry.actor == user


@READ_URLS
def test_a_field_of_another_type_is_a_read(signed_in):
    user, read = signed_in
    before = access_entries().count()

    response = read("{ friendship { friend { uuid } } }", path="/graphql-reading")

    assert response.json()["data"]["friendship"]["friend"]["uuid"] == str(user.uuid)
    assert access_entries().count() == before + 1


def test_a_failed_mutation_still_records_the_data_it_returns(signed_in):
    """The document is rolled back, entries and all; what it returns is not."""
    user, read = signed_in
    before = access_entries().count()
    fine = 'updateMe(input: {preferredLanguage: "sv"}) { user { email } }'
    refused = 'updateMe(input: {preferredLanguage: "xx"}) { user { email } }'

    response = read("mutation { fine: " + fine + " refused: " + refused + " }")

    body = response.json()
    assert body["data"]["fine"]["user"]["email"] == user.email
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    assert User.objects.get(pk=user.pk).preferred_language == "fi"  # rolled back
    [entry] = access_entries().order_by("pk")[before:]
    assert entry.object_pk == str(user.pk)


@pytest.fixture
def admin_client(client):
    """A superuser signed in to the admin by their session."""
    admin = User.objects.create_superuser("admin", "admin@example.com", "unused")
    client.force_login(admin)
    return client, admin


def test_an_admin_change_page_records_the_person_it_shows(admin_client):
    client, admin = admin_client
    person = User.objects.create(username="shown", email="shown@example.com")

    response = client.get(
        f"/admin/users/user/{person.pk}/change/",
        headers={"X-Request-ID": "admin-read-1"},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 200
    [entry] = access_entries()
    assert (entry.object_pk, entry.actor, entry.cid) == (
        str(person.pk),
        admin,
        "admin-read-1",
    )
    assert entry.remote_addr == "203.0.113.9"


def test_an_admin_list_page_records_everyone_on_it_in_one_insert(admin_client):
    client, admin = admin_client
    make_users(5)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/users/user/")

    assert response.status_code == 200
    shown = {str(user.pk) for user in response.context["cl"].result_list}
    assert set(access_entries().values_list("object_pk", flat=True)) == shown
    assert len(shown) == 6  # the five, and the admin
    inserts = [q for q in captured.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1


def test_an_admin_without_access_logging_fails_the_check(monkeypatch):
    from django.contrib import admin
    from django.contrib.auth.admin import UserAdmin

    monkeypatch.setitem(admin.site._registry, User, UserAdmin(User, admin.site))

    with pytest.raises(SystemCheckError, match=r"audit\.E004.*users\.User"):
        run_system_checks()
