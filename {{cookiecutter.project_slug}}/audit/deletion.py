"""Deleting a user account without losing the audit trail.

The recipe in the Helsinki auditlog FAQ (log a DELETE by hand, then delete
with auditlog disabled) loses what cascades with the user, and the actor
foreign key of the user's entries is emptied, so a user without an e-mail
leaves no name behind. Here, in one transaction:

- exactly one DELETE entry for the user is written before the row goes, with
  the row's last field values (read under a lock) in `changes` and who they were in
  `additional_data["deleted_user"]` (uuid, username, e-mail);
- the delete itself does not write a second DELETE entry for the user;
- entries written during the delete (for objects that cascade with the user,
  logged as usual) name the user by `actor_email` and
  `additional_data["actor_uuid"]` instead of a foreign key to a row that is
  going away, so the delete cannot fail on it;
- every earlier entry by or about the user stays. Their actor foreign key is
  emptied by the database, but `actor_uuid` and `actor_email` remain.
"""

from contextvars import ContextVar

from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction

from .updates import RowDeleted

_being_deleted = ContextVar("users_being_deleted", default=frozenset())


def is_being_deleted(user):
    return user.pk in _being_deleted.get()


def identity(user):
    return {"uuid": str(user.uuid), "username": user.username, "email": user.email}


def skip_second_delete_entry(sender, instance, action, **kwargs):
    """auditlog's pre_log receiver: the user's DELETE entry is written already."""
    if (
        action == LogEntry.Action.DELETE
        and issubclass(sender, get_user_model())
        and is_being_deleted(instance)
    ):
        return False
    return None


def delete_user(user):
    """Delete `user` and everything that cascades with it; keep the audit trail.

    The actor of the DELETE entry is whoever the current request belongs to:
    the user themself for `deleteMe`, a staff member in the admin. The row is
    locked first, so the entry holds the values the delete removes, whoever
    wrote them last; RowDeleted when it is gone already (deleted meanwhile).
    `user` itself keeps its primary key: saving it later raises RowDeleted
    too, rather than inserting it again.
    """
    manager = type(user)._base_manager
    with transaction.atomic():
        current = manager.select_for_update().filter(pk=user.pk).first()
        if current is None:
            raise RowDeleted(f"The user {user.pk} was deleted already.")
        LogEntry.objects.log_create(
            current,
            force_log=True,
            action=LogEntry.Action.DELETE,
            changes=model_instance_diff(current, None),
            additional_data={"deleted_user": identity(current)},
        )
        token = _being_deleted.set(_being_deleted.get() | {current.pk})
        try:
            current.delete()
        finally:
            _being_deleted.reset(token)
