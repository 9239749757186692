"""The service's image built with podman and run the way the platform runs it.

Read-only root filesystem, a random UID in group 0, no HOME, PostgreSQL,
APPLY_MIGRATIONS=1: it must come up, answer its probes and GraphQL (a
signed-in `me` too, with a token from the service's own loopback issuer),
log nothing at ERROR, and on SIGTERM finish the request in flight. Two
replicas started at once on one fresh database both come up. The development
image runs the service's test suite. podman missing is a failure, never a
skip: .ci/run installs it.
"""

import json
import re
import shutil
import socket
import subprocess
import time

import pytest
import requests
import yaml
from conftest import combination_params, database_url
from containers import (
    Container,
    build_base_images,
    build_service_image,
    free_port,
    fresh_database,
    graphql,
    podman,
    production_env,
    service_issuer,
)


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("containers")


@pytest.fixture
def issuer(services, name):
    """The service's own test issuer, in its environment: (url, token maker)."""
    with service_issuer(services(name)) as url_and_token:
        yield url_and_token


def create_database(service, server_url, name):
    """A fresh, empty database on the server: its URL."""
    return fresh_database(service, server_url, database_url(server_url, name))


def assert_admin_styles_served(url):
    """The admin's stylesheet by its content-named URL, compressed: no router needed."""
    https = {"X-Forwarded-Proto": "https"}
    page = requests.get(f"{url}/admin/login/", headers=https, timeout=10)
    [css] = re.findall(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
    sheet = requests.get(
        url + css, headers={**https, "Accept-Encoding": "gzip"}, timeout=10
    )
    assert sheet.status_code == 200
    assert sheet.headers["Content-Encoding"] == "gzip"
    assert "immutable" in sheet.headers["Cache-Control"]


def request_in_flight(url):
    """A POST whose body lacks its last bytes: the socket, and the rest."""
    body = json.dumps({"query": "{ serviceInfo { name } }"}).encode()
    client = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), 10)
    client.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body) + body[:-10]
    )
    return client, body[-10:]


def read_all(client):
    response = b""
    while chunk := client.recv(65536):
        response += chunk
    client.close()
    return response


@pytest.mark.parametrize(
    "name", combination_params("default", "all-on", apart="-image")
)
def test_production_image_runs_as_the_platform_runs_it(
    services, name, scratch, issuer, postgres_url
):
    service = services(name)
    build_base_images(scratch, service.path / "Dockerfile")
    image = f"localhost/{name}:production"
    build_service_image(scratch, service.path, "production", image)
    issuer_url, token = issuer

    environment = podman(scratch, "image", "inspect", "--format={{.Config.Env}}", image)
    assert "UV_" not in environment.stdout  # build settings stay in the build
    listing = podman(scratch, "run", "--rm", "--entrypoint=find", image, "/app")
    assert not re.findall(r"/test_\w*\.py$|/conftest\.py$", listing.stdout, re.M)
    assert "/app/static/staticfiles.json" in listing.stdout.splitlines()

    database = create_database(service, postgres_url, f"image_{name}")
    replicas = [
        Container(scratch, image, free_port(), production_env(issuer_url, database))
        for _ in range(2)  # at once, on one fresh database
    ]
    try:
        for replica in replicas:
            replica.wait_ready()
        first = replicas[0]
        assert requests.get(f"{first.url}/healthz", timeout=5).status_code == 200
        info = graphql(first.url, "{ serviceInfo { name } }").json()
        assert info["data"]["serviceInfo"]["name"]
        me = graphql(first.url, "{ me { uuid } }", token()).json()
        assert me == {"data": {"me": {"uuid": "7d4c2f1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f"}}}
        assert_admin_styles_served(first.url)

        client, rest = request_in_flight(first.url)
        podman(scratch, "kill", "--signal=TERM", first.id)
        time.sleep(1)
        client.sendall(rest)
        assert read_all(client).startswith(b"HTTP/1.1 200")
        exit_code = podman(scratch, "wait", first.id, timeout=40).stdout.strip()
        assert exit_code == "0"

        for replica in replicas:
            logs = replica.logs()
            assert "ERROR" not in logs, logs
            assert "Traceback" not in logs, logs
            assert ".env" not in logs, logs  # no file there, and no word of it
            assert "Control server" not in logs, logs
        migrated = [r.logs().count("Applying users.0001_initial") for r in replicas]
        assert sorted(migrated) == [0, 1]  # one replica migrated, the other waited
    finally:
        for replica in replicas:
            replica.remove()


