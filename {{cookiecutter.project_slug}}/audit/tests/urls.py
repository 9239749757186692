"""The service's URLs plus a view that authenticates a user by itself.

It stands for a DRF view with helusers' ApiTokenAuthentication, or any view
that sets request.user on its own, after the middleware has run.
"""

from django.conf import settings
from django.http import JsonResponse
from django.urls import include, path

from users.models import User


def sign_in_inside_the_view(request, username):
    """Write one entry while anonymous, sign the user in, write another."""
    user = User.objects.create(username=username)  # the request is anonymous here
    request.user = user
    user.preferred_language = User.Language.SWEDISH
    user.save()
    return JsonResponse({"uuid": str(user.uuid)})


urlpatterns = [
    path("sign-in/<str:username>", sign_in_inside_the_view),
    path("", include(settings.ROOT_URLCONF)),
]
