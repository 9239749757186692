"""Admin sign-in with Helsinki single sign-on, against the loopback issuer."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso(settings, issuer):
    settings.SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT = issuer.url
    settings.SOCIAL_AUTH_TUNNISTAMO_KEY = "service-admin"
    settings.SOCIAL_AUTH_TUNNISTAMO_SECRET = "not-a-real-secret"
    return issuer


def test_login_page_offers_single_sign_on(client, sso):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="helsinki-login-btn"' in page
    assert 'action="/helauth/login/"' in page


def test_sign_on_goes_to_the_configured_identity_provider(client, sso):
    started = client.post("/helauth/login/", {"next": "/admin/"})
    # python-social-auth starts a sign-on only on POST.
    redirect = client.post(started["Location"])

    assert redirect.status_code == 302
    target = urlsplit(redirect["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.url}/authorize"
    query = parse_qs(target.query)
    assert query["client_id"] == ["service-admin"]
    assert query["redirect_uri"][0].endswith("/complete/tunnistamo/")


def test_password_login_is_off_by_default(client, django_user_model):
    django_user_model.objects.create_superuser(
        username="admin-person", email="a@example.com", password="a long passphrase"
    )

    response = client.post(
        "/admin/login/", {"username": "admin-person", "password": "a long passphrase"}
    )

    assert response.status_code == 200  # the form again: no session was made
    assert "_auth_user_id" not in client.session


def test_password_login_can_be_switched_on(run_django):
    result = run_django(
        "from django.conf import settings\n"
        "print(settings.HELUSERS_PASSWORD_LOGIN_DISABLED)\n"
        "print(*settings.AUTHENTICATION_BACKENDS)",
        ADMIN_PASSWORD_LOGIN="1",
    )

    assert result.returncode == 0, result.stderr
    disabled, backends = result.stdout.splitlines()
    assert disabled == "False"
    assert "django.contrib.auth.backends.ModelBackend" in backends.split()


@pytest.mark.parametrize(
    "query",
    ["?code=x&state=y", "", "?error=access_denied&state=y"],
    ids=["forged", "empty", "provider-error"],
)
def test_failed_sign_on_callback_is_a_400_page(client, sso, caplog, query):
    response = client.get(f"/complete/tunnistamo/{query}")

    assert response.status_code == 400
    assert b"Sign-in failed" in response.content
    assert b'href="/admin/login/"' in response.content
    assert "no-cache" in response["Cache-Control"]
    assert [r.levelname for r in caplog.records if r.levelno >= 30] == [
        "WARNING",
        "WARNING",
    ]  # the failure, and django.request's "Bad Request"
    assert all(r.exc_info is None for r in caplog.records)


def test_sign_on_callback_while_the_provider_is_down_is_a_502_page(client, sso):
    sso.set_mode("down")
    started = client.post("/helauth/login/", {"next": "/admin/"})
    redirect = client.post(started["Location"])
    state = parse_qs(urlsplit(redirect["Location"]).query)["state"][0]

    response = client.get(f"/complete/tunnistamo/?code=x&state={state}")

    assert response.status_code == 502
    assert b"Sign-in failed" in response.content
