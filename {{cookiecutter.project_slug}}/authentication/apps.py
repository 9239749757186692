from django.apps import AppConfig


class AuthenticationConfig(AppConfig):
    name = "authentication"

    def ready(self):
        from helusers import oidc

        from .issuer import BoundedOIDCConfig

        # helusers builds one config object per issuer from this module-level
        # name; see issuer.py for why its own class cannot be used as is.
        oidc.OIDCConfig = BoundedOIDCConfig
