"""The pieces the baseline stacks need."""

from auditlog.context import set_actor
from auditlog.middleware import AuditlogMiddleware
from django.contrib.auth import get_user_model
from django.urls import path
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from helsinki_health_endpoints.views import healthz
from helusers.oidc import RequestJWTAuthentication


class TrustedHeaderMiddleware:
    """Floor: the user named by X-Bench-User, with no verification at all.

    The service's view checks CSRF for a request that a session alone
    authenticated; the header stands in for a bearer token, which is exempt.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._dont_enforce_csrf_checks = True
        subject = request.headers.get("X-Bench-User")
        if subject:
            request.user = get_user_model().objects.get(uuid=subject)
        return self.get_response(request)


class HelusersTokenBackend:
    """Common stack: a Django authentication backend around helusers."""

    def authenticate(self, request, **credentials):
        user_auth = RequestJWTAuthentication().authenticate(request)
        return user_auth.user if user_auth else None

    def get_user(self, user_id):
        return get_user_model().objects.filter(pk=user_id).first()


class LazyActorAuditlogMiddleware(AuditlogMiddleware):
    """Common stack: upstream's middleware with the SimpleLazyObject actor fix."""

    def __call__(self, request):
        user = SimpleLazyObject(lambda: getattr(request, "user", None))
        with set_actor(actor=user, remote_addr=self._get_remote_addr(request)):
            return self.get_response(request)


urlpatterns = [
    path("graphql", csrf_exempt(GraphQLView.as_view())),
    path("healthz", healthz),
]
