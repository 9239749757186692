"""Baselines for scripts/benchmark.py, copied into a baked default service.

Each stack serves the same schema from the same code base:

- `floor`: a plain graphene-django view with only Django's own middleware; a
  trusted header stands in for authentication, and no model is audited.
- `common`: what Helsinki services run today: django-graphql-jwt's
  JSONWebTokenMiddleware in Graphene with an authentication backend around
  helusers' RequestJWTAuthentication, and django-auditlog's middleware with
  the SimpleLazyObject actor fix.

Benchmark-only code: none of it is part of the template.
"""
