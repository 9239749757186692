"""Every combination of answers bakes a clean service that passes its own checks."""

import itertools
import re

import pytest
import yaml
from bake import (
    BOOLEANS,
    CHOICES,
    TOOLS_BIN,
    UV,
    find_python,
    resolved,
    run,
    run_suite,
)
from conftest import COMBINATIONS, combination_params, database_url
from markdown_it import MarkdownIt

# A leftover of Jinja: two braces (except GitHub's `${{`), or brace-percent/hash.
LEFTOVER = re.compile(r"(?<!\$)\{\{|\{[%#]")
ALWAYS_PRESENT = [
    ".env.example",
    ".gitignore",
    ".python-version",
    "README.md",
    "docs/explanation.md",
    "docs/how-to/add-an-app.md",
    "docs/how-to/fix-what-the-checks-find.md",
    "docs/how-to/run-tests.md",
    "docs/how-to/sign-in-locally.md",
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
    "gunicorn.conf.py",
    ".pre-commit-config.yaml",
    ".commitlintrc.mjs",
    "release-please-config.json",
    ".release-please-manifest.json",
    "CHANGELOG.md",
    "sonar-project.properties",
]
# Each optional path and the answers under which it exists.
OPTIONAL = {
    ".github/workflows/ci.yml": lambda answers: answers["ci"] == "github",
    ".github/dependabot.yml": lambda answers: answers["ci"] == "github",
    ".github/workflows/release-please.yml": lambda answers: answers["ci"] == "github",
    "package.json": lambda answers: answers["ci"] == "github",
    "package-lock.json": lambda answers: answers["ci"] == "github",
    "errorlog/models.py": lambda answers: answers["use_error_log"],
    "errorlog/migrations/0001_initial.py": lambda answers: answers["use_error_log"],
    "Dockerfile": lambda answers: answers["use_docker"],
    "docker-entrypoint.sh": lambda answers: answers["use_docker"],
    "compose.yaml": lambda answers: answers["use_docker"],
    ".dockerignore": lambda answers: answers["use_docker"],
    "example_service/management/commands/wait_for_database.py": lambda answers: answers[
        "use_docker"
    ],
    "example_service/management/commands/migrate.py": lambda answers: True,
    "example_service/sentry.py": lambda answers: answers["use_sentry"],
    "users/gdpr.py": lambda answers: answers["use_gdpr_api"],
    "example_service/tests/test_admin_sso.py": lambda answers: answers["use_admin_sso"],
    "audit/shipping.py": lambda answers: answers["use_audit_log_shipping"],
    "audit/resilient.py": lambda answers: answers["use_audit_log_shipping"],
    "audit/management/commands/submit_unsent_entries.py": lambda answers: answers[
        "use_audit_log_shipping"
    ],
    "audit/tests/test_shipping.py": lambda answers: answers["use_audit_log_shipping"],
    "errorlog/shipping.py": lambda answers: (
        answers["use_error_log"] and answers["use_audit_log_shipping"]
    ),
}
# What a switched-off option must leave no trace of, in any file.
TRACES = {
    "use_error_log": re.compile(r"errorlog|error_log|error log", re.IGNORECASE),
    "use_docker": re.compile(r"docker|compose\.yaml|wait_for_database", re.IGNORECASE),
    "use_sentry": re.compile(r"sentry", re.IGNORECASE),
    "use_gdpr_api": re.compile(r"gdpr|rest_framework", re.IGNORECASE),
    "use_admin_sso": re.compile(
        r"social_|SOCIAL_AUTH|helauth|single sign-on|ADMIN_PASSWORD_LOGIN"
    ),
    "use_audit_log_shipping": re.compile(
        r"resilient|elasticsearch|AUDIT_LOG_E|AUDIT_LOG_ORIGIN|submit_unsent|"
        r"clear_sent|central audit log",
        re.IGNORECASE,
    ),
}
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!vQ2#mZ7@pL4$kR8%tN1^wB6&yC3*dF5(hJ0)gS-eU+aI=oE_rT",
    "ALLOWED_HOSTS": "service.example.com",
}


def test_combinations_cover_every_boolean_state_and_choice_value():
    seen = [resolved(answers) for answers in COMBINATIONS.values()]
    for key in BOOLEANS:
        assert {answers[key] for answers in seen} == {True, False}, key
    for key, values in CHOICES.items():
        assert {answers[key] for answers in seen} == set(values), key


def project_paths(root):
    """Every path of a baked service, without its virtualenv."""
    return [path for path in sorted(root.rglob("*")) if ".venv" not in path.parts]


def text_files(root):
    for path in project_paths(root):
        if path.is_file():
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def numbered_lines(service, wanted):
    """`path:number: line` of each line of the service's text files that
    `wanted(path, line above, line)` accepts."""
    return [
        f"{path.relative_to(service.path)}:{number}: {line.strip()}"
        for path, content in text_files(service.path)
        for number, (above, line) in enumerate(
            itertools.pairwise(["", *content.splitlines()]), start=1
        )
        if wanted(path, above, line)
    ]


