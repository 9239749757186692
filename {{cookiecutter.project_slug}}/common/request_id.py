"""The id of the request being handled, for the records the service keeps.

django-logger-extra's XRequestIdMiddleware takes it from `X-Request-ID` (or
makes one), sends it back, and keeps it in its logger context, which puts it
on every log line. The audit log uses it as the correlation id
(`LogEntry.cid`), so one id ties together the proxy's access log, the
service's log and the audit trail.
"""

from logger_extra.logger_context import get_logger_context


def current_request_id():
    """The id of the request being handled in this context, or None outside one."""
    return get_logger_context().get("request_id")
