"""The service's URLs, a view that shows what the middleware decided, and GraphiQL."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from {{ cookiecutter.package_name }}.views import ServiceGraphQLView


def whoami(request):
    user_auth = getattr(request, "user_auth", None)
    error = request.auth_error
    return JsonResponse(
        {
            "authenticated": request.user.is_authenticated,
            "uuid": str(request.user.uuid) if request.user.is_authenticated else None,
            "sub": user_auth.data["sub"] if user_auth else None,
            "auth_error": type(error).__name__ if error else None,
        }
    )


urlpatterns = [
    path("whoami", whoami),
    # As /graphql is where ENABLE_GRAPHIQL is on.
    path("graphiql", csrf_exempt(ServiceGraphQLView.as_view(graphiql=True))),
    path("", include("{{ cookiecutter.package_name }}.urls")),
]
