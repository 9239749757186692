"""Building and running a service's image with podman, as the platform runs it.

No container registry is reachable here, so the base images the Dockerfile
and compose.yaml name are stand-ins built locally and tagged with those exact
names: uv's from the static musl binaries of its PyPI wheel, Python's from a
Debian 12 minbase (mmdebstrap) with the CPython the template tests already
use copied to /usr/local, PostgreSQL's from Debian 12's own server package
with a start script that does what the official image does with POSTGRES_*.
Builds never pull; package downloads inside a build get the host's CA bundle
as a build-time mount only.
"""

import contextlib
import fcntl
import re
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import requests
from bake import find_python, run

CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def podman_env(scratch):
    """What podman needs on this host: runc, cgroupfs, ulimits it allows."""
    conf = scratch / "containers.conf"
    if not conf.exists():
        hard_nofile = subprocess.run(
            ["sh", "-c", "ulimit -Hn"], capture_output=True, text=True, check=True
        ).stdout.strip()
        conf.write_text(
            "[containers]\n"
            f'default_ulimits = ["nofile={hard_nofile}:{hard_nofile}", '
            '"nproc=32768:32768"]\n'
            '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
        )
    return {"CONTAINERS_CONF": str(conf)}


def podman(scratch, *args, timeout=900, check=True):
    if shutil.which("podman") is None:
        raise AssertionError(
            "podman is not installed: .ci/run installs it with apt-get "
            "(podman runc mmdebstrap); the container tests never skip."
        )
    return run(
        ["podman", *args],
        cwd=scratch,
        timeout=timeout,
        check=check,
        **podman_env(scratch),
    )


def build(scratch, context, tag, *options):
    """Build an image from local images only: nothing is pulled."""
    podman(scratch, "build", "--quiet", "--pull=never", *options, "-t", tag, context)


def python_image_name(version):
    """The Python base image the Dockerfile names, for a Python version."""
    return f"docker.io/library/python:{version}-slim-bookworm"


def base_images(dockerfile):
    """The uv version and the Python version of a Dockerfile, once its base
    images are checked to be named in full (as Docker and podman both read)."""
    text = dockerfile.read_text()
    uv_version = re.search(r"^FROM ghcr\.io/astral-sh/uv:(\S+) AS uv$", text, re.M)[1]
    python_version = re.search(r"^ARG PYTHON_VERSION=(\S+)$", text, re.M)[1]
    python = "docker.io/library/python:${PYTHON_VERSION}-slim-bookworm"
    assert re.search(rf"^FROM {re.escape(python)} AS base$", text, re.M), text
    return uv_version, python_version


def minbase(scratch, name, packages):
    """A Debian 12 minbase image with `packages`, made by mmdebstrap once."""
    image = f"localhost/{name}:latest"
    if podman(scratch, "image", "exists", image, check=False).returncode != 0:
        tarball = scratch / f"{name}.tar"
        run(
            [
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                f"--include={','.join(packages)}",
                "bookworm",
                tarball,
                "http://deb.debian.org/debian",
            ],
            cwd=scratch,
        )
        podman(scratch, "import", "--quiet", tarball, image)
        tarball.unlink()
    return image


def build_uv_image(scratch, version):
    work = scratch / "uv-image"
    work.mkdir(exist_ok=True)
    index = requests.get(  # PyPI's simple API, as installers read it
        "https://pypi.org/simple/uv/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=60,
    )
    [wheel_url] = [
        item["url"]
        for item in index.json()["files"]
        if item["filename"] == f"uv-{version}-py3-none-musllinux_1_1_x86_64.whl"
    ]
    wheel = work / "uv.whl"
    wheel.write_bytes(requests.get(wheel_url, timeout=300).content)
    with zipfile.ZipFile(wheel) as archive:
        for name in ("uv", "uvx"):
            target = work / name
            target.write_bytes(archive.read(f"uv-{version}.data/scripts/{name}"))
            target.chmod(0o755)
    (work / "Containerfile").write_text("FROM scratch\nCOPY uv uvx /\n")
    build(scratch, work, f"ghcr.io/astral-sh/uv:{version}")


