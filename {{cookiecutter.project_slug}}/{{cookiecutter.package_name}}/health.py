"""Health endpoints for the platform: is the process up, can it serve requests."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@require_safe
def healthz(request):
    """The process answers. Touches nothing else, so it stays cheap."""
    return JsonResponse({"status": "ok"})


@require_safe
def readiness(request):
    """The service can do its work: the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Readiness check failed: the database is not reachable")
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
