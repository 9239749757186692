"""The rules of the middleware order, in one place.

Django runs the MIDDLEWARE list top-down on the way in, so a middleware can
only use what the ones above it have set up (the session, the user, the
request id). Each rule says which must come first and why; some middleware
must be there at all.

This module imports nothing from Django or the service on purpose: the
system check in `checks.py` applies it at runtime, and the template's
post-generation hook applies it to `settings.py` before anything is installed.
"""

from typing import NamedTuple

SECURITY = "django.middleware.security.SecurityMiddleware"
STATIC_FILES = "whitenoise.middleware.WhiteNoiseMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
LOCALE = "django.middleware.locale.LocaleMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOGIN_REQUIRED = "django.contrib.auth.middleware.LoginRequiredMiddleware"
REMOTE_USER = "django.contrib.auth.middleware.RemoteUserMiddleware"
MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"
CORS = "corsheaders.middleware.CorsMiddleware"
CSP = "common.content_security_policy.CSPMiddleware"
REQUEST_ID = "logger_extra.middleware.XRequestIdMiddleware"
CLIENT_ADDRESS = "common.client_address.ClientAddressMiddleware"
AUDIT = "audit.middleware.AuditlogMiddleware"
JWT = "authentication.middleware.JWTAuthenticationMiddleware"
GRAPHENE_JWT = "authentication.graphql.JWTMiddleware"
PASSWORD_ATTEMPTS = "axes.middleware.AxesMiddleware"


class Rule(NamedTuple):
    """`first` must come before `then` in MIDDLEWARE."""

    code: str
    first: str
    then: str
    why: str
    # When true, `then` cannot work at all without `first` in the list.
    required: bool = False


class Presence(NamedTuple):
    """`path` must be in the middleware list named by `setting`."""

    code: str
    setting: str
    path: str
    why: str


RULES = (
    Rule(
        "E001",
        SECURITY,
        SESSION,
        "the HTTPS redirect and security headers must apply before any other "
        "middleware does work on the request",
    ),
    Rule(
        "E002",
        SESSION,
        AUTHENTICATION,
        "AuthenticationMiddleware reads the logged-in user from the session",
        required=True,
    ),
    Rule(
        "E003",
        SESSION,
        MESSAGES,
        "MessageMiddleware keeps messages in the session",
        required=True,
    ),
    Rule(
        "E004",
        CSRF,
        AUTHENTICATION,
        "Django's documented order: CSRF protection comes before authentication "
        "middleware, which may log a user in and so rotate the CSRF token",
    ),
    Rule(
        "E005",
        AUTHENTICATION,
        LOGIN_REQUIRED,
        "LoginRequiredMiddleware reads request.user, which "
        "AuthenticationMiddleware sets",
        required=True,
    ),
    Rule(
        "E006",
        AUTHENTICATION,
        REMOTE_USER,
        "RemoteUserMiddleware replaces request.user, which "
        "AuthenticationMiddleware sets",
        required=True,
    ),
    Rule(
        "E007",
        CSRF,
        REMOTE_USER,
        "RemoteUserMiddleware logs users in, which rotates the CSRF token; the "
        "CSRF check must run first",
    ),
    Rule(
        "E026",
        SECURITY,
        STATIC_FILES,
        "static files get the HTTPS redirect and the security headers too",
    ),
    Rule(
        "E027",
        STATIC_FILES,
        SESSION,
        "a static file is served before any work on the session, the user or "
        "the database",
    ),
    Rule(
        "E008",
        SESSION,
        LOCALE,
        "LocaleMiddleware reads the chosen language from the session",
    ),
    Rule(
        "E009",
        LOCALE,
        COMMON,
        "CommonMiddleware's slash redirects must see the language prefix",
    ),
    Rule(
        "E010",
        REQUEST_ID,
        SECURITY,
        "every response, the HTTPS redirect included, and every log line must "
        "carry the request id",
    ),
    Rule(
        "E011",
        REQUEST_ID,
        AUDIT,
        "the audit log uses the request id as the correlation id of its entries",
        required=True,
    ),
    Rule(
        "E015",
        REQUEST_ID,
        CLIENT_ADDRESS,
        "its warning about an unusable client address must carry the request id",
    ),
    Rule(
        "E016",
        CLIENT_ADDRESS,
        AUDIT,
        "audit log entries record the client's address, which "
        "ClientAddressMiddleware settles",
        required=True,
    ),
    Rule(
        "E028",
        LOCALE,
        PASSWORD_ATTEMPTS,
        "AxesMiddleware answers a locked-out sign-in with a page in the "
        "request's language, which LocaleMiddleware sets",
    ),
    Rule(
        "E029",
        CSP,
        PASSWORD_ATTEMPTS,
        "the page AxesMiddleware answers a locked-out sign-in with must get the "
        "Content-Security-Policy header too",
    ),
    Rule(
        "E014",
        CORS,
        COMMON,
        "CorsMiddleware must see a request before any middleware that may "
        "answer it, so that the answer carries the CORS headers too",
    ),
)

