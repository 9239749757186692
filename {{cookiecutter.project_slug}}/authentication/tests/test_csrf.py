"""Another site's page cannot make a signed-in browser act through /graphql.

Every request goes through the real view and middleware, with Django's CSRF
checks on as a browser gets them (Django's test client skips them unless
asked). Each refusal is checked in the database, not only by its status.
"""

import json
import uuid
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from users.models import User

pytestmark = pytest.mark.django_db

UPDATE = 'mutation { updateMe(input: {preferredLanguage: "sv"}) { clientMutationId } }'
DELETE = "mutation { deleteMe(input: {}) { ok } }"


@pytest.fixture
def admin():
    return User.objects.create(username="admin-person", is_staff=True)


@pytest.fixture
def browser(admin):
    """A browser signed in to the admin, holding the CSRF cookie a page gave it."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    browser.get("/graphql", {"query": "{ serviceInfo { name } }"})
    assert browser.cookies["csrftoken"].value
    return browser


def csrf_header(browser):
    return {"X-CSRFToken": browser.cookies["csrftoken"].value}


def post_json(client, document, **headers):
    return client.post(
        "/graphql",
        {"query": document},
        content_type="application/json",
        headers=headers,
    )


def language(user):
    user.refresh_from_db()
    return user.preferred_language


FORMS = {
    "multipart": lambda browser: browser.post("/graphql", {"query": DELETE}),
    "urlencoded": lambda browser: browser.post(
        "/graphql",
        f"query={DELETE}",
        content_type="application/x-www-form-urlencoded",
    ),
    "urlencoded-with-csrf-token": lambda browser: browser.post(
        "/graphql",
        f"query={DELETE}&csrfmiddlewaretoken={browser.cookies['csrftoken'].value}",
        content_type="application/x-www-form-urlencoded",
    ),
    "text-plain": lambda browser: browser.post(
        "/graphql", json.dumps({"query": DELETE}), content_type="text/plain"
    ),
}


@pytest.mark.parametrize("send", FORMS.values(), ids=FORMS.keys())
def test_a_form_post_runs_nothing(browser, admin, send):
    response = send(browser)

    assert response.status_code == 415
    [error] = response.json()["errors"]
    assert "application/json" in error["message"]
    assert User.objects.filter(pk=admin.pk).exists()


def test_a_mutation_in_a_get_link_runs_nothing(browser, admin):
    response = browser.get("/graphql", {"query": DELETE})

    assert response.status_code == 405
    assert User.objects.filter(pk=admin.pk).exists()


@pytest.mark.parametrize("document", [UPDATE, DELETE], ids=["updateMe", "deleteMe"])
def test_session_json_post_without_the_csrf_token_runs_nothing(
    browser, admin, document
):
    response = post_json(browser, document)

    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert error["message"].startswith("CSRF check failed: CSRF token missing.")
    assert language(admin) == "fi"


def test_session_json_post_with_the_csrf_token_works(browser, admin):
    response = post_json(browser, UPDATE, **csrf_header(browser))

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert language(admin) == "sv"


def test_csrf_token_sent_from_another_origin_is_refused(browser, admin):
    response = post_json(
        browser, UPDATE, Origin="https://evil.example", **csrf_header(browser)
    )

    assert response.status_code == 403
    assert "Origin checking failed" in response.json()["errors"][0]["message"]
    assert language(admin) == "fi"


def test_over_https_the_referer_must_be_this_site(browser, admin):
    def post(**headers):
        return browser.post(
            "/graphql",
            {"query": UPDATE},
            content_type="application/json",
            secure=True,
            headers={**csrf_header(browser), **headers},
        )

    refused = post()
    assert refused.status_code == 403
    assert "Referer checking failed" in refused.json()["errors"][0]["message"]
    assert language(admin) == "fi"

    assert post(Referer="https://testserver/admin/").status_code == 200
    assert language(admin) == "sv"


def test_bearer_client_without_cookies_needs_no_csrf_token(issuer):
    subject = str(uuid.uuid4())
    api_client = Client(enforce_csrf_checks=True)

    response = post_json(
        api_client, UPDATE, Authorization=f"Bearer {issuer.token(sub=subject)}"
    )

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert language(User.objects.get(uuid=subject)) == "sv"


def test_bearer_token_decides_over_the_session(browser, admin, issuer):
    subject = str(uuid.uuid4())
    token = issuer.token(sub=subject)

    me = post_json(browser, "{ me { uuid } }", Authorization=f"Bearer {token}")
    update = post_json(browser, UPDATE, Authorization=f"Bearer {token}")

    assert me.json() == {"data": {"me": {"uuid": subject}}}
    assert "errors" not in update.json()
    assert language(User.objects.get(uuid=subject)) == "sv"
    assert language(admin) == "fi"


def test_expired_bearer_token_never_falls_back_to_the_session(browser, admin, issuer):
    expired = issuer.token(sub=str(admin.uuid), exp=1_600_000_000, iat=1_599_999_000)

    me = post_json(browser, "{ me { uuid } }", Authorization=f"Bearer {expired}")
    update = post_json(browser, UPDATE, Authorization=f"Bearer {expired}")

    for response in (me, update):
        body = response.json()
        assert response.status_code == 200
        assert [e["extensions"]["code"] for e in body["errors"]] == [
            "AUTHENTICATION_EXPIRED_ERROR"
        ]
    assert me.json()["data"] == {"me": None}
    assert language(admin) == "fi"


def test_anonymous_post_needs_no_csrf_token():
    response = post_json(Client(enforce_csrf_checks=True), "{ serviceInfo { name } }")

    assert response.status_code == 200
    assert "errors" not in response.json()


@pytest.mark.urls("authentication.tests.urls")
def test_graphiql_works_for_a_signed_in_admin(admin, settings):
    """GraphiQL's own script sends the CSRF cookie's token as X-CSRFToken."""
    script = Path(finders.find("graphene_django/graphiql.js")).read_text()
    assert "csrftoken=" in script
    assert "X-CSRFToken" in script
    assert settings.CSRF_COOKIE_NAME == "csrftoken"
    assert not settings.CSRF_COOKIE_HTTPONLY  # the script reads the cookie
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)

    page = browser.get("/graphiql", headers={"Accept": "text/html"})
    token = page.cookies["csrftoken"].value
    response = browser.post(
        "/graphiql",
        {"query": "{ me { uuid } }"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert page.status_code == 200
    assert b"graphiql" in page.content.lower()
    assert response.json() == {"data": {"me": {"uuid": str(admin.uuid)}}}


def test_a_cross_site_get_is_not_signed_in_by_the_session(browser, admin):
    response = browser.get(
        "/graphql",
        {"query": "{ serviceInfo { name } me { email } }"},
        headers={"Origin": "https://elsewhere.example", "Accept": "application/json"},
    )

    body = response.json()
    assert body["data"] == {"serviceInfo": {"name": settings.SERVICE_NAME}, "me": None}
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED_ERROR"
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_a_get_with_a_token_is_signed_in(client, issuer):
    subject = str(uuid.uuid4())

    response = client.get(
        "/graphql",
        {"query": "{ me { uuid } }"},
        headers={"Authorization": f"Bearer {issuer.token(sub=subject)}"},
    )

    assert response.json()["data"]["me"] == {"uuid": subject}
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1


def test_a_signed_in_browser_reads_with_a_post_and_the_csrf_header(browser, admin):
    response = post_json(browser, "{ me { uuid } }", **csrf_header(browser))

    assert response.json()["data"]["me"] == {"uuid": str(admin.uuid)}
