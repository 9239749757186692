"""CSRF protection for an endpoint that takes Bearer tokens and sessions alike.

A browser sends its session cookie with any request, whichever site started
it, so a request that the session alone authenticated could come from
another site's page. Django REST framework's rule, kept here: such a request
must pass Django's own CSRF check (the `X-CSRFToken` header or form token
matching the cookie, and for HTTPS the Origin or Referer). A request with a
Bearer token authenticates with that token (middleware.py), and an anonymous
one acts as nobody: neither can act in someone else's name, so neither is
checked.

Django checks no GET, yet a GraphQL read in a person's name is worth
guarding too: it writes ACCESS entries in their name, and GraphQL can send a
document in a URL. So the GraphQL view serves a GET that only the session
would sign in as anonymous; signed-in browser reads POST with the header.
"""

from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import CsrfViewMiddleware

from .middleware import set_user
from .tokens import bearer_token


class _CsrfCheck(CsrfViewMiddleware):
    """Django's check, giving the reason for a failure instead of a response."""

    def _reject(self, request, reason):
        return reason


def csrf_failure(request):
    """Why `request` fails the CSRF check, or None when it passes or is exempt."""
    if bearer_token(request) is not None or not request.user.is_authenticated:
        return None
    check = _CsrfCheck(lambda request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


def unless_posted_drop_session_user(request):
    """Serve a request that only the session signs in as anonymous, unless a POST.

    Only a POST is CSRF-checked, so only a POST may act on the session.
    """
    if request.method != "POST" and bearer_token(request) is None:
        set_user(request, AnonymousUser())
