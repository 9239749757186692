import graphene
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from authentication.graphql import public

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
    call_command("check", fail_level="WARNING")


def test_a_required_protected_root_field_fails_the_check(settings):
    use_schema(settings, "required_protected")
    expected = (
        r"(?s)authentication\.E001.*RequiredProtectedField\.secret is protected but "
        r"required.*Remove required=True"
    )
    with pytest.raises(SystemCheckError, match=expected):
        call_command("check")


@pytest.mark.parametrize("name", ["nullable_protected", "required_public"])
def test_nullable_protected_and_required_public_fields_pass(settings, name):
    use_schema(settings, name)
    call_command("check", fail_level="WARNING")
