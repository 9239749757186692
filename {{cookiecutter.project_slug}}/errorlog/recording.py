"""Recording failed actions in the error log.

From GraphQL, every failed mutation is recorded by the GraphQL view after
graphene-django's transaction has ended, so the record stays when the
mutation's own changes are rolled back.

From other code (a management command, a DRF view), call `record_failure`
after the failed work's transaction has ended, for example in the `except`
clause around `with transaction.atomic():`. Inside a transaction the record
would be rolled back with it, so there it raises instead (Django's
"durable atomic block cannot be nested" error).
"""

from django.db import transaction

from {{ cookiecutter.package_name }}.request_id import current_request_id

from .models import ErrorLogEntry


def describe(exception):
    return f"{type(exception).__module__}.{type(exception).__qualname__}: {exception}"


def record_failure(action, code, *, error=None, user=None, **details):
    """Record that `action` failed with `code` (such as VALIDATION_ERROR).

    `error` is the exception, if any; `user` who tried; `details` any other
    JSON-serialisable facts worth keeping.
    """
    message = {"action": action, "code": code, "cid": current_request_id(), **details}
    if error is not None:
        message["error"] = describe(error)
    if user is not None and user.is_authenticated:
        message["actor_uuid"] = str(user.uuid)
    with transaction.atomic(durable=True):  # never inside the failed work's transaction
        return ErrorLogEntry.objects.create(message=message)


def record_failed_mutations(request, operation, result):
    """Record each failed root field of an executed mutation."""
    auth_error = getattr(request, "auth_error", None)
    for error in result.errors or ():
        if not error.path:
            continue  # refused before execution: nothing was tried
        details = {
            "operation": "mutation",
            "operation_name": operation.name.value if operation.name else None,
            "path": [str(part) for part in error.path],
            "message": error.message,
        }
        if auth_error is not None:
            details["auth_error"] = describe(auth_error)
        record_failure(
            str(error.path[0]),
            (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR"),
            error=error.original_error or error,
            user=getattr(request, "user", None),
            **details,
        )
