"""The request's context on every audit log entry, read when the entry is saved.

django-auditlog's own middleware, and the SimpleLazyObject fix that Helsinki
services used, take the actor when the request enters the middleware or at
the first entry of the request. A user authenticated later - by the JWT
middleware, inside Graphene or inside a DRF view - is then recorded as
nobody, and an entry saved while the request was still anonymous freezes the
actor for the rest of the request.

Here the middleware only remembers the request (in a context variable, so
threads and async tasks never see each other's requests). One `pre_save`
receiver, connected once in apps.py, reads `request.user` at the moment each
LogEntry is saved.
"""

from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware as UpstreamAuditlogMiddleware

_current_request = ContextVar("audit_request", default=None)


class AuditlogMiddleware(UpstreamAuditlogMiddleware):
    """Keeps upstream's remote address and port; the actor comes at save time."""

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def stamp_log_entry(sender, instance, **kwargs):
    """Fill in what the current request knows, unless the entry already says it."""
    request = _current_request.get()
    if request is None:
        return
    if instance.actor is None:
        actor = AuditlogMiddleware._get_actor(request)
        if actor is not None:
            instance.actor = actor
            instance.actor_email = getattr(actor, "email", None) or None
    if instance.remote_addr is None:
        instance.remote_addr = AuditlogMiddleware._get_remote_addr(request)
    if instance.remote_port is None:
        instance.remote_port = AuditlogMiddleware._get_remote_port(request)
