from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        from auditlog import get_logentry_model
        from auditlog.signals import pre_log
        from django.db.models.signals import pre_save

        from common.clipping import make_text_storable

        from . import checks  # noqa: F401
        from .deletion import skip_second_delete_entry
        from .middleware import stamp_log_entry
{%- if cookiecutter.use_audit_log_shipping %}
        from .shipping import mark_unsent
{%- endif %}
        from .updates import write_exact_update_entries

        # Connected once for the life of the process, not per request.
        pre_save.connect(
            stamp_log_entry,
            sender=get_logentry_model(),
            dispatch_uid="audit.stamp_log_entry",
        )
        pre_log.connect(skip_second_delete_entry, dispatch_uid="audit.skip_delete")
        write_exact_update_entries()
{%- if cookiecutter.use_audit_log_shipping %}
        pre_save.connect(
            mark_unsent,
            sender=get_logentry_model(),
            dispatch_uid="audit.mark_unsent",
        )
{%- endif %}
        # Last: text and JSON as every receiver above left them.
        pre_save.connect(
            make_text_storable,
            sender=get_logentry_model(),
            dispatch_uid="audit.make_text_storable",
        )
