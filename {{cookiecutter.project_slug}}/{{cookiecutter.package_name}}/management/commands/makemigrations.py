"""`manage.py makemigrations`, with the files it writes formatted by ruff.

Django formats new migrations with black when black is installed; this
service uses ruff, so that the files pass `ruff format --check` and
`ruff check` as written.
"""

import importlib.util
import subprocess
import sys

from django.core.management.commands import makemigrations


class Command(makemigrations.Command):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        written = getattr(self, "written_files", [])
        if written and importlib.util.find_spec("ruff") is not None:
            ruff = [sys.executable, "-m", "ruff"]
            subprocess.run([*ruff, "check", "--fix", "--quiet", *written], check=False)
            subprocess.run([*ruff, "format", "--quiet", *written], check=False)
