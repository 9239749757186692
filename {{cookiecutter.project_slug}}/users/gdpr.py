"""Helsinki Profile's GDPR API for this service's users (helsinki-profile-gdpr-api).

The library's view authenticates with helusers' DRF class, which creates a
user for any valid token: after a delete, the Profile back end's next query
would bring back an empty account and get 200. Here the token is verified
the same way as everywhere else in the service (authentication/tokens.py),
and its user is only looked up: a person who is not here gets 204, for a
query and for a delete. An account an admin has deactivated is found like any
other: erasure is for everyone.

A query is a read of personal data like any other, so it writes an ACCESS
entry for the user it returns, with the user as the actor. A model added to
the user's `serialize_fields` is read here too: record it the same way.
"""

from contextlib import suppress

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from helsinki_gdpr import views
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.response import Response

from audit.access import log_access
from audit.deletion import delete_user
from audit.updates import RowDeleted
from authentication.issuer import IssuerUnavailable
from authentication.tokens import (
    TokenAuthorization,
    TokenRefused,
    bearer_token,
    existing_user,
    verify,
)


def the_user_itself(user):
    """The API asks whose data an object is; a user's data is their own."""
    return user


def delete_user_data(user, dry_run):
    """Delete the user through the one deletion path, which keeps the audit trail.

    A dry run deletes too: the API view then rolls the transaction back, so
    it proves that the real delete would succeed. An account deleted meanwhile
    is gone, as asked.
    """
    with suppress(RowDeleted):
        delete_user(user)


class IssuerDown(APIException):
    status_code = 503
    default_detail = _("The token could not be verified now; try again later.")
    default_code = "issuer_unavailable"


class ExistingUserTokenAuthentication(BaseAuthentication):
    """A verified Bearer token, and its user if there is one: never a new one."""

    def authenticate(self, request):
        token = bearer_token(request)
        if token is None:
            return None
        try:
            claims = verify(token)
            user = existing_user(claims) or AnonymousUser()
        except IssuerUnavailable as error:
            raise IssuerDown() from error
        except TokenRefused as error:
            raise AuthenticationFailed(
                _("The authentication token is not valid.")
            ) from error
        return user, TokenAuthorization(user, claims)

    def authenticate_header(self, request):
        return 'Bearer realm="gdpr-api"'


class TokenScopePermission(views.GDPRScopesPermission):
    """The token's scope for the method; the object must be the token's own user.

    Unlike the library's, it does not need the user to exist: a person who is
    already gone is answered 204 by the view.
    """

    def has_permission(self, request, view):
        scope = {
            "GET": settings.GDPR_API_QUERY_SCOPE,
            "DELETE": settings.GDPR_API_DELETE_SCOPE,
        }.get(request.method)
        auth = request.auth
        return bool(scope and auth and auth.has_api_scopes(scope))


class GDPRAPIView(views.GDPRAPIView):
    authentication_classes = [ExistingUserTokenAuthentication]
    permission_classes = [TokenScopePermission]

    def get(self, request, *args, **kwargs):
        """The person's data, once its ACCESS entry is written."""
        try:
            user = self.get_object()
        except self.model.DoesNotExist:
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = user.serialize()
        log_access(request._request, [user])
        return Response(data, status=status.HTTP_200_OK)
