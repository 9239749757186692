"""Django's migrate, run by one process at a time on each database.

Replicas that start at once on a fresh database may all run it
{%- if cookiecutter.use_docker %}
(each with APPLY_MIGRATIONS=1)
{%- endif %}:
the first one migrates, the others wait for it and then find nothing left to
apply, instead of creating the same tables at once and failing. The lock is
in locks.py.
"""

from django.core.management.commands import migrate

from common.locks import exclusive


class Command(migrate.Command):
    def handle(self, *args, **options):
        database = options["database"]
        with exclusive("migrate", alias=database, wait=False) as held:
            if held:
                return super().handle(*args, **options)
        self.stdout.write(
            "Another process is migrating this database; waiting for it to finish."
        )
        with exclusive("migrate", alias=database):
            return super().handle(*args, **options)
