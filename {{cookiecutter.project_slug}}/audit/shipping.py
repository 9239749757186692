"""Shipping the audit trail to the City's central audit log.

django-resilient-logger does the shipping: `submit_unsent_entries` sends
each unsent entry to Elasticsearch and marks it sent only once the store has
confirmed it. The document id is a hash of the document, so an entry sent
again (its reply was lost, or a run died before marking it) is answered
"already there" and counts as sent: nothing is lost and nothing is doubled.
Around it, this module:

- writes every new LogEntry with `additional_data["is_sent"] = False`, and
  clears only entries marked sent: resilient-logger's own clearing takes an
  entry without the key for a sent one;
- names the actor by uuid alone, also once the account is gone (from
  `additional_data["actor_uuid"]`), never by e-mail;
- stops trying the store for the rest of a run once it cannot be reached,
  so a store that hangs costs a run one timeout, not one per entry;
- lets one run ship at a time, across replicas (`exclusive_run`).

Shipping is on exactly when settings.RESILIENT_LOGGER has a target, which
settings.py gives it when AUDIT_LOG_ES_URL is set. The source and target
classes that settings name are in `resilient.py`, which only the commands
load: the Elasticsearch client takes a second to import.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from resilient_logger.utils import get_resilient_logger_config, parse_uuid

from common.locks import exclusive


def shipping_enabled():
    return bool(settings.RESILIENT_LOGGER["targets"])


def mark_unsent(sender, instance, **kwargs):
    """pre_save receiver for LogEntry: a new entry starts unsent."""
    if instance._state.adding:
        if not isinstance(instance.additional_data, dict):
            instance.additional_data = {}
        instance.additional_data.setdefault("is_sent", False)


def actor(uuid):
    """The actor of a shipped document: a uuid and its version, never an e-mail."""
    parsed = parse_uuid(uuid)
    return {
        "uuid": str(parsed) if parsed else None,
        "version": parsed.version if parsed else None,
        "email": None,
    }


def exclusive_run():
    """Whether this run may ship now: no other run, on any replica, is under way."""
    return exclusive("shipping", wait=False)


def ship_unsent_entries():
    """Ship batch after batch until none is left: (shipped, not shipped).

    A batch in which an entry could not be shipped ends the run: that entry
    would only come first again.
    """
    from resilient_logger.resilient_logger import ResilientLogger

    shipped = failed = 0
    batch_limit = get_resilient_logger_config()["batch_limit"]
    while True:
        results = ResilientLogger.create().submit_unsent_entries()
        sent = sum(results.values())
        shipped, failed = shipped + sent, failed + len(results) - sent
        if len(results) < batch_limit or sent < len(results):
            return shipped, failed


@receiver(setting_changed)
def _reload_config(setting, **kwargs):
    """resilient-logger reads its settings once: tests that change them reload."""
    if setting == "RESILIENT_LOGGER":
        get_resilient_logger_config.cache_clear()