PRESENCE = (
    Presence(
        "E012",
        "MIDDLEWARE",
        AUTHENTICATION,
        "a request without a Bearer token gets its user (the admin's session) "
        "from it, and JWTAuthenticationMiddleware replaces that user when a "
        "token comes",
    ),
    Presence(
        "E020",
        "MIDDLEWARE",
        JWT,
        "it verifies Bearer tokens and keeps a failure for the GraphQL layer",
    ),
    Presence(
        "E021",
        "MIDDLEWARE",
        AUDIT,
        "it gives every audit log entry its actor, address and correlation id",
    ),
    Presence(
        "E023",
        "MIDDLEWARE",
        CLIENT_ADDRESS,
        "it takes the client's address from X-Forwarded-For as far as "
        "TRUSTED_PROXY_COUNT proxies vouch for it, for the records and the logs",
    ),
    Presence(
        "E022",
        "GRAPHENE['MIDDLEWARE']",
        GRAPHENE_JWT,
        "without it an invalid token is ignored and every GraphQL root field "
        "is open to anyone",
    ),
    Presence(
        "E024",
        "MIDDLEWARE",
        CORS,
        "it answers browsers on other origins, as CORS_ALLOWED_ORIGINS allows",
    ),
    Presence(
        "E030",
        "MIDDLEWARE",
        PASSWORD_ATTEMPTS,
        "it answers a locked-out password sign-in with the lockout page; "
        "without it the attempt is refused as if the password were wrong",
    ),
    Presence(
        "E025",
        "MIDDLEWARE",
        CSP,
        "it sets the Content-Security-Policy header on every page (django-csp's "
        "middleware, with the site-wide policy built once)",
    ),
)


class Violation(NamedTuple):
    code: str
    message: str


def short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def violations(middleware, graphene_middleware) -> list[Violation]:
    """Every rule that MIDDLEWARE and GRAPHENE['MIDDLEWARE'] break."""
    position = {path: index for index, path in enumerate(middleware)}
    lists = {"MIDDLEWARE": middleware, "GRAPHENE['MIDDLEWARE']": graphene_middleware}
    found = [
        Violation(need.code, f"{need.setting} must include {need.path}: {need.why}.")
        for need in PRESENCE
        if need.path not in lists[need.setting]
    ]
    for rule in RULES:
        if rule.then not in position:
            continue
        if rule.first not in position:
            if rule.required:
                found.append(
                    Violation(
                        rule.code,
                        f"{short(rule.then)} needs {short(rule.first)} before "
                        f"it in MIDDLEWARE, but it is missing: {rule.why}.",
                    )
                )
        elif position[rule.first] > position[rule.then]:
            found.append(
                Violation(
                    rule.code,
                    f"{short(rule.first)} must come before {short(rule.then)} "
                    f"in MIDDLEWARE: {rule.why}.",
                )
            )
    return found
