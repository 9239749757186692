from django.db import models
{%- if cookiecutter.use_gdpr_api %}
from helsinki_gdpr.models import SerializableMixin
{%- endif %}
from helusers.models import AbstractUser


{%- if cookiecutter.use_gdpr_api %}


class User(AbstractUser, SerializableMixin):
{%- else %}


class User(AbstractUser):
{%- endif %}
    """A person known to the service, identified by the `uuid` of their token.

    helusers creates the row on the first authenticated request and keeps the
    names and e-mail in step with the identity provider's claims. The service
    owns only `preferred_language`.
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
