"""Baselines for scripts/benchmark.py, copied into a baked default service.

Each stack serves the same schema from the same code base:

- `floor`: the service's own URLs, GraphQL view and resolvers (its limits,
  its document cache, the ACCESS entries its resolvers write) with only
  Django's own middleware, a trusted header standing in for the bearer
  token, no Graphene middleware and no model audited: against it, the cost
  of what our middleware, authentication and audit add.
- `common`: what Helsinki services run today: graphene-django's stock view,
  django-graphql-jwt's JSONWebTokenMiddleware in Graphene with an
  authentication backend around helusers' RequestJWTAuthentication, and
  django-auditlog's middleware with the SimpleLazyObject actor fix.

Benchmark-only code: none of it is part of the template.
"""


def django_middleware(ours):
    """Django's own middleware, as the service orders it, with the stack's one
    middleware `ours` after AuthenticationMiddleware."""
    return [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        ours,
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]


# The service's checks that the baselines fail on purpose: they leave out its
# middleware and audit no model.
SILENCED_SYSTEM_CHECKS = [
    *(f"example_service.E0{number}" for number in range(20, 26)),
    "audit.E001",
]
