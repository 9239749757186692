"""One id per request: taken from `X-Request-ID` or made here, and sent back.

The audit log uses it as the correlation id (`LogEntry.cid`), so one id ties
together the proxy's access log, the service's log and the audit trail.
"""

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
# Only ids that are safe to write into logs and headers are taken as given.
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current = ContextVar("request_id", default=None)


def current_request_id():
    """The id of the request being handled in this context, or None outside one."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request.id = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = _current.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.id
        return response


class RequestIdLogFilter(logging.Filter):
    """Give every log record the current request id (settings.LOGGING uses it)."""

    def filter(self, record):
        record.request_id = _current.get() or "-"
        return True
