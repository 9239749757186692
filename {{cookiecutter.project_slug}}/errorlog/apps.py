from django.apps import AppConfig


class ErrorLogConfig(AppConfig):
    name = "errorlog"
    verbose_name = "Error log"

    def ready(self):
        from . import checks  # noqa: F401
