"""The rules of the Django middleware order, in one place.

Django runs the MIDDLEWARE list top-down on the way in. Some middleware needs
what another one has set up (the session, the user), so it must come later in
the list. Each rule below says which must come first and why.

This module imports nothing from Django or the service on purpose: the
system check in `checks.py` applies it at runtime, and the template's
post-generation hook applies it to `settings.py` before anything is installed.
"""

from typing import NamedTuple

SECURITY = "django.middleware.security.SecurityMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
LOCALE = "django.middleware.locale.LocaleMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOGIN_REQUIRED = "django.contrib.auth.middleware.LoginRequiredMiddleware"
REMOTE_USER = "django.contrib.auth.middleware.RemoteUserMiddleware"
MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"


class Rule(NamedTuple):
    code: str
    first: str
    then: str
    why: str
    # When true, `then` cannot work at all without `first` in the list.
    required: bool = False


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
        "the CSRF check must be done before any middleware that authenticates "
        "the request",
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
)


class Violation(NamedTuple):
    code: str
    message: str


def short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def violations(middleware: list[str] | tuple[str, ...]) -> list[Violation]:
    """Every rule that `middleware` (a MIDDLEWARE list) breaks."""
    position = {path: index for index, path in enumerate(middleware)}
    found = []
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
