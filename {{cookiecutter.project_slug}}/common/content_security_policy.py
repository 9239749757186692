"""django-csp's middleware, with the site-wide policy built once.

django-csp builds the Content-Security-Policy header from the settings on
every response, copying the whole configuration twice (the policy and its
report-only twin): about a tenth of the work of a small API request. Every
response that changes nothing about the policy - no `csp_update`,
`csp_replace` or `csp_exempt` from a view, no nonce asked for - gets the
same header, so it is built once, at the first such response, and again only
when the settings change (tests). Any other response is django-csp's own
work, as the library documents it.
"""

import functools
import http

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as UpstreamCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view sets on its response to change the policy (django-csp's
# decorators), or to leave it out.
RESPONSE_OVERRIDES = frozenset(
    {
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_exempt",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt_ro",
    }
)
DEBUG_PAGES = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)


@functools.cache
def site_wide_policies():
    """The (header, policy, excluded path prefixes) django-csp sets on a
    response that changes nothing; built whole, so that a thread never sees
    a half-built list."""
    policies = []
    for header, setting, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        policy = build_policy(report_only=report_only)
        configured = getattr(settings, setting, None) or {}
        excluded = tuple(configured.get("EXCLUDE_URL_PREFIXES") or ())
        if policy:
            policies.append((header, policy, excluded))
    return tuple(policies)


@receiver(setting_changed)
def _forget_site_wide_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        site_wide_policies.cache_clear()


class CSPMiddleware(UpstreamCSPMiddleware):
    def process_response(self, request, response):
        if getattr(
            request, "_csp_nonce", None
        ) is not None or not RESPONSE_OVERRIDES.isdisjoint(vars(response)):
            return super().process_response(request, response)
        if response.status_code in DEBUG_PAGES and settings.DEBUG:
            return response
        for header, policy, excluded in site_wide_policies():
            if header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        # As upstream does: a nonce asked for from now on could not be in the
        # header any more, so asking fails loudly.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
