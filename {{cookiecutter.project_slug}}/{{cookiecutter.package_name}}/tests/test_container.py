"""The container's start-up, run outside a container: the entrypoint and its
command, and gunicorn's master having the same done (in a child process) for
the production command.

Migrating when asked (APPLY_MIGRATIONS=1) is tested in test_migrate.py, with
several containers starting at once.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

PROJECT_DIR = Path(__file__).resolve().parents[2]
PACKAGE = __name__.split(".")[0]


def entrypoint(*command, **env):
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["sh", "docker-entrypoint.sh", *command],
        cwd=PROJECT_DIR,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_command(**env):
    """The image's default command, gunicorn, through the entrypoint."""
    return entrypoint(
        "gunicorn", "--config", "gunicorn.conf.py", f"{PACKAGE}.wsgi", **env
    )


@pytest.mark.django_db
def test_wait_for_database_returns_once_the_database_answers(capsys):
    call_command("wait_for_database", timeout=5)

    assert "The database answers." in capsys.readouterr().out


@pytest.mark.slow
def test_entrypoint_does_not_migrate_unless_asked(tmp_path):
    database = tmp_path / "db.sqlite3"

    result = entrypoint(
        "python",
        "-c",
        "print('server started')",
        DATABASE_URL=f"sqlite:///{database}",
        APPLY_MIGRATIONS="0",  # compose sets it for the development container
    )

    assert result.returncode == 0, result.stderr
    assert "Applying" not in result.stdout


@pytest.mark.slow
def test_entrypoint_stops_when_the_database_never_answers():
    result = entrypoint(
        "python",
        "-c",
        "print('server started')",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing",
        DATABASE_WAIT_SECONDS="1",
    )

    assert result.returncode != 0
    assert "did not answer within 1 seconds" in result.stderr
    assert "server started" not in result.stdout


@pytest.mark.slow
def test_server_stops_when_the_database_never_answers():
    """gunicorn waits in a child of its master (gunicorn.conf.py), and gives up
    as clearly."""
    result = production_command(
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing",
        DATABASE_WAIT_SECONDS="1",  # it gives up before it listens on a port
    )

    assert result.returncode != 0
    assert "did not answer within 1 seconds" in result.stderr
    assert "Booting worker" not in result.stdout + result.stderr


@pytest.mark.slow
def test_server_stops_when_the_wait_is_not_a_number_of_seconds():
    """The master's child that prepares the database fails, and so does the start."""
    result = production_command(
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing",
        DATABASE_WAIT_SECONDS="soon",
    )

    assert result.returncode != 0
    assert (
        "DATABASE_WAIT_SECONDS must be a number of seconds above 0; got 'soon'."
        in result.stderr
    )
    assert "Booting worker" not in result.stdout + result.stderr


@pytest.mark.slow
def test_entrypoint_stops_at_once_when_sqlite_cannot_be_written(tmp_path):
    """No waiting: the default SQLite file in a read-only image never appears."""
    database = tmp_path / "missing-directory" / "db.sqlite3"

    result = entrypoint(
        "python",
        "-c",
        "print('server started')",
        DATABASE_URL=f"sqlite:///{database}",
        DATABASE_WAIT_SECONDS="600",  # longer than the test's timeout
    )

    assert result.returncode != 0
    assert f"The SQLite database {database} cannot be written" in result.stderr
    assert "Set DATABASE_URL" in result.stderr
    assert "server started" not in result.stdout
