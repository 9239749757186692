"""Baselines for scripts/benchmark.py, copied into a baked default service.

Each stack serves the same schema from the same code base:

- `floor`: a plain graphene-django view with only Django's own middleware; a
  trusted header stands in for authentication, and no model is audited.
- `view-floor`: the service's own URLs, GraphQL view and resolvers (its
  limits, its document cache, the ACCESS entries its resolvers write) with
  only Django's own middleware, the same trusted header, no Graphene
  middleware and no model audited: what our middleware, authentication and
  audit add, apart from the view.
- `common`: what Helsinki services run today: django-graphql-jwt's
  JSONWebTokenMiddleware in Graphene with an authentication backend around
  helusers' RequestJWTAuthentication, and django-auditlog's middleware with
  the SimpleLazyObject actor fix.

Benchmark-only code: none of it is part of the template.
"""


def django_middleware(ours):
    """Django's own middleware, with the stack's one middleware `ours` after
    AuthenticationMiddleware."""
    return [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        ours,
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
