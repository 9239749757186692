"""The default service's production image: its size, build times with a cold
and a warm cache, time from start to ready, and memory after 100 requests
(medians of --starts runs).

    uv run python scripts/container_figures.py \\
        --database-url postgres://postgres@127.0.0.1:5432/postgres [--starts 3]

Needs what the container tests need (podman, runc and mmdebstrap, as .ci/run
installs them) and a PostgreSQL server whose user may create databases. It
bakes the default service into a temporary directory, builds the stand-in
base images and the image as tests/test_container_smoke.py does, and runs
the image as the platform does (read-only, a random uid, gunicorn.conf.py's
workers and threads). Memory is measured after a start on a migrated
database, and again after one that applied every migration. The Python
stand-in is a whole CPython on a Debian minbase, bigger than the official
slim image, so the service's own layers are printed apart. A cold build
downloads every package from PyPI.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import production_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bake import bake, resolved  # noqa: E402
from conftest import COMBINATIONS, Service, database_url  # noqa: E402
from containers import (  # noqa: E402
    Container,
    base_images,
    build_base_images,
    build_service_image,
    free_port,
    fresh_database,
    graphql,
    podman,
    production_env,
    python_image_name,
    service_issuer,
)

REQUESTS = 100


def timed(action, *args):
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def image_mb(scratch, image):
    size = podman(scratch, "image", "inspect", "--format={{.Size}}", image).stdout
    return int(size) / 1e6


def build_figures(scratch, service, image):
    """Seconds to build with no cache, again unchanged, and after an edit."""
    build = build_service_image
    cold = timed(build, scratch, service.path, "production", image, "--no-cache")
    unchanged = timed(build, scratch, service.path, "production", image)
    [settings] = service.path.glob("*/settings.py")
    with (settings.parent / "schema.py").open("a") as edit:
        edit.write("# an edit\n")
    edited = timed(build, scratch, service.path, "production", image)
    return cold, unchanged, edited


def start_seconds(scratch, image, env):
    """Seconds from `podman run` to the first 200 from /readiness."""
    started = time.perf_counter()
    container = Container(scratch, image, free_port(), env)
    try:
        container.wait_ready(poll=0.05)
        return time.perf_counter() - started
    finally:
        container.remove()


def memory_after_requests(scratch, image, env, make_token):
    """RSS of gunicorn's master and each worker, and their PSS together (MB),
    after REQUESTS requests, half `serviceInfo`, half a signed-in `me`."""
    container = Container(scratch, image, free_port(), env)
    try:
        container.wait_ready()
        token = make_token()  # once the container is up, so that it is fresh
        for number in range(REQUESTS):
            if number % 2:
                answer = graphql(container.url, "{ me { uuid } }", token).json()
                assert answer["data"]["me"]["uuid"], answer
            else:
                answer = graphql(container.url, "{ serviceInfo { name } }").json()
                assert answer["data"]["serviceInfo"]["name"], answer
        inspect = ["inspect", "--format={{.State.Pid}}", container.id]
        master = int(podman(scratch, *inspect).stdout)
        workers = [
            int(directory.name) for directory, _ in production_server.children(master)
        ]
        rss = {
            "master": production_server.memory_kb(master, "VmRSS") / 1024,
            "workers": production_server.worker_memory_mb(master, "VmRSS"),
        }
        pss = sum(
            production_server.memory_kb(pid, "Pss", "smaps_rollup")
            for pid in [master, *workers]
        )
        return rss, pss / 1024
    finally:
        container.remove()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--starts", type=int, default=3)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory) / "run" / "figures" / "containers"
        scratch.mkdir(parents=True)
        _, path = bake(Path(directory) / "output", **COMBINATIONS["default"])
        service = Service("default", path, resolved(COMBINATIONS["default"]))
        build_base_images(scratch, path / "Dockerfile")
        image = "localhost/figures:production"
        cold, unchanged, edited = build_figures(scratch, service, image)
        python_version = base_images(path / "Dockerfile")[1]
        size = image_mb(scratch, image)
        base = image_mb(scratch, python_image_name(python_version))

        database = database_url(options.database_url, "container_figures")
        with service_issuer(service) as (issuer_url, token):
            env = production_env(issuer_url, database)
            del env["WEB_CONCURRENCY"]  # gunicorn.conf.py's, as the platform runs it
            fresh, again = [], []
            for _ in range(options.starts):
                fresh_database(service, options.database_url, database)
                fresh.append(start_seconds(scratch, image, env))  # migrates
                again.append(start_seconds(scratch, image, env))  # nothing to do
            migrated, migrating = [], []
            for _ in range(options.starts):
                migrated.append(memory_after_requests(scratch, image, env, token))
                fresh_database(service, options.database_url, database)
                migrating.append(memory_after_requests(scratch, image, env, token))
    # The start whose PSS is the median, with its RSS figures.
    rss, pss = sorted(migrated, key=lambda memory: memory[1])[len(migrated) // 2]
    pss_migrating = statistics.median(after for _, after in migrating)

    print(
        f"image size: {size:.0f} MB, of which the service's own layers "
        f"{size - base:.0f} MB (the Python stand-in: {base:.0f} MB)"
    )
    print(
        f"build: cold cache {cold:.0f} s, warm and unchanged {unchanged:.1f} s, "
        f"warm after a source edit {edited:.1f} s"
    )
    print(
        f"start to ready, median of {options.starts}: fresh database with "
        f"migrations {statistics.median(fresh):.2f} s, migrated database "
        f"{statistics.median(again):.2f} s"
    )
    workers = ", ".join(f"{mb:.0f}" for mb in rss["workers"])
    print(
        f"memory after {REQUESTS} requests, median of {options.starts}: RSS master "
        f"{rss['master']:.0f} MB, workers {workers} MB; PSS together {pss:.1f} MB "
        f"({pss_migrating:.1f} MB after a start that applied the migrations)"
    )


if __name__ == "__main__":
    main()
