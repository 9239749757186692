import uuid

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management.base import SystemCheckError

from conftest import run_system_checks
from users.models import User

from {{ cookiecutter.package_name }}.middleware_order import (
    AUTHENTICATION,
    GRAPHENE_JWT,
    JWT,
    PRESENCE,
    RULES,
    short,
    violations,
)

PACKAGE = "{{ cookiecutter.package_name }}"


def test_configured_middleware_keeps_every_rule():
    assert violations(settings.MIDDLEWARE, settings.GRAPHENE["MIDDLEWARE"]) == []
    run_system_checks(fail_level="WARNING")


def test_missing_authentication_middleware_fails_the_check(settings):
    settings.MIDDLEWARE = [
        path for path in settings.MIDDLEWARE if path != AUTHENTICATION
    ]

    with pytest.raises(SystemCheckError) as caught:
        run_system_checks()

    message = str(caught.value)
    assert f"{PACKAGE}.E012" in message
    assert f"MIDDLEWARE must include {AUTHENTICATION}" in message


@pytest.mark.urls("authentication.tests.urls")
@pytest.mark.django_db
def test_token_middleware_may_be_listed_first(settings, client, issuer):
    """It works in process_view, after every middleware has seen the request."""
    settings.MIDDLEWARE = [JWT, *(path for path in settings.MIDDLEWARE if path != JWT)]
    subject = str(uuid.uuid4())

    response = client.get(
        "/whoami",
        headers={
            "Authorization": f"Bearer {issuer.token(sub=subject)}",
            "X-Request-ID": "listed-first",
        },
    )

    assert response.json()["uuid"] == subject
    created = LogEntry.objects.get(object_pk=str(User.objects.get(uuid=subject).pk))
    assert created.cid == "listed-first"
    run_system_checks()


def test_missing_graphene_jwt_middleware_fails_the_check(settings):
    settings.GRAPHENE = {**settings.GRAPHENE, "MIDDLEWARE": []}

    with pytest.raises(SystemCheckError, match=f"{PACKAGE}.E022.*{GRAPHENE_JWT}"):
        run_system_checks()


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_check_fails_when_a_rule_is_broken(rule, settings):
    swapped = [path for path in settings.MIDDLEWARE if path not in rule]
    settings.MIDDLEWARE = [*swapped, rule.then, rule.first]

    with pytest.raises(SystemCheckError) as caught:
        run_system_checks()

    message = str(caught.value)
    assert f"{PACKAGE}.{rule.code}" in message
    assert f"{short(rule.first)} must come before {short(rule.then)}" in message


@pytest.mark.parametrize(
    "rule", [rule for rule in RULES if rule.required], ids=lambda rule: rule.code
)
def test_check_fails_when_required_middleware_is_missing(rule, settings):
    settings.MIDDLEWARE = [
        *(path for path in settings.MIDDLEWARE if path not in rule),
        rule.then,
    ]

    with pytest.raises(SystemCheckError, match=f"{short(rule.first)}.* missing"):
        run_system_checks()


@pytest.mark.parametrize("need", PRESENCE, ids=lambda need: need.code)
def test_check_fails_when_needed_middleware_is_absent(need, settings):
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if path != need.path]
    settings.GRAPHENE = {
        **settings.GRAPHENE,
        "MIDDLEWARE": [
            path for path in settings.GRAPHENE["MIDDLEWARE"] if path != need.path
        ],
    }

    with pytest.raises(SystemCheckError, match=f"{PACKAGE}.{need.code}"):
        run_system_checks()


def test_unrelated_middleware_is_not_judged():
    extra = [*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]
    assert violations(extra, settings.GRAPHENE["MIDDLEWARE"]) == []


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ("MIDDLEWARE", "django.middleware.comon.CommonMiddleware"),
        ("MIDDLEWARE", "django.middleware.common.CommonMiddlewar"),
        ("GRAPHENE['MIDDLEWARE']", "authentication.graphql.JWTMiddlewar"),
    ],
)
def test_a_middleware_path_that_does_not_import_fails_the_check(
    settings, setting, path
):
    if setting == "MIDDLEWARE":
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, path]
    else:
        settings.GRAPHENE = {
            **settings.GRAPHENE,
            "MIDDLEWARE": [*settings.GRAPHENE["MIDDLEWARE"], path],
        }

    with pytest.raises(SystemCheckError) as caught:
        run_system_checks()
    message = str(caught.value)
    assert f"{setting} names '{path}', which does not import" in message
    assert "E031" in message
