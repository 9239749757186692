import re

import graphene
import pytest
from django.core.management.base import SystemCheckError

from authentication.graphql import public
from conftest import run_system_checks

from {{ cookiecutter.package_name }}.schema import Mutation, Query


class RequiredProtectedField(Query):
    secret = graphene.String(required=True)


class NullableProtectedField(Query):
    secret = graphene.String()


class RequiredPublicField(Query):
    motto = public(graphene.String(required=True))


required_protected = graphene.Schema(query=RequiredProtectedField, mutation=Mutation)
nullable_protected = graphene.Schema(query=NullableProtectedField, mutation=Mutation)
required_public = graphene.Schema(query=RequiredPublicField, mutation=Mutation)


def use_schema(settings, name):
    settings.GRAPHENE = {**settings.GRAPHENE, "SCHEMA": f"{__name__}.{name}"}


def test_the_service_schema_passes():
    run_system_checks(fail_level="WARNING")


def test_a_required_protected_root_field_fails_the_check(settings):
    use_schema(settings, "required_protected")
    expected = (
        r"(?s)authentication\.E001.*RequiredProtectedField\.secret is protected but "
        r"required.*Remove required=True"
    )
    with pytest.raises(SystemCheckError, match=expected):
        run_system_checks()


@pytest.mark.parametrize("name", ["nullable_protected", "required_public"])
def test_nullable_protected_and_required_public_fields_pass(settings, name):
    use_schema(settings, name)
    run_system_checks(fail_level="WARNING")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8001", "this machine"),
        ("https://localhost/openid", "this machine"),
        ("https://[::1]:8443", "this machine"),
        ("http://tunnistamo.hel.fi", "not https"),
    ],
)
def test_production_refuses_an_issuer_it_cannot_trust(settings, url, reason):
    settings.DEBUG = False
    settings.OIDC_API_TOKEN_AUTH = {**settings.OIDC_API_TOKEN_AUTH, "ISSUER": [url]}
    setting = f"TOKEN_AUTH_AUTHSERVER_URL is '{re.escape(url)}'"
    expected = rf"(?s)authentication\.E002.*{setting}.*{reason}"
    with pytest.raises(SystemCheckError, match=expected):
        run_system_checks()
{%- if cookiecutter.use_admin_sso == "yes" %}


def test_production_refuses_a_sign_on_provider_on_this_machine(settings):
    settings.DEBUG = False
    settings.SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT = "http://127.0.0.1:8001"
    expected = r"(?s)authentication\.E002.*SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT"
    with pytest.raises(SystemCheckError, match=expected):
        run_system_checks()
{%- endif %}


def test_development_may_trust_a_local_issuer(settings):
    settings.DEBUG = True
    settings.OIDC_API_TOKEN_AUTH = {
        **settings.OIDC_API_TOKEN_AUTH,
        "ISSUER": ["http://127.0.0.1:8001"],
    }
    run_system_checks(fail_level="WARNING")


def test_production_trusts_an_https_issuer(settings):
    settings.DEBUG = False
    settings.OIDC_API_TOKEN_AUTH = {
        **settings.OIDC_API_TOKEN_AUTH,
        "ISSUER": [
            "https://tunnistamo.hel.fi",
            "https://tunnistus.hel.fi/auth/realms/x",
        ],
    }
    run_system_checks(fail_level="WARNING")
