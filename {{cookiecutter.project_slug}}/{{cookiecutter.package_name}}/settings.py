"""Django settings. Every deployment-specific value comes from the environment.

`.env.example` lists each variable. A `.env` file next to `manage.py` is read
when present; variables already set in the real environment win over it.
"""

import datetime
import tomllib
from pathlib import Path
{%- if cookiecutter.use_admin_sso %}
from urllib.parse import urlsplit
{%- endif %}

from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONE, SELF, UNSAFE_INLINE

from .environment import (
    choice,
    comma_list,
    database,
    env,
    flag,
{%- if cookiecutter.use_audit_log_shipping %}
    http_url,
{%- endif %}
    number,
{%- if cookiecutter.use_audit_log_shipping %}
    required,
{%- endif %}
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Local development reads .env; the image never has one, and the tests turn
# it off (pyproject.toml), so that a developer's settings change no verdict.
if flag("READ_DOT_ENV", default=True) and (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = flag("DEBUG", default=False)
# System checks to skip, by id: only for a test run that must bend a rule on
# purpose (a production-like server trusting a test issuer on 127.0.0.1).
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
SECRET_KEY = secret_key(debug=DEBUG)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Production runs behind a proxy that ends TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the service append to X-Forwarded-For: the
# client's address is that many entries from its right (client_address.py).
# 1 is the platform's router; 0 uses the socket's peer only.
TRUSTED_PROXY_COUNT = number(
    "TRUSTED_PROXY_COUNT", default=1, minimum=0, maximum=10, whole=True
)
SECURE_SSL_REDIRECT = flag("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readiness$"]  # probes use plain HTTP
SECURE_HSTS_SECONDS = number(
    "SECURE_HSTS_SECONDS",
    default=0 if DEBUG else 31_536_000,
    minimum=0,
    maximum=63_072_000,
    whole=True,
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = flag("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG

# What the serviceInfo query reports; pyproject.toml is the one place for both.
with (BASE_DIR / "pyproject.toml").open("rb") as file:
    _pyproject = tomllib.load(file)
SERVICE_NAME = _pyproject["tool"]["service"]["name"]
# The version release-please writes; /readiness reads the same line.
SERVICE_VERSION = _pyproject["project"]["version"]

INSTALLED_APPS = [
{%- if cookiecutter.use_admin_sso %}
    "helusers.apps.HelusersAdminConfig",  # Django's admin, with single sign-on
{%- else %}
    "django.contrib.admin",
{%- endif %}
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "csp",
    "helsinki_health_endpoints",
    "helusers.apps.HelusersConfig",
    "logger_extra",
{%- if cookiecutter.use_admin_sso %}
    "social_django",
{%- endif %}
{%- if cookiecutter.use_gdpr_api %}
    "rest_framework",
{%- endif %}
    "auditlog",
    "axes",
    "graphene_django",
    "{{ cookiecutter.package_name }}",
    "authentication",
    "audit",
{%- if cookiecutter.use_error_log %}
    "errorlog",
{%- endif %}
    "users",
{%- if cookiecutter.use_audit_log_shipping %}
    # After audit, whose shipping commands take the place of its own.
    "resilient_logger",
{%- endif %}
]

# The order matters. middleware_order.py, next to this file, holds the rules and a
# system check enforces them; README.md explains why each one is where it is.
MIDDLEWARE = [
    "logger_extra.middleware.XRequestIdMiddleware",
    "common.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "common.content_security_policy.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditlogMiddleware",
    "authentication.middleware.JWTAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "{{ cookiecutter.package_name }}.urls"
WSGI_APPLICATION = "{{ cookiecutter.package_name }}.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads write at once (runserver, the threaded-server tests): let a
    # writer wait for the lock instead of failing, and give tests a file that all
    # threads share rather than a private in-memory database each.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": BASE_DIR / "test-db.sqlite3"}
else:
    # PostgreSQL: each gunicorn thread keeps its connection between requests
    # (a new one costs about as much as the request itself) and checks it
    # before reusing it, so a database restart costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = number(
        "DATABASE_CONN_MAX_AGE", default=60, minimum=0, maximum=3600, whole=True
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# A response is in the language the request's Accept-Language header prefers
# among these (LocaleMiddleware), and in LANGUAGE_CODE when it names none of
# them: GraphQL errors, REST views and the admin alike. The service's own
# messages are translated in locale/.
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

# The service serves its own static files with WhiteNoise, so the admin and
# GraphiQL work without the platform's help. collectstatic (the image runs it)
# writes compressed copies named by their content, which browsers keep for a
# year; while debugging, files are served from the apps as they change.
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "common.static_files.StaticFiles"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

GRAPHENE = {
    "SCHEMA": "{{ cookiecutter.package_name }}.schema.schema",
    # graphql-core runs the last one outermost.
    "MIDDLEWARE": [
        "authentication.graphql.JWTMiddleware",
    ],
    # Each mutation document runs in a transaction; a failed one is rolled back.
    "ATOMIC_MUTATIONS": True,
}
ENABLE_GRAPHIQL = flag("ENABLE_GRAPHIQL", default=DEBUG)
# Introspection (and the "did you mean" hints that also reveal the schema)
# only where someone explores the API: GraphiQL needs it.
ENABLE_GRAPHQL_INTROSPECTION = flag(
    "ENABLE_GRAPHQL_INTROSPECTION", default=DEBUG or ENABLE_GRAPHIQL
)
GRAPHQL_QUERY_DEPTH_LIMIT = number(
    "GRAPHQL_QUERY_DEPTH_LIMIT", default=10, minimum=1, maximum=100, whole=True
)
# Bigger requests are refused before they are read, longer documents before
# they are parsed (graphql-core's parser takes about 5 ms per kB), and
# documents with more aliases before they run.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
GRAPHQL_MAX_DOCUMENT_LENGTH = number(
    "GRAPHQL_MAX_DOCUMENT_LENGTH",
    default=20_000,
    minimum=1_000,
    maximum=DATA_UPLOAD_MAX_MEMORY_SIZE,
    whole=True,
)
GRAPHQL_MAX_TOKENS = number(
    "GRAPHQL_MAX_TOKENS", default=1_500, minimum=100, maximum=100_000, whole=True
)
GRAPHQL_MAX_ALIASES = number(
    "GRAPHQL_MAX_ALIASES", default=200, minimum=1, maximum=10_000, whole=True
)
# Each mutation field writes (and is audited): a document runs at most this many.
GRAPHQL_MAX_MUTATION_FIELDS = number(
    "GRAPHQL_MAX_MUTATION_FIELDS", default=10, minimum=1, maximum=1_000, whole=True
)

# Browsers on other origins that may call the API.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOWED_ORIGIN_REGEXES = env.list("CORS_ALLOWED_ORIGIN_REGEXES", default=[])
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-request-id")
CORS_EXPOSE_HEADERS = ["x-request-id"]

# The API answers JSON; these limits are for the admin and GraphiQL pages
# (views.py loosens them for GraphiQL).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Django's admin (5.2) still sets a few inline styles.
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Bearer tokens, verified by helusers against the identity provider.
OIDC_API_TOKEN_AUTH = {
    "ISSUER": env.list("TOKEN_AUTH_AUTHSERVER_URL", default=[]),
    "AUDIENCE": env.str("TOKEN_AUTH_ACCEPTED_AUDIENCE", default=""),
    "API_SCOPE_PREFIX": env.str("TOKEN_AUTH_ACCEPTED_SCOPE_PREFIX", default=""),
    "REQUIRE_API_SCOPE_FOR_AUTHENTICATION": flag(
        "TOKEN_AUTH_REQUIRE_SCOPE_PREFIX", default=False
    ),
    # The claims that hold the token's API scopes: Tunnistamo's
    # https://api.hel.fi/auth, Keycloak's authorization.permissions.scopes.
    "API_AUTHORIZATION_FIELD": comma_list(
        "TOKEN_AUTH_API_AUTHORIZATION_FIELD", default=["https://api.hel.fi/auth"]
    ),
    # How long the issuer's signing keys are used before they are refreshed.
    "OIDC_CONFIG_EXPIRATION_TIME": number(
        "TOKEN_AUTH_KEYS_CACHE_SECONDS",
        default=24 * 60 * 60,
        minimum=1,
        maximum=7 * 24 * 60 * 60,
        whole=True,
    ),
}
# How long one request may wait for the issuer's keys; how soon a token with
# an unknown key id may make them be fetched again (the issuer rotated its
# key); and how long a failed first fetch is remembered.
TOKEN_AUTH_ISSUER_TIMEOUT = number(
    "TOKEN_AUTH_ISSUER_TIMEOUT", default=3, minimum=0.1, maximum=5
)
TOKEN_AUTH_KEYS_REFETCH_COOLDOWN = number(
    "TOKEN_AUTH_KEYS_REFETCH_COOLDOWN", default=10, minimum=1, maximum=3600
)
TOKEN_AUTH_ISSUER_RETRY_INTERVAL = 2.0
# The oldest token (by its `iat`) accepted, in seconds. Access tokens live
# minutes to an hour; a deleted account's uuid is remembered this long, so
# that no token from before the deletion brings the account back.
TOKEN_AUTH_MAX_AGE = number(
    "TOKEN_AUTH_MAX_AGE",
    default=24 * 60 * 60,
    minimum=60,
    maximum=30 * 24 * 60 * 60,
    whole=True,
)
# How many verified tokens each process remembers, so that a client's next
# requests skip the signature check (authentication/tokens.py); 0: none.
TOKEN_AUTH_VERIFIED_CACHE_SIZE = number(
    "TOKEN_AUTH_VERIFIED_CACHE_SIZE",
    default=1000,
    minimum=0,
    maximum=100_000,
    whole=True,
)

# Audit log: every model is tracked unless it is listed here.
AUDITLOG_INCLUDE_ALL_MODELS = True
AUDITLOG_EXCLUDE_TRACKING_MODELS = (
    "admin.LogEntry",  # Django admin's own log
    "auth.Permission",  # written by migrations
    "contenttypes.ContentType",  # written by migrations
    "sessions.Session",  # session data, changing on every login
    "users.DeletedUser",  # a deleted account's uuid, for TOKEN_AUTH_MAX_AGE
    "axes",  # failed password sign-ins, counted for the lockout
{%- if cookiecutter.use_admin_sso %}
    "social_django",  # single sign-on state, OAuth tokens among it
{%- endif %}
{%- if cookiecutter.use_error_log %}
    "errorlog.ErrorLogEntry",  # failed actions, a log of its own
{%- endif %}
{%- if cookiecutter.use_audit_log_shipping %}
    "resilient_logger",  # its own log table, which the service does not use
{%- endif %}
)
# Never written into a LogEntry, in any model.
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ("password", "last_login")

# Failed password sign-ins (django-axes, authentication/password_attempts.py):
# after AXES_FAILURE_LIMIT failures from one client address, or with one user
# name, password sign-in is refused for AXES_COOLOFF_TIME without checking
# the password or writing anything. Unlock early: manage.py axes_reset.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "authentication.password_attempts.client_address"
AXES_LOCKOUT_CALLABLE = "authentication.password_attempts.locked_out"
AXES_VERBOSE = False  # no banner in the log at every start
{%- if not cookiecutter.use_admin_sso %}
AUTHENTICATION_BACKENDS = [
    "authentication.password_attempts.PasswordAttempts",
    "django.contrib.auth.backends.ModelBackend",
]
{%- endif %}
AUDITLOG_CID_GETTER = "common.request_id.current_request_id"

# Every LogEntry carries the request id in additional_data["request_id"] too
# (django-logger-extra copies its logger context there).
LOGGER_EXTRA_AUGMENT_DJANGO_AUDITLOG = True

# Log lines carry the id of the request they belong to: JSON lines in
# production (django-logger-extra's formatter, the id under "context"), plain
# lines while debugging.
LOG_FORMAT = choice(
    "LOG_FORMAT", ("json", "plain"), default="plain" if DEBUG else "json"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "logger_extra.filter.LoggerContextFilter"},
        "client_mistake": {
            "()": "{{ cookiecutter.package_name }}.log_filters.ClientMistake",
        },
    },
    "formatters": {
        "json": {"()": "logger_extra.formatter.JSONFormatter"},
        "plain": {
            "()": "logging.Formatter",
            "fmt": "%(asctime)s %(levelname)s [%(request_id)s %(client_address)s] "
            "%(name)s: %(message)s",
            "defaults": {"request_id": "-", "client_address": "-"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "loggers": {
        # Django adds a console handler of its own to "django" while DEBUG is
        # on; without this, each of its lines would be printed twice.
        "django": {"handlers": [], "propagate": True},
        # A request for a host the service does not serve: the client's doing.
        "django.security.DisallowedHost": {"filters": ["client_mistake"]},
    },
    "root": {
        "handlers": ["console"],
        "level": choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO"
        ),
    },
}
{%- if cookiecutter.use_audit_log_shipping %}

# The City's central audit log (an Elasticsearch index): manage.py
# submit_unsent_entries ships the audit log{% if cookiecutter.use_error_log %} and the error log{% endif %} there with
# django-resilient-logger (audit/shipping.py). Shipping is on exactly when
# AUDIT_LOG_ES_URL is set; the other variables must be set with it.
AUDIT_LOG_ES_URL = http_url("AUDIT_LOG_ES_URL")
RESILIENT_LOGGER = {
    "origin": env.str("AUDIT_LOG_ORIGIN", default=_pyproject["project"]["name"]),
    "environment": env.str("AUDIT_LOG_ENV", default=""),
    "sources": [
        {"class": "audit.resilient.AuditLogSource"},
{%- if cookiecutter.use_error_log %}
        {"class": "errorlog.shipping.ErrorLogSource"},
{%- endif %}
    ],
    "targets": [],
}
if AUDIT_LOG_ES_URL:
    _WITH_URL = "when AUDIT_LOG_ES_URL is set"
    RESILIENT_LOGGER["environment"] = required("AUDIT_LOG_ENV", because=_WITH_URL)
    RESILIENT_LOGGER["targets"] = [
        {
            "class": "audit.resilient.StoreTarget",
            "es_url": AUDIT_LOG_ES_URL,
            "es_index": required("AUDIT_LOG_ES_INDEX", because=_WITH_URL),
            "es_username": required("AUDIT_LOG_ES_USERNAME", because=_WITH_URL),
            "es_password": required("AUDIT_LOG_ES_PASSWORD", because=_WITH_URL),
            "timeout": 10,  # seconds for each request to the store
            "required": True,
        }
    ]
{%- endif %}
{%- if cookiecutter.use_gdpr_api %}

# Helsinki Profile's GDPR API (helsinki-profile-gdpr-api): the profile service
# asks at /gdpr-api/v1/user/<uuid> for a user's data, or to delete it, with a
# token that carries one of these API scopes (Tunnistamo names them with the
# service's prefix, Keycloak without: gdprquery, gdprdelete).
GDPR_API_MODEL = "users.User"
GDPR_API_MODEL_LOOKUP = "uuid"
GDPR_API_USER_PROVIDER = "users.gdpr.the_user_itself"
GDPR_API_DELETER = "users.gdpr.delete_user_data"
GDPR_API_QUERY_SCOPE = env.str(
    "GDPR_API_QUERY_SCOPE",
    default="{{ cookiecutter.project_slug }}.gdprquery",
)
GDPR_API_DELETE_SCOPE = env.str(
    "GDPR_API_DELETE_SCOPE",
    default="{{ cookiecutter.project_slug }}.gdprdelete",
)
{%- endif %}
{%- if cookiecutter.use_admin_sso %}

# Admin sign-in with Helsinki single sign-on (Tunnistamo, or Keycloak) through
# helusers' backend for python-social-auth.
SOCIAL_AUTH_TUNNISTAMO_KEY = env.str("SOCIAL_AUTH_TUNNISTAMO_KEY", default="")
SOCIAL_AUTH_TUNNISTAMO_SECRET = env.str("SOCIAL_AUTH_TUNNISTAMO_SECRET", default="")
SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT = env.str(
    "SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT", default="https://tunnistamo.hel.fi/openid"
)
# helusers' pipeline (helusers.defaults), two of its steps in the versions of
# authentication/sign_on.py; without fetch_api_tokens, which fetches API
# tokens for a browser the admin does not give them to.
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "helusers.pipeline.ensure_uid_is_uuid",
    "helusers.pipeline.ensure_uuid_match",
    "helusers.pipeline.get_username",
    "social_core.pipeline.social_auth.social_user",
    "authentication.sign_on.create_or_update_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "authentication.sign_on.store_end_session_url",
)
SOCIAL_AUTH_REQUESTS_TIMEOUT = TOKEN_AUTH_ISSUER_TIMEOUT
SESSION_SERIALIZER = "helusers.sessions.TunnistamoOIDCSerializer"
LOGIN_REDIRECT_URL = "/admin/"
LOGOUT_REDIRECT_URL = "/admin/"
# Passwords for the admin too, beside single sign-on. Off: only sign-on.
ADMIN_PASSWORD_LOGIN = flag("ADMIN_PASSWORD_LOGIN", default=False)
HELUSERS_PASSWORD_LOGIN_DISABLED = not ADMIN_PASSWORD_LOGIN
AUTHENTICATION_BACKENDS = [
    "authentication.password_attempts.PasswordAttempts",
    "helusers.tunnistamo_oidc.TunnistamoOIDCAuth",
    "django.contrib.auth.backends.ModelBackend"
    if ADMIN_PASSWORD_LOGIN
    else "authentication.sign_on.PermissionsWithoutPasswords",
]
# The sign-in form posts to the service, which redirects to the identity
# provider: browsers check that redirect against form-action.
_oidc_endpoint = urlsplit(SOCIAL_AUTH_TUNNISTAMO_OIDC_ENDPOINT)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
    f"{_oidc_endpoint.scheme}://{_oidc_endpoint.netloc}"
)
{%- endif %}
{%- if cookiecutter.use_sentry %}

# Error reports go to Sentry only when a DSN is given. /readiness reports the
# release too.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default=SERVICE_VERSION)
if SENTRY_DSN:
    from .sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=SENTRY_RELEASE,
        traces_sample_rate=number(
            "SENTRY_TRACES_SAMPLE_RATE", default=0.0, minimum=0, maximum=1
        ),
    )
{%- endif %}
