from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """The project package as an app, so that its system checks are registered."""

    name = "{{ cookiecutter.package_name }}"

    def ready(self):
        from . import checks  # noqa: F401
