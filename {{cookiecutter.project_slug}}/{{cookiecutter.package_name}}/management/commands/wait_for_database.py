import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection


class Command(BaseCommand):
    help = "Wait until the database answers, for a container starting beside it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=float, default=60, help="Give up after this many seconds."
        )

    def handle(self, *args, timeout, **options):
        if connection.vendor == "sqlite":
            check_sqlite_is_writable()
            self.stdout.write("The database answers.")
            return
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


def check_sqlite_is_writable():
    """A SQLite file can be written or not: waiting cannot help, so fail at once.

    In a container, the default file would lie in the read-only image. SQLite
    writes its journal beside the file, so the directory must be writable too.
    """
    path = Path(connection.settings_dict["NAME"])
    if not (path.parent.is_dir() and os.access(path.parent, os.W_OK)):
        problem = f"{path.parent} is not a writable directory"
    elif path.exists() and not os.access(path, os.W_OK):
        problem = "the file is read-only"
    else:
        return
    raise CommandError(
        f"The SQLite database {path} cannot be written ({problem}). Set "
        "DATABASE_URL to the service's database (postgres://...), or run where "
        "that file can be written."
    )
