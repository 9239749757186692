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

from common.client_address import client_of

from .deletion import is_being_deleted

_current_request = ContextVar("audit_request", default=None)


class AuditlogMiddleware(UpstreamAuditlogMiddleware):
    """Remembers the request; the actor, address and port come at save time."""

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def stamp(entry, request):
    """Fill in what `request` knows about an entry, unless the entry says it already.

    The actor's uuid also goes into `additional_data["actor_uuid"]`: the actor
    foreign key is emptied when that user is deleted, the uuid stays.
    """
    if entry.actor is None:
        actor = AuditlogMiddleware._get_actor(request)
        if actor is not None:
            # A user being deleted is named below, not pointed to.
            if not is_being_deleted(actor):
                entry.actor = actor
            entry.actor_email = getattr(actor, "email", None) or None
            if entry.additional_data is None or isinstance(entry.additional_data, dict):
                entry.additional_data = {
                    **(entry.additional_data or {}),
                    "actor_uuid": str(actor.uuid),
                }
    if entry.remote_addr is None and entry.remote_port is None:
        client = client_of(request)  # as far as trusted proxies vouch for it
        entry.remote_addr, entry.remote_port = client.address, client.port


def stamp_log_entry(sender, instance, **kwargs):
    """pre_save receiver for LogEntry: stamp it with the current request, if any."""
    request = _current_request.get()
    if request is not None:
        stamp(instance, request)
