"""The GraphQL endpoint."""

import logging

from graphene_django.views import GraphQLView
from graphql import GraphQLError

from authentication.errors import CodedError
{%- if cookiecutter.use_error_log %}
from errorlog.recording import record_failed_mutations
{%- endif %}

logger = logging.getLogger(__name__)


class ServiceGraphQLView(GraphQLView):
    """graphene-django's view, with unexpected errors kept from the client.

    An exception that is not a GraphQL error (a bug, a database failure) would
    otherwise show its message to the client. It is logged in full and
    answered with a fixed message and the code INTERNAL_SERVER_ERROR.
    """

{%- if cookiecutter.use_error_log %}

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, *args
    ):
        result = super().execute_graphql_request(
            request, data, query, variables, operation_name, *args
        )
        # graphene-django's transaction has ended: the record outlives a rollback.
        record_failed_mutations(request, query, operation_name, result)
        return result
{%- endif %}

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
