"""System checks that keep a later edit from breaking what the service relies on."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from .middleware_order import violations


def graphene_middleware():
    return getattr(settings, "GRAPHENE", {}).get("MIDDLEWARE", ())


@checks.register()
def check_middleware_order(app_configs, **kwargs):
    """Apply the rules of `middleware_order` to the configured middleware."""
    return [
        checks.Error(found.message, id=f"{__package__}.{found.code}")
        for found in violations(settings.MIDDLEWARE, graphene_middleware())
    ]


@checks.register()
def check_middleware_imports(app_configs, **kwargs):
    """Every middleware path names something that imports.

    Django imports MIDDLEWARE only when the first request comes, so a typo
    (`django.middleware.comon.CommonMiddleware`) would pass `check` and
    fail only when the server starts to serve.
    """
    errors = []
    for setting, paths in (
        ("MIDDLEWARE", settings.MIDDLEWARE),
        ("GRAPHENE['MIDDLEWARE']", graphene_middleware()),
    ):
        for path in paths:
            try:
                import_string(path)
            except ImportError as error:
                errors.append(
                    checks.Error(
                        f"{setting} names {path!r}, which does not import: {error}",
                        hint="Correct the path (a typo?) or install its package.",
                        id=f"{__package__}.E031",
                    )
                )
    return errors
