"""The root fields of a graphene schema, for the system checks of the apps."""

from typing import NamedTuple

import graphene
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLField


class RootField(NamedTuple):
    label: str  # "Query.stations", as the API names it
    root: type  # the graphene ObjectType: Query or Mutation
    name: str  # the Python name: stations
    field: graphene.Field  # as declared, with marks such as public()
    compiled: GraphQLField  # as the schema serves it


def root_fields(schema: graphene.Schema):
    """Every field of the schema's Query and Mutation."""
    for root in (schema.query, schema.mutation):
        if root is None:
            continue
        served = schema.graphql_schema.get_type(root._meta.name)
        for name, field in root._meta.fields.items():
            api_name = field.name or to_camel_case(name)
            if api_name not in served.fields:  # a schema without auto_camelcase
                api_name = name
            yield RootField(
                f"{root._meta.name}.{api_name}",
                root,
                name,
                field,
                served.fields[api_name],
            )
