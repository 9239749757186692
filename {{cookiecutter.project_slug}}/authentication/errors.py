"""The errors the API returns, each with a stable `extensions.code`.

Messages are short and fixed: what went wrong in detail goes to the log,
never to the client.
"""

import jwt
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
from graphql import GraphQLError

from .tokens import AccountDeactivated

# Codes of a document refused as a whole, before anything ran (HTTP 400);
# the names are Apollo Server's, which GraphQL clients know. A request
# refused for its body or parameters gets its HTTP status's name (views.py).
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # not GraphQL, or too many tokens
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # a document the API refuses
BAD_USER_INPUT = "BAD_USER_INPUT"  # variables that do not fit the document


def with_code(error, code):
    """`error` (graphql-core's own) with `code` as its extensions.code."""
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


class CodedError(GraphQLError):
    code = "INTERNAL_SERVER_ERROR"
    default_message = _("Internal server error.")

    def __init__(self, message=None):
        """`message` in the request's language (locale/), as the default is."""
        super().__init__(
            str(message or self.default_message), extensions={"code": self.code}
        )


class AuthenticationError(CodedError):
    code = "AUTHENTICATION_ERROR"
    default_message = _("The authentication token is not valid.")


class AuthenticationExpiredError(CodedError):
    code = "AUTHENTICATION_EXPIRED_ERROR"
    default_message = _("The authentication token has expired.")


class AccountDeactivatedError(CodedError):
    code = "ACCOUNT_DEACTIVATED_ERROR"
    default_message = _("This account has been deactivated.")


class AccountDeletedError(CodedError):
    code = "ACCOUNT_DELETED_ERROR"
    default_message = _("This account has been deleted.")


class PermissionDeniedError(CodedError):
    code = "PERMISSION_DENIED_ERROR"
    default_message = _("You do not have permission to do this.")


class NotFoundError(CodedError):
    code = "NOT_FOUND_ERROR"
    default_message = _("There is no such object.")


class ServiceUnavailableError(CodedError):
    code = "SERVICE_UNAVAILABLE_ERROR"
    default_message = _("The service cannot reach its database; try again shortly.")


class ValidationError(CodedError):
    code = "VALIDATION_ERROR"
    default_message = _("The input is not valid.")


def causes(exception):
    """`exception` and the exceptions it was raised from or during, in turn."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        yield exception
        exception = exception.__cause__ or exception.__context__


def database_unavailable(exception):
    """Whether `exception` comes from a database that cannot be reached (or
    that gave up on this request: a lock timeout, a deadlock): worth a retry,
    not the client's fault."""
    return any(
        isinstance(cause, (OperationalError, InterfaceError, ServiceUnavailableError))
        for cause in causes(exception)
    )


def token_error(failure):
    """The API error for a token that failed verification with `failure`.

    helusers re-raises PyJWT's errors as its own, so the expiry is found by
    walking the chain of causes. A valid token whose user could not be looked
    up because the database is unreachable is not the client's fault: it is
    told to try again, not that its token is bad.
    """
    if database_unavailable(failure):
        return ServiceUnavailableError()
    for cause in causes(failure):
        if isinstance(cause, AccountDeactivated):
            return AccountDeactivatedError()
        if isinstance(cause, jwt.ExpiredSignatureError):
            return AuthenticationExpiredError()
    return AuthenticationError()
