"""What django-resilient-logger ships with: the LogEntry source and the store.

settings.RESILIENT_LOGGER names these; audit/shipping.py says why each
differs from django-resilient-logger's own.
"""

import logging
import sys
from datetime import timedelta

from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone
from elasticsearch8 import ApiError, TransportError
from resilient_logger.sources import DjangoAuditLogSource
from resilient_logger.sources.django_audit_log_source_entry import (
    DjangoAuditLogSourceEntry,
)
from resilient_logger.targets import ElasticsearchLogTarget

from .shipping import actor

logger = logging.getLogger(__name__)


class AuditLogSourceEntry(DjangoAuditLogSourceEntry):
    def _parse_actor(self, config):
        kept = self.log.additional_data or {}
        return actor(getattr(self.log.actor, "uuid", None) or kept.get("actor_uuid"))


class AuditLogSource(DjangoAuditLogSource):
    """resilient-logger's source of LogEntry rows, see the module's docstring."""

    def get_unsent_entries(self, chunk_size):
        for entry in super().get_unsent_entries(chunk_size):
            yield AuditLogSourceEntry(entry.log)

    @transaction.atomic
    def clear_sent_entries(self, days_to_keep=30):
        old = timezone.now() - timedelta(days=days_to_keep)
        entries = LogEntry.objects.filter(
            additional_data__is_sent=True, timestamp__lte=old
        )
        deleted = [str(pk) for pk in entries.values_list("pk", flat=True)]
        entries.delete()
        return deleted


class StoreTarget(ElasticsearchLogTarget):
    """resilient-logger's Elasticsearch target, with a time limit per request
    and no more tries in a run once the store cannot be reached."""

    def __init__(self, *, timeout, **options):
        super().__init__(**options)
        self._client = self._client.options(request_timeout=timeout)
        self._unreachable = None

    def submit(self, entry):
        if self._unreachable is not None:
            return False
        return super().submit(entry)

    def _handle_exception(self, doc_id, entry):
        # resilient-logger calls this inside its `except` clause.
        error = sys.exc_info()[1]
        unreachable = isinstance(error, TransportError) or (
            isinstance(error, ApiError)
            and (error.status_code == 429 or error.status_code >= 500)
        )
        if unreachable:
            self._unreachable = error
            logger.warning(
                "The audit log store cannot be reached (%s): the entries left "
                "wait for the next run.",
                error,
            )
        return super()._handle_exception(doc_id, entry)
