"""The service's URLs plus a schema whose fields fail, to test error handling."""

import graphene
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from authentication.errors import ValidationError
from authentication.graphql import public

from ..schema import Mutation, Query
from ..views import ServiceGraphQLView


class BrokenQuery(Query):
    broken = public(graphene.String())

    @staticmethod
    def resolve_broken(root, info):
        raise RuntimeError("secret internals: /srv/app/settings.py line 42")


def change_language_then(failure):
    """A mutation that saves a change, then fails with `failure`."""

    def mutate(root, info, language):
        user = info.context.user
        user.preferred_language = language
        user.save()
        raise failure

    return graphene.Field(
        graphene.Boolean, language=graphene.String(required=True), resolver=mutate
    )


class BrokenMutation(Mutation):
    write_then_crash = change_language_then(RuntimeError("disk on fire"))
    write_then_refuse = change_language_then(ValidationError("No, not like that."))


broken_schema = graphene.Schema(query=BrokenQuery, mutation=BrokenMutation)

urlpatterns = [
    path(
        "graphql-broken",
        csrf_exempt(ServiceGraphQLView.as_view(schema=broken_schema)),
    ),
    path("", include("{{ cookiecutter.package_name }}.urls")),
]
