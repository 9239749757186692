"""The GraphQL endpoint."""

import logging

from graphene_django.views import GraphQLView
from graphql import GraphQLError

from authentication.errors import CodedError

logger = logging.getLogger(__name__)


class ServiceGraphQLView(GraphQLView):
    """graphene-django's view, with unexpected errors kept from the client.

    An exception that is not a GraphQL error (a bug, a database failure) would
    otherwise show its message to the client. It is logged in full and
    answered with a fixed message and the code INTERNAL_SERVER_ERROR.
    """

    @staticmethod
    def format_error(error):
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and (
            original is None or isinstance(original, GraphQLError)
        ):
            return error.formatted
        logger.error("Unexpected error in GraphQL", exc_info=original or error)
        formatted = CodedError().formatted
        if isinstance(error, GraphQLError):
            formatted.update(
                locations=error.formatted.get("locations"), path=error.path
            )
        return formatted
