"""System checks that keep a later edit from breaking what the service relies on."""

from django.conf import settings
from django.core import checks

from .middleware_order import violations


@checks.register()
def check_middleware_order(app_configs, **kwargs):
    """Apply the rules of `middleware_order` to the configured middleware."""
    graphene_middleware = getattr(settings, "GRAPHENE", {}).get("MIDDLEWARE", ())
    return [
        checks.Error(found.message, id=f"{__package__}.{found.code}")
        for found in violations(settings.MIDDLEWARE, graphene_middleware)
    ]
