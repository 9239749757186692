"""Recording failed actions in the error log.

From GraphQL, every failed mutation is recorded by the GraphQL view after
graphene-django's transaction has ended, so the record stays when the
mutation's own changes are rolled back.

From other code (a management command, a DRF view), call `record_failure`
after the failed work's transaction has ended, for example in the `except`
clause around `with transaction.atomic():`. Inside a transaction the record
would be rolled back with it, so there it raises instead (Django's
"durable atomic block cannot be nested" error).

Anyone can send a mutation that fails, anonymous or not, with as many
aliases and as long names and values as the request allows; every entry is
shipped on to the central log. So what one request writes is bounded: one
entry per failed root field (however many aliases it has), at most
MAX_ENTRIES_PER_REQUEST in all, each at most MAX_ENTRY_SIZE characters of
JSON, with what was too long cut with a visible mark.
"""

from django.db import transaction
from graphql import FieldNode, InlineFragmentNode

from common.client_address import client_of
from common.clipping import clip_json
from common.request_id import current_request_id

from .models import ErrorLogEntry

MAX_ENTRIES_PER_REQUEST = 5
MAX_ENTRY_SIZE = 4096


def describe(exception):
    return f"{type(exception).__module__}.{type(exception).__qualname__}: {exception}"


def record_failure(action, code, *, error=None, user=None, **details):
    """Record that `action` failed with `code` (such as VALIDATION_ERROR).

    `error` is the exception, if any; `user` who tried; `details` any other
    JSON-serialisable facts worth keeping. Strings that would make the entry
    bigger than MAX_ENTRY_SIZE are cut.
    """
    message = {"action": action, "code": code, "cid": current_request_id(), **details}
    if error is not None:
        message["error"] = describe(error)
    if user is not None and user.is_authenticated:
        message["actor_uuid"] = str(user.uuid)
    message = clip_json(message, MAX_ENTRY_SIZE)
    with transaction.atomic(durable=True):  # never inside the failed work's transaction
        return ErrorLogEntry.objects.create(message=message)


def record_failed_mutations(request, document, operation, result):
    """Record the failed root fields of an executed mutation, one entry per field.

    Errors of fields past the first MAX_ENTRIES_PER_REQUEST are counted in
    the last entry, as `failures_not_recorded`.
    """
    failed = {}  # field name: its errors, in the order of the response
    names = root_field_names(document, operation)
    for error in result.errors or ():
        if getattr(error, "path", None):  # else nothing was tried, or it all failed
            alias = str(error.path[0])
            failed.setdefault(names.get(alias, alias), []).append(error)
    fields = list(failed.items())
    recorded = fields[:MAX_ENTRIES_PER_REQUEST]
    not_recorded = sum(len(errors) for _, errors in fields[MAX_ENTRIES_PER_REQUEST:])
    auth_error = getattr(request, "auth_error", None)
    for index, (field, errors) in enumerate(recorded):
        error = errors[0]
        details = {
            "operation": "mutation",
            "operation_name": operation.name.value if operation.name else None,
            "alias": str(error.path[0]),
            "path": [str(part) for part in error.path],
            "message": error.message,
            "failures": len(errors),
            "remote_addr": client_of(request).address,
        }
        if auth_error is not None:
            details["auth_error"] = describe(auth_error)
        if not_recorded and index == len(recorded) - 1:
            details["failures_not_recorded"] = not_recorded
        record_failure(
            field,
            (error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR"),
            error=error.original_error or error,
            user=getattr(request, "user", None),
            **details,
        )


def root_field_names(document, operation):
    """The field name of each root field of `operation`, by its response key."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if definition.kind == "fragment_definition"
    }
    names, pending, spread = {}, [operation.selection_set], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                names.setdefault(key, selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif (name := selection.name.value) in fragments and name not in spread:
                spread.add(name)
                pending.append(fragments[name].selection_set)
    return names
