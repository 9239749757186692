"""The service's URLs plus a view that shows what the middleware decided."""

from django.http import JsonResponse
from django.urls import include, path


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
    path("", include("{{ cookiecutter.package_name }}.urls")),
]
