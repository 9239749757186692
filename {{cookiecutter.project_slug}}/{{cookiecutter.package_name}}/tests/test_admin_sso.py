"""Admin sign-in with Helsinki single sign-on, against the loopback issuer.

The sign-on runs to its end as a browser's would: the login page's button,
the redirect to the provider, the approval there, the callback with its
code, which the service exchanges with the provider over HTTP, and the
admin page. Only the provider's approval page is skipped: its form is
posted as a person's browser posts it.
"""

import io
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from helusers.models import ADGroup, ADGroupMapping
from helusers.tunnistamo_oidc import TunnistamoOIDCAuth

from users.models import User

pytestmark = pytest.mark.django_db


def sign_on(client, provider, **person):
    """Sign in as `person` (claims), through the provider: the last answer."""
    provider.person = {"sub": str(uuid.uuid4()), **person}
    started = client.post("/helauth/login/", {"next": "/admin/"})
    authorize = urlsplit(client.post(started["Location"])["Location"])
    approval = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    approved = requests.post(
        f"{provider.url}/authorize", data=approval, allow_redirects=False, timeout=10
    )
    callback = urlsplit(approved.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def sso(settings, issuer):
    """The loopback issuer as the admin's sign-on provider, for this test
    alone: python-social-auth keeps a provider's configuration and keys for
    a day, in the process."""
    settings.SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT = issuer.url
    settings.SOCIAL_AUTH_TUNNISTAMO_KEY = "service-admin"
    settings.SOCIAL_AUTH_TUNNISTAMO_SECRET = "not-a-real-secret"
    TunnistamoOIDCAuth.get_openid_configuration.invalidate()
    TunnistamoOIDCAuth.get_jwks_keys_for_uri.invalidate()
    return issuer


@pytest.mark.parametrize(
    ("language", "words", "foreign"),
    [
        ("fi", "Kirjaudu sisään Helsingin kaupungin tunnuksellasi", "Sign in"),
        ("sv", "Logga in med ditt konto hos Helsingfors stad", "Kirjaudu"),
        ("en", "Sign in with your City of Helsinki account", "Kirjaudu"),
    ],
)
def test_login_page_offers_single_sign_on_in_one_language(
    client, sso, language, words, foreign
):
    response = client.get("/admin/login/", headers={"Accept-Language": language})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="helsinki-login-btn"' in page
    assert 'action="/helauth/login/"' in page
    assert words in page
    assert foreign not in page
    assert 'id="login-form"' not in page  # password login is off


def test_login_page_shows_the_password_form_where_password_login_is_on(
    client, sso, settings
):
    settings.HELUSERS_PASSWORD_LOGIN_DISABLED = False

    page = client.get("/admin/login/").content.decode()

    assert 'id="helsinki-login-btn"' in page
    assert 'id="login-form"' in page


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
    started = client.post("/helauth/login/", {"next": "/admin/"})
    redirect = client.post(started["Location"])
    state = parse_qs(urlsplit(redirect["Location"]).query)["state"][0]
    sso.set_mode("down")

    response = client.get(f"/complete/tunnistamo/?code=x&state={state}")

    assert response.status_code == 502
    assert b"Sign-in failed" in response.content


def test_sign_on_runs_to_the_admin_for_a_staff_member(client, sso):
    subject = str(uuid.uuid4())
    User.objects.create(
        uuid=subject, username=f"u-{subject}", is_staff=True, is_superuser=True
    )

    callback = sign_on(client, sso, sub=subject, email="staff@example.com")

    assert callback.status_code == 302, callback.content.decode()[:500]
    assert callback["Location"] == "/admin/"
    admin = client.get("/admin/", headers={"Accept-Language": "en"})
    assert admin.status_code == 200
    assert "Site administration" in admin.content.decode()
    assert User.objects.get(uuid=subject).email == "staff@example.com"


def test_a_first_sign_on_makes_an_account_that_is_not_staff(client, sso):
    callback = sign_on(client, sso, email="new@example.com")

    assert callback.status_code == 302
    person = User.objects.get(email="new@example.com")
    assert not person.is_staff
    page = client.get("/admin/", follow=True, headers={"Accept-Language": "en"})
    assert "not authorized" in page.content.decode()


@pytest.mark.parametrize("mode", ["down", "error"])
def test_starting_a_sign_on_while_the_provider_is_down_is_a_502_page(
    client, sso, mode, caplog
):
    sso.set_mode(mode)
    started = client.post("/helauth/login/", {"next": "/admin/"})

    response = client.post(started["Location"])

    assert response.status_code == 502
    assert b"Sign-in failed" in response.content
    assert all(r.exc_info is None for r in caplog.records)


def test_account_flags_never_come_from_the_provider(client, sso):
    subject = str(uuid.uuid4())
    User.objects.create(
        uuid=subject, username=f"u-{subject}", is_staff=True, is_active=False
    )

    callback = sign_on(
        client,
        sso,
        sub=subject,
        email="new@example.com",
        is_active=True,
        is_staff=True,
        is_superuser=True,
        username="root",
        preferred_language="sv",
    )

    person = User.objects.get(uuid=subject)
    assert (person.is_active, person.is_staff, person.is_superuser) == (
        False,
        True,
        False,
    )
    assert (person.username, person.preferred_language) == (f"u-{subject}", "fi")
    assert person.email == "new@example.com"  # an identity field: updated
    assert "_auth_user_id" not in client.session  # deactivated: not signed in
    assert callback.status_code in (302, 200)


def test_staff_rights_follow_the_ad_group_mapping(client, sso):
    """An AD group mapped to a Django group gives a staff member its rights at
    each sign-on; without the AD group, they are gone at the next."""
    editors = Group.objects.create(name="User editors")
    editors.permissions.add(Permission.objects.get(codename="view_user"))
    ADGroupMapping.objects.create(
        group=editors, ad_group=ADGroup.objects.create(name="sg_service_admins")
    )
    subject = str(uuid.uuid4())
    User.objects.create(uuid=subject, username=f"u-{subject}", is_staff=True)

    sign_on(client, sso, sub=subject, ad_groups=["sg_service_admins", "sg_others"])

    assert client.get("/admin/users/user/").status_code == 200
    person = User.objects.get(uuid=subject)
    assert list(person.groups.all()) == [editors]

    client.logout()
    sign_on(client, sso, sub=subject, ad_groups=["sg_others"])

    assert client.get("/admin/users/user/").status_code == 403
    assert not person.groups.exists()


def test_the_first_admin_is_made_with_a_command(client, sso):
    sign_on(client, sso, email="first@example.com")
    assert client.get("/admin/").status_code == 302  # not staff: to the login

    output = io.StringIO()
    call_command("make_admin", "FIRST@example.com", stdout=output)

    assert "is now an admin" in output.getvalue()
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "person", ["nobody@example.com", "3b2f8a3e-1c4d-4e5f-8a9b-0c1d2e3f4a5b"]
)
def test_the_command_names_what_it_could_not_find(person):
    with pytest.raises(CommandError, match="sign in once"):
        call_command("make_admin", person)


def test_a_locked_out_address_still_signs_on(client, sso, settings):
    """The lockout closes password sign-in only: a colleague behind the same
    address as a password guesser still gets in with single sign-on."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": f"guess-{n}", "password": "x"})
    refused = client.post("/admin/login/", {"username": "x", "password": "x"})
    assert refused.status_code == 429
    subject = str(uuid.uuid4())
    User.objects.create(uuid=subject, username=f"u-{subject}", is_staff=True)

    callback = sign_on(client, sso, sub=subject)

    assert callback.status_code == 302, callback.content.decode()[:500]
    assert client.get("/admin/").status_code == 200