def compose_app(service):
    """compose.yaml's `app` service, with its defaults for the shell's variables."""
    compose = yaml.safe_load((service.path / "compose.yaml").read_text())
    app = compose["services"]["app"]
    app["user"] = re.sub(r"\$\{\w+:-(\w+)\}", r"\1", app["user"])
    return app


def working_copy(service, destination, owner):
    """A copy of the service, owned by the developer that compose runs as."""
    shutil.copytree(
        service.path, destination, ignore=shutil.ignore_patterns(".venv", "*.sqlite3")
    )
    subprocess.run(["chown", "-R", owner, destination], check=True)
    return destination


def layers(scratch, image):
    listing = podman(scratch, "image", "inspect", "--format={{.RootFS.Layers}}", image)
    return listing.stdout.strip("[]\n").split()


@pytest.mark.parametrize("name", combination_params("default", apart="-image"))
def test_development_container_works_as_compose_runs_it(
    services, name, scratch, postgres_url, tmp_path
):
    """`docker compose run --rm app pytest` passes, `docker compose up` reloads
    on an edit, files the container makes are the developer's, and an edit does
    not install the packages again."""
    service = services(name)
    app = compose_app(service)
    assert app["build"]["target"] == "development"
    [volume] = app["volumes"]
    source, target = volume.split(":")
    assert source == "."
    copy = working_copy(service, tmp_path / "working-copy", app["user"])
    build_base_images(scratch, copy / "Dockerfile")
    image = f"localhost/{name}:development"
    build_service_image(scratch, copy, "development", image)
    env = {  # compose.yaml's, with this run's database server
        **app["environment"],
        "DATABASE_URL": create_database(service, postgres_url, f"devimage_{name}"),
    }
    as_compose_runs_it = [
        "--network=host",
        f"--user={app['user']}",
        f"--volume={copy}:{target}",
        *(f"--env={key}={value}" for key, value in env.items()),
    ]

    tests = podman(
        scratch,
        "run",
        "--rm",
        *as_compose_runs_it,
        image,
        "pytest",  # as the service README says: docker compose run --rm app pytest
        timeout=900,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout

    port = free_port()  # compose publishes 8000; the host network needs a free one
    server = podman(
        scratch,
        "run",
        "--detach",
        *as_compose_runs_it,
        image,
        "python",
        "manage.py",
        "runserver",
        f"0.0.0.0:{port}",
    ).stdout.strip()
    url = f"http://127.0.0.1:{port}"
    [settings] = copy.glob("*/settings.py")
    try:
        assert served_name(url, "Example Service") == "Example Service"
        with settings.open("a") as edit:
            edit.write('SERVICE_NAME = "Edited live"\n')
        assert served_name(url, "Edited live", touch=settings) == "Edited live"
    finally:
        logs = podman(scratch, "logs", server).stderr
        podman(scratch, "rm", "--force", "--time=0", server, check=False)
    assert "changed, reloading" in logs, logs

    # What the container writes in the working copy is the developer's.
    podman(
        scratch,
        "run",
        "--rm",
        *as_compose_runs_it,
        image,
        "python",
        "manage.py",
        "startapp",
        "bikes",
    )
    made = copy / "bikes" / "apps.py"
    assert f"{made.stat().st_uid}:{made.stat().st_gid}" == app["user"]

    # The edited copy builds again from the cached packages: only the source differs.
    edited = f"localhost/{name}:development-edited"
    build_service_image(scratch, copy, "development", edited)
    before, after = layers(scratch, image), layers(scratch, edited)
    assert len(before) == len(after)
    assert before[:-1] == after[:-1]
    assert before[-1] != after[-1]


def served_name(url, expected, touch=None, timeout=90):
    """serviceInfo's name once the server answers it with `expected`, or the last.

    Django's reloader takes the files' first modification times a moment after
    the server answers; an edit before that is its starting point, not a change.
    So, like a developer saving again, `touch` renews the edit every 2 s.
    """
    deadline, name = time.monotonic() + timeout, None
    touched = time.monotonic()
    while time.monotonic() < deadline:
        try:
            name = graphql(url, "{ serviceInfo { name } }").json()["data"]
            name = name["serviceInfo"]["name"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            pass
        if name == expected:
            break
        if touch and time.monotonic() - touched > 2:
            touch.touch()
            touched = time.monotonic()
        time.sleep(0.5)
    return name
