"""The service's image built with podman and run the way the platform runs it.

Read-only root filesystem, a random UID in group 0, no HOME, PostgreSQL,
APPLY_MIGRATIONS=1: it must come up (waiting and migrating in a child of
gunicorn's master, so that Django starts once), answer its probes and GraphQL (a
signed-in `me` too, with a token from the service's own loopback issuer),
log nothing at ERROR, and on SIGTERM finish the request in flight. Two
replicas started at once on one fresh database both come up. `docker compose
up` runs for real, with podman-compose. podman missing is a failure, never a
skip: .ci/run installs it.
"""

import json
import re
import shlex
import shutil
import socket
import subprocess
import time

import pytest
import requests
import yaml
from bake import TOOLS_BIN, run
from conftest import combination_params, database_url
from containers import (
    Container,
    build_base_images,
    build_postgres_image,
    build_service_image,
    free_port,
    fresh_database,
    graphql,
    podman,
    podman_env,
    production_env,
    service_build_options,
    service_issuer,
    wait_ready,
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
        for replica in replicas:  # the child's work before the master listened,
            logs = replica.logs()  # and the master's warm-up before it forked
            assert logs.index("The database answers.") < logs.index("Listening at")
            assert logs.count("System check identified no issues") == 1
            assert logs.index("warm-up requests.") < logs.index("Booting worker")
            assert "The warm-up request" not in logs, logs  # none was refused
    finally:
        for replica in replicas:
            replica.remove()


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


class ComposeProject:
    """`docker compose` in a working copy, run by podman-compose (from PyPI):
    a project of its own, published on `port` (compose.yaml's LOCAL_PORT)."""

    def __init__(self, scratch, directory, project, port):
        self.scratch, self.directory, self.project = scratch, directory, project
        self.port, self.url = port, f"http://127.0.0.1:{port}"

    def __call__(self, *args, timeout=900, check=True):
        build_options = ["--pull=never", *service_build_options(self.scratch)]
        return run(
            [
                TOOLS_BIN / "podman-compose",
                "--project-name",
                self.project,
                "--podman-build-args",
                shlex.join(build_options),
                *args,
            ],
            cwd=self.directory,
            timeout=timeout,
            check=check,
            LOCAL_PORT=str(self.port),
            **podman_env(self.scratch),
        )

    def container(self, service):
        return f"{self.project}_{service}_1"

    def wait_healthy(self, service, timeout=60):
        """Run the service's healthcheck until it passes. (podman before 4.6
        runs healthchecks only through systemd, which is not here.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check = ["healthcheck", "run", self.container(service)]
            if podman(self.scratch, *check, check=False).returncode == 0:
                return
            time.sleep(1)
        raise AssertionError(f"{service} not healthy in {timeout} s")

    def wait_ready(self):
        return wait_ready(self.url, lambda: self.logs("app")).json()

    def logs(self, service):
        result = podman(self.scratch, "logs", self.container(service), check=False)
        return result.stdout + result.stderr


@pytest.mark.parametrize("name", combination_params("default", apart="-image"))
def test_compose_up_serves_the_service_and_reloads_an_edit(
    services, name, scratch, tmp_path
):
    """`docker compose up` (podman-compose here), as the service README says:
    the database's healthcheck passes, the app migrates and answers /readiness
    and GraphQL, and an edit reloads. `docker compose run --rm app pytest`
    passes, files the container makes are the developer's, and an edit builds
    again without installing the packages again."""
    service = services(name)
    compose_file = yaml.safe_load((service.path / "compose.yaml").read_text())
    user = re.sub(r"\$\{\w+:-(\w+)\}", r"\1", compose_file["services"]["app"]["user"])
    copy = working_copy(service, tmp_path / "working-copy", user)
    build_base_images(scratch, copy / "Dockerfile")
    build_postgres_image(scratch, compose_file["services"]["db"]["image"])
    port = free_port()
    compose = ComposeProject(scratch, copy, f"{name}-{port}", port)
    try:
        compose("up", "--detach", "--build")
        compose.wait_healthy("db")
        readiness = compose.wait_ready()
        assert readiness["database"] == "ok"
        migrations = compose.logs("app")
        assert "Applying users.0001_initial... OK" in migrations, migrations

        tests = compose("run", "--rm", "app", "pytest", check=False)
        assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-3000:]
        assert " passed" in tests.stdout

        [settings] = copy.glob("*/settings.py")
        assert served_name(compose.url, "Example Service") == "Example Service"
        with settings.open("a") as edit:
            edit.write('SERVICE_NAME = "Edited live"\n')
        assert served_name(compose.url, "Edited live", touch=settings) == "Edited live"
        assert "changed, reloading" in compose.logs("app")

        # What the container writes in the working copy is the developer's.
        compose("run", "--rm", "app", "python", "manage.py", "startapp", "bikes")
        made = copy / "bikes" / "apps.py"
        assert f"{made.stat().st_uid}:{made.stat().st_gid}" == user

        # The edited copy builds again from the cached packages: only the
        # source differs.
        image = f"localhost/{compose.project}_app:latest"
        before = layers(scratch, image)
        compose("build", "app")
        after = layers(scratch, image)
        assert len(before) == len(after)
        assert before[:-1] == after[:-1]
        assert before[-1] != after[-1]
    finally:
        compose("down", "--volumes", "--timeout=0", check=False)
        image = f"localhost/{compose.project}_app:latest"  # named by its port
        podman(scratch, "rmi", "--force", image, check=False)


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
