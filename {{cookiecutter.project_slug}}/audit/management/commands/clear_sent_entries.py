"""Delete audit log entries that were shipped more than N days ago.

The name is django-resilient-logger's; this command takes the place of its
own to refuse when shipping is off. Entries that were never shipped are
never deleted.
"""

from django.core.management.base import BaseCommand, CommandError
from resilient_logger.resilient_logger import ResilientLogger

from audit.shipping import shipping_enabled


class Command(BaseCommand):
    help = "Delete shipped audit log entries older than --days-to-keep days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days-to-keep",
            type=int,
            default=30,
            help="Keep shipped entries this many days (default 30).",
        )

    def handle(self, *args, days_to_keep, **options):
        if days_to_keep < 0:
            raise CommandError("--days-to-keep must be 0 or more.")
        if not shipping_enabled():
            raise CommandError(
                "Shipping is off: AUDIT_LOG_ES_URL is not set. Nothing is "
                "shipped, so nothing is cleared."
            )
        deleted = ResilientLogger.create().clear_sent_entries(days_to_keep)
        self.stdout.write(
            f"Deleted {len(deleted)} shipped entries older than {days_to_keep} days."
        )
