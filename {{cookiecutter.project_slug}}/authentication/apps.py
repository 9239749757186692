from django.apps import AppConfig


class AuthenticationConfig(AppConfig):
    name = "authentication"

    def ready(self):
        from helusers import oidc

        from . import checks  # noqa: F401
        from .issuer import SharedOIDCConfig

        # helusers builds its per-issuer key objects from this module-level
        # name (its back-channel logout view, its DRF authentication): they
        # too get the bounded, shared keys of issuer.py.
        oidc.OIDCConfig = SharedOIDCConfig
