from django.conf import settings
from django.contrib import admin
{%- if cookiecutter.use_gdpr_api or cookiecutter.use_admin_sso %}
from django.urls import include, path
{%- else %}
from django.urls import path
{%- endif %}
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
{%- if cookiecutter.use_gdpr_api %}
    path("gdpr-api/", include("helsinki_gdpr.urls")),
{%- endif %}
{%- if cookiecutter.use_admin_sso %}
    path("", include("social_django.urls", namespace="social")),
    path("helauth/", include("helusers.urls")),
{%- endif %}
]
