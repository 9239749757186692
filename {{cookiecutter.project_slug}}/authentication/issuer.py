"""The identity provider's signing keys, fetched with a time limit.

helusers reads the issuer's discovery document and key set with
`requests.get` and no timeout, and caches them behind a lock that makes every
other request with a token wait for that fetch. An issuer that accepts the
connection and never answers would so hold every authenticated request.

`BoundedOIDCConfig` takes the place of helusers' `OIDCConfig` (see apps.py):

- both fetches together get at most TOKEN_AUTH_ISSUER_TIMEOUT seconds;
- a failure is remembered for TOKEN_AUTH_ISSUER_RETRY_INTERVAL seconds, so
  requests meanwhile fail at once instead of queueing for the same timeout;
- keys are kept for helusers' OIDC_CONFIG_EXPIRATION_TIME, and nothing but
  success is cached: when the issuer comes back, the next attempt succeeds.

The limit applies to connecting and to each wait for data; an issuer that
sends its answer a byte at a time could take longer.
"""

import threading
import time

import requests
from django.conf import settings
from helusers import oidc
from helusers.settings import api_token_auth_settings


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched in time."""


class BoundedOIDCConfig(oidc.OIDCConfig):
    def __init__(self, issuer):
        super().__init__(issuer)
        self._lock = threading.Lock()
        self._cached = (None, 0.0)  # (keys, monotonic time they expire)
        self._failure = (None, 0.0)  # (error, monotonic time to try again)

    def keys(self):
        keys, expires = self._cached
        if keys is not None and time.monotonic() < expires:
            return keys
        timeout = settings.TOKEN_AUTH_ISSUER_TIMEOUT
        # One request fetches; the others wait for it, never longer than it may take.
        if not self._lock.acquire(timeout=timeout):
            raise IssuerUnavailable(f"{self._issuer}: timed out waiting for its keys")
        try:
            return self._keys_locked(timeout)
        finally:
            self._lock.release()

    def _keys_locked(self, timeout):
        now = time.monotonic()
        keys, expires = self._cached
        if keys is not None and now < expires:
            return keys
        error, retry_at = self._failure
        if error is not None and now < retry_at:
            raise IssuerUnavailable(f"{self._issuer}: {error}") from error
        try:
            keys = self._fetch(deadline=now + timeout)
        except Exception as failure:
            retry_at = time.monotonic() + settings.TOKEN_AUTH_ISSUER_RETRY_INTERVAL
            self._failure = (failure, retry_at)
            raise IssuerUnavailable(f"{self._issuer}: {failure}") from failure
        expiry = time.monotonic() + api_token_auth_settings.OIDC_CONFIG_EXPIRATION_TIME
        self._cached = (keys, expiry)
        self._failure = (None, 0.0)
        return keys

    def _fetch(self, deadline):
        with requests.Session() as session:
            discovery_url = self._issuer + "/.well-known/openid-configuration"
            jwks_uri = _get_json(session, discovery_url, deadline).get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise IssuerUnavailable("the discovery document has no jwks_uri")
            return _get_json(session, jwks_uri, deadline)


def _get_json(session, url, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise IssuerUnavailable("timed out")
    response = session.get(url, timeout=remaining)
    response.raise_for_status()
    document = response.json()
    if not isinstance(document, dict):
        raise IssuerUnavailable(f"{url} did not return a JSON object")
    return document
