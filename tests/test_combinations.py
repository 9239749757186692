"""Every combination of answers bakes a clean service that passes its own checks."""

import re

import pytest
from bake import BOOLEANS, CHOICES, TOOLS_BIN, resolved, run
from conftest import COMBINATIONS, combination_params, database_url

# A leftover of Jinja: two braces (except GitHub's `${{`), or brace-percent/hash.
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{[%#]")
ALWAYS_PRESENT = [
    ".env.example",
    ".gitignore",
    ".python-version",
    "README.md",
    "conftest.py",
    "manage.py",
    "pyproject.toml",
    "uv.lock",
    "users/models.py",
    "users/migrations/0001_initial.py",
    "authentication/middleware.py",
    "authentication/graphql.py",
    "audit/middleware.py",
    "audit/access.py",
    "audit/deletion.py",
]
# Each optional path and the answers under which it exists.
OPTIONAL = {
    ".github/workflows/ci.yml": lambda answers: answers["ci"] == "github",
    "errorlog/models.py": lambda answers: answers["use_error_log"],
    "errorlog/migrations/0001_initial.py": lambda answers: answers["use_error_log"],
}
# What a switched-off option must leave no trace of, in any file.
TRACES = {
    "use_error_log": re.compile(
        r"errorlog|error_log|error log|ErrorLog", re.IGNORECASE
    ),
}


def test_combinations_cover_every_boolean_state_and_choice_value():
    seen = [resolved(answers) for answers in COMBINATIONS.values()]
    for key in BOOLEANS:
        assert {answers[key] for answers in seen} == {True, False}, key
    for key, values in CHOICES.items():
        assert {answers[key] for answers in seen} == set(values), key


def text_files(root):
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".venv" not in path.parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


@pytest.mark.parametrize("name", combination_params())
def test_no_template_syntax_is_left(services, name):
    service = services(name)
    leftovers = [
        f"{path.relative_to(service.path)}:{number}: {line.strip()}"
        for path, content in text_files(service.path)
        for number, line in enumerate(content.splitlines(), start=1)
        if LEFTOVER.search(line)
    ]
    leftovers += [
        str(path) for path in service.path.rglob("*") if "cookiecutter" in path.name
    ]
    assert leftovers == []


@pytest.mark.parametrize("name", combination_params())
def test_expected_files_exist_and_switched_off_ones_do_not(services, name):
    service = services(name)
    for relative in ALWAYS_PRESENT:
        assert (service.path / relative).is_file(), relative
    package = service.path / "example_service"
    assert (package / "settings.py").is_file()
    assert (package / "middleware_order.py").is_file()
    for relative, wanted in OPTIONAL.items():
        assert (service.path / relative).exists() == wanted(service.answers), relative
    if service.answers["ci"] == "none":
        assert not (service.path / ".github").exists()


@pytest.mark.parametrize("name", combination_params())
def test_switched_off_options_leave_no_trace(services, name):
    service = services(name)
    for key, trace in TRACES.items():
        if service.answers[key]:
            continue
        found = [
            f"{path.relative_to(service.path)}: {match.group()}"
            for path, content in text_files(service.path)
            for match in [trace.search(content)]
            if match
        ]
        found += [str(p) for p in service.path.rglob("*") if trace.search(p.name)]
        assert found == [], key


@pytest.mark.parametrize("name", combination_params())
def test_local_env_file_is_ignored_by_git(services, name):
    service = services(name)
    assert (service.path / ".env").read_text() == (
        service.path / ".env.example"
    ).read_text()
    assert ".env" in (service.path / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("name", combination_params())
def test_ruff_check_and_format_are_clean(services, name):
    service = services(name)
    service.run("ruff", "check", ".")
    service.run("ruff", "format", "--check", ".")


@pytest.mark.parametrize("name", combination_params())
def test_workflows_pass_actionlint(services, name):
    service = services(name)
    workflows = sorted((service.path / ".github" / "workflows").glob("*.y*ml"))
    assert bool(workflows) == (service.answers["ci"] == "github")
    if workflows:
        run(
            [TOOLS_BIN / "actionlint", *workflows],
            cwd=service.path,
            PATH=str(TOOLS_BIN),
        )


@pytest.mark.parametrize("name", combination_params())
def test_django_system_checks_pass(services, name):
    result = services(name).manage("check", "--fail-level", "WARNING")
    assert "no issues" in result.stdout


@pytest.mark.parametrize("name", combination_params())
def test_migrations_match_the_models(services, name):
    services(name).manage("makemigrations", "--check", "--dry-run")


@pytest.mark.parametrize("name", combination_params())
def test_generated_test_suite_passes(services, name):
    assert "database: sqlite" in services(name).pytest()


@pytest.mark.parametrize("name", combination_params("default", "all-off"))
def test_generated_test_suite_passes_on_postgresql(services, name, postgres_url):
    output = services(name).pytest(
        DATABASE_URL=database_url(postgres_url, f"template_{name}")
    )
    assert f"database: postgresql template_{name.replace('-', '_')}" in output
