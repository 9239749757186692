"""The production command, run for real: gunicorn with gunicorn.conf.py on loopback."""

import json
import os
import signal
import socket
{%- if cookiecutter.use_docker %}
import sqlite3
{%- endif %}
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
{%- if cookiecutter.use_docker %}
from django.db.migrations.loader import MigrationLoader
{%- endif %}

from {{ cookiecutter.package_name }}.warmup import WARM_UP_REQUESTS

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(directory, **overrides):
    """`gunicorn --config gunicorn.conf.py` with production settings, and
    `overrides` in its environment. Gives (process, URL, log file).
    """
    port = free_port()
    log = directory / "gunicorn.log"
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DEBUG": "0",
        "SECRET_KEY": "production-like-secret-key-for-the-server-test-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "1",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        # As on the platform: a user without a home directory, and static
        # files collected (here, none).
        "HOME": str(directory / "no-such-home"),
        "STATIC_ROOT": str(directory / "static"),
{%- if cookiecutter.use_docker %}
        "APPLY_MIGRATIONS": "1",  # as the container's first start does
{%- endif %}
        **overrides,
    }
    (directory / "static").mkdir()
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                Path(sys.executable).parent / "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "{{ cookiecutter.package_name }}.wsgi",
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=5)
            return server, url, log
        except requests.RequestException:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.1)


def stop_server(server):
    """SIGTERM, as the platform stops a pod, and the exit it brings."""
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    server, url, log = start_server(tmp_path_factory.mktemp("gunicorn"))
    yield url, log
    stop_server(server)


def test_start_up_logs_no_error(production_server):
    _, log = production_server
    started = log.read_text()

    assert "Booting worker" in started
    assert "Control server" not in started  # gunicorn's socket under $HOME
    assert "ERROR" not in started, started


def test_the_master_is_ready_before_it_forks_the_workers(production_server):
    """In this order: {% if cookiecutter.use_docker %}the database prepared (by a child of the master), {% endif %}the
    warm-up requests answered, the workers forked (gunicorn.conf.py)."""
    _, log = production_server
    messages = [
        line["message"]
        for line in map(json.loads, log.read_text().splitlines())
        if line.get("source") == "gunicorn.error"
    ]
    milestones = [
{%- if cookiecutter.use_docker %}
        "The database answers.",
        "  Applying users.0001_initial... OK",
{%- endif %}
        f"Answered {len(WARM_UP_REQUESTS)} warm-up requests.",
        "Booting worker",
    ]

    positions = []
    for milestone in milestones:
        found = [i for i, line in enumerate(messages) if line.startswith(milestone)]
        assert found, f"{milestone!r} is not in {messages}"
        positions.append(found[0])
    assert positions == sorted(positions), messages
{%- if cookiecutter.use_docker %}
    with sqlite3.connect(log.parent / "db.sqlite3") as database:
        [[applied]] = database.execute("SELECT count(*) FROM django_migrations")
    assert applied == len(
        MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    )
{%- endif %}


{%- if cookiecutter.use_sentry %}


# Sentry on and tracing every request; nothing listens at its address.
SENTRY_ON = {
    "SENTRY_DSN": "https://public@127.0.0.1:9/1",
    "SENTRY_TRACES_SAMPLE_RATE": "1",
}
{%- endif %}


@pytest.mark.skipif(sys.platform != "linux", reason="reads the threads in /proc")
def test_the_master_forks_with_no_thread_but_its_own(tmp_path):
    """A thread started in the master before the fork (by the warm-up, say)
    would leave each worker copies of the locks it holds, without the thread."""
    server, _, log = start_server(tmp_path{% if cookiecutter.use_sentry %}, **SENTRY_ON{% endif %})
    try:
        threads = list(Path(f"/proc/{server.pid}/task").iterdir())
    finally:
        stop_server(server)

    assert len(threads) == 1, log.read_text()


def test_readiness_over_plain_http(production_server):
    url, _ = production_server

    response = requests.get(f"{url}/readiness", timeout=5)

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_plain_http_is_redirected_to_https(production_server):
    url, _ = production_server

    response = requests.get(f"{url}/graphql", allow_redirects=False, timeout=5)

    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


