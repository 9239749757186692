"""Authentication for GraphQL fields, as Graphene middleware.

At each root field (never at the nested ones, so there is one error per root
field at most):

- a public field is resolved whatever the token: introspection, and the
  fields marked with `public()`;
- a token that failed in the Django middleware (`request.auth_error`) gives
  AUTHENTICATION_EXPIRED_ERROR or AUTHENTICATION_ERROR;
- a deactivated account (`is_active` false), signed in by its session,
  gives ACCOUNT_DEACTIVATED_ERROR (a token for one is refused in the Django
  middleware already);
- no authenticated user gives PERMISSION_DENIED_ERROR.

So every root field needs an authenticated user unless it is marked public.
A protected root field must be nullable, so that its error leaves the other
fields of the response intact.

`Node` is the relay interface every type with a global id implements.
"""

from functools import partial

import graphene
from django.utils.translation import gettext_lazy as _
from graphene import relay
from graphene.types.unmountedtype import UnmountedType

from .errors import (
    AccountDeactivatedError,
    PermissionDeniedError,
    ValidationError,
    token_error,
)


def public(field):
    """Mark a root field (query or mutation) as open to anyone."""
    if isinstance(field, UnmountedType):  # public(graphene.String())
        field = graphene.Field.mounted(field)
    wrap_resolve = field.wrap_resolve

    def wrap_public_resolve(parent_resolver):
        resolver = partial(wrap_resolve(parent_resolver))
        resolver.public = True
        return resolver

    field.wrap_resolve = wrap_public_resolve
    return field


def marked_public(graphql_field):
    """Whether public() marked this field of the served schema."""
    return getattr(graphql_field.resolve, "public", False)


def is_public(info):
    if info.field_name.startswith("__"):  # introspection
        return True
    return marked_public(info.parent_type.fields[info.field_name])


class JWTMiddleware:
    def resolve(self, next, root, info, **kwargs):
        if info.path.prev is None and not is_public(info):
            request = info.context
            failure = getattr(request, "auth_error", None)
            if failure is not None:
                raise token_error(failure)
            if not request.user.is_authenticated:
                raise PermissionDeniedError(_("Authentication is required."))
            if not request.user.is_active:
                raise AccountDeactivatedError()
        return next(root, info, **kwargs)


class Node(relay.Node):
    """relay's Node, which answers an id it cannot use with VALIDATION_ERROR.

    graphene raises a bare exception (INTERNAL_SERVER_ERROR, and a traceback
    in the log) for an id that is not base64, names no type of the schema or
    a type without this interface, or whose key does not fit the model's
    primary key (its type, and its range in the database). Those are checked
    here, before any database query.
    """

    class Meta:
        name = "Node"

    @classmethod
    def get_node_from_global_id(cls, info, global_id, only_type=None):
        try:
            type_name, key = cls.resolve_global_id(info, global_id)
            found = info.schema.get_type(type_name).graphene_type
            wanted = not only_type or only_type is found  # Node.Field() gives False
            usable = wanted and cls in found._meta.interfaces
            if usable and getattr(found._meta, "model", None) is not None:
                key_field = found._meta.model._meta.pk
                key_field.run_validators(key_field.to_python(key))  # its range too
        except Exception as error:
            raise ValidationError(_("The id is not valid.")) from error
        if not usable:
            raise ValidationError(_("The id is not valid."))
        return super().get_node_from_global_id(info, global_id, only_type)
