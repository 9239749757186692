"""Reading settings from the environment, with a clear error for a bad value.

django-environ parses the values; the functions here add the checks it does
not make, so that a typo in a variable fails at start-up and names the
variable instead of silently meaning something else.
"""

import warnings
{%- if cookiecutter.use_audit_log_shipping %}
from urllib.parse import urlsplit
{%- endif %}

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
DATABASE_ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgres",
}
DATABASE_URL_FORMS = (
    "sqlite:////absolute/path.sqlite3 or postgres://user:password@host:5432/name"
)


def flag(name: str, *, default: bool) -> bool:
    """A yes/no variable; anything but a known word is an error, not `False`."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    allowed = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS))
    raise ImproperlyConfigured(f"{name} must be one of {allowed}; got {raw!r}.")


def choice(name: str, choices: tuple[str, ...], *, default: str) -> str:
    """A variable that takes one of a few fixed words; empty means the default."""
    value = env.str(name, default="").strip() or default
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name} must be one of {', '.join(choices)}; got {value!r}."
        )
    return value


def comma_list(name: str, *, default: list[str]) -> list[str]:
    """A comma-separated list; spaces around items and empty items are dropped."""
    items = [item.strip() for item in env.str(name, default="").split(",")]
    return [item for item in items if item] or default


def number(name, *, default, minimum, maximum, whole=False):
    """A number between `minimum` and `maximum`, both included."""
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    kind = "a whole number" if whole else "a number"
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:
        raise ImproperlyConfigured(
            f"{name} must be {kind} from {minimum:g} to {maximum:g}; got {raw!r}."
        )
    return value


{%- if cookiecutter.use_audit_log_shipping %}


def required(name: str, *, because: str) -> str:
    """A variable that must not be empty, for the reason `because` gives."""
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set {because}.")
    return value


def http_url(name: str) -> str:
    """An http:// or https:// URL with a host, or "" when the variable is unset.

    The error never repeats the URL itself: it may hold a password.
    """
    value = env.str(name, default="").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must be an http:// or https:// URL with a host, such as "
            "https://elasticsearch.example:9200."
        )
    return value
{%- endif %}


def secret_key(*, debug: bool) -> str:
    """SECRET_KEY is required unless DEBUG is on, where a fixed key is fine."""
    value = env.str("SECRET_KEY", default="")
    if value:
        return value
    if debug:
        return "django-insecure-local-development-only"
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment (or in .env); "
        "it may only be left out when DEBUG is on."
    )


def database(name: str, *, default: str) -> dict:
    """A database from a URL, limited to the engines this service supports.

    The error never repeats the URL itself: it may hold a password.
    """
    raw = env.str(name, default="") or default
    scheme = raw.partition("://")[0] if "://" in raw else ""
    try:
        with warnings.catch_warnings():  # the error below says it better
            warnings.simplefilter("ignore")
            config = env.db_url_config(raw)
    except Exception as error:  # django-environ raises many kinds here
        raise ImproperlyConfigured(
            f"{name} could not be parsed; use {DATABASE_URL_FORMS}."
        ) from error
    if config.get("ENGINE") not in DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"{name} has an unsupported scheme {scheme!r}; use {DATABASE_URL_FORMS}."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(
            f"{name} names no database; use {DATABASE_URL_FORMS}."
        )
    return config
