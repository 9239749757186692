from example_service.settings import *  # noqa: F403

from benchstacks import SILENCED_SYSTEM_CHECKS, django_middleware  # noqa: F401

# The service's own URLs, GraphQL view and resolvers (which record reads as
# ACCESS entries, as the schema's own code); only Django's own middleware and
# a trusted header in place of the bearer token; no Graphene middleware; no
# model audited.
MIDDLEWARE = django_middleware("benchstacks.support.TrustedHeaderMiddleware")
GRAPHENE = {**GRAPHENE, "MIDDLEWARE": []}  # noqa: F405
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_EXCLUDE_TRACKING_MODELS = ()
AUDITLOG_EXCLUDE_TRACKING_FIELDS = ()
