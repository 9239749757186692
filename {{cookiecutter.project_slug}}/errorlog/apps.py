from django.apps import AppConfig


class ErrorLogConfig(AppConfig):
    name = "errorlog"
    verbose_name = "Error log"

    def ready(self):
        from django.db.models.signals import pre_save

        from common.clipping import make_text_storable

        from . import checks  # noqa: F401
        from .models import ErrorLogEntry

        pre_save.connect(
            make_text_storable,
            sender=ErrorLogEntry,
            dispatch_uid="errorlog.make_text_storable",
        )
