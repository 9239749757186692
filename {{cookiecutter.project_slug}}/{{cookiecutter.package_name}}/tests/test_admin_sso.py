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
