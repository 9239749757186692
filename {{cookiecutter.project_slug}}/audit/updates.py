"""UPDATE entries that hold exactly what each write replaced.

django-auditlog reads the row before a save and diffs the instance against
that read. Nothing stops another request, the admin or another replica from
writing the row between the read and the write: the entry then holds old
values the write did not replace, and a row's entries, ordered by id, stop
chaining from one value to the next.

A model with the `ExactUpdateEntries` mixin is saved so that its UPDATE
entry cannot be wrong, with no query more than the write in the usual case:

1. The UPDATE is conditional on the values the instance was loaded (or last
   saved) with: `... WHERE id = 1 AND preferred_language = 'fi'`. If it
   changes the row, those values are what it replaced: the database checks
   the condition at the write, under the row's lock (PostgreSQL checks it
   again on the newest row when another transaction wrote it meanwhile).
2. If it matches no row (another writer got there first), or the loaded
   values cannot be compared in SQL (a field that was deferred, or a dict or
   list that may have been changed in place), the row is read with
   `SELECT ... FOR UPDATE` and written while that lock holds.

Both happen in one transaction, and the entry is written in it right after
the write, while the row is still locked: a row's entries are in the order
of its writes. A write that changes nothing writes no entry. On SQLite,
which has no row locks, the settings begin every transaction with BEGIN
IMMEDIATE, which takes the database's write lock at once.

A queryset `update()` bypasses save() and writes no entry at all, as with
django-auditlog anywhere: the next saved entry then shows what the save
replaced, not the queryset's change.
"""

import copy
import datetime
import decimal
import uuid

from auditlog import get_logentry_model
from auditlog.context import auditlog_disabled
from auditlog.receivers import _create_log_entry
from auditlog.receivers import log_update as reading_log_update
from auditlog.registry import auditlog
from django.conf import settings
from django.db import DatabaseError, models, router, transaction
from django.db.models.signals import pre_save

# Values that cannot change in place, and compare in SQL as in Python.
COMPARABLE = (
    str,
    bytes,
    int,
    float,
    decimal.Decimal,
    uuid.UUID,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    type(None),
)


class RowDeleted(DatabaseError):
    """The row an update names was deleted meanwhile."""


class ExactUpdateEntries(models.Model):
    """Audited updates whose entries hold what each write replaced (see module)."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_values = dict(zip(field_names, values, strict=False))
        return instance

    def save_base(self, *args, **kwargs):
        if not self._update_is_audited(kwargs.get("raw", False)):
            super().save_base(*args, **kwargs)
        else:
            using = kwargs.get("using") or router.db_for_write(
                type(self), instance=self
            )
            self._replaced = {}
            try:
                with transaction.atomic(using=using, savepoint=False):
                    super().save_base(*args, **kwargs)
                    self._write_update_entry(kwargs.get("update_fields"))
            finally:
                del self._replaced
        self._remember_saved_values(kwargs.get("update_fields"))

    def _update_is_audited(self, raw):
        return (
            not self._state.adding
            and self.pk is not None
            and auditlog.contains(type(self))
            and not auditlog_disabled.get()
            and not (raw and settings.AUDITLOG_DISABLE_ON_RAW_SAVE)
        )

    def _do_update(self, base_qs, using, pk_val, values, update_fields, *rest):
        """Django's UPDATE of one table, made exact (steps 1 and 2 above)."""
        replaced = getattr(self, "_replaced", None)
        if replaced is None or not values:
            return super()._do_update(
                base_qs, using, pk_val, values, update_fields, *rest
            )
        names = [field.attname for field, _, _ in values]
        loaded = self.__dict__.get("_loaded_values", {})
        if all(isinstance(loaded.get(name, ...), COMPARABLE) for name in names):
            condition = {name: loaded[name] for name in names}
            conditional = base_qs.filter(**condition)
            if updated := super()._do_update(
                conditional, using, pk_val, values, update_fields, *rest
            ):
                replaced.update(condition)
                return updated
        current = base_qs.select_for_update().filter(pk=pk_val).values(*names).first()
        if current is None:
            if update_fields is not None:
                raise RowDeleted(
                    f"{self._meta.label} {pk_val} was deleted before this update."
                )
        else:
            replaced.update(current)
        return super()._do_update(base_qs, using, pk_val, values, update_fields, *rest)

    def _write_update_entry(self, update_fields):
        if not self._replaced:  # no row was updated: Django inserted one
            return
        old = copy.copy(self)
        old.__dict__.update(self._replaced)
        _create_log_entry(
            action=get_logentry_model().Action.UPDATE,
            instance=self,
            sender=type(self),
            diff_old=old,
            diff_new=self,
            fields_to_check=update_fields,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )

    def _remember_saved_values(self, update_fields):
        if update_fields is None:
            fields = self._meta.concrete_fields
        else:
            fields = [self._meta.get_field(name) for name in update_fields]
        deferred = self.get_deferred_fields()
        loaded = self.__dict__.setdefault("_loaded_values", {})
        for field in fields:
            if field.attname not in deferred:
                loaded[field.attname] = getattr(self, field.attname)


def log_update(sender, instance, **kwargs):
    """pre_save receiver in place of auditlog's: a model with the mixin writes
    its entry itself, after the write; any other model gets auditlog's."""
    if not isinstance(instance, ExactUpdateEntries):
        reading_log_update(sender, instance, **kwargs)


def write_exact_update_entries():
    """Put log_update in the place of auditlog's, for the models registered so
    far and for any registered later.

    Uses auditlog's registry internals (`_signals`, `_dispatch_uid`); a test
    in audit/tests checks that each update still gets exactly one entry.
    """
    for model in auditlog.get_models():
        pre_save.disconnect(
            sender=model,
            dispatch_uid=auditlog._dispatch_uid(pre_save, reading_log_update),
        )
        pre_save.connect(
            log_update,
            sender=model,
            dispatch_uid=auditlog._dispatch_uid(pre_save, log_update),
        )
    auditlog._signals[pre_save] = log_update
