"""Replicas that start at once on a fresh database, each asked to migrate."""

import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

PROJECT_DIR = Path(__file__).resolve().parents[2]
REPLICAS = 4


@pytest.fixture
def fresh_database(tmp_path):
    """(DATABASE_URL, query function) of a new, empty database of the suite's kind."""
    if connection.vendor == "sqlite":
        path = tmp_path / "fresh.sqlite3"

        def query(sql):
            with sqlite3.connect(path) as database:
                return database.execute(sql).fetchall()

        yield f"sqlite:///{path}", query
        return
    settings = connection.settings_dict
    name = f"{settings['NAME']}_fresh"[:63]
    server = {
        "host": settings["HOST"] or "localhost",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        with psycopg.connect(dbname=name, **server) as database:
            return database.execute(sql).fetchall()

    credentials = quote(server["user"] or "", safe="")
    if server["password"]:
        credentials += ":" + quote(server["password"], safe="")
    yield f"postgres://{credentials}@{server['host']}:{server['port']}/{name}", query
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_replica(database_url):
    """What a container of the service does at start with APPLY_MIGRATIONS=1."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
{%- if cookiecutter.use_docker %}
        ["sh", "docker-entrypoint.sh", "python", "-c", "print('server started')"],
{%- else %}
        [sys.executable, "manage.py", "migrate", "--no-input"],
{%- endif %}
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "PATH": path,
            "DATABASE_URL": database_url,
            "APPLY_MIGRATIONS": "1",
        },
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_replicas_started_at_once_all_start_and_migrate_once(fresh_database):
    database_url, query = fresh_database

    with ThreadPoolExecutor(REPLICAS) as pool:
        results = list(pool.map(start_replica, [database_url] * REPLICAS))

    assert [result.returncode for result in results] == [0] * REPLICAS, [
        result.stderr[-2000:] for result in results if result.returncode
    ]
{%- if cookiecutter.use_docker %}
    assert all(result.stdout.endswith("server started\n") for result in results)
{%- endif %}
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = query("SELECT app, name FROM django_migrations")
    assert sorted(applied) == sorted(on_disk)  # each one applied, and once
