"""Failed password sign-ins cost a bounded amount: django-axes, wired in.

Each password check costs a quarter of a CPU-second (PBKDF2), for unknown
user names too, so a stranger at the admin's login form could keep a worker
busy forever. django-axes counts failures per client address and per user
name (settings.AXES_*); past the limit an attempt is refused before any
password is checked, writes nothing and answers 429.

Three things are ours, and only these:
- the address is the one ClientAddressMiddleware settled, as far as trusted
  proxies vouch for it (axes would read REMOTE_ADDR or guess from headers);
- only password checks are counted and refused: whatever authenticates
  without a password (a sign-on through the identity provider) passes
  untouched, so a colleague behind the same address can still sign in
  while a password guesser is locked out;
- the answer is a page in the request's language that says for how long
  (axes' own is an English sentence, or JSON with a wildcard CORS header).
"""

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render

from common.client_address import client_of


def client_address(request):
    """The client's address for axes, or None when it is not known."""
    return client_of(request).address


class PasswordAttempts(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a locked-out password check."""

    def authenticate(self, request, username=None, password=None, **credentials):
        if password is None:
            return None
        return super().authenticate(
            request, username=username, password=password, **credentials
        )


def locked_out(request, original_response, credentials):
    """The answer to a refused attempt (settings.AXES_LOCKOUT_CALLABLE)."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(
        request, "authentication/locked_out.html", {"minutes": minutes}, status=429
    )
