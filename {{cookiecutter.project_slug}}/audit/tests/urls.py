"""The service's URLs plus test views for the audit log.

- a view that authenticates a user by itself, standing for a DRF view with
  helusers' ApiTokenAuthentication or any view that sets request.user on its
  own, after the middleware has run;
- a GraphQL schema that reads many users at once, as a list and as a
  connection, and one through a field of a plain type.
"""

import graphene
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from graphene_django import DjangoConnectionField, DjangoObjectType

from audit.access import AccessLogged
from authentication.graphql import Node
from users.models import User

from {{ cookiecutter.package_name }}.schema import Mutation, Query
from {{ cookiecutter.package_name }}.views import ServiceGraphQLView


def sign_in_inside_the_view(request, username):
    """Write one entry while anonymous, sign the user in, write another."""
    user = User.objects.create(username=username)  # the request is anonymous here
    request.user = user
    user.preferred_language = User.Language.SWEDISH
    user.save()
    return JsonResponse({"uuid": str(user.uuid)})


class AnyUserNode(AccessLogged, DjangoObjectType):
    """Unlike the service's UserNode, open to every signed-in user."""

    class Meta:
        model = User
        fields = ("uuid",)
        interfaces = (Node,)
        skip_registry = True


class Friendship(graphene.ObjectType):
    """Not a model's type: its field returns a user all the same."""

    friend = graphene.Field(AnyUserNode)


class ReadingQuery(Query):
    users = DjangoConnectionField(AnyUserNode)
    user_list = graphene.List(AnyUserNode)
    friendship = graphene.Field(Friendship)

    @staticmethod
    def resolve_user_list(root, info):
        return User.objects.order_by("pk")

    @staticmethod
    def resolve_friendship(root, info):
        return Friendship(friend=info.context.user)


reading_schema = graphene.Schema(query=ReadingQuery, mutation=Mutation)

urlpatterns = [
    path("sign-in/<str:username>", sign_in_inside_the_view),
    path(
        "graphql-reading",
        csrf_exempt(ServiceGraphQLView.as_view(schema=reading_schema)),
    ),
    path("", include("{{ cookiecutter.package_name }}.urls")),
]
