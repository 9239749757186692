"""The GraphQL endpoint, with the limits an API on the internet needs."""

import json
import logging
import re
from http import HTTPStatus

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
)

from audit.access import record_again, record_reads_of_personal_data
from authentication.csrf import csrf_failure, unless_posted_drop_session_user
from authentication.errors import (
    BAD_USER_INPUT,
    CodedError,
    ServiceUnavailableError,
    database_unavailable,
    with_code,
)
from common.clipping import clip
{%- if cookiecutter.use_error_log %}
from errorlog.recording import record_failed_mutations
{%- endif %}

from .documents import prepare

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 1000
SUGGESTION = re.compile(r" ?Did you mean .*\?$")
GRAPHIQL_SOURCES = [SELF, "https://cdn.jsdelivr.net"]
# POST bodies the endpoint reads. An HTML form can send none of them, so a
# page on another site cannot post a document in a visitor's name.
POST_CONTENT_TYPES = ("application/json", "application/graphql")
# What a client is told to wait before it tries again while the database is
# unreachable: about as long as PostgreSQL takes to restart.
RETRY_AFTER_SECONDS = 5


def no_icon(request):
    """/favicon.ico: no icon, said once a day per browser rather than a 404
    (and its warning line) on every page."""
    response = HttpResponse(status=HTTPStatus.NO_CONTENT)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def refused(status, message):
    """A request refused before anything ran; its code is the status's name."""
    return HttpError(HttpResponse(status=status), message)


def drain(stream, most=8 * 1024 * 1024):
    """Read and drop a request body, in small pieces, up to `most` bytes."""
    read = 0
    while read < most and (chunk := stream.read(64 * 1024)):
        read += len(chunk)


def too_large():
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return refused(400, f"The request body is too large: at most {limit} bytes.")


def refuse_declared_too_large(request):
    """Refuse a body whose Content-Length is over the limit, without holding it."""
    length = request.headers.get("content-length") or "0"
    if not length.isdigit():
        raise refused(400, "The Content-Length header is not a number.")
    if int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        drain(request)  # so that the client, still sending, gets the answer
        raise too_large()


