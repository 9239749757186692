"""A throw-away PostgreSQL cluster, as `.ci/run` starts one, for tests and scripts
that must stop and start the server or that run without TEST_DATABASE_URL."""

import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class ServerProgramsMissing(Exception):
    pass


@dataclass
class Cluster:
    url: str  # of its `postgres` database
    stop_command: str
    start_command: str


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_cluster():
    """A new cluster on a free loopback port, removed afterwards."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    initdb = shutil.which("initdb") or (str(found[-1]) if found else None)
    if initdb is None:
        raise ServerProgramsMissing(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
        )
    pg_ctl = str(Path(initdb).parent / "pg_ctl")
    # Not under pytest's tmp_path: the server's own user must reach it.
    directory = Path(tempfile.mkdtemp(prefix="own-postgres-"))
    as_owner = []
    if os.getuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(directory, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = str(directory / "data")
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c fsync=off "
        f"-c unix_socket_directories={directory} -c max_connections=200"
    )
    control = shlex.join([*as_owner, pg_ctl, "--pgdata", data, "--wait"])
    cluster = Cluster(
        url=f"postgres://postgres@127.0.0.1:{port}/postgres",
        stop_command=f"{control} --mode fast stop",
        start_command=f"{control} --log {shlex.quote(str(directory / 'log'))} "
        f"-o {shlex.quote(options)} start",
    )
    try:
        subprocess.run(
            [
                *as_owner,
                initdb,
                "--pgdata",
                data,
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--no-sync",
            ],  # fmt: skip
            check=True,
            capture_output=True,
        )
        start = shlex.split(cluster.start_command)
        subprocess.run(start, check=True, capture_output=True)
        yield cluster
    finally:
        subprocess.run(
            shlex.split(f"{control} --mode immediate stop"), capture_output=True
        )
        shutil.rmtree(directory, ignore_errors=True)
