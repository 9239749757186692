import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection


class Command(BaseCommand):
    help = "Wait until the database answers, for a container starting beside it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=float, default=60, help="Give up after this many seconds."
        )

    def handle(self, *args, timeout, **options):
        deadline = time.monotonic() + timeout
        while True:
            try:
                connection.ensure_connection()
                break
            except DatabaseError as error:
                if time.monotonic() >= deadline:
                    message = f"The database did not answer within {timeout:g} seconds"
                    raise CommandError(f"{message}: {error}") from error
                connection.close()
                time.sleep(0.5)
        self.stdout.write("The database answers.")
