"""The GraphQL endpoint, with the limits an API on the internet needs."""

import logging
import re

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.http import HttpResponseBadRequest
from graphene.validation import DisableIntrospection, depth_limit_validator
from graphene_django.views import GraphQLView, HttpError
from graphql import GraphQLError, specified_rules

from authentication.errors import CodedError
{%- if cookiecutter.use_error_log %}
from errorlog.recording import record_failed_mutations
{%- endif %}

logger = logging.getLogger(__name__)

SUGGESTION = re.compile(r" ?Did you mean .*\?$")
GRAPHIQL_SOURCES = [SELF, "https://cdn.jsdelivr.net"]


class ServiceGraphQLView(GraphQLView):
    """graphene-django's view, made safe to face clients.

    - A document deeper than GRAPHQL_QUERY_DEPTH_LIMIT, or longer than
      GRAPHQL_MAX_DOCUMENT_LENGTH, is refused before it runs.
    - Introspection, and the "did you mean" hints that also reveal the
      schema, only with ENABLE_GRAPHQL_INTROSPECTION.
    - An exception that is not a GraphQL error (a bug, a database failure)
      is logged in full and answered with a fixed message and the code
      INTERNAL_SERVER_ERROR: its text never reaches the client.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        rules = [
            *specified_rules,
            depth_limit_validator(max_depth=settings.GRAPHQL_QUERY_DEPTH_LIMIT),
        ]
        if not settings.ENABLE_GRAPHQL_INTROSPECTION:
            rules.append(DisableIntrospection)
        self.validation_rules = tuple(rules)

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, *args
    ):
        if query and len(query) > settings.GRAPHQL_MAX_DOCUMENT_LENGTH:
            raise HttpError(
                HttpResponseBadRequest(),
                "The GraphQL document is too long: at most "
                f"{settings.GRAPHQL_MAX_DOCUMENT_LENGTH} characters.",
            )
{%- if cookiecutter.use_error_log %}
        result = super().execute_graphql_request(
            request, data, query, variables, operation_name, *args
        )
        # graphene-django's transaction has ended: the record outlives a rollback.
        record_failed_mutations(request, query, operation_name, result)
        return result
{%- else %}
        return super().execute_graphql_request(
            request, data, query, variables, operation_name, *args
        )
{%- endif %}

    def render_graphiql(self, request, **data):
        """GraphiQL loads from a CDN and runs inline code: allow just that, here."""
        response = super().render_graphiql(request, **data)
        response._csp_update = {
            "script-src": [*GRAPHIQL_SOURCES, UNSAFE_INLINE],
            "style-src": GRAPHIQL_SOURCES,
            "font-src": [*GRAPHIQL_SOURCES, "data:"],
            "connect-src": [SELF],
        }
        return response

    @staticmethod
    def format_error(error):
        if isinstance(error, HttpError):  # a bad request, refused by the view
            return {"message": error.message}
        original = getattr(error, "original_error", None)
        if isinstance(error, GraphQLError) and (
            original is None or isinstance(original, GraphQLError)
        ):
            formatted = error.formatted
            if not settings.ENABLE_GRAPHQL_INTROSPECTION:
                formatted["message"] = SUGGESTION.sub("", formatted["message"])
            return formatted
        logger.error("Unexpected error in GraphQL", exc_info=original or error)
        formatted = CodedError().formatted
        if isinstance(error, GraphQLError):
            formatted.update(
                locations=error.formatted.get("locations"), path=error.path
            )
        return formatted
