from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        from auditlog import get_logentry_model
        from auditlog.signals import pre_log
        from django.db.models.signals import pre_save

        from . import checks  # noqa: F401
        from .deletion import skip_second_delete_entry
        from .middleware import stamp_log_entry
{%- if cookiecutter.use_audit_log_shipping %}
        from .shipping import mark_unsent
{%- endif %}
        from .updates import diff_updates_against_loaded_values

        # Connected once for the life of the process, not per request.
        pre_save.connect(
            stamp_log_entry,
            sender=get_logentry_model(),
            dispatch_uid="audit.stamp_log_entry",
        )
        pre_log.connect(skip_second_delete_entry, dispatch_uid="audit.skip_delete")
        diff_updates_against_loaded_values()
{%- if cookiecutter.use_audit_log_shipping %}
        pre_save.connect(
            mark_unsent,
            sender=get_logentry_model(),
            dispatch_uid="audit.mark_unsent",
        )
{%- endif %}