def read_body(request):
    """The request's body, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes of it.

    Django reads a body only as far as its Content-Length, which a chunked
    body does not have: it would read it as empty. gunicorn ends the stream
    at the body's end (`wsgi.input_terminated`), so there the body is read
    from the stream itself; a server that does not gets 411.
    """
    meta = request.META
    if "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return request.body
    if not meta.get("wsgi.input_terminated"):
        raise refused(
            411, "Chunked request bodies are not read here: send Content-Length."
        )
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = meta["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        drain(meta["wsgi.input"])
        raise too_large()
    return body


def parse_json(text, what):
    try:
        return json.loads(text)
    except RecursionError:
        raise refused(400, f"{what} is nested too deeply.") from None
    except ValueError:
        raise refused(400, f"{what} is not valid JSON.") from None


class ServiceGraphQLView(GraphQLView):
    """graphene-django's view, made safe to face clients.

    - A POST body must be JSON (or application/graphql): a form-encoded,
      multipart or text/plain one gets 415. A request that the session
      alone authenticated must pass Django's CSRF check, or gets 403
      (authentication/csrf.py). Both are refused before anything runs. A GET
      is signed in only by a Bearer token, never by the session alone.
    - A body bigger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused without being
      held in memory, a document longer than GRAPHQL_MAX_DOCUMENT_LENGTH
      without being parsed. A chunked body is read like any other.
    - `query`, `variables` and `operationName` must be a string, an object
      and a string; anything else, like JSON that does not parse, gets 400.
    - Documents are parsed and validated at a cost bounded by their size
      (documents.py): within the limits of tokens, depth and aliases, with
      introspection only where ENABLE_GRAPHQL_INTROSPECTION is on. A short
      valid one is not parsed again when a client sends it again.
    - Every refusal carries a code in `extensions.code`: the HTTP status's
      name (BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE...) for the request, the
      codes in authentication/errors.py for the document.
    - A mutation document that fails, with any error, rolls back all it wrote
      (but the ACCESS entries of the data it still returns).
    - An exception that is not a GraphQL error (a bug) is answered with a
      fixed message and the code INTERNAL_SERVER_ERROR: its text never
      reaches the client. However many fields fail so, the request logs
      one error with their count and the first one's traceback.
    - While the database cannot be reached, the answer is 503 with
      SERVICE_UNAVAILABLE_ERROR and Retry-After, queries and mutations
      alike, and one warning line: clients and proxies try again, and the
      outage shows as 5xx.
    """

    def dispatch(self, request, *args, **kwargs):
        try:
            unless_posted_drop_session_user(request)
            response = super().dispatch(request, *args, **kwargs)
        except Exception as error:
            if not database_unavailable(error):
                raise
            report_database_unavailable(request, [error])
            response = HttpResponse(
                json.dumps({"errors": [ServiceUnavailableError().formatted]}),
                content_type="application/json",
            )
        status = getattr(request, "graphql_status", None)
        if status is not None:
            response.status_code = status
            response._has_been_logged = True  # by report(): not again by Django
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    def parse_body(self, request):
        """The request's parameters, once it has passed every check before them."""
        if request.method != "POST":
            return {}
        refuse_declared_too_large(request)
        self.admit_post(request)
        body = read_body(request)
        try:
            text = body.decode()
        except UnicodeDecodeError:
            raise refused(400, "The request body is not UTF-8.") from None
        if self.get_content_type(request) == "application/graphql":
            return {"query": text}
        data = parse_json(text, "The request body")
        if not isinstance(data, dict):
            raise refused(400, "The request body must be a JSON object.")
        return data

    def admit_post(self, request):
        content_type = self.get_content_type(request)
        if content_type not in POST_CONTENT_TYPES:
            raise refused(
                415,
                f"Unsupported content type {content_type[:100] or 'none'!r}: "
                "POST a JSON body (application/json).",
            )
        reason = csrf_failure(request)
        if reason is not None:
            raise refused(
                403,
                f"CSRF check failed: {reason} A request authenticated by the "
                "session must send the X-CSRFToken header.",
            )

    @staticmethod
    def get_graphql_params(request, data):
        """`query`, `variables` and `operationName`, each of the type GraphQL says."""

        def given(name):
            return request.GET.get(name) or data.get(name)

        query, variables, operation_name = (
            given("query"),
            given("variables"),
            given("operationName"),
        )
        if isinstance(variables, str):
            variables = parse_json(variables, "variables")
        if operation_name == "null":
            operation_name = None
        for name, value, kind, described in (
            ("query", query, str, "a string"),
            ("variables", variables, dict, "an object"),
            ("operationName", operation_name, str, "a string"),
        ):
            if value is not None and not isinstance(value, kind):
                raise refused(400, f"{name} must be {described}.")
        return query, variables, operation_name, None

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """graphene-django's steps, with each document parsed and validated once."""
        if not query:
            if show_graphiql:
                return None
            raise refused(400, "Must provide query string.")
        if len(query) > settings.GRAPHQL_MAX_DOCUMENT_LENGTH:
            raise refused(
                400,
                "The GraphQL document is too long: at most "
                f"{settings.GRAPHQL_MAX_DOCUMENT_LENGTH} characters.",
            )
        schema = self.schema.graphql_schema
        record_reads_of_personal_data(schema)
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
                    failed = result.errors or getattr(
                        request, MUTATION_ERRORS_FLAG, False
                    )
                    if failed:
                        transaction.set_rollback(True)
                if failed and result.data:
                    record_again(request)  # the data goes out all the same
            else:
                result = execute(schema, document, **options)
        except Exception as error:  # the transaction could not begin or end
            result = ExecutionResult(errors=[error])
        report(request, result.errors or ())
        for error in result.errors or ():
            if (
                isinstance(error, GraphQLError)
                and error.path is None
                and not (error.extensions or {}).get("code")
            ):
                with_code(error, BAD_USER_INPUT)  # an operation name or variables
{%- if cookiecutter.use_error_log %}
        if is_mutation:
            # Its transaction has ended: the record outlives a rollback.
            record_failed_mutations(request, document, operation, result)
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
        if isinstance(error, HttpError):  # a request refused by the view
            code = HTTPStatus(error.response.status_code).name
            return {"message": error.message, "extensions": {"code": code}}
        if database_unavailable(cause(error)):
            formatted = ServiceUnavailableError().formatted
        elif not is_unexpected(error):
            formatted = error.formatted
            if not settings.ENABLE_GRAPHQL_INTROSPECTION:
                formatted["message"] = SUGGESTION.sub("", formatted["message"])
            # It may repeat what the client sent (an invalid value), at length.
            formatted["message"] = clip(formatted["message"], MAX_MESSAGE_LENGTH)
            return formatted
        else:
            formatted = CodedError().formatted
        if isinstance(error, GraphQLError):
            formatted.update(
                locations=error.formatted.get("locations"), path=error.path
            )
        return formatted


def cause(error):
    """What a resolver raised behind a GraphQL error, or the error itself."""
    return getattr(error, "original_error", None) or error


def is_unexpected(error):
    """An error that is not one of the API's own GraphQL errors: a bug."""
    original = cause(error)
    return not isinstance(original, GraphQLError)


def report(request, errors):
    """Log the failures of one request once, however many fields failed, and
    answer 503 for an unreachable database, 500 for a bug that left no data."""
    unavailable, unexpected = [], []
    for error in errors:
        if database_unavailable(cause(error)):
            unavailable.append(error)
        elif is_unexpected(error):
            unexpected.append(error)
    if unavailable:
        report_database_unavailable(request, unavailable)
    if any(getattr(e, "path", None) is None for e in unexpected):
        request.__dict__.setdefault("graphql_status", HTTPStatus.INTERNAL_SERVER_ERROR)
    if unexpected:
        first = cause(unexpected[0])
        logger.error(
            "Unexpected error in GraphQL (%d in this request; the first one's "
            "traceback follows): %s",
            len(unexpected),
            clip(f"{type(first).__name__}: {first}", 300),
            exc_info=first,
        )


def report_database_unavailable(request, errors):
    """One warning line: the database, not the service, is failing."""
    if getattr(request, "graphql_status", None) == HTTPStatus.SERVICE_UNAVAILABLE:
        return  # reported already
    request.graphql_status = HTTPStatus.SERVICE_UNAVAILABLE
    first = next(
        (c for c in map(cause, errors) if not isinstance(c, GraphQLError)), None
    )
    logger.warning(
        "The database is unavailable; answered 503 (%d errors in this request)%s",
        len(errors),
        f": {clip(first, 300)}" if first is not None else "",
    )
