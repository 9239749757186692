"""The root GraphQL schema.

Every root field needs an authenticated user unless it is marked `public`
(see authentication/graphql.py).
"""

import graphene
from django.conf import settings

import users.schema
from authentication.graphql import public


class ServiceInfo(graphene.ObjectType):
    name = graphene.String(required=True)
    version = graphene.String(required=True)


class Query(users.schema.Query, graphene.ObjectType):
    service_info = public(
        graphene.Field(
            ServiceInfo,
            required=True,
            description="Which service this is and its version.",
        )
    )

    @staticmethod
    def resolve_service_info(root, info):
        return ServiceInfo(name=settings.SERVICE_NAME, version=settings.SERVICE_VERSION)


class Mutation(users.schema.Mutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
