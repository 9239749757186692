from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from errorlog.models import ErrorLogEntry


class Command(BaseCommand):
    help = "Delete error log entries that were shipped (is_sent) more than N days ago."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, required=True, help="Keep sent entries this many days."
        )

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        deleted, _ = ErrorLogEntry.objects.filter(
            is_sent=True, created_at__lt=cutoff
        ).delete()
        self.stdout.write(
            f"Deleted {deleted} sent error log entries older than {days} days."
        )
