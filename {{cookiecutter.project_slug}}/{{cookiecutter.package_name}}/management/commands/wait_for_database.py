"""`manage.py wait_for_database [--migrate]`: what a replica does before it serves.

It waits for the database, runs the system checks (after the wait: they may
ask the database), and with --migrate applies the migrations, one process at
a time (migrate.py). gunicorn.conf.py calls it in a child of gunicorn's
master, so that Django starts once per replica; docker-entrypoint.sh runs it
before any other command.
"""

import os
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Wait until the database answers, check, and migrate when asked."
    requires_system_checks = []  # run once the database answers, below

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=float, default=60, help="Give up after this many seconds."
        )
        parser.add_argument(
            "--migrate", action="store_true", help="Then apply the migrations."
        )

    def handle(self, *args, timeout, migrate, **options):
        if connection.vendor == "sqlite":
            check_sqlite_is_writable()
        else:
            wait_for_connection(timeout)
        self.stdout.write("The database answers.")
        # Where this command's output goes (gunicorn's log, say), theirs too.
        output = {key: options[key] for key in ("stdout", "stderr") if options.get(key)}
        call_command("check", **output)
        if migrate and migrations_to_apply():
            call_command("migrate", interactive=False, skip_checks=True, **output)
        elif migrate:
            self.stdout.write("No migrations to apply.")


def migrations_to_apply():
    """Whether a migration is missing from the database: migrate's own first
    question, without its signals, which go over every content type and
    permission (a tenth of a second of each start, for nothing)."""
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def wait_for_connection(timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.ensure_connection()
            return
        except DatabaseError as error:
            if time.monotonic() >= deadline:
                message = f"The database did not answer within {timeout:g} seconds"
                raise CommandError(f"{message}: {error}") from error
            connection.close()
            time.sleep(0.5)


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