def test_https_at_the_proxy_is_served_with_security_headers(production_server):
    url, _ = production_server

    response = requests.post(
        f"{url}/graphql",
        json={"query": "{ serviceInfo { name } }"},
        headers={"X-Forwarded-Proto": "https", "X-Request-ID": "served-1"},
        timeout=5,
    )

    assert response.status_code == 200
    assert response.json()["data"]["serviceInfo"]["name"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_access_log_leaves_out_the_probes(production_server):
    url, log = production_server
    requests.get(f"{url}/healthz", timeout=5)
    requests.get(f"{url}/readiness", timeout=5)
    requests.get(
        f"{url}/graphql",
        headers={"X-Request-ID": "logged-1"},
        allow_redirects=False,
        timeout=5,
    )

    deadline = time.monotonic() + 10  # gunicorn writes the line after the response
    while "logged-1" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [json.loads(line) for line in log.read_text().splitlines()]

    access = [line for line in lines if line.get("source") == "gunicorn.access"]
    assert [
        (line["request_method"], line["path"], line["status"])
        for line in access
        if line["request_id"] == "logged-1"
    ] == [("GET", "/graphql", "301")]
    assert not [line for line in access if line["path"] in ("/healthz", "/readiness")]


def test_access_log_shows_the_client_address_the_proxy_vouches_for(
    production_server,
):
    url, log = production_server
    requests.post(
        f"{url}/graphql",
        json={"query": "{ serviceInfo { name } }"},
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "203.0.113.66, 198.51.100.7",
            "X-Request-ID": "from-afar-1",
        },
        timeout=5,
    )

    deadline = time.monotonic() + 10
    while "from-afar-1" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = [
        line
        for line in map(json.loads, log.read_text().splitlines())
        if line.get("request_id") == "from-afar-1"
    ]
    assert line["remote_addr"] == "198.51.100.7"  # the router's entry, not the client's


def chunked(body, size=1000):
    """The body in pieces: requests sends an iterator with chunked encoding."""
    return (body[start : start + size] for start in range(0, len(body), size))


def test_chunked_body_is_read(production_server):
    url, _ = production_server
    body = json.dumps({"query": "{ serviceInfo { name } }" + " " * 5000}).encode()

    response = requests.post(
        f"{url}/graphql",
        data=chunked(body),
        headers={"X-Forwarded-Proto": "https", "Content-Type": "application/json"},
        timeout=5,
    )

    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert response.status_code == 200
    assert response.json()["data"]["serviceInfo"]["name"]


def test_chunked_body_over_the_limit_is_refused(production_server):
    url, _ = production_server
    body = b'{"query": "' + b" " * 300_000 + b'{ serviceInfo { name } }"}'

    response = requests.post(
        f"{url}/graphql",
        data=chunked(body, 64 * 1024),
        headers={"X-Forwarded-Proto": "https", "Content-Type": "application/json"},
        timeout=5,
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": "The request body is too large: at most 262144 bytes.",
            "extensions": {"code": "BAD_REQUEST"},
        }
    ]


def send_request(url, body, *, send_all=True):
    """A raw POST /graphql, all of it or all but the body's last bytes: the socket."""
    host, port = url.removeprefix("http://").split(":")
    client = socket.create_connection((host, int(port)), timeout=10)
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"X-Forwarded-Proto: https\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    )
    client.sendall(head + (body if send_all else body[:-10]))
    return client


def read_response(client):
    """Everything the server sends before it closes the connection."""
    response = b""
    try:
        while chunk := client.recv(65536):
            response += chunk
    except ConnectionResetError:
        pass
    client.close()
    return response


def test_sigterm_finishes_the_request_in_flight_and_serves_no_new_one(tmp_path):
    server, url, log = start_server(tmp_path)
    body = json.dumps({"query": "{ serviceInfo { name } }"}).encode()
    slow = send_request(url, body, send_all=False)
    time.sleep(0.5)  # a worker thread is reading the body now

    server.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while "Handling signal: term" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    time.sleep(0.5)  # the master has passed the signal on to its worker
    try:
        late = send_request(url, body)
    except ConnectionRefusedError:
        late = None
    slow.sendall(body[-10:])  # the slow client finishes its request
    in_flight = read_response(slow)
    exit_code = server.wait(timeout=40)

    head, _, content = in_flight.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), in_flight
    assert json.loads(content)["data"]["serviceInfo"]["name"]
    assert late is None or read_response(late) == b""
    assert exit_code == 0, log.read_text()
