from django.apps import AppConfig


class AuthenticationConfig(AppConfig):
    name = "authentication"

    def ready(self):
{%- if cookiecutter.use_admin_sso %}
        from django.contrib import admin
{%- endif %}
        from helusers import oidc

        from . import checks  # noqa: F401
        from .issuer import SharedOIDCConfig
{%- if cookiecutter.use_admin_sso %}
        from .sign_on import bridge_helusers_backend
{%- endif %}

        # helusers builds its per-issuer key objects from this module-level
        # name (its back-channel logout view, its DRF authentication): they
        # too get the bounded, shared keys of issuer.py.
        oidc.OIDCConfig = SharedOIDCConfig
{%- if cookiecutter.use_admin_sso %}
        bridge_helusers_backend()
        # helusers' sign-in page, in one language and without the password
        # form where password login is off.
        admin.site.login_template = "authentication/sign_in.html"
{%- endif %}
