"""The API of the signed-in user: `me`, `node`, `updateMe` and `deleteMe`."""

import graphene
from django.contrib.auth.models import AnonymousUser
from graphene import relay
from graphene_django import DjangoObjectType

from audit.access import AccessLogged
from audit.deletion import delete_user
from audit.updates import RowDeleted
from authentication.errors import AccountDeletedError
from authentication.graphql import Node
from authentication.middleware import set_user
from common.changes import save_changes

from .models import User


class UserNode(AccessLogged, DjangoObjectType):
    class Meta:
        model = User
        fields = ("uuid", "first_name", "last_name", "email", "preferred_language")
        interfaces = (Node,)
        convert_choices_to_enum = False

    @classmethod
    def get_queryset(cls, queryset, info):
        """A user can read only themself."""
        return queryset.filter(pk=info.context.user.pk)


class Query(graphene.ObjectType):
    me = graphene.Field(UserNode, description="The signed-in user.")
    node = Node.Field()

    @staticmethod
    def resolve_me(root, info):
        return info.context.user


class UpdateMe(relay.ClientIDMutation):
    """Change what the service lets people change about themselves.

    Names and e-mail are not here: they come from the identity provider.
    """

    class Input:
        preferred_language = graphene.String()

    user = graphene.Field(UserNode)

    @classmethod
    def mutate_and_get_payload(cls, root, info, **changes):
        changes.pop("client_mutation_id", None)
        user = save_changes(info.context.user, changes, AccountDeletedError)
        return UpdateMe(user=user)


class DeleteMe(relay.ClientIDMutation):
    """Delete the signed-in user's account here; the audit trail stays.

    Only this service's data goes: the identity provider keeps the person,
    and signing in again starts a new, empty account.
    """

    ok = graphene.Boolean(required=True)

    @classmethod
    def mutate_and_get_payload(cls, root, info, **input):
        try:
            delete_user(info.context.user)
        except RowDeleted as error:
            raise AccountDeletedError() from error
        # Signed out: the rest of the document cannot act as the account.
        set_user(info.context, AnonymousUser())
        return DeleteMe(ok=True)


class Mutation(graphene.ObjectType):
    update_me = UpdateMe.Field()
    delete_me = DeleteMe.Field()
