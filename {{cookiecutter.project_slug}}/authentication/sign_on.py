"""The single sign-on callback, its failures answered as the browser's.

python-social-auth raises an exception for a callback it cannot complete:
one without the session that started the sign-on, a forged or replayed one,
an error sent back by the identity provider. Django would answer each with
a 500 and log a traceback at ERROR, yet any browser can cause them. Here
they get a 400 page that says to start again, and one warning line; an
identity provider that cannot be reached, or fails at the HTTP level, gets a
502.
"""

import logging

from django.http import HttpResponse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from social_core.exceptions import AuthProviderError, SocialAuthBaseException
from social_django.views import complete

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 200
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body>
<h1>Sign-in failed</h1>
<p>{}</p>
<p><a href="/admin/login/">Sign in again</a></p>
</body>
</html>
"""


@never_cache
@csrf_exempt  # as python-social-auth's own view: the provider posts here
def complete_sign_on(request, backend, *args, **kwargs):
    try:
        return complete(request, backend, *args, **kwargs)
    except AuthProviderError as failure:  # unreachable, or answered an error
        reason, status = str(failure), 502
    except SocialAuthBaseException as failure:
        reason, status = str(failure), 400
    reason = reason[:MAX_REASON_LENGTH]
    logger.warning("Sign-on failed: %s", reason)
    return HttpResponse(format_html(PAGE, reason), status=status)
