"""UPDATE entries diffed against the values an instance was loaded with.

django-auditlog reads the row again before every audited save, to tell what
changed: one more query in every request that changes something, the
largest part of what auditing an update costs. A model with the
`RemembersLoadedValues` mixin keeps the values it was loaded (or last saved)
with, and `log_update` diffs against those instead, when it can rely on
them:

- the save names its `update_fields`, so only the fields diffed are written
  (a full save could overwrite a column another request changed meanwhile,
  and only a fresh read would show that in the entry);
- each of those fields was loaded and holds an immutable value (a dict or
  list changed in place would look unchanged);
- the instance was not refreshed from the database since.

Otherwise it is auditlog's own `log_update`, read and all. Either way the
entry holds what this save writes over: the value the request loaded
and is replacing. The entry itself, its actor, address and request id are
the same as ever.
"""

import copy
import datetime
import decimal
import uuid

from auditlog import get_logentry_model
from auditlog.receivers import _create_log_entry, check_disable
from auditlog.receivers import log_update as reading_log_update
from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save

IMMUTABLE = (
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


class RemembersLoadedValues(models.Model):
    """Keeps the values each instance was loaded or last saved with."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        names = kwargs.get("update_fields")
        if names is None:
            fields = self._meta.concrete_fields
        else:
            fields = [self._meta.get_field(name) for name in names]
        deferred = self.get_deferred_fields()
        loaded = self.__dict__.setdefault("_loaded_values", {})
        for field in fields:
            if field.attname not in deferred:
                loaded[field.attname] = getattr(self, field.attname)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=False))
        return instance

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_loaded_values", None)  # read again at the next save
        super().refresh_from_db(*args, **kwargs)


def as_loaded(instance, update_fields):
    """A copy of `instance` with the values it was loaded with, or None when
    they cannot be relied on for this save."""
    loaded = instance.__dict__.get("_loaded_values")
    if loaded is None or not update_fields:
        return None
    attnames = [instance._meta.get_field(name).attname for name in update_fields]
    if not all(
        name in loaded and isinstance(loaded[name], IMMUTABLE) for name in attnames
    ):
        return None
    old = copy.copy(instance)
    old.__dict__.update({name: loaded[name] for name in attnames})
    return old


@check_disable
def log_update(sender, instance, **kwargs):
    """pre_save receiver in place of auditlog's log_update (see the module)."""
    if instance._state.adding or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    old = as_loaded(instance, update_fields)
    if old is None:
        reading_log_update(sender, instance, **kwargs)
        return
    _create_log_entry(
        action=get_logentry_model().Action.UPDATE,
        instance=instance,
        sender=sender,
        diff_old=old,
        diff_new=instance,
        fields_to_check=update_fields,
        use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
    )


def diff_updates_against_loaded_values():
    """Put log_update in the place of auditlog's, for the models registered so
    far and for any registered later.

    Uses auditlog's registry internals (`_signals`, `_dispatch_uid`); a test
    in audit/tests checks that each update still gets exactly one entry.
    """
    from auditlog.registry import auditlog

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
