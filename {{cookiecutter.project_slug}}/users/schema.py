"""The API of the signed-in user: `me` and `updateMe`."""

import graphene
from django.core.exceptions import ValidationError as DjangoValidationError
from graphene import relay
from graphene.utils.str_converters import to_camel_case
from graphene_django import DjangoObjectType

from authentication.errors import ValidationError

from .models import User


class UserNode(DjangoObjectType):
    class Meta:
        model = User
        fields = ("uuid", "first_name", "last_name", "email", "preferred_language")
        interfaces = (relay.Node,)
        convert_choices_to_enum = False


class Query(graphene.ObjectType):
    me = graphene.Field(UserNode, description="The signed-in user.")

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
        user = info.context.user
        changes.pop("client_mutation_id", None)
        for field, value in changes.items():
            setattr(user, field, value)
        unchanged = [f.name for f in User._meta.fields if f.name not in changes]
        try:
            user.full_clean(exclude=unchanged)
        except DjangoValidationError as error:
            user.refresh_from_db(fields=list(changes))
            raise ValidationError(validation_message(error)) from error
        user.save(update_fields=list(changes))
        return UpdateMe(user=user)


def validation_message(error):
    """One line naming each invalid field, in the API's camelCase."""
    return "; ".join(
        f"{to_camel_case(field)}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


class Mutation(graphene.ObjectType):
    update_me = UpdateMe.Field()
