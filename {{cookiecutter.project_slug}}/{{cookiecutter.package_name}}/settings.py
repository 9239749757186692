"""Django settings. Every deployment-specific value comes from the environment.

`.env.example` lists each variable. A `.env` file next to `manage.py` is read
when present; variables already set in the real environment win over it.
"""

import tomllib
from pathlib import Path

from .environment import choice, database, env, flag, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
env.read_env(BASE_DIR / ".env")

DEBUG = flag("DEBUG", default=False)
SECRET_KEY = secret_key(debug=DEBUG)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

# What the serviceInfo query reports; pyproject.toml is the one place for both.
with (BASE_DIR / "pyproject.toml").open("rb") as file:
    _pyproject = tomllib.load(file)
SERVICE_NAME = _pyproject["tool"]["service"]["name"]
SERVICE_VERSION = env.str("SERVICE_VERSION", default=_pyproject["project"]["version"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "helusers.apps.HelusersConfig",
    "auditlog",
    "graphene_django",
    "{{ cookiecutter.package_name }}",
    "users",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", "suomi"), ("sv", "svenska"), ("en", "English")]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "static")

GRAPHENE = {"SCHEMA": "{{ cookiecutter.package_name }}.schema.schema"}
ENABLE_GRAPHIQL = flag("ENABLE_GRAPHIQL", default=DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO"
        ),
    },
}
