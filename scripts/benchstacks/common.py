from example_service.settings import *  # noqa: F403

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "benchstacks.support.LazyActorAuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "benchstacks.support"
AUTHENTICATION_BACKENDS = [
    "benchstacks.support.HelusersTokenBackend",
    "django.contrib.auth.backends.ModelBackend",
]
GRAPHENE = {
    **GRAPHENE,  # noqa: F405
    "MIDDLEWARE": ["graphql_jwt.middleware.JSONWebTokenMiddleware"],
}
# django-graphql-jwt expects "JWT <token>" unless told otherwise.
GRAPHQL_JWT = {"JWT_AUTH_HEADER_PREFIX": "Bearer"}
