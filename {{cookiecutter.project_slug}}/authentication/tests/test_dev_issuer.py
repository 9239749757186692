"""`manage.py dev_issuer`, run as a developer runs it, signs a real sign-in."""

import subprocess
import sys

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("dev_issuer", "--port", "0")


@pytest.fixture
def dev_issuer():
    """The command in a process of its own, and what it printed before serving."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "dev_issuer", "--port", "0", "--user", "maija"],
        cwd=django_settings.BASE_DIR,
        env={"DEBUG": "1", "TOKEN_AUTH_ACCEPTED_AUDIENCE": "", "PATH": ""},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        printed = [process.stdout.readline() for _ in range(6)]
        yield dict(line.strip().split("=", 1) for line in printed if "=" in line) | {
            "token": printed[4].strip()
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_its_tokens_sign_in_with_the_variables_it_prints(graphql, settings, dev_issuer):
    settings.OIDC_API_TOKEN_AUTH = {
        **settings.OIDC_API_TOKEN_AUTH,
        "ISSUER": [dev_issuer["TOKEN_AUTH_AUTHSERVER_URL"]],
        "AUDIENCE": dev_issuer["TOKEN_AUTH_ACCEPTED_AUDIENCE"],
    }
    another = requests.get(
        f"{dev_issuer['TOKEN_AUTH_AUTHSERVER_URL']}/token",
        params={"user": "matti"},
        timeout=5,
    ).text.strip()

    maija = graphql("{ me { firstName email } }", token=dev_issuer["token"]).json()
    matti = graphql("{ me { firstName } }", token=another).json()

    assert maija == {
        "data": {"me": {"firstName": "maija", "email": "maija@example.com"}}
    }
    assert matti == {"data": {"me": {"firstName": "matti"}}}
