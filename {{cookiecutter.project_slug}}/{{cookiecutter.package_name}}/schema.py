"""The root GraphQL schema."""

import graphene
from django.conf import settings


class ServiceInfo(graphene.ObjectType):
    name = graphene.String(required=True)
    version = graphene.String(required=True)


class Query(graphene.ObjectType):
    service_info = graphene.Field(
        ServiceInfo, required=True, description="Which service this is and its version."
    )

    @staticmethod
    def resolve_service_info(root, info):
        return ServiceInfo(name=settings.SERVICE_NAME, version=settings.SERVICE_VERSION)


schema = graphene.Schema(query=Query)
