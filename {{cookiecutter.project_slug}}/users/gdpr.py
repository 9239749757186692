"""Helsinki Profile's GDPR API for this service's users (helsinki-profile-gdpr-api)."""

from audit.deletion import delete_user


def the_user_itself(user):
    """The API asks whose data an object is; a user's data is their own."""
    return user


def delete_user_data(user, dry_run):
    """Delete the user through the one deletion path, which keeps the audit trail.

    A dry run deletes too: the API view then rolls the transaction back, so
    it proves that the real delete would succeed.
    """
    delete_user(user)
