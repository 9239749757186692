"""`manage.py startapp <name>`: a new app made the way this service's are.

Django's own startapp makes a `tests.py` that pytest never collects and files
that ruff would reformat. This one copies app_template/, next to this
package's management folder, where a team can change it: each `*.py-tpl`
becomes a `.py` file, with `__app__` replaced by the app's name and `__App__`
by the same in CamelCase. Wiring the app into settings and the root schema is
left to the developer, two lines that the command prints: the app's first
test fails until they are there.
"""

import importlib.util
import keyword
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TEMPLATE = Path(__file__).resolve().parents[2] / "app_template"
PROJECT = __name__.split(".")[0]
APP_NAME = re.compile(r"[a-z][a-z0-9_]*")


class Command(BaseCommand):
    help = "Make a new app from app_template/: apps, models, admin, schema, tests."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The app's name: a lower-case identifier.")

    def handle(self, name, **options):
        target = Path(settings.BASE_DIR) / name
        check_name(name, target)
        camel = "".join(part.capitalize() for part in name.split("_"))
        for source in sorted(TEMPLATE.rglob("*.py-tpl")):
            relative = source.relative_to(TEMPLATE).with_suffix(".py")
            text = source.read_text(encoding="utf-8")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(
                text.replace("__App__", camel).replace("__app__", name),
                encoding="utf-8",
            )
        self.stdout.write(
            f"Made {name}/. Wire it into the service:\n"
            f'  {PROJECT}/settings.py: add "{name}" to INSTALLED_APPS, '
            'after "users"\n'
            f"  {PROJECT}/schema.py: add `import {name}.schema` and put "
            f"{name}.schema.Query first among the bases of Query, and "
            f"{name}.schema.Mutation first among those of Mutation\n"
            f"Then: uv run pytest {name}"
        )


def check_name(name, target):
    if not APP_NAME.fullmatch(name) or keyword.iskeyword(name):
        raise CommandError(
            f"{name!r} is not a usable app name: use lower-case letters, digits "
            "and underscores, starting with a letter."
        )
    if target.exists():
        raise CommandError(f"{target} exists already.")
    if importlib.util.find_spec(name) is not None:
        raise CommandError(
            f"{name!r} is the name of a module Python can already import; "
            "choose another."
        )
