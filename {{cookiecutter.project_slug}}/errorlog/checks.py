from django.conf import settings
from django.core import checks


@checks.register()
def check_requests_are_not_atomic(app_configs, **kwargs):
    """A failed action's record must not be rolled back with the request."""
    return [
        checks.Error(
            f"DATABASES[{alias!r}] has ATOMIC_REQUESTS on: error log entries "
            "would be rolled back with the request that failed.",
            hint="Leave ATOMIC_REQUESTS off; mutations are atomic already "
            "(graphene-django's ATOMIC_MUTATIONS).",
            id="errorlog.E001",
        )
        for alias, database in settings.DATABASES.items()
        if database.get("ATOMIC_REQUESTS")
    ]
