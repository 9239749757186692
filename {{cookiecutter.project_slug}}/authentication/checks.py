"""System checks that keep the schema's authentication promise, and trust
only real identity providers in production."""

import ipaddress
from urllib.parse import urlsplit

import graphene_django.settings
from django.conf import settings
from django.core import checks
from graphql import GraphQLNonNull

from common.root_fields import root_fields

from .graphql import marked_public


@checks.register()
def check_protected_root_fields_are_nullable(app_configs, **kwargs):
    """A protected root field must be nullable.

    GraphQL answers a failed non-null field by nulling its nearest nullable
    parent; at the root that is the whole `data`, so a caller who is not
    signed in would lose the public fields asked for beside it.
    """
    return [
        checks.Error(
            f"{field.label} is protected but required: for a caller who is not "
            'signed in, its error would make the whole response\'s "data" null, '
            "public fields included.",
            hint=f"Remove required=True from {field.label} (a protected root "
            "field must be nullable), or wrap it in public(...) if anyone may "
            "read it.",
            id="authentication.E001",
        )
        for field in root_fields(graphene_django.settings.graphene_settings.SCHEMA)
        if not marked_public(field.compiled)
        and isinstance(field.compiled.type, GraphQLNonNull)
    ]


def untrustworthy(url):
    """Why a production service must not trust `url` as an identity
    provider, or None: it is not https, or it is this machine."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if loopback:
        return "it is this machine (a development issuer, such as dev_issuer)"
    if parts.scheme != "https":
        return "it is not https: anyone on the way could forge its keys"
    return None


@checks.register()
def check_production_trusts_real_issuers(app_configs, **kwargs):
    """With DEBUG off, every identity provider is https and not local.

    A development .env copied to a server, with `dev_issuer`'s address in
    it, would otherwise accept tokens that anyone can make for any user.
    """
    if settings.DEBUG:
        return []
    trusted = [
        ("TOKEN_AUTH_AUTHSERVER_URL", url)
        for url in settings.OIDC_API_TOKEN_AUTH["ISSUER"]
    ]
{%- if cookiecutter.use_admin_sso %}
    trusted.append(
        (
            "SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT",
            settings.SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT,
        )
    )
{%- endif %}
    return [
        checks.Error(
            f"{name} is {url!r}, which DEBUG off must not trust: {reason}.",
            hint=f"Set {name} to the identity provider's https address, or "
            "turn DEBUG on for local development.",
            id="authentication.E002",
        )
        for name, url in trusted
        if (reason := untrustworthy(url))
    ]
