"""Bearer tokens: verified by helusers with the keys of issuer.py, and the few
claims that may change a user.

helusers' own entry points fetch keys without knowing the token's key id,
and copy every claim whose name matches a user field into the user: a token
with `is_active`, `username` or `preferred_language` claims would overwrite
those. Here helusers' JWT class still does every check of the token, and
helusers still creates and finds the user, but from the claims allowed below
only.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import NamedTuple

import jwt as pyjwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver
from django.utils.functional import cached_property
from helusers.authz import UserAuthorization
from helusers.jwt import JWT
from helusers.models import OIDCBackChannelLogoutEvent
from helusers.oidc import accepted_audience
from helusers.user_utils import (
    convert_to_uuid,
    get_or_create_user,
    is_valid_uuid,
    oidc_to_user_data,
    populate_user,
)
from helusers.utils import get_scopes_from_claims

from users.models import DeletedUser

from .issuer import issuer_keys

logger = logging.getLogger(__name__)

# The claims that update a user, and the fields they go to. The identity
# provider owns names and e-mail; every other field is the service's own and
# is never written from a token.
IDENTITY_CLAIMS = {
    "given_name": "first_name",
    "family_name": "last_name",
    "email": "email",
}
# Claims helusers reads to find the user (none of them names a field): the
# subject, the Azure tenant for subjects that are not uuids, and the
# authentication method for its optional Tunnistamo-to-Keycloak migration.
LOOKUP_CLAIMS = ("sub", "tid", "amr")


class TokenRefused(Exception):
    """The token is not one this service accepts; the cause says why."""


class AccountDeleted(TokenRefused):
    """The token was issued before its account was deleted: it is spent."""


class AccountDeactivated(Exception):
    """The token is valid, but an admin has deactivated its account."""


def bearer_token(request):
    """The token of an `Authorization: Bearer` header; None without such a header."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def verify(token):
    """The claims of `token` once helusers has verified it against the issuer's keys.

    Raises TokenRefused, or IssuerUnavailable when the keys cannot be had.
    A token verified lately is not checked again (see VerifiedTokens). Its
    session is checked on every request, with its user (existing_user).
    """
    verified = verified_tokens.get(token)
    if verified is None:
        verified = _verify_signature_and_claims(token)
        verified_tokens.add(token, verified)
    return dict(verified.claims)


def existing_user(claims):
    """The user of verified `claims`, or None when there is none yet.

    Raises TokenRefused when the issuer has ended the token's session
    (helusers' back-channel logout: a logout event with the token's issuer
    and `sid`). That is checked on every request, in the same query that
    reads the user, so that a session ended a moment ago is refused at once.
    """
    user_model = get_user_model()
    database = connections[user_model.objects.db]
    uuid = user_model._meta.get_field("uuid").get_db_prep_value(
        subject_uuid(claims), database
    )
    sid = claims.get("sid")
    if not isinstance(sid, str) or not sid:
        sid = None  # matches no logout event
    query = USER_AND_SESSION.format(
        users=database.ops.quote_name(user_model._meta.db_table),
        logouts=database.ops.quote_name(OIDCBackChannelLogoutEvent._meta.db_table),
    )
    found = list(user_model.objects.raw(query, [claims["iss"], sid, uuid]))
    user = found[0] if found else None
    ended = user.session_ended if user else session_ended(claims["iss"], sid)
    if ended:
        raise TokenRefused("Session has been terminated.")
    return user


# The user and whether the issuer has ended the token's session (helusers'
# rule), in one query written out: building it with the ORM took more CPU
# than running it, on every signed-in request.
USER_AND_SESSION = (
    "SELECT {users}.*, EXISTS (SELECT 1 FROM {logouts}"
    ' WHERE "iss" = %s AND "sid" = %s) AS "session_ended"'
    ' FROM {users} WHERE "uuid" = %s'
)


def session_ended(issuer, sid):
    """For a first sign-in, which has no user to read it with."""
    if sid is None:
        return False
    return OIDCBackChannelLogoutEvent.objects.filter(iss=issuer, sid=sid).exists()


class Verified(NamedTuple):
    """The claims of a token that passed every check but the session's, and
    what that relied on. Not the token itself."""

    claims: dict
    kid: str | None  # the key id its header names
    key_set: dict  # the issuer's key set it was verified with
    until: float  # when it expires or passes TOKEN_AUTH_MAX_AGE (epoch seconds)

    @property
    def issuer(self):
        return self.claims["iss"]

    def still_holds(self):
        return time.time() < self.until and (
            issuer_keys(self.issuer).get(self.kid) is self.key_set
        )


def _verify_signature_and_claims(token):
    try:
        kid = pyjwt.get_unverified_header(token).get("kid")
        jwt = JWT(token)
        jwt.validate_issuer()
    except Exception as error:
        raise TokenRefused(str(error)) from error
    if not isinstance(kid, str):
        kid = None
    key_set = issuer_keys(jwt.issuer).get(kid)
    keys = key_set
    if kid is not None:  # only the key the token names
        keys = {
            "keys": [
                key
                for key in key_set["keys"]
                if isinstance(key, dict) and key.get("kid") == kid
            ]
        }
    try:
        jwt.validate(keys, accepted_audience(), required_claims=REQUIRED_CLAIMS)
        jwt.validate_api_scope()
        subject_uuid(jwt.claims)
    except Exception as error:
        raise TokenRefused(str(error) or type(error).__name__) from error
    oldest_accepted = jwt.claims["iat"] + settings.TOKEN_AUTH_MAX_AGE
    if time.time() > oldest_accepted:
        raise TokenRefused("the token was issued more than TOKEN_AUTH_MAX_AGE ago")
    until = min(float(jwt.claims["exp"]), float(oldest_accepted))
    return Verified(jwt.claims, kid, key_set, until)


