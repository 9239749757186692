"""The service's URLs plus a schema whose fields fail, to test error handling."""

import graphene
from django.conf import settings
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from authentication.graphql import public

from ..schema import Mutation, Query
from ..views import ServiceGraphQLView


class BrokenQuery(Query):
    broken = public(graphene.String())

    @staticmethod
    def resolve_broken(root, info):
        raise RuntimeError("secret internals: /srv/app/settings.py line 42")


broken_schema = graphene.Schema(query=BrokenQuery, mutation=Mutation)

urlpatterns = [
    path(
        "graphql-broken", csrf_exempt(ServiceGraphQLView.as_view(schema=broken_schema))
    ),
    path("", include(settings.ROOT_URLCONF)),
]
