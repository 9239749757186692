"""The GraphQL endpoint, with the limits an API on the internet needs."""

import logging
import re
from functools import cache, lru_cache

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.db import transaction
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
)
from graphene.validation import DisableIntrospection, depth_limit_validator
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    ValidationRule,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from authentication.csrf import csrf_failure
from authentication.errors import CodedError
{%- if cookiecutter.use_error_log %}
from errorlog.recording import record_failed_mutations
{%- endif %}

logger = logging.getLogger(__name__)

SUGGESTION = re.compile(r" ?Did you mean .*\?$")
GRAPHIQL_SOURCES = [SELF, "https://cdn.jsdelivr.net"]
# POST bodies the endpoint reads. An HTML form can send none of them, so a
# page on another site cannot post a document in a visitor's name.
POST_CONTENT_TYPES = ("application/json", "application/graphql")


def drain(request, most=8 * 1024 * 1024):
    """Read and drop a request body, in small pieces, up to `most` bytes."""
    read = 0
    while read < most and (chunk := request.read(64 * 1024)):
        read += len(chunk)


# Valid documents, parsed and validated, for clients that send the same ones
# again. Only short ones are kept, so that the cache stays at a few MB.
CACHED_DOCUMENT_LENGTH = 4_000


class Refused(Exception):
    """A document that fails validation; raised so that it is never cached."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


@lru_cache(maxsize=128)
def valid_document(schema, query, depth, aliases, introspection):
    try:
        document = parse(query)
    except GraphQLError as error:
        raise Refused([error]) from error
    cheap = [depth_limit_validator(max_depth=depth), alias_limit(aliases)]
    if not introspection:
        cheap.append(DisableIntrospection)
    # The cheap checks first: some of graphql-core's own rules take time that
    # grows with the square of the number of fields.
    errors = validate(schema, document, cheap) or validate(
        schema, document, specified_rules
    )
    if errors:
        raise Refused(errors)
    return document


def prepare(schema, query):
    """The document for `query` and its validation errors, parsed once."""
    arguments = (
        schema,
        query,
        settings.GRAPHQL_QUERY_DEPTH_LIMIT,
        settings.GRAPHQL_MAX_ALIASES,
        settings.ENABLE_GRAPHQL_INTROSPECTION,
    )
    build = valid_document
    if len(query) > CACHED_DOCUMENT_LENGTH:
        build = valid_document.__wrapped__
    try:
        return build(*arguments), []
    except Refused as refused:
        return None, refused.errors


@cache
def alias_limit(maximum):
    """A validation rule: at most `maximum` aliases in a document (alias floods)."""

    class AliasLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node, *args):
            if node.alias:
                self.aliases += 1
                if self.aliases == maximum + 1:
                    self.report_error(
                        GraphQLError(f"The document has more than {maximum} aliases.")
                    )

    return AliasLimit


class ServiceGraphQLView(GraphQLView):
    """graphene-django's view, made safe to face clients.

    - A POST body must be JSON (or application/graphql): a form-encoded,
      multipart or text/plain one gets 415. A request that the session
      alone authenticated must pass Django's CSRF check, or gets 403
      (authentication/csrf.py). Both are refused before anything runs.
    - A body bigger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused without being
      held in memory, a document longer than GRAPHQL_MAX_DOCUMENT_LENGTH
      without being parsed.
    - A document deeper than GRAPHQL_QUERY_DEPTH_LIMIT or with more than
      GRAPHQL_MAX_ALIASES aliases is refused by cheap checks that run before
      graphql-core's own validation, some of whose rules take time that grows
      with the square of the number of fields.
    - Introspection, and the "did you mean" hints that also reveal the
      schema, only with ENABLE_GRAPHQL_INTROSPECTION.
    - Each document is parsed and validated once per request, and a short
      valid one not again when a client sends it again.
    - A mutation document that fails, with any error, rolls back all it wrote.
    - An exception that is not a GraphQL error (a bug, a database failure)
      is logged in full and answered with a fixed message and the code
      INTERNAL_SERVER_ERROR: its text never reaches the client.
    """

    def parse_body(self, request):
        """The request's body, once the request has passed every check before it."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > limit:  # else Django reads none
            drain(request)  # so that the client, still sending, gets the answer
            raise HttpError(
                HttpResponseBadRequest(),
                f"The request body is too large: at most {limit} bytes.",
            )
        if request.method == "POST":
            self.admit_post(request)
        return super().parse_body(request)

    def admit_post(self, request):
        content_type = self.get_content_type(request)
        if content_type not in POST_CONTENT_TYPES:
            raise HttpError(
                HttpResponse(status=415),
                f"Unsupported content type {content_type[:100] or 'none'!r}: "
                "POST a JSON body (application/json).",
            )
        reason = csrf_failure(request)
        if reason is not None:
            raise HttpError(
                HttpResponseForbidden(),
                f"CSRF check failed: {reason} A request authenticated by the "
                "session must send the X-CSRFToken header.",
            )

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """graphene-django's steps, with each document parsed and validated once."""
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest(), "Must provide query string.")
        if len(query) > settings.GRAPHQL_MAX_DOCUMENT_LENGTH:
            raise HttpError(
                HttpResponseBadRequest(),
                "The GraphQL document is too long: at most "
                f"{settings.GRAPHQL_MAX_DOCUMENT_LENGTH} characters.",
            )
        schema = self.schema.graphql_schema
        document, errors = prepare(schema, query)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        operation = get_operation_ast(document, operation_name)
        is_mutation = operation and operation.operation == OperationType.MUTATION
        if is_mutation and request.method == "GET":
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(["POST"]), "Mutations need a POST request."
            )
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
        }
        try:
            if is_mutation and graphene_settings.ATOMIC_MUTATIONS:
                # A failed mutation rolls back everything it wrote.
                # An exception in a resolver shows only in the errors; form
                # mutations report theirs by graphene-django's flag.
                with transaction.atomic():
                    result = execute(schema, document, **options)
                    if result.errors or getattr(request, MUTATION_ERRORS_FLAG, False):
                        transaction.set_rollback(True)
            else:
                result = execute(schema, document, **options)
        except Exception as error:
            return ExecutionResult(errors=[error])
{%- if cookiecutter.use_error_log %}
        if is_mutation:
            # Its transaction has ended: the record outlives a rollback.
            record_failed_mutations(request, operation, result)
{%- endif %}
        return result

    def render_graphiql(self, request, **data):
        """GraphiQL loads from a CDN and runs inline code: allow just that, here."""
        response = super().render_graphiql(request, **data)
        # What django-csp's csp_update decorator sets on a response.
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
