"""Bearer token authentication as Django middleware.

Verifying the token here, before the view runs, means that everything after
it - the audit log in particular - sees the authenticated user. A failure
must not stop the request, though: public GraphQL fields are still served.
So the failure is only kept on `request.auth_error`; the Graphene middleware
in `graphql.py` turns it into a GraphQL error on the fields that need a user.

A Bearer token decides who the request is from, over any session cookie
sent along with it: a valid token gives its user, a refused one gives nobody,
never the session's user. Such a request carries its own credentials, so it
needs no CSRF check (see csrf.py for the requests that do).

The token is verified in `process_view`, once Django knows the view: a
Django REST framework view authenticates tokens itself, with its own
`authentication_classes` (which may, say, look users up without creating
them), so the middleware leaves it alone.
"""

import logging

from django.contrib.auth.models import AnonymousUser

from common.clipping import clip

from .errors import database_unavailable
from .issuer import IssuerUnavailable
from .tokens import (
    AccountDeactivated,
    TokenAuthorization,
    TokenRefused,
    bearer_token,
    user_for,
    verify,
)

logger = logging.getLogger(__name__)


class JWTAuthenticationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.auth_error = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        token = bearer_token(request)
        if token is not None and not authenticates_itself(view_func):
            authenticate(request, token)
        return None


def authenticates_itself(view_func):
    """A DRF view: its `authentication_classes` decide who the user is."""
    view_class = getattr(view_func, "view_class", None)
    return hasattr(view_class, "authentication_classes")


def authenticate(request, token):
    """Make the token's user the request's user, or keep why there is none."""
    set_user(request, AnonymousUser())
    try:
        claims = verify(token)
        user = user_for(claims)
    except IssuerUnavailable as error:
        request.auth_error = error
        logger.warning("Token not verified, the issuer is unavailable: %s", error)
    except (TokenRefused, AccountDeactivated) as error:
        request.auth_error = error
        logger.info("Token refused: %s", clip(error, 300))
    except Exception as error:  # the user could not be stored: refuse, and say why
        request.auth_error = error
        if not database_unavailable(error):  # which the view reports, once
            logger.exception("Token verified, but its user could not be stored")
    else:
        set_user(request, user)
        request.user_auth = TokenAuthorization(user, claims)


def set_user(request, user):
    """Replace the user AuthenticationMiddleware set, for sync and async code."""

    async def auser():
        return user

    request.user = user
    request.auser = auser
