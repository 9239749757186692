from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
{%- if cookiecutter.use_admin_sso or cookiecutter.use_gdpr_api %}
{# a blank line before the project's own imports #}
{%- endif %}
{%- if cookiecutter.use_admin_sso %}
from authentication.sign_on import complete_sign_on, start_sign_on
{%- endif %}
{%- if cookiecutter.use_gdpr_api %}
from users.gdpr import GDPRAPIView
{%- endif %}

from .views import ServiceGraphQLView, no_icon

urlpatterns = [
    path("admin/", admin.site.urls),
    # The view checks CSRF itself, for the requests that need it: those that
    # the session alone authenticated (authentication/csrf.py).
    path(
        "graphql",
        csrf_exempt(ServiceGraphQLView.as_view(graphiql=settings.ENABLE_GRAPHIQL)),
        name="graphql",
    ),
    # Every browser asks for it; the answer is that there is none.
    path("favicon.ico", no_icon),
    # /healthz and /readiness, as every City service has them.
    path("", include("helsinki_health_endpoints.urls")),
{%- if cookiecutter.use_gdpr_api %}
    path("gdpr-api/v1/user/<uuid:uuid>", GDPRAPIView.as_view(), name="gdpr-api"),
{%- endif %}
{%- if cookiecutter.use_admin_sso %}
    # python-social-auth's start and callback, their failures answered with
    # a page (authentication/sign_on.py).
    path("login/<str:backend>/", start_sign_on),
    path("complete/<str:backend>/", complete_sign_on),
    path("", include("social_django.urls", namespace="social")),
    path("helauth/", include("helusers.urls")),
{%- endif %}
]
