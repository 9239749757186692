"""A baked service's production command on a free loopback port, for the scripts."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

# The loopback issuer is plain http on 127.0.0.1, which production settings
# refuse (authentication.E002); trusting it is the point of these runs.
TRUST_THE_LOOPBACK_ISSUER = {"SILENCED_SYSTEM_CHECKS": "authentication.E002"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def package_name(service):
    return next(service.glob("*/settings.py")).parent.name


def create_database(url):
    """Create the database named by `url` on its server, dropping an old one."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare(description, **overrides):
    """What a script needs to run a service as in production, on loopback.

    Reads --service and --database-url and gives `setup`'s (service
    directory, issuer, environment).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--service", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    arguments = parser.parse_args()
    return setup(arguments.service, arguments.database_url, **overrides)


def setup(service, database_url, **overrides):
    """Make the database afresh, start the service's loopback OIDC issuer (its
    conftest.Issuer), and migrate. Gives (service directory, issuer,
    environment); `overrides` go into the environment.
    """
    service = Path(service).resolve()
    sys.path.insert(0, str(service))
    from conftest import AUDIENCE, Issuer

    create_database(database_url)
    issuer = Issuer()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"{package_name(service)}.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "loopback-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "TOKEN_AUTH_AUTHSERVER_URL": issuer.url,
        **TRUST_THE_LOOPBACK_ISSUER,
        "TOKEN_AUTH_ACCEPTED_AUDIENCE": AUDIENCE,
        "LOG_LEVEL": "WARNING",
        **overrides,
    }
    manage(service, env, "migrate", "--no-input", "-v0")
    return service, issuer, env


def manage(service, env, *args):
    """`manage.py <args>` in the service, with this environment."""
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=service, env=env, check=True
    )


def start(service, env, output=subprocess.DEVNULL):
    """`gunicorn --config gunicorn.conf.py`, answering: (process, base URL)."""
    port = free_port()
    process = subprocess.Popen(
        [
            Path(sys.executable).parent / "gunicorn",
            "--config",
            "gunicorn.conf.py",
            f"{package_name(service)}.wsgi",
        ],
        cwd=service,
        env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=5)
            return process, url
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server in {service} did not start") from None
            time.sleep(0.1)


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command name, from the state on."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(parent_pid):
    """The /proc directory and the fields of /proc/<pid>/stat of each child
    of `parent_pid` (gunicorn's workers, PostgreSQL's backends)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_fields(stat.parent.name)
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        if int(fields[1]) == parent_pid:
            yield stat.parent, fields


def memory_kb(pid, field, file="status"):
    """A memory field of /proc/<pid>/<file> in kB: VmRSS or VmHWM of status,
    Pss of smaps_rollup."""
    for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/{file}")


def worker_memory_mb(master_pid, field):
    """A /proc status field (VmRSS now, VmHWM at its peak) of each worker, in MB."""
    found = []
    for directory, _ in children(master_pid):
        try:
            found.append(memory_kb(directory.name, field) / 1024)
        except (OSError, LookupError):
            continue  # a worker that ended meanwhile
    return found


def cpu_seconds(fields, ended_children=False):
    """The CPU time (user and system) of a process by its stat `fields`; with
    `ended_children`, that of its children that have ended too."""
    ticks = int(fields[11]) + int(fields[12])
    if ended_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds(parent_pid):
    """The CPU time the children of `parent_pid` (gunicorn's workers,
    PostgreSQL's backends) have used so far, together.

    Unlike requests per second, it does not count the time the machine gave
    to other programs, which on a shared machine moves from run to run.
    """
    return sum(cpu_seconds(fields) for _, fields in children(parent_pid))
