"""The pre-generation hook: bad answers are refused, awkward ones still bake."""

import json
import tomllib

import pytest
from bake import (
    BOOLEANS,
    CHOICES,
    QUESTIONS,
    TEMPLATE_DIR,
    UV,
    bake,
    bake_from_replay,
    run,
    run_suite,
)
from conftest import combination_params


@pytest.fixture(scope="session")
def default_replay(tmp_path_factory):
    """The full answer set cookiecutter records for a default bake."""
    directory = tmp_path_factory.mktemp("replay-source")
    bake(directory / "output")
    replay_file = directory / "replay" / f"{TEMPLATE_DIR.name}.json"
    replay = json.loads(replay_file.read_text())
    return replay["cookiecutter"]


def assert_refused(result, output, *keys):
    assert result.returncode != 0
    for key in keys:
        assert f"{key}: " in result.stderr, result.stderr
    assert list(output.iterdir()) == [], "a refused bake must leave nothing behind"


# Each case: answers given on the command line, and the keys the error must name.
INVALID_ON_COMMAND_LINE = {
    "slug-with-spaces": ({"project_slug": "My Service"}, ["project_slug"]),
    "slug-leading-hyphen": ({"project_slug": "-service"}, ["project_slug"]),
    "slug-double-hyphen": ({"project_slug": "my--service"}, ["project_slug"]),
    "slug-too-long": ({"project_slug": "s" * 51}, ["project_slug"]),
    "package-not-identifier": ({"package_name": "1service"}, ["package_name"]),
    "package-with-hyphen": ({"package_name": "my-service"}, ["package_name"]),
    "package-keyword": ({"package_name": "class"}, ["package_name"]),
    "package-soft-keyword": ({"package_name": "match"}, ["package_name"]),
    "package-stdlib": ({"package_name": "json"}, ["package_name"]),
    "package-dependency": ({"package_name": "django"}, ["package_name"]),
    "package-helusers": ({"package_name": "helusers"}, ["package_name"]),
    "package-app": ({"package_name": "users"}, ["package_name"]),
    "package-too-long": ({"package_name": "p" * 31}, ["package_name"]),
    "email-without-at": ({"author_email": "dev.hel.fi"}, ["author_email"]),
    "email-without-domain": ({"author_email": "dev@"}, ["author_email"]),
    "empty-name": ({"project_name": " ", "project_slug": "x"}, ["project_name"]),
    "empty-author": ({"author_name": ""}, ["author_name"]),
    "description-too-long": ({"description": "d" * 201}, ["description"]),
    "all-problems-at-once": (
        {"project_slug": "Bad Slug", "package_name": "os", "author_email": "nobody"},
        ["project_slug", "package_name", "author_email"],
    ),
}


@pytest.mark.parametrize(
    ("answers", "keys"),
    list(INVALID_ON_COMMAND_LINE.values()),
    ids=list(INVALID_ON_COMMAND_LINE),
)
def test_invalid_answer_is_refused_naming_the_question(tmp_path, answers, keys):
    output = tmp_path / "output"
    result, _ = bake(output, check=False, **answers)
    assert_refused(result, output, *keys)


# Values that only a replay file (or cruft) can deliver: cookiecutter itself
# renders or converts them on the command line.
INVALID_IN_REPLAY = {
    "multi-line-name": ("project_name", "Two\nlines"),
    "template-syntax-in-description": ("description", "Uses {{ braces }}"),
    "block-syntax-in-name": ("project_name", "Service {% if %}"),
    "name-not-text": ("project_name", 42),
    **{f"{key}-not-offered": (key, "not-a-choice") for key in CHOICES},
    **{f"{key}-not-boolean": (key, "yes") for key in BOOLEANS},
}


@pytest.mark.parametrize(
    ("key", "value"), list(INVALID_IN_REPLAY.values()), ids=list(INVALID_IN_REPLAY)
)
def test_invalid_replayed_answer_is_refused(tmp_path, default_replay, key, value):
    output = tmp_path / "output"
    result, _ = bake_from_replay(output, {**default_replay, key: value})
    assert_refused(result, output, key)


