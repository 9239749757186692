from django.db import models
from helusers.models import AbstractUser


class User(AbstractUser):
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
