"""Fixtures shared by every test of the service."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} {connection.settings_dict['NAME']}"


@pytest.fixture
def graphql(client):
    """Send a GraphQL document through the real `/graphql` view and its middleware."""

    def send(query, variables=None, **headers):
        response = client.post(
            "/graphql",
            {"query": query, "variables": variables or {}},
            content_type="application/json",
            headers=headers,
        )
        return response

    return send


@pytest.fixture
def run_django():
    """Run Python code in a fresh process with Django set up from `env`.

    For behaviour that is fixed when the settings load (a missing SECRET_KEY,
    an unreachable database), which one process can only see once.
    """

    def run(code, **env):
        settings_module = "{{ cookiecutter.package_name }}.settings"
        full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **env}
        setup = "import django; django.setup()\n"
        return subprocess.run(
            [sys.executable, "-c", setup + code],
            cwd=PROJECT_DIR,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run
