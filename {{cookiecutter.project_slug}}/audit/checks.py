"""System checks for the audit log: every model tracked, its updates recorded
exactly, every read recorded, in the API and in the admin."""

from pathlib import Path

import graphene_django.settings
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import checks
from graphql import GraphQLObjectType

from .access import AccessLogged, AccessLoggedAdmin, NotPersonalData, django_types
from .updates import ExactUpdateEntries

MARKS = (AccessLogged, NotPersonalData)


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


@checks.register()
def check_every_update_is_exact(app_configs, **kwargs):
    """A tracked project model records what each update replaced (updates.py)."""
    return [
        checks.Error(
            f"{model._meta.label} is tracked by the audit log, but its UPDATE "
            "entries may hold values that another request wrote.",
            hint="Inherit audit.updates.ExactUpdateEntries in the model: "
            "class Station(ExactUpdateEntries, models.Model).",
            obj=model,
            id="audit.E003",
        )
        for model in project_models()
        if auditlog.contains(model) and not issubclass(model, ExactUpdateEntries)
    ]


def fields_returning(schema):
    """Each field of the served schema, as "Type.field", with the
    DjangoObjectTypes it can return, where it returns any."""
    for type_name, served in sorted(schema.type_map.items()):
        if type_name.startswith("__") or not isinstance(served, GraphQLObjectType):
            continue
        for field_name, field in served.fields.items():
            found = django_types(schema, field.type)
            if found:
                yield f"{type_name}.{field_name}", found


@checks.register()
def check_every_read_is_recorded(app_configs, **kwargs):
    """A field that returns model objects records who read them, unless their
    type says they identify no one."""
    schema = graphene_django.settings.graphene_settings.SCHEMA.graphql_schema
    errors = []
    for label, types in fields_returning(schema):
        unmarked = [t for t in types if not issubclass(t, MARKS)]
        if not unmarked:
            continue
        names = ", ".join(
            sorted(f"{t._meta.name} ({t._meta.model._meta.label})" for t in unmarked)
        )
        errors.append(
            checks.Error(
                f"{label} returns objects of {names} without recording who read them.",
                hint="Give the type the AccessLogged mixin (from audit.access), "
                "so that every read of its objects writes an ACCESS entry; if "
                "its objects say nothing about a person, the NotPersonalData "
                "mixin instead.",
                id="audit.E002",
            )
        )
    return errors


def personal_data_models(schema):
    """The user model, and the models of the API's AccessLogged types."""
    found = {get_user_model()}
    for graphql_type in schema.type_map.values():
        graphene_type = getattr(graphql_type, "graphene_type", None)
        if isinstance(graphene_type, type) and issubclass(graphene_type, AccessLogged):
            found.add(graphene_type._meta.model)
    return found


@checks.register()
def check_every_admin_read_is_recorded(app_configs, **kwargs):
    """The admin of a personal-data model records who read what."""
    schema = graphene_django.settings.graphene_settings.SCHEMA.graphql_schema
    return [
        checks.Error(
            f"The admin of {model._meta.label} shows personal data without "
            "recording who read it.",
            hint="Give its ModelAdmin the AccessLoggedAdmin mixin (from "
            "audit.access), first among its bases.",
            obj=admin.site.get_model_admin(model),
            id="audit.E004",
        )
        for model in sorted(personal_data_models(schema), key=str)
        if admin.site.is_registered(model)
        and not isinstance(admin.site.get_model_admin(model), AccessLoggedAdmin)
    ]
