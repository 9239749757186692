from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from . import health
from .views import ServiceGraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    # A bearer-token API: no cookies authenticate it, so CSRF does not apply.
    path(
        "graphql",
        csrf_exempt(ServiceGraphQLView.as_view(graphiql=settings.ENABLE_GRAPHIQL)),
        name="graphql",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("readiness", health.readiness, name="readiness"),
]
