"""The error log as a source of django-resilient-logger (see audit/shipping.py).

Each unsent ErrorLogEntry goes to the central audit log as an ERROR event;
`is_sent` is set once the store has confirmed it.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from resilient_logger.sources import AbstractLogSource
from resilient_logger.sources.abstract_log_source_entry import AbstractLogSourceEntry
from resilient_logger.utils import format_audit_time, get_resilient_logger_config

from audit.shipping import actor

from .models import ErrorLogEntry


def source_id(pk):
    """An entry's id as resilient-logger reports it: apart from LogEntry ids,
    which the same run reports beside these."""
    return f"ErrorLogEntry {pk}"


class ErrorLogSourceEntry(AbstractLogSourceEntry):
    def __init__(self, entry):
        self.entry = entry

    def get_id(self):
        return source_id(self.entry.pk)

    def get_document(self):
        config = get_resilient_logger_config()
        message = self.entry.message if isinstance(self.entry.message, dict) else {}
        time = format_audit_time(self.entry.created_at)
        action, code = message.get("action"), message.get("code")
        return {
            "@timestamp": time,
            "audit_event": {
                "actor": actor(message.get("actor_uuid")),
                "date_time": time,
                "operation": "ERROR",
                "origin": config["origin"],
                "target": {"model": "ErrorLogEntry", "value": str(self.entry.pk)},
                "environment": config["environment"],
                "message": f"{action} failed: {code}",
                "level": logging.ERROR,
                "extra": {
                    **message,
                    "request_id": message.get("cid"),
                    "source_pk": self.entry.pk,
                },
            },
        }

    def is_sent(self):
        return self.entry.is_sent

    def mark_sent(self):
        self.entry.is_sent = True
        self.entry.save(update_fields=["is_sent"])


class ErrorLogSource(AbstractLogSource):
    def get_unsent_entries(self, chunk_size):
        entries = ErrorLogEntry.objects.filter(is_sent=False).order_by("created_at")
        for entry in entries.iterator(chunk_size=chunk_size):
            yield ErrorLogSourceEntry(entry)

    @transaction.atomic
    def clear_sent_entries(self, days_to_keep=30):
        old = timezone.now() - timedelta(days=days_to_keep)
        entries = ErrorLogEntry.objects.filter(is_sent=True, created_at__lte=old)
        deleted = [source_id(pk) for pk in entries.values_list("pk", flat=True)]
        entries.delete()
        return deleted
