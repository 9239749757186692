"""Recording who read what: django-auditlog's ACCESS entries for GraphQL reads.

Whether an object is personal data is a property of its type, not of the
field that happens to return it. So the mark is on the type:

- `AccessLogged`: a mixin for a DjangoObjectType whose objects are personal
  data. Every field that returns them - a root query field, a mutation's
  payload, a field of another type, a list, a connection's page, relay's
  `node` - records each object it returns;
- `NotPersonalData`: a mixin for a DjangoObjectType whose objects identify
  no one; their reads are not recorded.

A system check (checks.py) names every field of the API that returns
objects of a DjangoObjectType with neither mark.

One entry per object a request reads, for an authenticated caller, with the
caller as the actor; anonymous reads record nothing. An object read again in
the same request (under another alias, or by another field) is not recorded
again. The entries of one field are written with one INSERT, however many
objects it returns. If they cannot be written, the field fails: no data
leaves without its record. A mutation that fails is rolled back with the
entries it wrote; the GraphQL view writes them again for the data it still
returns (`record_again`).

`AccessLoggedAdmin` does the same for the admin's pages, and
`log_access(request, objects)` records a read anywhere else, such as a REST
view. django-auditlog's own `accessed` signal writes one INSERT per object
and is not used here (nor django-auditlog-extra's admin mixin, which sends
it: that library is not on PyPI either).
"""

import threading
from functools import update_wrapper

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    default_field_resolver,
    get_named_type,
)

from .middleware import stamp


class AccessLogged:
    """Mixin for a DjangoObjectType: its objects are personal data, and every
    read of one writes an ACCESS entry."""


class NotPersonalData:
    """Mixin for a DjangoObjectType: its objects say nothing about a person.

    Their reads need no ACCESS entries; the system check takes this mark as
    the decision it is, as it takes an exclusion from the audit log.
    """


class AccessLoggedAdmin:
    """Mixin for the ModelAdmin of personal data: the admin's reads are
    recorded as any other. A change page (or its history or delete page)
    records the object it shows, a list page the objects on it, in one
    INSERT, with the admin as the actor."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            log_access(request, [obj])
        return obj

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:  # else not a list: a redirect, an error
            log_access(request, changelist.result_list)
        return response


def log_access(request, objects):
    """Write an ACCESS entry for each object read by the request's user.

    Objects this request has recorded already are left out.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    recorded = request.__dict__.setdefault("access_logged", {})
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


def record_again(request):
    """Write again the ACCESS entries of this request, after a rollback took
    them back: the data they record is still being returned."""
    entries = list(request.__dict__.get("access_logged", {}).values())
    for entry in entries:
        entry.pk = None
    LogEntry.objects.bulk_create(entries)


def django_types(schema, graphql_type):
    """The DjangoObjectTypes a field of `graphql_type` can return: directly,
    in lists, through an interface or union, or as a connection's nodes."""
    named = get_named_type(graphql_type)
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        served = schema.get_possible_types(named)
    else:
        served = [named]
    found = []
    for served_type in served:
        graphene_type = getattr(served_type, "graphene_type", None)
        if isinstance(graphene_type, type) and issubclass(
            graphene_type, relay.Connection
        ):
            graphene_type = graphene_type._meta.node
        if isinstance(graphene_type, type) and issubclass(
            graphene_type, DjangoObjectType
        ):
            found.append(graphene_type)
    return found


def returned_objects(result):
    """The model instances in what a resolver returned: an instance, a
    connection's page, or (nested) lists of them."""
    if isinstance(result, models.Model):
        return [result]
    if isinstance(result, relay.Connection):
        return [edge.node for edge in result.edges]
    if isinstance(result, (list, tuple)):
        return [obj for item in result for obj in returned_objects(item)]
    return []


def recording(resolve, personal_models):
    """`resolve`, recording the objects of `personal_models` it returns."""

    def resolve_and_record(root, info, **arguments):
        result = resolve(root, info, **arguments)
        if not isinstance(result, (models.Model, relay.Connection, type(None))):
            result = list(result)  # evaluated once: what is recorded is returned
        objects = returned_objects(result)
        log_access(
            info.context, [obj for obj in objects if isinstance(obj, personal_models)]
        )
        return result

    # Keeps the marks on the resolver, such as public() (authentication.graphql).
    return update_wrapper(
        resolve_and_record, resolve, assigned=(), updated=("__dict__",)
    )


_instrumenting = threading.Lock()


def record_reads_of_personal_data(schema):
    """Make every field of `schema` (graphql-core's) that returns objects of
    an AccessLogged type record them. Done once per schema."""
    if getattr(schema, "records_reads", False):
        return
    with _instrumenting:
        if getattr(schema, "records_reads", False):
            return
        for graphql_type in schema.type_map.values():
            if not isinstance(graphql_type, GraphQLObjectType):
                continue
            if graphql_type.name.startswith("__"):  # introspection
                continue
            for field in graphql_type.fields.values():
                personal = tuple(
                    found._meta.model
                    for found in django_types(schema, field.type)
                    if issubclass(found, AccessLogged)
                )
                if personal:
                    field.resolve = recording(
                        field.resolve or default_field_resolver, personal
                    )
        schema.records_reads = True
