"""The admin's single sign-on: helusers' backend for python-social-auth,
bridged to the versions the lock installs, and its callback's failures
answered as the browser's.

helusers 1.3 was written against social-auth-core 5, which the service does
not use: 5 caches the provider's keys for a day and never fetches them again
for a key it does not know, so a key rotation would lock the admins out.
social-auth-core 6 and 7 changed two things that helusers relies on, and
this module bridges exactly those:

- the backend's `get_remote_jwks_keys()` now takes the key set's URI
  (`bridge_helusers_backend`);
- the pipeline no longer gets the request, which helusers'
  `store_end_session_url` needs to remember where signing out goes
  (`store_end_session_url` here reads it from the strategy).

The pipeline's user step is the service's own as well: helusers copies every
claim whose name matches a user field into the user, `is_active` among them.
Here a sign-on updates the same identity fields from the same allow-list as
a token does (authentication/tokens.py); `is_active`, `is_staff` and
`is_superuser` stay as the admin set them.

python-social-auth raises an exception for a callback it cannot complete:
one without the session that started the sign-on, a forged or replayed one,
an error sent back by the identity provider. Any browser can cause them. So
every failure of the callback is a page that says to start again and one
warning line: 400 for the browser's request, 502 for a provider that cannot
be reached or answers with an error, or anything else that goes wrong.
"""

import logging
from functools import wraps

from django.contrib.auth.backends import ModelBackend
from django.http import HttpResponse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from helusers.pipeline import store_end_session_url as helusers_store_end_session_url
from helusers.tunnistamo_oidc import TunnistamoOIDCAuth
from helusers.user_utils import get_or_create_user
from social_core.backends.open_id_connect import OpenIdConnectAuth
from social_core.exceptions import AuthProviderError, SocialAuthBaseException
from social_django.views import auth, complete

from common.clipping import clip

from .tokens import identity_payload

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 200
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body>
<h1>Sign-in failed</h1>
<p>{}</p>
<p><a href="/admin/login/">Sign in again</a></p>
</body>
</html>
"""


def bridge_helusers_backend():
    """Give helusers' Tunnistamo/Keycloak backend social-auth-core's own key
    fetch, which takes the key set's URI (and is called again when a token
    names a key it does not know). Called once, when the app is ready.

    The backend is patched rather than subclassed: helusers' URLs and admin
    offer the sign-on only when AUTHENTICATION_BACKENDS names its own class.
    """
    TunnistamoOIDCAuth.get_remote_jwks_keys = OpenIdConnectAuth.get_remote_jwks_keys


class PermissionsWithoutPasswords(ModelBackend):
    """Django's permissions, from a user's groups and their own, without its
    password sign-in: the backend where password login is off. Without it a
    staff member who is not a superuser could do nothing in the admin."""

    def authenticate(self, request, **credentials):
        return None


def store_end_session_url(backend, *args, **kwargs):
    """helusers' pipeline step, given the request it used to be given."""
    return helusers_store_end_session_url(
        *args, backend=backend, request=backend.strategy.request, **kwargs
    )


def create_or_update_user(backend, response, *args, uid=None, **kwargs):
    """helusers' user step, from the claims a token may change a user with."""
    claims = {**response, **backend.id_token}  # userinfo, and the ID token's
    if uid:
        claims["sub"] = uid
    return {"user": get_or_create_user(identity_payload(claims), oidc=True)}


def failures_as_pages(view):
    """python-social-auth's `view`, any failure of it answered as a page."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AuthProviderError as failure:  # unreachable, or answered an error
            reason, status = str(failure), 502
        except SocialAuthBaseException as failure:
            reason, status = str(failure), 400
        except Exception as failure:  # whatever else: the same page, not a 500
            reason, status = f"{type(failure).__name__}: {failure}", 502
        reason = clip(reason, MAX_REASON_LENGTH)
        logger.warning("Sign-on failed: %s", reason)
        return HttpResponse(format_html(PAGE, reason), status=status)

    return answer


# The sign-on's start, which asks the provider where to send the browser, and
# its callback, which the provider posts to (csrf_exempt, as python-social-
# auth's own).
start_sign_on = never_cache(failures_as_pages(auth))
complete_sign_on = never_cache(csrf_exempt(failures_as_pages(complete)))
