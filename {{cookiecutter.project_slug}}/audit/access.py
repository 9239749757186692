"""Recording who read what: django-auditlog's ACCESS entries for GraphQL reads.

One entry per object a request reads, for an authenticated caller, with the
caller as the actor; anonymous reads record nothing. An object read again in
the same request (under another alias, or by another field) is not recorded
again. The entries of one read
are written with one INSERT, however many objects it returns. If they cannot
be written, the read fails: no data leaves without its record.

- `logs_access` decorates a resolver that returns an object or a list;
- `AccessLogged` is a mixin for a DjangoObjectType, for relay `node` reads;
- `AccessLoggedConnectionField` records the page a connection returns;
- `not_personal_data` marks a root field whose objects identify no one.

A system check (checks.py) finds a root query field that returns model
objects with none of these.

django-auditlog's own `accessed` signal writes one INSERT per object and is
not used here.
"""

from functools import wraps

import graphene
from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str
from graphene.types.unmountedtype import UnmountedType
from graphene_django import DjangoConnectionField

from .middleware import stamp


def log_access(request, objects):
    """Write an ACCESS entry for each object read by the request's user.

    Objects this request has recorded already are left out.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    recorded = request.__dict__.setdefault("access_logged", set())
    new = {}
    for obj in objects:
        key = (obj._meta.label, smart_str(obj.pk))
        if key in recorded or key in new:
            continue
        entry = LogEntry(
            content_type=ContentType.objects.get_for_model(obj),
            object_pk=smart_str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=smart_str(obj),
            action=LogEntry.Action.ACCESS,
            cid=get_cid(),
        )
        stamp(entry, request)
        # bulk_create sends no pre_save: send it, so that every receiver
        # treats these entries as it does any other.
        pre_save.send(
            LogEntry, instance=entry, raw=False, using=None, update_fields=None
        )
        new[key] = entry
    if new:
        LogEntry.objects.bulk_create(new.values())
        recorded.update(new)  # only once written: a failed write is tried again


def logs_access(resolver):
    """Record what a resolver returns: a model instance, or several of them."""

    @wraps(resolver)
    def resolve(root, info, **kwargs):
        result = resolver(root, info, **kwargs)
        if result is None:
            return None
        if isinstance(result, models.Model):
            log_access(info.context, [result])
            return result
        result = list(result)  # evaluate once: what is recorded is what is returned
        log_access(info.context, result)
        return result

    resolve.logs_access = True  # read by the system check
    return resolve


def not_personal_data(field):
    """Mark a root field whose objects say nothing about a person.

    Their reads need no ACCESS entries; the system check takes this mark as
    the decision it is, as it takes an exclusion from the audit log.
    """
    if isinstance(field, UnmountedType):  # not_personal_data(graphene.List(X))
        field = graphene.Field.mounted(field)
    field.not_personal_data = True
    return field


class AccessLogged:
    """Mixin for a DjangoObjectType: relay `node` reads of it are recorded."""

    @classmethod
    def get_node(cls, info, id):
        node = super().get_node(info, id)
        if node is not None:
            log_access(info.context, [node])
        return node


class AccessLoggedConnectionField(DjangoConnectionField):
    """A DjangoConnectionField that records the page it returns."""

    @classmethod
    def connection_resolver(cls, resolver, connection, *args, **kwargs):
        info = args[-1]  # graphene-django passes (..., root, info, **arguments)
        page = super().connection_resolver(resolver, connection, *args, **kwargs)
        log_access(info.context, [edge.node for edge in page.edges])
        return page
