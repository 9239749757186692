"""System checks that keep the schema's authentication promise."""

import graphene_django.settings
from django.core import checks
from graphql import GraphQLNonNull

from common.root_fields import root_fields

from .graphql import marked_public


@checks.register()
def check_protected_root_fields_are_nullable(app_configs, **kwargs):
    """A protected root field must be nullable.

    GraphQL answers a failed non-null field by nulling its nearest nullable
    parent; at the root that is the whole `data`, so a caller who is not
    signed in would lose the public fields asked for beside it.
    """
    return [
        checks.Error(
            f"{field.label} is protected but required: for a caller who is not "
            'signed in, its error would make the whole response\'s "data" null, '
            "public fields included.",
            hint=f"Remove required=True from {field.label} (a protected root "
            "field must be nullable), or wrap it in public(...) if anyone may "
            "read it.",
            id="authentication.E001",
        )
        for field in root_fields(graphene_django.settings.graphene_settings.SCHEMA)
        if not marked_public(field.compiled)
        and isinstance(field.compiled.type, GraphQLNonNull)
    ]