TABLE_SEPARATOR = re.compile(r"\|[ :|-]+")


@pytest.mark.parametrize("name", combination_params())
def test_markdown_tables_render_as_the_tables_they_are_written_as(services, name):
    """Rendered by a Markdown parser (markdown-it, with GitHub's tables): each
    row of a table is a line written as one (`| ... |`), and each such line
    outside code blocks is a row. A line right after a table would be one
    more row of it; a table without its separator line would be text."""
    parser = MarkdownIt("commonmark").enable("table")
    wrong = []
    for path, content in text_files(services(name).path):
        if path.suffix != ".md":
            continue
        lines = content.splitlines()
        tokens = parser.parse(content)
        rows = {token.map[0] for token in tokens if token.type == "tr_open"}
        code = {
            number
            for token in tokens
            if token.type in ("fence", "code_block")
            for number in range(*token.map)
        }
        written = {
            number
            for number, line in enumerate(lines)
            if line.startswith("|")
            and number not in code
            and not TABLE_SEPARATOR.fullmatch(line)
        }
        wrong += [
            f"{path.name}:{number + 1}: {lines[number]}"
            for number in sorted(rows ^ written)
        ]
    assert wrong == []


def is_django_template(path):
    """A page of the service's own: Django's syntax is Jinja's, on purpose."""
    return path.suffix == ".html" and "templates" in path.parts


@pytest.mark.parametrize("name", combination_params())
def test_no_template_syntax_is_left(services, name):
    service = services(name)
    leftovers = numbered_lines(
        service,
        lambda path, _, line: (
            not is_django_template(path) and bool(LEFTOVER.search(line))
        ),
    )
    leftovers += [
        str(path) for path in project_paths(service.path) if "cookiecutter" in path.name
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
        found += [str(p) for p in project_paths(service.path) if trace.search(p.name)]
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
def test_workflows_pass_zizmor(services, name):
    service = services(name)
    workflows = service.path / ".github" / "workflows"
    if service.answers["ci"] == "github":
        run([TOOLS_BIN / "zizmor", "--offline", workflows], cwd=service.path)
    else:
        assert not workflows.exists()


@pytest.mark.parametrize("name", combination_params())
def test_container_files_pass_their_linters(services, name):
    service = services(name)
    dockerfile = service.path / "Dockerfile"
    if not service.answers["use_docker"]:
        assert not dockerfile.exists()
        return
    run([TOOLS_BIN / "hadolint", dockerfile], cwd=service.path)
    run([TOOLS_BIN / "shellcheck", "docker-entrypoint.sh"], cwd=service.path)
    stages = re.findall(r"^FROM .* AS (\w+)$", dockerfile.read_text(), re.MULTILINE)
    assert stages[-1] == "production", "the default target is the production image"
    compose = yaml.safe_load((service.path / "compose.yaml").read_text())
    app = compose["services"]["app"]
    assert app["build"]["target"] in stages
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in compose["services"]["db"]
    # The DEBUG server is for this machine only; no .env file reaches an image.
    assert all(port.startswith("127.0.0.1:") for port in app["ports"])
    assert ".env*" in (service.path / ".dockerignore").read_text().splitlines()


@pytest.mark.parametrize("name", combination_params())
def test_production_settings_pass_the_deployment_checks(services, name):
    services(name).manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)


@pytest.mark.parametrize("name", combination_params())
def test_django_system_checks_pass(services, name):
    result = services(name).manage("check", "--fail-level", "WARNING")
    assert "no issues" in result.stdout


@pytest.mark.parametrize("name", combination_params())
def test_migrations_match_the_models(services, name):
    services(name).manage("makemigrations", "--check", "--dry-run")


@pytest.mark.parametrize("name", combination_params())
def test_generated_test_suite_passes(services, name):
    assert "test database: sqlite" in services(name).pytest()


@pytest.mark.parametrize("name", combination_params("all-on", apart="-alone"))
def test_each_test_file_of_the_suite_passes_alone(services, name):
    """`pytest -n0 <file>`, as docs/how-to/run-tests.md says to run one file:
    in a process of its own, its tests shuffled (pytest-randomly), so no test
    relies on another file's having run first. (The whole suite, shuffled
    too, runs in the tests above.)"""
    service = services(name)
    files = sorted(service.path.glob("*/tests/test_*.py"))
    assert len(files) > 30
    for path in files:
        output = service.pytest("-n0", path.relative_to(service.path))
        assert "Using --randomly-seed=" in output


@pytest.mark.parametrize(
    "name", combination_params("default", "all-off", apart="-postgresql")
)
def test_generated_test_suite_passes_on_postgresql(services, name, postgres_url):
    output = services(name).pytest(
        DATABASE_URL=database_url(postgres_url, f"template_{name}")
    )
    assert f"test database: postgresql test_template_{name.replace('-', '_')}" in output


