from example_service.settings import *  # noqa: F403

from benchstacks import SILENCED_SYSTEM_CHECKS, django_middleware  # noqa: F401

MIDDLEWARE = django_middleware("benchstacks.support.LazyActorAuditlogMiddleware")
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
