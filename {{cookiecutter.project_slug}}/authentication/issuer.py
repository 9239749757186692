"""The identity provider's signing keys: fetched with a time limit, kept
through outages, fetched again when the provider rotates its key.

helusers fetches the issuer's discovery document and key set with
`requests.get` and no timeout, keeps the keys for a day, and never looks
again for a key id it has not seen: after the provider rotates its key,
every new token is refused until the day is over. `IssuerKeys` replaces
that, one per issuer, shared by every thread and every way in (tokens.py,
and helusers' own views and classes through apps.py):

- a fetch (discovery document and key set together) gets at most
  TOKEN_AUTH_ISSUER_TIMEOUT seconds, and a request never waits longer than
  that for another request's fetch;
- a token whose `kid` is not in the key set makes the keys be fetched again,
  at most once per TOKEN_AUTH_KEYS_REFETCH_COOLDOWN seconds, so a flood of
  made-up key ids costs one fetch per cooldown;
- keys are refreshed after TOKEN_AUTH_KEYS_CACHE_SECONDS (OIDC_API_TOKEN_AUTH's
  OIDC_CONFIG_EXPIRATION_TIME) by one request while the others go on with
  the keys they have;
- a failed fetch keeps the last good key set: tokens signed by known keys
  verify while the issuer is down. Without any keys yet, a failure is
  remembered for TOKEN_AUTH_ISSUER_RETRY_INTERVAL seconds, so requests
  meanwhile fail at once instead of queueing for the same timeout.

The time limit applies to connecting and to each wait for data; an issuer
that sends its answer a byte at a time could take longer.
"""

import logging
import math
import threading
import time
from typing import NamedTuple

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from helusers import oidc
from helusers.settings import api_token_auth_settings

logger = logging.getLogger(__name__)


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched in time, and none are known."""


class KeySet(NamedTuple):
    document: dict  # the JWKS, as the issuer served it
    kids: frozenset  # the key ids in it
    refresh_at: float  # monotonic time after which it is fetched again

    def knows(self, kid):
        """Whether a token naming `kid` (None: no kid) can be checked with these."""
        return kid is None or kid in self.kids


class IssuerKeys:
    """The signing keys of one issuer."""

    def __init__(self, issuer):
        self.issuer = issuer
        self._lock = threading.Lock()
        self._keys = None  # the last good KeySet, replaced whole
        self._last_attempt = -math.inf  # monotonic time the last fetch ended
        self._last_failure = None

    def get(self, kid=None):
        """The key set to verify a token whose header names `kid` (None: no kid)."""
        keys = self._keys
        known = keys is not None and keys.knows(kid)
        if known and now() < keys.refresh_at:
            return keys.document
        started = time.monotonic()
        timeout = settings.TOKEN_AUTH_ISSUER_TIMEOUT
        # A token whose key is known goes on with it while another request
        # refreshes; the others wait for that fetch, at most as long as it may take.
        if known:
            acquired = self._lock.acquire(blocking=False)
        else:
            acquired = self._lock.acquire(timeout=timeout)
        if not acquired:
            if keys is not None:
                return keys.document
            raise IssuerUnavailable(f"{self.issuer}: timed out waiting for its keys")
        try:
            return self._get_locked(kid, deadline=started + timeout)
        finally:
            self._lock.release()

    def _get_locked(self, kid, deadline):
        current = now()
        keys = self._keys
        if keys is not None:
            if keys.knows(kid) and current < keys.refresh_at:
                return keys.document  # fetched while this request waited
            if current - self._last_attempt < settings.TOKEN_AUTH_KEYS_REFETCH_COOLDOWN:
                return keys.document
        elif current - self._last_attempt < settings.TOKEN_AUTH_ISSUER_RETRY_INTERVAL:
            raise IssuerUnavailable(
                f"{self.issuer}: {self._last_failure}"
            ) from self._last_failure
        if keys is not None:
            logger.info("Fetching the keys of %s again, for %.80r", self.issuer, kid)
        try:
            document = self._fetch(deadline)
        except Exception as failure:
            self._last_attempt = now()
            self._last_failure = failure
            if keys is None:
                raise IssuerUnavailable(f"{self.issuer}: {failure}") from failure
            logger.warning(
                "Keeping the last keys of %s, which could not be fetched: %s",
                self.issuer,
                failure,
            )
            return keys.document
        self._last_attempt = now()
        self._keys = KeySet(
            document,
            frozenset(key_ids(document)),
            self._last_attempt + api_token_auth_settings.OIDC_CONFIG_EXPIRATION_TIME,
        )
        self._last_failure = None
        return document

    def _fetch(self, deadline):
        with requests.Session() as session:
            discovery_url = self.issuer + "/.well-known/openid-configuration"
            jwks_uri = _get_json(session, discovery_url, deadline).get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise IssuerUnavailable("the discovery document has no jwks_uri")
            document = _get_json(session, jwks_uri, deadline)
            if not isinstance(document.get("keys"), list):
                raise IssuerUnavailable(f"{jwks_uri} has no list of keys")
            return document


def now():
    """The clock of the refresh and cooldown decisions, in monotonic seconds.

    Tests replace it with one they move by hand: a cooldown then passes when
    the test says so, however busy the machine is. Waits for the issuer
    (timeouts, deadlines) keep the real clock.
    """
    return time.monotonic()


def key_ids(document):
    return (
        key["kid"]
        for key in document["keys"]
        if isinstance(key, dict) and isinstance(key.get("kid"), str)
    )


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


_issuers = {}
_issuers_lock = threading.Lock()


def issuer_keys(issuer):
    """The one `IssuerKeys` of this process for `issuer`."""
    try:
        return _issuers[issuer]
    except KeyError:
        with _issuers_lock:
            return _issuers.setdefault(issuer, IssuerKeys(issuer))


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    """Tests that configure another issuer start without its old keys."""
    if setting == "OIDC_API_TOKEN_AUTH":
        with _issuers_lock:
            _issuers.clear()


class SharedOIDCConfig(oidc.OIDCConfig):
    """helusers' per-issuer object, answering from the shared keys (see apps.py)."""

    def keys(self):
        return issuer_keys(self._issuer).get()