# The next Django release, which the default service is tested on too, and
# the Python it needs (Django 6 needs 3.12 or newer).
NEXT_DJANGO, NEXT_DJANGO_PYTHON = "6.1.3", "3.13"


def pythons_the_defaults_are_not_tested_on():
    """The python_version choices that no combination runs the defaults on."""
    defaults = resolved({})
    tested = {
        resolved(answers)["python_version"]
        for answers in COMBINATIONS.values()
        if {**resolved(answers), "python_version": None}
        == {**defaults, "python_version": None}
    }
    return [version for version in CHOICES["python_version"] if version not in tested]


def test_the_default_suite_runs_on_every_python_choice():
    """The defaults' own Python and python_version-3.11 as combinations; the
    last one under the next Django, below."""
    assert pythons_the_defaults_are_not_tested_on() == [NEXT_DJANGO_PYTHON]


@pytest.mark.parametrize("name", combination_params("default", apart="-next-django"))
def test_default_service_suite_passes_on_the_next_django(services, name, postgres_url):
    """The next Django on Python 3.13, on SQLite and on PostgreSQL, in an
    environment of its own: moving to it is a version bump, not a project.

    The lock stays on Django 5.2 LTS; the environment is made from it, then
    Django alone is replaced (every other package declares 6.1 allowed).
    """
    service = services(name)
    interpreter = find_python(NEXT_DJANGO_PYTHON)
    assert interpreter, f"Python {NEXT_DJANGO_PYTHON} is needed for this test"
    environment = service.path.parent / "venv-next-django"
    run(
        [UV, "sync", "--locked", "--python", interpreter],
        cwd=service.path,
        UV_PROJECT_ENVIRONMENT=str(environment),
    )
    python = environment / "bin" / "python"
    run(
        [UV, "pip", "install", "--python", python, f"django=={NEXT_DJANGO}"],
        cwd=service.path,
    )

    on_sqlite = run_suite(python, service.path)
    assert f"django: version: {NEXT_DJANGO}" in on_sqlite
    assert f"python {NEXT_DJANGO_PYTHON}" in on_sqlite.lower()
    database = database_url(postgres_url, "template_next_django")
    on_postgresql = run_suite(python, service.path, DATABASE_URL=database)
    assert "test database: postgresql test_template_next_django" in on_postgresql


@pytest.mark.parametrize("name", combination_params("default"))
def test_readme_setup_keeps_the_env_file_of_a_bake_and_makes_one_for_a_clone(
    services, name, tmp_path
):
    """The README's first commands: right after baking and in a fresh clone."""
    readme = (services(name).path / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL).group(1)
    commands = [line.split("  #")[0].strip() for line in block.splitlines()]
    assert commands[0] == "uv sync --locked"
    assert commands[-1].startswith("uv run python manage.py migrate")
    [env_line] = [command for command in commands if ".env" in command]
    example = (services(name).path / ".env.example").read_text()
    baked, cloned = tmp_path / "baked", tmp_path / "cloned"
    for directory in (baked, cloned):
        directory.mkdir()
        (directory / ".env.example").write_text(example)
    (baked / ".env").write_text("DEBUG=1\nSECRET_KEY=edited-after-baking\n")

    for directory in (baked, cloned):
        run(["sh", "-c", env_line], cwd=directory)

    assert "edited-after-baking" in (baked / ".env").read_text()
    assert (cloned / ".env").read_text() == example


@pytest.mark.parametrize("name", combination_params("all-on", apart="-postgresql"))
def test_the_admins_tests_pass_on_postgresql_beside_a_developers_env_file(
    services, name, postgres_url
):
    """Sign-on, the lockout and the admin's access log on PostgreSQL (the rest
    of the all-options suite is what the default one runs there), with the
    sign-in how-to's `.env` and worse beside them: the suite reads none of it."""
    service = services(name)
    env_file = service.path / ".env"
    baked = env_file.read_text()  # the bake's own, copied from .env.example
    env_file.write_text(
        "DEBUG=1\n"
        "ADMIN_PASSWORD_LOGIN=1\n"
        "ENABLE_GRAPHIQL=1\n"
        "SECURE_SSL_REDIRECT=1\n"
        "LOG_FORMAT=plain\n"
        "TOKEN_AUTH_AUTHSERVER_URL=http://127.0.0.1:8001\n"
    )
    try:
        output = service.pytest(
            "example_service/tests/test_admin_sso.py",
            "authentication/tests/test_password_attempts.py",
            "authentication/tests/test_checks.py",
            "audit/tests/test_access.py",
            DATABASE_URL=database_url(postgres_url, f"template_admin_{name}"),
        )
    finally:
        env_file.write_text(baked)
    assert "test database: postgresql" in output
