"""Bearer token authentication as Django middleware.

Verifying the token here, before any view runs, means that everything after
it - the audit log in particular - sees the authenticated user. A failure
must not stop the request, though: public GraphQL fields are still served.
So the failure is only kept on `request.auth_error`; the Graphene middleware
in `graphql.py` turns it into a GraphQL error on the fields that need a user.
"""

import logging

from helusers.oidc import RequestJWTAuthentication

from .issuer import IssuerUnavailable

logger = logging.getLogger(__name__)


class MalformedTokenError(Exception):
    """The Authorization header says Bearer but holds no readable JWT."""


def has_bearer_token(request):
    scheme = request.headers.get("Authorization", "").split(" ", 1)[0]
    return scheme.lower() == "bearer"


class JWTAuthenticationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.authenticator = RequestJWTAuthentication()

    def __call__(self, request):
        request.auth_error = None
        # A user logged in with a session (the admin) is left alone.
        if has_bearer_token(request) and not request.user.is_authenticated:
            self.authenticate(request)
        return self.get_response(request)

    def authenticate(self, request):
        try:
            user_auth = self.authenticator.authenticate(request)
            if user_auth is None:
                raise MalformedTokenError("the Bearer token is not a JWT")
        except IssuerUnavailable as error:
            request.auth_error = error
            logger.warning("Token not verified, the issuer is unavailable: %s", error)
        except Exception as error:  # whatever helusers raises, the request goes on
            request.auth_error = error
            logger.info("Token refused: %s: %s", type(error).__name__, error)
        else:
            request.user = user_auth.user
            request.user_auth = user_auth
