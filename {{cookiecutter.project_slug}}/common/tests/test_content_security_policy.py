"""The Content-Security-Policy header, built once, is the one django-csp builds."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as UpstreamCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from common.content_security_policy import CSPMiddleware


def answer(middleware_class, view, path="/graphql"):
    """`view`'s response to a GET of `path`, through `middleware_class` alone."""
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    middleware.process_request(request)
    return request, middleware.process_response(request, view(request))


def plain(request):
    return HttpResponse("ok")


def test_a_plain_response_gets_the_policy_django_csp_builds():
    _, ours = answer(CSPMiddleware, plain)
    _, upstream = answer(UpstreamCSPMiddleware, plain)

    assert ours[HEADER] == upstream[HEADER]
    assert "default-src 'self'" in ours[HEADER]


def test_a_changed_setting_changes_the_header(settings):
    answer(CSPMiddleware, plain)  # built with the settings as they were
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'none'"]},
        "EXCLUDE_URL_PREFIXES": ["/admin/"],
    }
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"script-src": ["'self'"]}
    }

    _, response = answer(CSPMiddleware, plain)
    _, upstream = answer(UpstreamCSPMiddleware, plain)
    _, excluded = answer(CSPMiddleware, plain, path="/admin/login/")

    assert response[HEADER] == "default-src 'none'"
    assert "script-src 'self'" in response[HEADER_REPORT_ONLY]
    assert response[HEADER_REPORT_ONLY] == upstream[HEADER_REPORT_ONLY]
    assert HEADER not in excluded
    assert excluded[HEADER_REPORT_ONLY] == upstream[HEADER_REPORT_ONLY]


def test_what_a_view_changes_is_django_csps_own_work():
    @csp_update({"img-src": ["https://images.example.com"]})
    def updated(request):
        return HttpResponse("ok")

    @csp_exempt()
    def exempt(request):
        return HttpResponse("ok")

    _, response = answer(CSPMiddleware, updated)
    _, no_policy = answer(CSPMiddleware, exempt)

    directives = dict(
        part.strip().split(" ", 1) for part in response[HEADER].split(";")
    )
    assert "https://images.example.com" in directives["img-src"]
    assert HEADER not in no_policy


def test_a_nonce_asked_for_is_in_the_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}

    def with_nonce(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    request, response = answer(CSPMiddleware, with_nonce)

    assert f"'nonce-{request._csp_nonce}'" in response[HEADER]
    _, plain_response = answer(CSPMiddleware, plain)
    assert "nonce-" not in plain_response[HEADER]


def test_a_nonce_asked_for_after_the_header_was_written_fails_loudly():
    request, _ = answer(CSPMiddleware, plain)

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
