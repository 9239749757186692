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
import socket
import subprocess
import time

import pytest
import requests
import yaml
from conftest import combination_params, database_url
from containers import build_base_images, build_service_image, free_port, podman

ISSUER = """
import sys, conftest
issuer = conftest.Issuer()
print(issuer.url, issuer.token(sub="7d4c2f1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f"), flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("containers")


@pytest.fixture
def issuer(services, name):
    """The service's own test issuer, in its environment: (url, token)."""
    process = subprocess.Popen(
        [services(name).venv / "python", "-c", ISSUER],
        cwd=services(name).path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    url, token = process.stdout.readline().split()
    yield url, token
    process.kill()
    process.wait()


def create_database(service, server_url, name):
    url = database_url(server_url, name)
    script = (
        "import psycopg, sys\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute(f'DROP DATABASE IF EXISTS {sys.argv[2]} WITH (FORCE)')\n"
        "    c.execute(f'CREATE DATABASE {sys.argv[2]}')\n"
    )
    service.run("python", "-c", script, server_url, url.rsplit("/", 1)[1])
    return url


class Container:
    def __init__(self, scratch, image, port, env):
        self.scratch, self.port, self.url = scratch, port, f"http://127.0.0.1:{port}"
        options = [f"--env={key}={value}" for key, value in env.items()]
        self.id = podman(
            scratch,
            "run",
            "--detach",
            "--network=host",
            "--read-only",
            "--user=1000680000:0",
            "--unsetenv=HOME",
            *options,
            f"--env=PORT={port}",
            image,
        ).stdout.strip()

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/readiness", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"not ready in {timeout} s:\n{self.logs()}")

    def logs(self):
        result = podman(self.scratch, "logs", self.id)
        return result.stdout + result.stderr

    def remove(self):
        podman(self.scratch, "rm", "--force", "--time=0", self.id, check=False)


def production_env(issuer_url, database):
    return {
        "DATABASE_URL": database,
        "APPLY_MIGRATIONS": "1",
        "SECRET_KEY": "x9!vQ2#mZ7@pL4$kR8%tN1^wB6&yC3*dF5(hJ0)gS-eU+aI=oE_rT",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TOKEN_AUTH_AUTHSERVER_URL": issuer_url,
        "TOKEN_AUTH_ACCEPTED_AUDIENCE": "test-service",
        "WEB_CONCURRENCY": "1",
    }


def graphql(url, query, token=None):
    headers = {"X-Forwarded-Proto": "https"}  # as the platform's router sends
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(
        f"{url}/graphql", json={"query": query}, headers=headers, timeout=10
    )


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
        me = graphql(first.url, "{ me { uuid } }", token).json()
        assert me == {"data": {"me": {"uuid": "7d4c2f1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f"}}}

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


@pytest.mark.parametrize("name", combination_params("default", apart="-image"))
def test_development_image_runs_the_test_suite(services, name, scratch, postgres_url):
    service = services(name)
    build_base_images(scratch, service.path / "Dockerfile")
    image = f"localhost/{name}:development"
    build_service_image(scratch, service.path, "development", image)
    compose = yaml.safe_load((service.path / "compose.yaml").read_text())
    env = {  # compose.yaml's, with this run's database server
        **compose["services"]["app"]["environment"],
        "DATABASE_URL": create_database(service, postgres_url, f"devimage_{name}"),
    }

    result = podman(
        scratch,
        "run",
        "--rm",
        "--network=host",
        *(f"--env={key}={value}" for key, value in env.items()),
        image,
        "pytest",  # as the service README says: docker compose run --rm app pytest
        timeout=900,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
