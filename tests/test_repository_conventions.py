"""The generated repository follows the City's conventions: commits, releases,
the supply-chain delay, Dependabot and CI.

commitlint and release-please's schemas come from npm, the one registry
besides PyPI that these tests use; nothing here reaches GitHub.
"""

import json
import shutil
import subprocess
import tarfile
import tomllib

import jsonschema
import pytest
import yaml
from conftest import combination_params, run

RELEASE_PLEASE = "release-please@17.11.2"


def npm(*args, cwd):
    if shutil.which("npm") is None:
        pytest.fail("npm is needed (Debian: apt install npm); .ci/run installs it")
    return run(["npm", "--no-audit", "--no-fund", "--loglevel=error", *args], cwd=cwd)


def on_github(service, relative):
    """The bake's `relative` path if it has GitHub CI; else None, once it is
    checked to be absent."""
    path = service.path / relative
    if service.answers["ci"] != "github":
        assert not path.exists()
        return None
    return path


@pytest.fixture(scope="session")
def commitlint(services, tmp_path_factory):
    """commitlint and the conventional config, as the service's CI installs
    them: `npm ci` from its package.json and package-lock.json."""
    directory = tmp_path_factory.mktemp("commitlint")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(services("default").path / name, directory / name)
    npm("ci", cwd=directory)
    return directory / "node_modules"


@pytest.fixture(scope="session")
def release_please_schemas(tmp_path_factory):
    """release-please's own JSON schemas, from its npm package."""
    directory = tmp_path_factory.mktemp("release-please")
    npm("pack", "--silent", RELEASE_PLEASE, cwd=directory)
    [package] = directory.glob("release-please-*.tgz")
    with tarfile.open(package) as archive:
        archive.extractall(directory, filter="data")
    schemas = directory / "package" / "schemas"
    return {
        name: json.loads((schemas / f"{name}.json").read_text())
        for name in ("config", "manifest")
    }


@pytest.mark.parametrize(
    ("message", "accepted"),
    [
        ("feat(users): let people choose Swedish", True),
        ("fix: refuse a token whose key was retired", True),
        ("deps: bump django from 5.2.19 to 5.2.20", True),
        ("Added stuff", False),
        ("feat: ", False),
        ("feature: something", False),
    ],
)
def test_commitlint_checks_messages_with_the_services_config(
    services, commitlint, message, accepted
):
    # The service's config, beside the packages that node finds it from.
    config = services("default").path / ".commitlintrc.mjs"
    shutil.copy(config, commitlint.parent / config.name)
    result = subprocess.run(
        [commitlint / ".bin" / "commitlint", "--cwd", commitlint.parent],
        input=message,
        text=True,
        capture_output=True,
        cwd=commitlint.parent,
    )
    assert (result.returncode == 0) is accepted, result.stdout + result.stderr


@pytest.mark.parametrize("name", combination_params())
def test_release_please_files_fit_its_schema_and_name_the_tag(
    services, release_please_schemas, name
):
    service = services(name)
    config = json.loads((service.path / "release-please-config.json").read_text())
    manifest = json.loads((service.path / ".release-please-manifest.json").read_text())

    jsonschema.validate(config, release_please_schemas["config"])
    jsonschema.validate(manifest, release_please_schemas["manifest"])
    package = config["packages"]["."]
    assert package["release-type"] == "python"  # bumps pyproject.toml's version
    # Tags are <service>-v<version>.
    assert package["component"] == service.path.name  # the slug
    assert package["include-component-in-tag"]
    assert package["include-v-in-tag"]
    pyproject = tomllib.loads((service.path / "pyproject.toml").read_text())
    assert manifest["."] == pyproject["project"]["version"]
    assert (service.path / "CHANGELOG.md").exists()


@pytest.mark.parametrize("name", combination_params())
def test_packages_are_three_days_old_at_least_and_the_lock_holds(services, name):
    service = services(name)
    pyproject = tomllib.loads((service.path / "pyproject.toml").read_text())
    lock = tomllib.loads((service.path / "uv.lock").read_text())

    assert pyproject["tool"]["uv"]["exclude-newer"] == "3 days"
    assert lock["options"]["exclude-newer-span"] == "P3D"
    service.venv  # noqa: B018 - `uv sync --locked`: the lock holds as committed


@pytest.mark.parametrize("name", combination_params())
def test_dependabot_runs_as_the_city_runs_it(services, name):
    config = on_github(services(name), ".github/dependabot.yml")
    if config is None:
        return
    updates = yaml.safe_load(config.read_text())["updates"]

    assert all(update["commit-message"]["prefix"] == "deps" for update in updates)
    [python] = [u for u in updates if u["package-ecosystem"] == "uv"]
    assert python["open-pull-requests-limit"] == 0  # security updates only
    assert python["groups"]["security"]["applies-to"] == "security-updates"


@pytest.mark.parametrize("name", combination_params())
def test_ci_runs_the_city_checks(services, name):
    service = services(name)
    workflows = on_github(service, ".github/workflows")
    if workflows is None:
        return
    jobs = yaml.safe_load((workflows / "ci.yml").read_text())["jobs"]
    steps = " ".join(
        str(step.get("run", "")) + str(step.get("uses", ""))
        for job in jobs.values()
        for step in job["steps"]
    )

    assert {"commitlint", "pre-commit", "test", "dependency-review"} <= set(jobs)
    for command in (
        "npm ci",
        "commitlint",
        "pre-commit run --all-files",
        "makemigrations --check --dry-run",
        "compilemessages",
        "pytest --cov --cov-report=xml",
        "sonarqube-scan-action",
        "dependency-review-action",
    ):
        assert command in steps, command
    versions = {
        entry["postgres"] for entry in jobs["test"]["strategy"]["matrix"]["include"]
    }
    assert versions == {"14", "15", "16", "17"}
    sonar = (service.path / "sonar-project.properties").read_text()
    assert "sonar.python.coverage.reportPaths=coverage.xml" in sonar
    release = yaml.safe_load((workflows / "release-please.yml").read_text())
    [step] = release["jobs"]["release-please"]["steps"]
    assert step["uses"].startswith("googleapis/release-please-action@")
