from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
{%- if cookiecutter.use_gdpr_api %}
from helsinki_gdpr.models import SerializableMixin
{%- endif %}
from helusers.models import AbstractUser

from audit.updates import ExactUpdateEntries


{%- if cookiecutter.use_gdpr_api %}


class User(AbstractUser, ExactUpdateEntries, SerializableMixin):
{%- else %}


class User(AbstractUser, ExactUpdateEntries):
{%- endif %}
    """A person known to the service, identified by the `uuid` of their token.

    helusers creates the row on the first authenticated request and keeps the
    names and e-mail in step with the identity provider's claims. The service
    owns only `preferred_language`. Each update's audit entry holds exactly
    what that write replaced (audit/updates.py).
    """

    class Language(models.TextChoices):
        FINNISH = "fi", "suomi"
        SWEDISH = "sv", "svenska"
        ENGLISH = "en", "English"

    preferred_language = models.CharField(
        max_length=2,
        choices=Language.choices,
        default=Language.FINNISH,
        help_text="The language the city uses to talk to this person.",
    )
{%- if cookiecutter.use_gdpr_api %}

    # What the GDPR API gives a person who asks for their data.
    serialize_fields = (
        {"name": "uuid"},
        {"name": "first_name"},
        {"name": "last_name"},
        {"name": "email"},
        {"name": "preferred_language"},
        {"name": "date_joined"},
    )
{%- endif %}


class DeletedUser(models.Model):
    """The uuid of a deleted account, while tokens from before may still be valid.

    A token outlives the account it signed in to: without this, its next
    request would create the account again. Kept is only the uuid, which
    the audit trail keeps anyway, and when. No token older than
    TOKEN_AUTH_MAX_AGE is accepted, so a row older than that is of no more
    use: each deletion removes those.
    """

    uuid = models.UUIDField(primary_key=True)
    deleted_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.uuid} deleted at {self.deleted_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def remember(cls, uuid):
        now = timezone.now()
        cls.objects.update_or_create(uuid=uuid, defaults={"deleted_at": now})
        too_old = now - timedelta(seconds=settings.TOKEN_AUTH_MAX_AGE)
        cls.objects.filter(deleted_at__lt=too_old).delete()

    @classmethod
    def deleted_since(cls, uuid, moment):
        """Whether the account `uuid` was deleted at or after `moment`."""
        return cls.objects.filter(uuid=uuid, deleted_at__gte=moment).exists()


def remember_deleted_user(sender, instance, **kwargs):
    """post_delete receiver for User: however it was deleted, remember it."""
    DeletedUser.remember(instance.uuid)
