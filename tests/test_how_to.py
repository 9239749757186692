"""The service's how-to guides and README, followed as a newcomer would.

The add-an-app guide is applied as written in a bake of its own, in every
combination: `startapp`, the two wiring edits it names, each file it shows,
the commands it gives, the translations it fills in; then the checks and the
tests it promises pass, the message files keep their shape, and the system
checks catch the three traps it warns of.
"""

import re
import textwrap

import pytest
import yaml
from bake import bake, resolved
from conftest import COMBINATIONS, Service, combination_params

GUIDE = "docs/how-to/add-an-app.md"
# A code block of the guide that is a whole file starts with its path; a
# block of translations, with the path of the message file they go in.
FILE_BLOCK = re.compile(r"```python\n# (\S+)\n(.*?)```", re.DOTALL)
TRANSLATIONS_BLOCK = re.compile(r"```po\n\s*# (\S+)\n(.*?)```", re.DOTALL)
COMMAND_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
PO_ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.MULTILINE)


@pytest.fixture
def fresh_service(tmp_path):
    """A bake of its own: the guide changes it."""

    def make(name):
        _, path = bake(tmp_path / "output", **COMBINATIONS[name])
        return Service(name, path, resolved(COMBINATIONS[name]))

    return make


def replace_once(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new))


def wire_in_bikes(service, guide):
    """The two edits of the guide's step 2, checked against its words."""
    package = service.path / service.answers.get("package_name", "example_service")
    root_query = (
        "class Query(bikes.schema.Query, users.schema.Query, graphene.ObjectType):"
    )
    root_mutation = (
        "class Mutation(bikes.schema.Mutation, users.schema.Mutation, "
        "graphene.ObjectType):"
    )
    promises = ('`"bikes",`', "`import bikes.schema`", root_query, root_mutation)
    for promised in promises:
        assert promised in guide
    replace_once(
        package / "settings.py", '    "users",\n', '    "users",\n    "bikes",\n'
    )
    replace_once(
        package / "schema.py",
        "import users.schema\n",
        "import bikes.schema\nimport users.schema\n",
    )
    replace_once(
        package / "schema.py",
        "class Query(users.schema.Query, graphene.ObjectType):",
        root_query,
    )
    replace_once(
        package / "schema.py",
        "class Mutation(users.schema.Mutation, graphene.ObjectType):",
        root_mutation,
    )


def guide_commands(guide, after):
    """The manage.py commands of the guide's command blocks after `after`."""
    text = guide.split(after, 1)[1]
    for block in COMMAND_BLOCK.findall(text.split("\n## ", 1)[0]):
        for line in map(str.strip, block.splitlines()):
            if line.startswith("uv run python manage.py "):
                yield line.removeprefix("uv run python manage.py ").split()


def po_entries(text):
    """A message file's entries, msgid: msgstr (the header under "")."""
    joined = {}
    for msgid, msgstr in PO_ENTRY.findall(text):
        joined["".join(re.findall(r'"(.*)"', msgid))] = "".join(
            re.findall(r'"(.*)"', msgstr)
        )
    return joined


def fill_in_translations(service, guide):
    """The guide's translations, put in place of the empty ones makemessages
    left; the message files it names."""
    blocks = TRANSLATIONS_BLOCK.findall(guide)
    assert {path for path, _ in blocks} == {
        "locale/fi/LC_MESSAGES/django.po",
        "locale/sv/LC_MESSAGES/django.po",
    }
    for path, block in blocks:
        for msgid, msgstr in po_entries(textwrap.dedent(block)).items():
            replace_once(
                service.path / path,
                f'msgid "{msgid}"\nmsgstr ""\n',
                f'msgid "{msgid}"\nmsgstr "{msgstr}"\n',
            )
    return [service.path / path for path, _ in blocks]


def assert_shape_kept(shipped, collected, new):
    """makemessages kept the shipped entries (those the code still uses) and
    header, but for its creation date, and added exactly the `new` texts."""
    before, after = po_entries(shipped), po_entries(collected)
    assert set(after) - set(before) == new
    for msgid in set(after) & set(before) - {""}:
        assert after[msgid] == before[msgid], msgid
    header = re.compile(r"POT-Creation-Date: [^\\]*\\n")
    assert header.sub("", after[""]) == header.sub("", before[""])
    assert shipped.splitlines()[:2] == collected.splitlines()[:2]  # its comment
    assert "#:" not in collected  # no location lines


