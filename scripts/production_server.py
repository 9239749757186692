"""A baked service's production command on a free loopback port, for the scripts."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def package_name(service):
    return next(service.glob("*/settings.py")).parent.name


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


def worker_memory_mb(master_pid, field):
    """A /proc status field (VmRSS now, VmHWM at its peak) of each worker, in MB."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != master_pid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
        for line in status.splitlines():
            if line.startswith(f"{field}:"):
                found.append(int(line.split()[1]) / 1024)
    return found
