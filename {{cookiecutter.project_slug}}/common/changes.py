"""Changing a model instance from a mutation's input, as every mutation should.

Only the fields asked for are set and validated (by the model's own rules);
invalid input changes nothing and is answered VALIDATION_ERROR naming each
field in the API's camelCase. The save goes through the model, never a
queryset `.update()` (which writes no audit entry), so the audit log gets one
exact entry for the write (audit/updates.py).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from graphene.utils.str_converters import to_camel_case

from audit.updates import RowDeleted
from authentication.errors import ValidationError


def save_changes(instance, changes, deleted_error):
    """Set `changes` (field name: value) on `instance`, validate and save them.

    On invalid input `instance` is left as it was, for the rest of the
    document. `deleted_error` is the API error raised when the row was
    deleted meanwhile, by another request or the admin.
    """
    before = {field: getattr(instance, field) for field in changes}
    for field, value in changes.items():
        setattr(instance, field, value)
    unchanged = [f.name for f in instance._meta.fields if f.name not in changes]
    try:
        instance.full_clean(exclude=unchanged)
    except DjangoValidationError as error:
        for field, value in before.items():
            setattr(instance, field, value)
        raise ValidationError(validation_message(error)) from error
    try:
        instance.save(update_fields=list(changes))
    except RowDeleted as error:
        raise deleted_error() from error
    return instance


def validation_message(error):
    """One line naming each invalid field, in the API's camelCase."""
    return "; ".join(
        f"{to_camel_case(field)}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )
