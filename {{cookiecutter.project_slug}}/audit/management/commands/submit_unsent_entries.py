"""Ship every unsent audit log entry to the central audit log.

The name is django-resilient-logger's; this command takes the place of its
own (the audit app comes first in INSTALLED_APPS) to refuse when shipping is
off, to let one run ship at a time, and to go on until nothing is left.
"""

from django.core.management.base import BaseCommand, CommandError

from audit.shipping import exclusive_run, ship_unsent_entries, shipping_enabled

SHIPPING_OFF = (
    "Shipping is off: AUDIT_LOG_ES_URL is not set. Nothing was sent; the "
    "entries stay unsent."
)


class Command(BaseCommand):
    help = "Ship every unsent audit log entry to the central audit log."

    def handle(self, *args, **options):
        if not shipping_enabled():
            raise CommandError(SHIPPING_OFF)
        with exclusive_run() as this_run_ships:
            if not this_run_ships:
                self.stdout.write("Another run is shipping the entries now.")
                return
            shipped, failed = ship_unsent_entries()
        self.stdout.write(f"Shipped {shipped} entries.")
        if failed:
            raise CommandError(
                f"{failed} of the entries could not be shipped; they stay "
                "unsent for the next run. The log says why."
            )
