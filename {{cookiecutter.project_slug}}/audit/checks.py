"""System checks for the audit log: every model tracked, every read recorded."""

from pathlib import Path

import graphene_django.settings
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.core import checks
from graphene import relay
from graphene.relay.node import NodeField
from graphene_django import DjangoObjectType
from graphql import GraphQLInterfaceType, GraphQLUnionType, get_named_type

from common.root_fields import root_fields

from .access import AccessLogged, AccessLoggedConnectionField


def project_models():
    """Models of the apps that live in this repository, not in dependencies."""
    for app_config in apps.get_app_configs():
        path = Path(app_config.path)
        if path.is_relative_to(settings.BASE_DIR) and "site-packages" not in path.parts:
            yield from app_config.get_models()


def is_excluded(model):
    excluded = settings.AUDITLOG_EXCLUDE_TRACKING_MODELS
    return model._meta.app_label in excluded or model._meta.label in excluded


@checks.register()
def check_every_model_is_audited(app_configs, **kwargs):
    """A project model must be tracked, or excluded on purpose."""
    return [
        checks.Error(
            f"{model._meta.label} is neither tracked by the audit log nor excluded.",
            hint="Keep AUDITLOG_INCLUDE_ALL_MODELS = True in settings and do not "
            "unregister the model from auditlog; or, if its changes need no "
            f'record, add "{model._meta.label}" to '
            "AUDITLOG_EXCLUDE_TRACKING_MODELS. (Turning "
            "AUDITLOG_INCLUDE_ALL_MODELS off stops start-up while that list is "
            "set.)",
            obj=model,
            id="audit.E001",
        )
        for model in project_models()
        if not auditlog.contains(model) and not is_excluded(model)
    ]


def model_types(schema, compiled_field):
    """The DjangoObjectTypes a field can return, through lists and connections."""
    named = get_named_type(compiled_field.type)
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        served = schema.graphql_schema.get_possible_types(named)
    else:
        served = [named]
    found = []
    for graphql_type in served:
        graphene_type = getattr(graphql_type, "graphene_type", None)
        if isinstance(graphene_type, type) and issubclass(
            graphene_type, relay.Connection
        ):
            graphene_type = graphene_type._meta.node
        if isinstance(graphene_type, type) and issubclass(
            graphene_type, DjangoObjectType
        ):
            found.append(graphene_type)
    return found


def records_access(root_field, types):
    field = root_field.field
    if getattr(field, "not_personal_data", False):
        return True
    if isinstance(field, AccessLoggedConnectionField):
        return True
    if isinstance(field, NodeField):  # reads through each type's get_node
        return all(issubclass(t, AccessLogged) for t in types)
    resolver = field.resolver or getattr(
        root_field.root, f"resolve_{root_field.name}", None
    )
    return getattr(resolver, "logs_access", False)


@checks.register()
def check_every_read_is_recorded(app_configs, **kwargs):
    """A root query field that returns model objects must record who read them."""
    schema = graphene_django.settings.graphene_settings.SCHEMA
    errors = []
    for root_field in root_fields(schema):
        if root_field.root is not schema.query:
            continue
        types = model_types(schema, root_field.compiled)
        if types and not records_access(root_field, types):
            names = ", ".join(sorted({t._meta.model._meta.label for t in types}))
            errors.append(
                checks.Error(
                    f"{root_field.label} returns {names} objects but records no "
                    "ACCESS entry for them.",
                    hint=f"Decorate resolve_{root_field.name} with @logs_access, "
                    "make a connection an AccessLoggedConnectionField, or give a "
                    "node type the AccessLogged mixin (all from audit.access); if "
                    "the objects say nothing about a person, wrap the field in "
                    "not_personal_data(...) instead.",
                    id="audit.E002",
                )
            )
    return errors
