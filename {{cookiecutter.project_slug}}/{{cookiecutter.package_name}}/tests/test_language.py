"""One language per response: the request's Accept-Language among fi, sv and
en, else the service's LANGUAGE_CODE."""

import gettext
import re

import pytest
from django.conf import settings
from django.utils import translation

from authentication.errors import CodedError

pytestmark = pytest.mark.django_db

ANONYMOUS = "{ serviceInfo { name } me { uuid } }"


@pytest.mark.parametrize(
    ("accept_language", "language", "message"),
    [
        (None, "fi", "Tunnistautuminen vaaditaan."),
        ("sv", "sv", "Autentisering krävs."),
        ("en-GB,en;q=0.8,fi;q=0.5", "en", "Authentication is required."),
        ("de-DE,de;q=0.9", "fi", "Tunnistautuminen vaaditaan."),
        # A stranger's header: malformed, or huge (Django parses only its first
        # 500 characters, here the "en" before the flood).
        (";;q=x,,sv;q=", "fi", "Tunnistautuminen vaaditaan."),
        ("en," + "x" * 100_000, "en", "Authentication is required."),
    ],
)
def test_errors_are_in_the_language_the_request_asks_for(
    graphql, accept_language, language, message
):
    meta = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    response = graphql(ANONYMOUS, meta=meta)

    assert response["Content-Language"] == language
    assert [error["message"] for error in response.json()["errors"]] == [message]


@pytest.mark.parametrize(
    ("accept_language", "message"),
    [
        ("en", "preferredLanguage: Value 'xx' is not a valid choice."),
        ("fi", "preferredLanguage: Arvo 'xx' ei kelpaa."),
    ],
)
def test_validation_messages_follow_the_same_language(
    graphql, issuer, accept_language, message
):
    response = graphql(
        'mutation { updateMe(input: {preferredLanguage: "xx"}) { clientMutationId } }',
        token=issuer.token(),
        meta={"HTTP_ACCEPT_LANGUAGE": accept_language},
    )

    [error] = response.json()["errors"]
    assert error["message"] == message
    assert error["extensions"]["code"] == "VALIDATION_ERROR"


def coded_errors(cls=CodedError):
    yield cls
    for subclass in cls.__subclasses__():
        yield from coded_errors(subclass)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_error_code_has_a_message_in_each_language(language):
    for error in coded_errors():
        with translation.override("en"):
            english = str(error.default_message)
        with translation.override(language):
            assert str(error.default_message) != english, (language, error.code)


def po_messages(path):
    """msgid -> msgstr of a .po file (without the header entry)."""
    entries = re.findall(
        r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', path.read_text(), re.MULTILINE
    )

    def text(quoted):
        return "".join(re.findall(r'"(.*)"', quoted)).replace('\\"', '"')

    return {text(msgid): text(msgstr) for msgid, msgstr in entries if text(msgid)}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_compiled_messages_match_their_source(language):
    """The .mo beside each .po is compiled from it as it is now."""
    source = settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"
    with source.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    catalog.pop("", None)  # the header

    assert catalog == po_messages(source)