@pytest.mark.parametrize("name", combination_params(apart="-how-to"))
def test_add_an_app_guide_works_as_written(fresh_service, name):
    service = fresh_service(name)
    guide = (service.path / GUIDE).read_text()

    [startapp] = guide_commands(guide, "## 1. Make the app")
    made = service.manage(*startapp)
    assert "INSTALLED_APPS" in made.stdout
    assert "bikes.schema.Query" in made.stdout
    service.run("ruff", "format", "--check", "bikes")
    service.run("ruff", "check", "bikes")
    unwired = service.run("python", "-m", "pytest", "-n0", "bikes", check=False)
    assert 'add "bikes" to INSTALLED_APPS' in unwired.stdout

    wire_in_bikes(service, guide)
    assert "2 passed" in service.run("python", "-m", "pytest", "-n0", "bikes").stdout

    files = FILE_BLOCK.findall(guide)
    assert [path for path, _ in files] == [
        "bikes/models.py",
        "bikes/admin.py",
        "bikes/schema.py",
        "bikes/tests/test_stations.py",
    ]
    for path, text in files:
        (service.path / path).write_text(text)
    for command in guide_commands(guide, "## 3. Add a model"):
        service.manage(*command)
    assert (service.path / "bikes/migrations/0001_initial.py").exists()

    catalogs = [
        service.path / f"locale/{lang}/LC_MESSAGES/django.po" for lang in ["fi", "sv"]
    ]
    shipped = [catalog.read_text() for catalog in catalogs]
    makemessages, compilemessages = guide_commands(guide, "## 6. Before it ships")
    assert makemessages[0] == "makemessages"
    service.manage(*makemessages)
    for catalog, text in zip(catalogs, shipped, strict=True):
        assert_shape_kept(text, catalog.read_text(), {"station", "stations"})
    assert fill_in_translations(service, guide) == catalogs
    assert compilemessages[0] == "compilemessages"
    service.manage(*compilemessages)

    service.manage("check", "--fail-level", "WARNING")
    service.manage("makemigrations", "--check", "--dry-run")
    service.run("ruff", "check", ".")
    service.run("ruff", "format", "--check", ".")
    assert "9 passed" in service.run("python", "-m", "pytest", "bikes").stdout

    schema = service.path / "bikes/schema.py"
    replace_once(schema, "(AccessLogged, DjangoObjectType)", "(DjangoObjectType)")
    unrecorded = service.manage("check", check=False)
    assert "audit.E002" in unrecorded.stderr
    assert "Query.stations" in unrecorded.stderr
    replace_once(schema, "(DjangoObjectType)", "(AccessLogged, DjangoObjectType)")
    replace_once(
        schema,
        "(graphene.NonNull(StationType))",
        "(graphene.NonNull(StationType), required=True)",
    )
    required = service.manage("check", check=False)
    assert "authentication.E001" in required.stderr
    assert "Query.stations" in required.stderr

    admin = service.path / "bikes/admin.py"
    replace_once(admin, "(AccessLoggedAdmin, admin.ModelAdmin)", "(admin.ModelAdmin)")
    unrecorded_in_admin = service.manage("check", check=False)
    assert "audit.E004" in unrecorded_in_admin.stderr
    assert "bikes.Station" in unrecorded_in_admin.stderr


@pytest.mark.parametrize("name", combination_params("default"))
def test_checks_before_a_pull_request_are_what_ci_runs(services, name):
    service = services(name)
    readme = (service.path / "README.md").read_text()
    section = readme.split("## Checks before a pull request", 1)[1]
    block = COMMAND_BLOCK.search(section).group(1)
    workflow = yaml.safe_load((service.path / ".github/workflows/ci.yml").read_text())
    # What a developer runs: the tests job's uv commands (not its apt-get,
    # nor the coverage paths rewritten for SonarQube Cloud).
    ci_commands = [
        line.strip()
        for step in workflow["jobs"]["test"]["steps"]
        if "run" in step
        for line in step["run"].splitlines()
        if line.strip().startswith("uv ")
    ]
    [pre_commit] = [
        step["run"]
        for step in workflow["jobs"]["pre-commit"]["steps"]
        if "pre-commit" in step.get("run", "")
    ]

    assert pre_commit.split(" --show-diff")[0] in section
    assert block.splitlines() == ci_commands
