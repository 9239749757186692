from helusers.models import AbstractUser


class User(AbstractUser):
    """A person known to the service, identified by the `uuid` of their token.

    helusers creates the row on the first authenticated request and keeps the
    names and e-mail in step with the identity provider's claims.
    """
