from example_service.settings import *  # noqa: F403

from benchstacks import django_middleware

MIDDLEWARE = django_middleware("benchstacks.support.TrustedHeaderMiddleware")
ROOT_URLCONF = "benchstacks.support"
GRAPHENE = {**GRAPHENE, "MIDDLEWARE": []}  # noqa: F405
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_EXCLUDE_TRACKING_MODELS = ()
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ()
