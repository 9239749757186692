"""`manage.py make_admin <e-mail or uuid>`: the first admin of a service that
the admins sign in to with Helsinki single sign-on.

A sign-on makes an account, but never a staff one: the admin gives rights
(README, "Signing in with Helsinki single sign-on"). The first person has
nobody to give them, so they sign on once, which ends at the admin's "not
authorized", and this command makes that account staff and superuser. The
change is audited like any other, with no actor.
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make the account with this e-mail address or uuid staff and superuser."

    def add_arguments(self, parser):
        parser.add_argument("person", help="the account's e-mail address or uuid")

    def handle(self, person, **options):
        users = get_user_model().objects.all()
        try:
            found = users.filter(uuid=uuid.UUID(person))
        except ValueError:
            found = users.filter(email__iexact=person)
        found = list(found)
        if not found:
            raise CommandError(
                f"No account is {person!r}: sign in once with Helsinki login "
                "(the admin says you are not authorized), then run this again."
            )
        if len(found) > 1:
            uuids = ", ".join(str(user.uuid) for user in found)
            raise CommandError(
                f"{person!r} is {len(found)} accounts ({uuids}): name one by its uuid."
            )
        [user] = found
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        name = user.email or user.username
        self.stdout.write(f"{name} ({user.uuid}) is now an admin.")
