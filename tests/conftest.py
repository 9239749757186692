"""Session-wide fixtures: each combination of answers is baked once per worker.

Tests about one combination carry an `xdist_group` mark with its name, so that
with `--dist loadgroup` one worker bakes it and runs its checks; the longest
(whole suites on PostgreSQL or another Python) have groups apart.
"""

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from bake import (
    TEMPLATE_DIR,
    UV,
    bake,
    combinations,
    find_python,
    resolved,
    run,
    run_suite,
)
from own_postgres import ServerProgramsMissing, throwaway_cluster

COMBINATIONS = combinations()


def combination_params(*names, apart=""):
    """A parameter per combination, grouped by it for xdist.

    `apart` names a group of its own for long tests (a whole suite on another
    database or Python), so that another worker can take them: it bakes the
    combination again, which costs seconds, not minutes.
    """
    return [
        pytest.param(name, marks=pytest.mark.xdist_group(name + apart), id=name)
        for name in names or COMBINATIONS
    ]


@dataclass
class Service:
    """A baked service and the tools to work on it."""

    name: str
    path: Path
    answers: dict

    @cached_property
    def python(self):
        version = self.answers["python_version"]
        found = find_python(version)
        if found is None:
            pytest.fail(
                f"No Python {version} interpreter found (PATH, pyenv or uv): "
                "the template tests run every python_version the template offers."
            )
        return found

    @cached_property
    def venv(self):
        """The service's own environment, made by uv from the baked lock."""
        run([UV, "sync", "--locked", "--python", self.python], cwd=self.path)
        return self.path / ".venv" / "bin"

    def run(self, *args, check=True, **env):
        """Run a program of the service's environment inside the service."""
        program, *rest = args
        return run([self.venv / program, *rest], cwd=self.path, check=check, **env)

    def run_script(self, script, database_url, *args, timeout=300, check=True):
        """Run a template script against this service, with the service's Python.

        `script` is relative to the template; it gets --service and
        --database-url, then `args`.
        """
        return run(
            [
                self.venv / "python",
                TEMPLATE_DIR / script,
                "--service",
                self.path,
                "--database-url",
                database_url,
                *args,
            ],
            cwd=TEMPLATE_DIR,
            timeout=timeout,
            check=check,
        )

    def pytest(self, *paths, **env):
        """Run the service's own suite (or these paths of it) in its own
        environment."""
        return run_suite(self.venv / "python", self.path, *paths, **env)

    def manage(self, *args, **env):
        env = {"DEBUG": "0", "SECRET_KEY": "only-for-template-tests", **env}
        return self.run("python", "manage.py", *args, **env)


@pytest.fixture(scope="session")
def services(tmp_path_factory):
    """Bake a combination on first use; later uses get the same directory."""
    baked = {}

    def get(name):
        if name not in baked:
            output = tmp_path_factory.mktemp(name) / "output"
            _, path = bake(output, **COMBINATIONS[name])
            baked[name] = Service(name, path, resolved(COMBINATIONS[name]))
        return baked[name]

    return get


@pytest.fixture(scope="session")
def postgres_url():
    """The PostgreSQL server named by TEST_DATABASE_URL.

    Without it the PostgreSQL tests are skipped on a developer machine, and
    fail under CI (where `.ci/run` always starts a server).
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail("CI is set but TEST_DATABASE_URL is not: start PostgreSQL first")
    pytest.skip(
        "TEST_DATABASE_URL is not set; see README.md to run these on PostgreSQL"
    )


def database_url(server_url, name):
    """The server's URL with its database replaced by `name`."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + re.sub(r"\W", "_", name)))


@pytest.fixture
def own_postgres():
    """A throw-away PostgreSQL cluster on a free port, which the test may restart."""
    try:
        with throwaway_cluster() as cluster:
            yield cluster
    except ServerProgramsMissing as missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {missing}")
        pytest.skip(str(missing))
