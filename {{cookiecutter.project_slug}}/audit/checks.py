"""System checks for the audit log configuration."""

from pathlib import Path

from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings
from django.core import checks


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
            hint="Leave AUDITLOG_INCLUDE_ALL_MODELS on, register the model with "
            "auditlog, or add it to AUDITLOG_EXCLUDE_TRACKING_MODELS.",
            obj=model,
            id="audit.E001",
        )
        for model in project_models()
        if not auditlog.contains(model) and not is_excluded(model)
    ]