def test_every_question_has_a_refusal_case():
    covered = {
        key for answers, _ in INVALID_ON_COMMAND_LINE.values() for key in answers
    }
    covered |= {key for key, _ in INVALID_IN_REPLAY.values()}
    assert set(QUESTIONS) <= covered


def test_refusal_names_what_is_allowed(tmp_path):
    result, _ = bake(tmp_path / "output", check=False, package_name="json")
    assert "package_name: must not shadow the standard library module 'json'" in (
        result.stderr
    )


@pytest.mark.parametrize("name", combination_params("all-on"))
def test_no_dependency_module_can_be_the_package_name(services, tmp_path, name):
    """The hook's list of dependency modules matches what the service installs."""
    service = services(name)
    listed = service.run(
        "python",
        "-c",
        "import importlib.metadata as m; print('\\n'.join(m.packages_distributions()))",
    ).stdout.split()
    candidates = sorted(
        module for module in listed if module.isidentifier() and module.islower()
    )
    assert "django" in candidates
    accepted = []
    for module in candidates:
        result, _ = bake(tmp_path / module, check=False, package_name=module)
        if result.returncode == 0:
            accepted.append(module)
    assert accepted == []


@pytest.mark.parametrize("name", combination_params("default"))
def test_no_module_of_the_service_can_be_the_package_name(services, tmp_path, name):
    service = services(name)
    own = {
        path.stem
        for path in service.path.iterdir()
        if (path.is_dir() and (path / "__init__.py").exists()) or path.suffix == ".py"
    } - {"example_service"}
    own.add("tests")
    for module in sorted(own):
        result, _ = bake(tmp_path / module, check=False, package_name=module)
        assert result.returncode != 0, module


AWKWARD = {
    "quotes-backslashes-non-ascii": {
        "project_name": 'Kaupunki\'s "Pääpalvelu" \\ Åland',
        "description": 'Braces {like this} and {"json": [1]} }} and a tab\\t',
        "author_name": 'Åsa O\'Neill-Ström \\ "Team"',
    },
    "longest-names": {
        "project_name": "N" * 80,
        "project_slug": "s" * 50,
        "package_name": "p" * 30,
        "description": "D" * 200,
        "author_name": "A" * 100,
    },
    "emoji-and-empty-description": {
        "project_name": "Palvelu 🚀 ∑ 中文",
        "description": "",
        "author_email": "first.last+service@sub.hel.fi",
    },
}


@pytest.fixture(scope="session")
def default_venv(services):
    return services("default").venv


@pytest.mark.parametrize("answers", list(AWKWARD.values()), ids=list(AWKWARD))
def test_awkward_answers_bake_a_working_service(tmp_path, default_venv, answers):
    result, path = bake(tmp_path / "output", **answers)
    assert path is not None, result.stderr
    expected = {**{key: QUESTIONS[key] for key in ("description",)}, **answers}
    project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    assert project["description"] == expected["description"]
    if "author_name" in answers:
        assert project["authors"][0]["name"] == answers["author_name"]
    run([UV, "lock", "--locked", "--python", default_venv / "python"], cwd=path)
    # Same locked dependencies as the default service: reuse its environment.
    run([default_venv / "ruff", "check", "."], cwd=path)
    run([default_venv / "ruff", "format", "--check", "."], cwd=path)
    package = next(path.glob("*/settings.py")).parent.name
    env = {"DEBUG": "0", "SECRET_KEY": "only-for-template-tests"}
    run(
        [default_venv / "python", "manage.py", "check", "--fail-level", "WARNING"],
        cwd=path,
        **env,
    )
    run_suite(default_venv / "python", path, f"{package}/tests/test_graphql.py")
    shown = run(
        [
            default_venv / "python",
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.SERVICE_NAME)",
        ],
        cwd=path,
        DJANGO_SETTINGS_MODULE=f"{package}.settings",
        **env,
    ).stdout
    assert shown.rstrip("\n") == answers.get("project_name", QUESTIONS["project_name"])