def build_python_image(scratch, version):
    base = minbase(
        scratch,
        "debian12-minbase",
        [
            "ca-certificates",
            "libssl3",
            "libsqlite3-0",
            "libffi8",
            "libbz2-1.0",
            "liblzma5",
            "libreadline8",
            "libncursesw6",
            "zlib1g",
            "libuuid1",
            "libexpat1",
        ],
    )
    work = scratch / f"python-{version}"
    prefix = Path(
        subprocess.run(
            [find_python(version), "-c", "import sys; print(sys.base_prefix)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    shutil.copytree(
        prefix,
        work / "python",
        symlinks=True,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("test", "__pycache__", "*.pth"),
    )
    (work / "Containerfile").write_text(
        f"FROM {base}\nCOPY python/ /usr/local/\n"
        "RUN ldconfig && ln -sf python3 /usr/local/bin/python\nENV LANG=C.UTF-8\n"
    )
    build(scratch, work, python_image_name(version))


POSTGRES_START = Path(__file__).parent / "postgres_image" / "start-postgres.sh"


def build_postgres_image(scratch, image):
    """A stand-in for the official PostgreSQL image `image` (such as
    docker.io/library/postgres:15), from Debian 12's package of that version."""
    major = re.fullmatch(r"docker\.io/library/postgres:(\d+)", image)
    assert major, f"{image}: compose.yaml names the official image, in full"
    major = major[1]
    base = minbase(scratch, f"debian12-postgresql-{major}", [f"postgresql-{major}"])
    work = scratch / f"postgres-{major}"
    work.mkdir(exist_ok=True)
    shutil.copy(POSTGRES_START, work / POSTGRES_START.name)
    (work / "Containerfile").write_text(
        f"FROM {base}\n"
        f"COPY {POSTGRES_START.name} /usr/local/bin/\n"
        "RUN install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data "
        "&& install -d -o postgres -g postgres /var/run/postgresql\n"
        f"ENV PATH=/usr/lib/postgresql/{major}/bin:$PATH "
        "PGDATA=/var/lib/postgresql/data LANG=C.UTF-8\n"
        "USER postgres\n"
        "EXPOSE 5432\n"
        f'CMD ["{POSTGRES_START.name}"]\n'
    )
    build(scratch, work, image)


def service_build_options(scratch):
    """What a build of a service's image needs here: the host's network and
    CA bundle for uv's downloads, as build-time mounts only."""
    uv_config = scratch / "uv-build.toml"
    uv_config.write_text("native-tls = true\n")  # uv trusts the mounted bundle
    return [
        "--network=host",
        f"--volume={CA_BUNDLE}:{CA_BUNDLE}:ro",
        f"--volume={uv_config}:/etc/uv/uv.toml:ro",
    ]


def build_service_image(scratch, service_dir, target, tag, *options):
    build(
        scratch,
        service_dir,
        tag,
        *service_build_options(scratch),
        f"--target={target}",
        *options,
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_base_images(scratch, dockerfile):
    """The stand-ins a Dockerfile needs, built once for every test worker."""
    uv_version, python_version = base_images(dockerfile)
    shared = scratch.parent.parent  # the test run's directory, above each worker's
    with (shared / "base-images.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (
            podman(
                scratch,
                "image",
                "exists",
                f"ghcr.io/astral-sh/uv:{uv_version}",
                check=False,
            ).returncode
            != 0
        ):
            build_uv_image(scratch, uv_version)
        python_image = python_image_name(python_version)
        if podman(scratch, "image", "exists", python_image, check=False).returncode:
            build_python_image(scratch, python_version)


# The service's own test issuer (its conftest), printing its URL and a token.
ISSUER = """
import sys, conftest
issuer = conftest.Issuer()
print(issuer.url, flush=True)
for _ in sys.stdin:  # each line asks for a token, made at that moment
    print(issuer.token(sub="7d4c2f1e-9a3b-4c5d-8e6f-0a1b2c3d4e5f"), flush=True)
"""


@contextlib.contextmanager
def service_issuer(service):
    """The service's loopback OpenID Connect issuer, run in its environment:
    (url, a function that makes a token for the user 7d4c2f1e-... when it is
    called: a token made before an image build could expire during it)."""
    process = subprocess.Popen(
        [service.venv / "python", "-c", ISSUER],
        cwd=service.path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()

        def token():
            process.stdin.write("\n")
            process.stdin.flush()
            return process.stdout.readline().strip()

        yield url, token
    finally:
        process.kill()
        process.wait()


def fresh_database(service, server_url, url):
    """Drop and create the database of `url` on the PostgreSQL server of
    `server_url`, with the service's own psycopg."""
    script = (
        "import psycopg, sys\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute(f'DROP DATABASE IF EXISTS {sys.argv[2]} WITH (FORCE)')\n"
        "    c.execute(f'CREATE DATABASE {sys.argv[2]}')\n"
    )
    name = urlsplit(url).path.lstrip("/")
    service.run("python", "-c", script, server_url, name)
    return url


def wait_ready(url, logs, timeout=180, poll=0.5):
    """The service's first 200 from /readiness; on a timeout, `logs()` is shown."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ready = requests.get(f"{url}/readiness", timeout=5)
            if ready.status_code == 200:
                return ready
        except requests.RequestException:
            pass
        time.sleep(poll)
    raise AssertionError(f"not ready in {timeout} s:\n{logs()}")


class Container:
    """A production container, run as the platform runs it: read-only, a
    random uid in group 0, no HOME; on the host's network at `port`."""

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

    def wait_ready(self, timeout=180, poll=0.5):
        return wait_ready(self.url, self.logs, timeout, poll)

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
        # The loopback issuer is plain http on 127.0.0.1, which production
        # settings refuse; trusting it here is the point of the test.
        "SILENCED_SYSTEM_CHECKS": "authentication.E002",
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