class VerifiedTokens:
    """The tokens this process verified lately, at most
    TOKEN_AUTH_VERIFIED_CACHE_SIZE of them, the least recently used dropped.

    A client sends the same token with every request until it expires, and
    checking its signature and claims is the largest part of a signed-in
    request's cost. An entry is used only until its token expires or passes
    TOKEN_AUTH_MAX_AGE, and only while the issuer's key set it was verified
    with is still the one in use: once new keys are fetched, each token is
    verified again. Only claims are kept: the account is looked up on every
    request (user_for), so a deactivated or deleted account is refused at
    once. Keyed by the token's SHA-256, so no token is kept in memory.
    """

    def __init__(self):
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token):
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, token):
        key = self._key(token)
        with self._lock:
            verified = self._entries.get(key)
            if verified is not None:
                self._entries.move_to_end(key)
        if verified is None or verified.still_holds():
            return verified
        with self._lock:
            self._entries.pop(key, None)
        return None

    def add(self, token, verified):
        size = settings.TOKEN_AUTH_VERIFIED_CACHE_SIZE
        with self._lock:
            if size > 0:
                self._entries[self._key(token)] = verified
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()


verified_tokens = VerifiedTokens()


@receiver(setting_changed)
def _forget_verified_tokens(setting, **kwargs):
    """A test that changes how tokens are checked checks every token again."""
    if setting.startswith(("TOKEN_AUTH_", "OIDC_API_TOKEN_AUTH")):
        verified_tokens.clear()


# `iat` too: a token issued before its account was deleted must be told
# apart (users.models.DeletedUser), and no token older than
# TOKEN_AUTH_MAX_AGE is accepted, so that a deletion needs remembering only
# that long.
REQUIRED_CLAIMS = ["aud", "exp", "iat"]


def issued_at(claims):
    return datetime.fromtimestamp(claims["iat"], tz=UTC)


def subject_uuid(claims):
    """The uuid of the user these claims are about, as helusers derives it."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise TokenRefused("the token has no subject")
    if is_valid_uuid(subject):
        return subject
    return convert_to_uuid(subject, claims.get("tid"))


def user_for(claims):
    """The user of verified `claims`: created on first sight, then kept in step.

    Raises AccountDeactivated for an account that is not active, and
    AccountDeleted for a token issued before its account was deleted: such
    a token never creates the account again.

    helusers reads and writes the user in a transaction of its own on every
    request, which on SQLite takes the write lock. A returning user whose
    stored names and e-mail already match the token, and whose token has no
    AD groups to sync, is only read; helusers does the rest otherwise.
    """
    payload = identity_payload(claims)
    uuid = subject_uuid(claims)
    user = existing_user(claims)
    if user is None and DeletedUser.deleted_since(uuid, issued_at(claims)):
        raise AccountDeleted("the token was issued before its account was deleted")
    if user is not None and not user.is_active:
        raise AccountDeactivated(f"the account {uuid} is deactivated")
    if (
        user is not None
        and ad_groups_claim() not in payload
        and not populate_user(user, oidc_to_user_data(payload))
    ):
        return user
    return get_or_create_user(payload, oidc=True)


def ad_groups_claim():
    """The claim helusers reads the user's AD groups from."""
    return getattr(settings, "HELUSERS_ADGROUPS_CLAIM", "ad_groups")


def identity_payload(claims):
    """What helusers may see of the claims: the lookup and identity claims only.

    An identity claim that is not a string that fits its field is left out
    (and logged), so that an odd claim cannot fail the sign-in.
    """
    payload = {name: claims[name] for name in LOOKUP_CLAIMS if name in claims}
    fields = get_user_model()._meta
    for claim, field in IDENTITY_CLAIMS.items():
        if claim not in claims:
            continue
        value = claims[claim]
        limit = fields.get_field(field).max_length
        if isinstance(value, str) and len(value) <= limit and "\x00" not in value:
            payload[claim] = value
        else:
            logger.warning("Ignored the token's %s claim: not a valid %s", claim, field)
    groups = ad_groups_claim()
    if groups in claims:
        payload[groups] = claims[groups]
    return payload


class TokenAuthorization(UserAuthorization):
    """helusers' record of a verified token: `data` holds its claims.

    The API scopes come from OIDC_API_TOKEN_AUTH's API_AUTHORIZATION_FIELD;
    a claim of an unexpected shape means no scopes rather than an error.
    """

    @cached_property
    def _authorized_api_scopes(self):
        try:
            return get_scopes_from_claims(
                self.settings.API_AUTHORIZATION_FIELD, self.data
            )
        except (TypeError, AttributeError):
            return None
